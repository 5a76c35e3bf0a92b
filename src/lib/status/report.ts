/**
 * The status report: the one object `kubectl srs status` prints as JSON/YAML and draws its tables
 * from. Its shape is documented in docs/status-schema.json; change both together.
 */
import type {Pod} from '../kube/types.js'
import type {PodSrsStatus} from './pod-query.js'
import type {SrsApiAuthReport} from '../srs/api/credentials.js'
import type {Drift, Topology, WorkloadModel, WorkloadRole} from '../srs/topology.js'
import type {ObservedAccess} from '../srs/observe.js'
import {imageTag} from '../srs/image.js'
import {matchSrsVersionToImage} from '../srs/api/version-match.js'
import {compareNamesNumerically} from '../util.js'
import {ROLLOUT_ANNOTATION} from '../vocabulary.js'

export const STATUS_API_VERSION = 'kubectl-srs/v1alpha1'

export interface PodReport {
  name: string
  phase: string
  ready: boolean
  terminating: boolean
  restarts: number
  ageSeconds: number | null
  podIP: string | null
  image: string
  imageTag: string
  /** What the pod's SRS API said; null when it did not answer (see error). */
  srs: {
    version: string
    /** match: the reported version fits the image tag; mismatch: it does not; unverifiable: the tag names no version. */
    versionCheck: 'match' | 'mismatch' | 'unverifiable'
    serverId: string | null
    serviceId: string | null
    pid: number | null
    uptimeSeconds: number
    /** summaries conn_srs: every connection SRS serves, HTTP API connections included. */
    connections: number
    /** Players + publishers from the clients list: the viewers a drain waits for. */
    viewers: number
    players: number
    publishers: number
    streams: number
    streamsPublished: number
    clients: number
    kbpsIn: number
    kbpsOut: number
    cpuPercent: number
    memKbyte: number
  } | null
  error: {reason: string; message: string} | null
  /** How the SRS API was reached: the apiserver pod proxy, or a port-forward with credentials; null when not asked. */
  apiRoute: 'proxy' | 'port-forward' | null
}

export interface WorkloadReport {
  namespace: string
  kind: 'Deployment' | 'StatefulSet'
  name: string
  role: WorkloadRole
  ready: number
  desired: number
  images: string[]
  apiPort: number
  /** SRS http_api credentials kubectl-srs had for this workload and where they came from (never the password); null: none. */
  apiAuth: SrsApiAuthReport | null
  config: {source: 'configmap' | 'none'; configMap: string | null; key: string | null; problem: string | null}
  /** Edge: where it pulls from. Origin cluster member: its coworkers. */
  links: {origins: string[]; coworkers: string[]}
  services: string[]
  /** StatefulSet canary through the update partition: ordinals >= partition run the new revision. */
  partition: number | null
  pods: PodReport[]
}

export interface TrackReport {
  workload: string
  role: 'stable' | 'canary'
  image: string
  pods: number
  readyPods: number
  connections: number
  /** Share of the group's pods, in percent (one decimal). */
  weightByPods: number
  /** Share of the group's measured SRS connections, in percent; null when none were measured. */
  weightByConnections: number | null
}

export interface GroupReport {
  namespace: string
  service: string
  /** The weight kubectl-srs canary was asked for (annotation), when it made this canary. */
  requestedWeight: number | null
  tracks: TrackReport[]
}

export interface Warning {
  kind: 'version-mismatch' | 'drift' | 'restarted' | 'draining' | 'unreachable' | 'namespaces-not-listed'
  namespace: string
  workload?: string
  pod?: string
  message: string
}

export interface StatusReport {
  apiVersion: typeof STATUS_API_VERSION
  kind: 'SrsStatus'
  context: string
  generatedAt: string
  namespaces: string[]
  workloads: WorkloadReport[]
  groups: GroupReport[]
  warnings: Warning[]
  /** What could be read: with `status -A` as a user who may not list everywhere, what was refused (exit code 3). */
  access: ObservedAccess
  summary: {workloads: number; pods: number; podsAnswered: number; podsDegraded: number; connections: number; viewers: number}
}

const FULL_ACCESS: ObservedAccess = {complete: true, listedBy: 'namespace', namespacesRead: null, denied: []}

