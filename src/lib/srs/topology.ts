/**
 * The SRS topology of a namespace, built from live objects by a pure function: which workloads
 * run SRS and in which role, which config each reads (ConfigMap or SRS_* env), which origins an
 * edge pulls from, which coworkers an origin lists, which Deployments are tracks of one group
 * behind a Service (the guide's srs-edge-r5/r6 canary pair), and where the lists disagree with
 * what runs (drift).
 */
import path from 'node:path/posix'
import type {ConfigMap, Container, Deployment, Pod, PodTemplate, Service, StatefulSet} from '../kube/types.js'
import {selectorMatches} from '../kube/types.js'
import {parseSrsConf, type SrsConf} from './conf/syntax.js'
import {resolveSrsApiAuth, resolveSrsSettings, SRS_DEFAULT_VHOST, type SrsApiAuthSettings, type SrsEffectiveSettings, type SrsEnvironment, type SrsSourcedValue, type SrsVhostRole} from './conf/settings.js'
import {imageTag, isSrsImage} from './image.js'
import {APP_NAME_LABEL, ROLLOUT_ANNOTATION} from '../vocabulary.js'
import {escapeRe} from '../util.js'

export interface ObservedObjects {
  deployments: Deployment[]
  statefulsets: StatefulSet[]
  pods: Pod[]
  configMaps: ConfigMap[]
  services: Service[]
}

export type WorkloadKind = 'Deployment' | 'StatefulSet'
export type WorkloadRole = SrsVhostRole | 'unknown'

export interface ConfigSource {
  /** Where srs.conf came from: a ConfigMap key mounted into the SRS container, or none (env and defaults). */
  kind: 'configmap' | 'none'
  configMap?: string
  key?: string
  /** The path SRS reads (-c), as the container sees it. */
  path: string
  /** Set when the ConfigMap or key is missing or the text does not parse. */
  problem?: string
}

export interface WorkloadModel {
  kind: WorkloadKind
  name: string
  namespace: string
  role: WorkloadRole
  /** SRS image(s) of the pod template (the SRS container's first). */
  image: string
  container: string
  replicas: number
  readyReplicas: number
  /** StatefulSet partition (canary through ordinals), when set. */
  partition?: number
  serviceName?: string
  templateLabels: Record<string, string>
  /** Services whose selector picks this workload's pods. */
  services: string[]
  apiPort: number
  config: ConfigSource
  /** Parsed config, for commands that edit it. Not part of JSON output. */
  conf?: SrsConf
  settings: SrsEffectiveSettings
  /** Edge: the default vhost's `cluster { origin ...; }` list. */
  origins: string[]
  /** Origin cluster member: the default vhost's `cluster { coworkers ...; }` list. */
  coworkers: string[]
  /**
   * The SRS API credentials the workload itself configures (srs.conf http_api.auth, or literal
   * SRS_HTTP_API_AUTH_* env of the SRS container), when auth is on there. Holds a password:
   * never part of any output.
   */
  apiAuth?: WorkloadApiAuth
  /**
   * http_api auth is on in the workload's srs.conf or literal SRS_HTTP_API_AUTH_ENABLED env, on
   * an SRS that has it (5+, or a tag that names no version), whether or not its username and
   * password can be read here (a valueFrom Secret cannot): the pod proxy can only get 401 there.
   */
  apiAuthOn: boolean
  /** Kept from the object for commands and warnings. */
  annotations: Record<string, string>
  terminationGracePeriodSeconds: number
  hasPreStop: boolean
  pods: Pod[]
}

export interface WorkloadApiAuth {
  username: string
  password: string
  /** Where the username and password were read, e.g. "ConfigMap srs-auth-config key srs.conf". */
  from: string
}

export interface OriginMember {
  /** The name other SRS servers use for this origin: srs-origin-0.socs, or srs-origin-0-socs. */
  host: string
  workload: string
  ordinal: number
}

