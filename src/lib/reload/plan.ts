/**
 * The plan of `kubectl srs reload`: a pure function of what was observed. Each SRS pod of the
 * workload ends on the config its ConfigMap holds now:
 *
 * - a pod whose SRS started after the ConfigMap last changed read it at start: nothing to do;
 * - raw_api.allow_reload on: rpc=reload through the SRS API, after the kubelet sync bound;
 * - otherwise a drain-aware rolling restart. A Deployment gets `maxUnavailable` surge pods first
 *   (so Ready pods never drop below the start), then loses the replaced pods, least-loaded first,
 *   chosen for the ReplicaSet through controller.kubernetes.io/pod-deletion-cost; SRS quits
 *   gracefully as its preStop hook says. A StatefulSet cannot surge: its pods are restarted one at
 *   a time by ordinal, highest first, as its own rolling update does, and the streams published
 *   on them are named before anything starts (their publishers will have to reconnect).
 */
import {UsageError} from '../errors.js'

export interface ReloadPodInput {
  name: string
  /** StatefulSet ordinal. */
  ordinal?: number
  ready: boolean
  /** When the SRS container started (ms). */
  startedAt?: number
  /** Viewers now (players and publishers, from SRS's clients list; conn_srs also counts HTTP API connections); undefined when the SRS API did not answer. */
  viewers?: number
  /** Streams published on this pod (app/name). */
  publishes: string[]
}

export interface ReloadWorkloadInput {
  kind: 'Deployment' | 'StatefulSet'
  name: string
  replicas: number
  configMap?: string
  /** When the ConfigMap last changed (ms), when known. */
  configChangedAt?: number
  /** http_api.raw_api enabled and allow_reload on. */
  rawReload: boolean
  pods: ReloadPodInput[]
}

export interface ReloadRequest {
  /** Pods replaced (or restarted) at a time. */
  maxUnavailable: number
  /** Only these pods (an origin command's pending pods); all when absent. */
  onlyPods?: string[]
}

export type ReloadStep =
  | {kind: 'raw-reload'; workload: string; pods: string[]}
  /** Deployment: scale from `replicas` to `replicas + pods.length`, wait Ready, then back, the ReplicaSet removing `pods`. */
  | {kind: 'replace'; workload: string; replicas: number; pods: string[]}
  /** StatefulSet: delete the pod; the controller starts it again with the same name. */
  | {kind: 'restart'; workload: string; pod: string}

export interface ReloadPlan {
  steps: ReloadStep[]
  upToDate: {pod: string; workload: string}[]
  publishers: {pod: string; streams: string[]}[]
  viewers: Map<string, number | undefined>
  warnings: string[]
}

export function planReload(workloads: ReloadWorkloadInput[], req: ReloadRequest): ReloadPlan {
  if (!Number.isInteger(req.maxUnavailable) || req.maxUnavailable < 1) {
    throw new UsageError(`invalid value for --max-unavailable: ${req.maxUnavailable} (it must be a whole number of at least 1)`, 'for example --max-unavailable 1')
  }
  const plan: ReloadPlan = {steps: [], upToDate: [], publishers: [], viewers: new Map(), warnings: []}
  for (const w of workloads) {
    const pods = w.pods.filter((p) => !req.onlyPods || req.onlyPods.includes(p.name))
    const todo: ReloadPodInput[] = []
    for (const p of pods) {
      plan.viewers.set(p.name, p.viewers)
      if (w.configChangedAt !== undefined && p.startedAt !== undefined && p.startedAt > w.configChangedAt) plan.upToDate.push({pod: p.name, workload: w.name})
      else todo.push(p)
    }
    if (todo.length === 0) continue
    if (w.rawReload) {
      plan.steps.push({kind: 'raw-reload', workload: w.name, pods: todo.map((p) => p.name).sort()})
      continue
    }
    if (w.kind === 'Deployment') {
      // Least-loaded first: the fewest viewers move (unknown counts last).
      const order = [...todo].sort((a, b) => (a.viewers ?? Number.MAX_SAFE_INTEGER) - (b.viewers ?? Number.MAX_SAFE_INTEGER) || a.name.localeCompare(b.name))
      for (let i = 0; i < order.length; i += req.maxUnavailable) {
        plan.steps.push({kind: 'replace', workload: w.name, replicas: w.replicas, pods: order.slice(i, i + req.maxUnavailable).map((p) => p.name)})
      }
      continue
    }
    const order = [...todo].sort((a, b) => (b.ordinal ?? 0) - (a.ordinal ?? 0))
    for (const p of order) {
      plan.steps.push({kind: 'restart', workload: w.name, pod: p.name})
      if (p.publishes.length > 0) plan.publishers.push({pod: p.name, streams: [...p.publishes].sort()})
    }
    if (req.maxUnavailable > 1) plan.warnings.push(`statefulset/${w.name} is restarted one pod at a time by ordinal; --max-unavailable applies to Deployments`)
  }
  return plan
}

export function describeReloadStep(s: ReloadStep): string {
  switch (s.kind) {
    case 'raw-reload':
      return `reload ${s.pods.join(', ')} through the SRS API (rpc=reload) after the kubelet sync`
    case 'replace':
      return `deployment/${s.workload}: add ${s.pods.length} pod(s), wait until Ready, then remove ${s.pods.join(', ')} (graceful quit)`
    case 'restart':
      return `statefulset/${s.workload}: restart ${s.pod} (graceful quit), wait until it is Ready again`
  }
}