/**
 * `status -A` by a user who may list neither across all namespaces nor the namespaces: only the
 * kubeconfig context's namespace was read. Said as a warning (stderr and -o json), since a user
 * bound per namespace would otherwise take the short list for the whole cluster.
 */
function namespacesNotListedWarning(access: ObservedAccess): Warning | undefined {
  if (access.listedBy !== 'context-namespace') return undefined
  const shown = access.namespacesRead?.[0] ?? ''
  const who = access.denied.find((d) => d.resource === 'namespaces')?.user
  return {
    kind: 'namespaces-not-listed',
    namespace: shown,
    message:
      `cannot list namespaces${who ? ` (user "${who}" may not list namespaces)` : ''}: showing only the kubeconfig context's namespace "${shown}", not every namespace; ` +
      'a ClusterRoleBinding to ClusterRole kubectl-srs-namespaces (docs/rbac.yaml) lets status -A find the namespaces you may read, or pass -n NAMESPACE',
  }
}

/** Pure: turns a topology plus the per-pod SRS answers into the report. */
export function buildStatusReport(
  context: string,
  topologies: Topology[],
  answers: Map<string, PodSrsStatus>,
  now: Date,
  previous?: StatusReport,
  access: ObservedAccess = FULL_ACCESS,
  auth: ReadonlyMap<string, SrsApiAuthReport> = new Map(),
): StatusReport {
  const workloads: WorkloadReport[] = []
  const groups: GroupReport[] = []
  const warnings: Warning[] = []
  for (const topo of topologies) {
    for (const w of topo.workloads) workloads.push(workloadReport(w, answers, now, warnings, auth.get(`${w.namespace}/${w.name}`) ?? null))
    for (const g of topo.groups) {
      const tracks = g.tracks.map((t) => {
        const wr = workloads.find((x) => x.namespace === topo.namespace && x.name === t.workload)!
        const live = wr.pods.filter((p) => !p.terminating)
        return {
          workload: t.workload,
          role: t.role,
          image: t.image,
          pods: live.length,
          readyPods: live.filter((p) => p.ready).length,
          connections: live.reduce((n, p) => n + (p.srs?.connections ?? 0), 0),
          weightByPods: 0,
          weightByConnections: null as number | null,
        }
      })
      const podTotal = tracks.reduce((n, t) => n + t.pods, 0)
      const connTotal = tracks.reduce((n, t) => n + t.connections, 0)
      for (const t of tracks) {
        t.weightByPods = podTotal ? round1((100 * t.pods) / podTotal) : 0
        t.weightByConnections = connTotal ? round1((100 * t.connections) / connTotal) : null
      }
      const canary = topo.workloads.find((w) => w.name === tracks.find((t) => t.role === 'canary')?.workload)
      const requested = canary?.annotations[ROLLOUT_ANNOTATION.requestedWeight]
      groups.push({namespace: topo.namespace, service: g.service, requestedWeight: requested === undefined ? null : Number(requested), tracks})
    }
    for (const d of topo.drift) warnings.push(driftWarning(topo.namespace, d))
  }
  if (previous) {
    for (const w of workloads) {
      for (const p of w.pods) {
        const before = previous.workloads.find((x) => x.namespace === w.namespace && x.name === w.name)?.pods.find((x) => x.name === p.name)
        const changed = before?.srs && p.srs && ((before.srs.serviceId && p.srs.serviceId && before.srs.serviceId !== p.srs.serviceId) || p.srs.uptimeSeconds < before.srs.uptimeSeconds)
        if (changed) warnings.push({kind: 'restarted', namespace: w.namespace, workload: w.name, pod: p.name, message: `pod ${p.name}: SRS restarted (uptime ${p.srs!.uptimeSeconds}s)`})
      }
    }
  }
  const unlisted = namespacesNotListedWarning(access)
  if (unlisted) warnings.unshift(unlisted)
  const pods = workloads.flatMap((w) => w.pods)
  return {
    apiVersion: STATUS_API_VERSION,
    kind: 'SrsStatus',
    context,
    generatedAt: now.toISOString(),
    namespaces: [...new Set(topologies.map((t) => t.namespace))],
    workloads,
    groups,
    warnings,
    access,
    summary: {
      workloads: workloads.length,
      pods: pods.length,
      podsAnswered: pods.filter((p) => p.srs).length,
      podsDegraded: pods.filter(isDegraded).length,
      connections: pods.reduce((n, p) => n + (p.srs?.connections ?? 0), 0),
      viewers: pods.reduce((n, p) => n + (p.srs?.viewers ?? 0), 0),
    },
  }
}