/** One origin cluster: the origins that should list each other as coworkers. */
export interface OriginCluster {
  mode: 'statefulset' | 'deployments'
  /** StatefulSet name, or the shared prefix of the Deployments. */
  name: string
  workloads: string[]
  service?: string
  apiPort: number
  members: OriginMember[]
  /** Tells whether a list entry names a member of this cluster, and which ordinal (existing or not). */
  memberOrdinal(host: string): number | undefined
}

export interface Track {
  workload: string
  kind: WorkloadKind
  image: string
  replicas: number
  readyReplicas: number
  role: 'stable' | 'canary'
}

/** Deployments behind one Service: the tracks of a canary (two or more) or a plain group. */
export interface WorkloadGroup {
  service: string
  tracks: Track[]
}

export type DriftKind = 'coworker-missing' | 'coworker-stale' | 'edge-origin-missing' | 'edge-origin-stale' | 'edge-origin-unknown' | 'config-problem'

export interface Drift {
  kind: DriftKind
  workload: string
  configMap?: string
  entry?: string
  message: string
}

export interface Topology {
  namespace: string
  workloads: WorkloadModel[]
  originClusters: OriginCluster[]
  groups: WorkloadGroup[]
  drift: Drift[]
}

export interface TopologyOptions {
  /** Repositories that run SRS besides ossrs/srs (--srs-image). */
  extraImages?: readonly string[]
}

const SRS_WORKDIR = '/usr/local/srs'
const DEFAULT_API_PORT = 1985

/** Does a pod template run SRS? An ossrs/srs image, an extra image name, or app.kubernetes.io/name=srs. */
export function srsContainerOf(template: PodTemplate, extraImages: readonly string[] = []): Container | undefined {
  const byImage = template.spec.containers.find((c) => c.image && isSrsImage(c.image, extraImages) && runsSrsServer(c))
  if (byImage) return byImage
  if (template.metadata?.labels?.[APP_NAME_LABEL] === 'srs') return template.spec.containers[0]
  return undefined
}

export function buildTopology(namespace: string, objs: ObservedObjects, opts: TopologyOptions = {}): Topology {
  const workloads: WorkloadModel[] = []
  for (const d of objs.deployments) {
    const w = modelWorkload('Deployment', d, objs, opts)
    if (w) workloads.push(w)
  }
  for (const s of objs.statefulsets) {
    const w = modelWorkload('StatefulSet', s, objs, opts)
    if (w) workloads.push(w)
  }
  workloads.sort((a, b) => roleOrder(a.role) - roleOrder(b.role) || a.name.localeCompare(b.name))
  const originClusters = findOriginClusters(workloads, objs)
  const groups = findGroups(workloads, objs.services)
  const drift = findDrift(workloads, originClusters, objs)
  return {namespace, workloads, originClusters, groups, drift}
}

function roleOrder(role: WorkloadRole): number {
  return {'origin-cluster': 0, origin: 1, edge: 2, unknown: 3}[role]
}

function modelWorkload(kind: WorkloadKind, obj: Deployment | StatefulSet, objs: ObservedObjects, opts: TopologyOptions): WorkloadModel | undefined {
  const template = obj.spec.template
  const container = srsContainerOf(template, opts.extraImages)
  if (!container) return undefined
  const ns = obj.metadata.namespace ?? ''
  const config = configSourceOf(container, template, objs.configMaps)
  let conf: SrsConf | undefined
  if (config.kind === 'configmap' && !config.problem) {
    const text = objs.configMaps.find((c) => c.metadata.name === config.configMap)?.data?.[config.key!] ?? ''
    try {
      conf = parseSrsConf(text)
    } catch (error) {
      config.problem = `${config.configMap}/${config.key} does not parse: ${(error as Error).message}`
    }
  }
  const env = envOf(container)
  const major = majorFromTag(imageTag(container.image ?? ''))
  const settings = resolveSrsSettings(conf ?? null, env, major)
  const authSettings = resolveSrsApiAuth(conf ?? null, env, major)
  const apiAuth = workloadApiAuth(authSettings, config, container)
  const vhost = settings.vhosts.find((v) => v.name === SRS_DEFAULT_VHOST) ?? settings.vhosts[0]
  const role: WorkloadRole = vhost ? vhost.role.value : 'unknown'
  const templateLabels = template.metadata?.labels ?? {}
  const services = objs.services.filter((s) => selectorMatches(s.spec.selector, templateLabels)).map((s) => s.metadata.name)
  const pods = objs.pods.filter((p) => ownedBy(p, kind, obj.metadata.name) && selectorMatches(obj.spec.selector, p.metadata.labels))
  // The rule takes the cast for a no-op (every StatefulSet-only field is optional), but it narrows the union.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const sts = kind === 'StatefulSet' ? (obj as StatefulSet) : undefined
  return {
    kind,
    name: obj.metadata.name,
    namespace: ns,
    role,
    image: container.image ?? '',
    container: container.name,
    replicas: obj.spec.replicas ?? 1,
    readyReplicas: obj.status?.readyReplicas ?? 0,
    partition: sts?.spec.updateStrategy?.rollingUpdate?.partition || undefined,
    serviceName: sts?.spec.serviceName,
    templateLabels,
    services,
    apiPort: apiPortOf(settings, container),
    config,
    conf,
    settings,
    origins: vhost ? [...vhost.edgeOrigins.value] : [],
    coworkers: vhost ? [...vhost.coworkers.value] : [],
    apiAuth,
    // SRS 4 and older have no http_api auth: they ignore the block.
    apiAuthOn: authSettings.enabled.value && (major === null || major >= 5),
    annotations: obj.metadata.annotations ?? {},
    terminationGracePeriodSeconds: template.spec.terminationGracePeriodSeconds ?? 30,
    hasPreStop: Boolean(container.lifecycle?.preStop),
    pods,
  }
}

/**
 * A container of an SRS image runs the SRS server unless its command was replaced by something
 * else — the guide's nginx-origin-deploy has an ossrs/srs:3 sidecar whose shell only copies the
 * console files. A replaced command counts when it starts objs/srs (directly or in a script).
 */
export function runsSrsServer(c: Container): boolean {
  if (!c.command?.length) return true
  const argv = [...c.command, ...(c.args ?? [])]
  return path.basename(argv[0]!) === 'srs' || argv.some((a) => /(^|[\s;&|])\S*objs\/srs(\s|$)/.test(a))
}

/** Major version from an image tag: "v4.0.6" → 4, "5" → 5, "latest" → null. */
export function majorFromTag(tag: string): number | null {
  const m = /^v?(\d+)(?:[.-]|$)/.exec(tag)
  return m ? Number(m[1]) : null
}

function ownedBy(pod: Pod, kind: WorkloadKind, name: string): boolean {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0]
  if (!owner) return false
  if (kind === 'StatefulSet') return owner.kind === 'StatefulSet' && owner.name === name
  // Deployment pods are owned by a ReplicaSet named <deployment>-<pod-template-hash>.
  return owner.kind === 'ReplicaSet' && owner.name.startsWith(`${name}-`) && /^[a-z0-9]+$/.test(owner.name.slice(name.length + 1))
}

function workloadApiAuth(auth: SrsApiAuthSettings, config: ConfigSource, container: Container): WorkloadApiAuth | undefined {
  if (!auth.enabled.value || !auth.username.value || !auth.password.value) return undefined
  const where = (v: SrsSourcedValue<string>) => (v.source === 'env' ? `env ${v.envName} of container ${container.name}` : `ConfigMap ${config.configMap} key ${config.key}`)
  const from = [...new Set([where(auth.username), where(auth.password)])].join(' and ')
  return {username: auth.username.value, password: auth.password.value, from}
}

function envOf(container: Container): SrsEnvironment {
  const env: Record<string, string> = {}
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value
  // Env only (`./objs/srs -e`, as the Helm chart runs it, or SRS_ENV_ONLY): SRS 5/6 log to the
  // console unless told otherwise (SrsConfig::parse_options sets SRS_SRS_LOG_TANK).
  const envOnly = [...(container.command ?? []), ...(container.args ?? [])].includes('-e') || (container.env ?? []).some((e) => e.name === 'SRS_ENV_ONLY')
  if (envOnly && !env.SRS_SRS_LOG_TANK && !env.SRS_LOG_TANK) env.SRS_SRS_LOG_TANK = 'console'
  return env
}