/** A pod counts against exit code 0 when it should answer and did not. A draining pod is expected to refuse. */
export function isDegraded(p: PodReport): boolean {
  return !p.terminating && p.error !== null
}

function workloadReport(w: WorkloadModel, answers: Map<string, PodSrsStatus>, now: Date, warnings: Warning[], apiAuth: SrsApiAuthReport | null): WorkloadReport {
  const pods = [...w.pods].sort((a, b) => compareNamesNumerically(a.metadata.name, b.metadata.name)).map((p) => podReport(w, p, answers.get(`${w.namespace}/${p.metadata.name}`), now))
  for (const p of pods) {
    if (p.srs && p.srs.versionCheck === 'mismatch') {
      warnings.push({kind: 'version-mismatch', namespace: w.namespace, workload: w.name, pod: p.name, message: `pod ${p.name} runs image tag ${p.imageTag} but its SRS reports version ${p.srs.version}`})
    }
    if (p.terminating) {
      const last = answers.get(`${w.namespace}/${p.name}`)?.lastConnections
      warnings.push({kind: 'draining', namespace: w.namespace, workload: w.name, pod: p.name, message: `pod ${p.name} is terminating${last !== undefined ? `, draining ${last} viewers` : ''}`})
    } else if (p.error) {
      warnings.push({kind: 'unreachable', namespace: w.namespace, workload: w.name, pod: p.name, message: `pod ${p.name}: ${p.error.message}`})
    }
  }
  const images = [...new Set([w.image, ...pods.map((p) => p.image)])]
  return {
    namespace: w.namespace,
    kind: w.kind,
    name: w.name,
    role: w.role,
    ready: pods.filter((p) => p.ready && !p.terminating).length,
    desired: w.replicas,
    images,
    apiPort: w.apiPort,
    apiAuth,
    config: {source: w.config.kind, configMap: w.config.configMap ?? null, key: w.config.key ?? null, problem: w.config.problem ?? null},
    links: {origins: w.origins, coworkers: w.coworkers},
    services: w.services,
    partition: w.partition ?? null,
    pods,
  }
}

function podReport(w: WorkloadModel, pod: Pod, answer: PodSrsStatus | undefined, now: Date): PodReport {
  const cs = pod.status?.containerStatuses?.find((c) => c.name === w.container)
  const image = pod.spec.containers.find((c) => c.name === w.container)?.image ?? w.image
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
  const started = pod.status?.startTime ?? pod.metadata.creationTimestamp
  let srs: PodReport['srs'] = null
  if (answer?.info) {
    const i = answer.info
    srs = {
      version: i.version,
      versionCheck: matchSrsVersionToImage(image, i.version).verdict,
      serverId: i.serverId ?? null,
      serviceId: i.serviceId ?? null,
      pid: i.pid ?? null,
      uptimeSeconds: i.uptimeSeconds,
      connections: i.connections,
      viewers: i.viewers,
      players: i.players,
      publishers: i.publishers,
      streams: i.streams,
      streamsPublished: i.streamsPublished,
      clients: i.clients,
      kbpsIn: i.kbpsIn,
      kbpsOut: i.kbpsOut,
      cpuPercent: i.cpuPercent,
      memKbyte: i.memKbyte,
    }
  }
  return {
    name: pod.metadata.name,
    phase: pod.status?.phase ?? 'Unknown',
    ready,
    terminating: Boolean(pod.metadata.deletionTimestamp),
    restarts: cs?.restartCount ?? 0,
    ageSeconds: started ? Math.max(0, Math.round((now.getTime() - Date.parse(started)) / 1000)) : null,
    podIP: pod.status?.podIP ?? null,
    image,
    imageTag: imageTag(image),
    srs,
    error: answer?.error ?? (answer ? null : {reason: 'not-queried', message: 'not asked'}),
    apiRoute: answer?.route ?? null,
  }
}

function driftWarning(namespace: string, d: Drift): Warning {
  return {kind: 'drift', namespace, workload: d.workload, message: d.message}
}

function round1(x: number): number {
  return Math.round(x * 10) / 10
}