/** The config path SRS is started with (-c), resolved against SRS's working directory. */
export function configPathOf(container: Container, configMapKeys: string[] = []): string {
  const argv = [...(container.command ?? []), ...(container.args ?? [])]
  const i = argv.findIndex((a) => a === '-c')
  let p = i >= 0 ? argv[i + 1] : undefined
  if (!p) {
    // The images run `./objs/srs -c conf/<file>`: srs.conf (SRS 3/4) or docker.conf (SRS 5+). A
    // ConfigMap mounted over conf/, as in the SRS guide, decides which one exists.
    p = configMapKeys.includes('srs.conf') || !configMapKeys.includes('docker.conf') ? 'conf/srs.conf' : 'conf/docker.conf'
  }
  return path.resolve(SRS_WORKDIR, p)
}

function configSourceOf(container: Container, template: PodTemplate, configMaps: ConfigMap[]): ConfigSource {
  const mounts = container.volumeMounts ?? []
  const volumes = template.spec.volumes ?? []
  // Candidate ConfigMap mounts, so the default -c can be chosen by the keys that exist.
  const cmMounts = mounts.map((m) => ({m, v: volumes.find((v) => v.name === m.name)})).filter((x): x is {m: (typeof mounts)[number]; v: NonNullable<(typeof volumes)[number]>} => Boolean(x.v?.configMap))
  const keysAt = cmMounts.flatMap(({v}) => Object.keys(configMaps.find((c) => c.metadata.name === v.configMap!.name)?.data ?? {}))
  const confPath = configPathOf(container, keysAt)
  for (const {m, v} of cmMounts) {
    const cmName = v.configMap!.name
    let key: string | undefined
    if (m.subPath) {
      if (m.mountPath !== confPath) continue
      key = v.configMap!.items?.find((it) => it.path === m.subPath)?.key ?? m.subPath
    } else {
      const rel = path.relative(m.mountPath, confPath)
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue
      key = v.configMap!.items?.find((it) => it.path === rel)?.key ?? rel
    }
    const cm = configMaps.find((c) => c.metadata.name === cmName)
    const problem = !cm ? `ConfigMap ${cmName} does not exist` : cm.data?.[key] === undefined ? `ConfigMap ${cmName} has no key ${key}` : undefined
    return {kind: 'configmap', configMap: cmName, key, path: confPath, problem}
  }
  return {kind: 'none', path: confPath}
}

function apiPortOf(settings: SrsEffectiveSettings, container: Container): number {
  const listen = settings.global.httpApiListen.value[0]
  const port = listen ? Number(listen.split(':').pop()) : NaN
  if (Number.isInteger(port) && port > 0) return port
  return container.ports?.find((p) => p.name === 'api' || p.name === 'http-api')?.containerPort ?? DEFAULT_API_PORT
}

function findOriginClusters(workloads: WorkloadModel[], objs: ObservedObjects): OriginCluster[] {
  const clusters: OriginCluster[] = []
  const origins = workloads.filter((w) => w.role === 'origin-cluster')
  for (const w of origins.filter((o) => o.kind === 'StatefulSet')) {
    const svc = w.serviceName ?? ''
    const ns = escapeRe(w.namespace)
    const re = new RegExp(`^${escapeRe(w.name)}-(\\d+)\\.${escapeRe(svc)}(?:\\.${ns}(?:\\.svc(?:\\.cluster\\.local)?)?)?$`)
    clusters.push({
      mode: 'statefulset',
      name: w.name,
      workloads: [w.name],
      service: svc,
      apiPort: w.apiPort,
      members: Array.from({length: w.replicas}, (_, i) => ({host: `${w.name}-${i}.${svc}`, workload: w.name, ordinal: i})),
      memberOrdinal: (host) => {
        const m = re.exec(host)
        return m ? Number(m[1]) : undefined
      },
    })
  }
  // Origins as Deployments (srs-origin-N-deploy, each behind its own Service srs-origin-N-socs).
  const deployOrigins = origins.filter((o) => o.kind === 'Deployment' && !o.annotations[ROLLOUT_ANNOTATION.canaryOf])
  const byPattern = new Map<string, {w: WorkloadModel; svc: string; ordinal: number}[]>()
  for (const w of deployOrigins) {
    // The per-origin Service carries the ordinal (srs-origin-0-socs); another Service may select the
    // same pods (the guide's srs-api-service selects app: srs-origin-0) and must not hide it.
    const candidates = w.services.filter((s) => objs.services.filter((x) => x.metadata.name === s).every((x) => x.spec.clusterIP !== 'None'))
    const svc = candidates.find((s) => /\d/.test(s)) ?? candidates[0]
    const m = svc ? /^(.*?)(\d+)(.*)$/.exec(svc) : null
    if (!svc || !m) continue
    const key = `${m[1]}#${m[3]}`
    byPattern.set(key, [...(byPattern.get(key) ?? []), {w, svc, ordinal: Number(m[2])}])
  }
  for (const [key, members] of byPattern) {
    const [prefix, suffix] = key.split('#') as [string, string]
    const ns = escapeRe(members[0]!.w.namespace)
    const re = new RegExp(`^${escapeRe(prefix)}(\\d+)${escapeRe(suffix)}(?:\\.${ns}(?:\\.svc(?:\\.cluster\\.local)?)?)?$`)
    members.sort((a, b) => a.ordinal - b.ordinal)
    clusters.push({
      mode: 'deployments',
      name: `${prefix}N${suffix}`,
      workloads: members.map((m) => m.w.name),
      apiPort: members[0]!.w.apiPort,
      members: members.map((m) => ({host: m.svc, workload: m.w.name, ordinal: m.ordinal})),
      memberOrdinal: (host) => {
        const m = re.exec(host)
        return m ? Number(m[1]) : undefined
      },
    })
  }
  return clusters
}

function findGroups(workloads: WorkloadModel[], services: Service[]): WorkloadGroup[] {
  const groups: WorkloadGroup[] = []
  for (const svc of services) {
    if (svc.spec.clusterIP === 'None') continue
    const members = workloads.filter((w) => w.kind === 'Deployment' && w.services.includes(svc.metadata.name))
    if (members.length < 2) continue
    // Only Deployments of one role are tracks of one group (an origin and an edge behind one
    // LoadBalancer Service is the guide's "one SLB for all services", not a canary).
    const role = members[0]!.role
    if (!members.every((m) => m.role === role)) continue
    groups.push({service: svc.metadata.name, tracks: assignTracks(members)})
  }
  return groups
}

/**
 * Which track is the canary: the one kubectl-srs marked; else, for a hand-made pair like the
 * guide's r5/r6, the newer image (then the smaller track) — the others are stable.
 */
function assignTracks(members: WorkloadModel[]): Track[] {
  const marked = members.find((m) => m.annotations[ROLLOUT_ANNOTATION.canaryOf])
  let canary = marked
  if (!canary) {
    const ranked = [...members].sort((a, b) => compareTags(imageTag(b.image), imageTag(a.image)) || a.replicas - b.replicas)
    const top = ranked[0]!
    canary = compareTags(imageTag(top.image), imageTag(ranked[1]!.image)) !== 0 ? top : [...members].sort((a, b) => a.replicas - b.replicas)[0]
  }
  return members.map((m) => ({
    workload: m.name,
    kind: m.kind,
    image: m.image,
    replicas: m.replicas,
    readyReplicas: m.readyReplicas,
    role: m === canary ? 'canary' : 'stable',
  }))
}

function compareTags(a: string, b: string): number {
  const pa = a
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((x) => (/^\d+$/.test(x) ? Number(x) : -1))
  const pb = b
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((x) => (/^\d+$/.test(x) ? Number(x) : -1))
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

function hostOf(entry: string): {host: string; port?: string} {
  const m = /^(.*?)(?::(\d+))?$/.exec(entry)!
  return {host: m[1]!, port: m[2]}
}

function findDrift(workloads: WorkloadModel[], clusters: OriginCluster[], objs: ObservedObjects): Drift[] {
  const drift: Drift[] = []
  const serviceNames = new Set(objs.services.map((s) => s.metadata.name))
  for (const w of workloads) {
    if (w.config.problem) drift.push({kind: 'config-problem', workload: w.name, configMap: w.config.configMap, message: w.config.problem})
  }
  for (const cluster of clusters) {
    const expectedOrdinals = new Set(cluster.members.map((m) => m.ordinal))
    for (const w of workloads.filter((x) => cluster.workloads.includes(x.name))) {
      const listed = new Set<number>()
      for (const entry of w.coworkers) {
        const ord = cluster.memberOrdinal(hostOf(entry).host)
        if (ord === undefined) continue
        listed.add(ord)
        if (!expectedOrdinals.has(ord)) {
          drift.push({kind: 'coworker-stale', workload: w.name, configMap: w.config.configMap, entry, message: `${w.config.configMap ?? w.name} lists coworker ${entry}, which does not run`})
        }
      }
      for (const m of cluster.members) {
        if (!listed.has(m.ordinal)) {
          const entry = `${m.host}:${cluster.apiPort}`
          drift.push({kind: 'coworker-missing', workload: w.name, configMap: w.config.configMap, entry, message: `${w.config.configMap ?? w.name} does not list coworker ${entry}`})
        }
      }
    }
  }
  for (const w of workloads.filter((x) => x.role === 'edge')) {
    for (const cluster of clusters) {
      const entries = w.origins.map((e) => ({e, ord: cluster.memberOrdinal(hostOf(e).host)})).filter((x) => x.ord !== undefined)
      if (entries.length === 0) continue
      const usesPort = entries.some((x) => hostOf(x.e).port !== undefined)
      const expected = new Set(cluster.members.map((m) => m.ordinal))
      for (const {e, ord} of entries) {
        if (!expected.has(ord!)) drift.push({kind: 'edge-origin-stale', workload: w.name, configMap: w.config.configMap, entry: e, message: `${w.config.configMap ?? w.name} lists origin ${e}, which does not run`})
      }
      const listed = new Set(entries.map((x) => x.ord))
      for (const m of cluster.members) {
        if (!listed.has(m.ordinal)) {
          const entry = usesPort ? `${m.host}:${hostOf(entries[0]!.e).port ?? '1935'}` : m.host
          drift.push({kind: 'edge-origin-missing', workload: w.name, configMap: w.config.configMap, entry, message: `${w.config.configMap ?? w.name} does not list origin ${entry}`})
        }
      }
    }
    // Names that can only be in-cluster (one label, or <pod>.<service>) but match nothing that exists.
    for (const entry of w.origins) {
      const {host} = hostOf(entry)
      if (clusters.some((c) => c.memberOrdinal(host) !== undefined)) continue
      const labels = host.split('.')
      if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) continue
      const svc = labels.length === 1 ? labels[0]! : labels.length === 2 || labels[2] === 'svc' ? labels[labels.length === 2 && !serviceNames.has(labels[0]!) ? 1 : 0]! : undefined
      if (svc === undefined) continue
      if (labels.length === 1 && !serviceNames.has(svc)) {
        drift.push({kind: 'edge-origin-unknown', workload: w.name, configMap: w.config.configMap, entry, message: `${w.config.configMap ?? w.name} lists origin ${entry}, but no Service ${svc} exists`})
      } else if (labels.length === 2 && serviceNames.has(labels[1]!) && !objs.pods.some((p) => p.metadata.name === labels[0])) {
        drift.push({kind: 'edge-origin-unknown', workload: w.name, configMap: w.config.configMap, entry, message: `${w.config.configMap ?? w.name} lists origin ${entry}, but no pod ${labels[0]} exists behind Service ${labels[1]}`})
      }
    }
  }
  return drift
}
