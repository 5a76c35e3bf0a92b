/**
 * Plans for add-origin, remove-origin and sync-origins: a pure function of the topology, the
 * observed objects and the request. A plan is the ordered list of steps the executor runs; every
 * step says its end state (replicas N, list = these members), not a delta, so running a step
 * again is harmless and an interrupted run can be resumed from its recorded target.
 */
import {SrsError, UsageError} from '../errors.js'
import type {ConfigMap, Deployment, Service} from '../kube/types.js'
import {selectorMatches} from '../kube/types.js'
import {getEdgeOrigins, getVhostRole, parseSrsConf} from '../srs/conf/index.js'
import {imageTag} from '../srs/image.js'
import {majorFromTag, type ObservedObjects, type OriginCluster, type Topology, type WorkloadModel} from '../srs/topology.js'
import {CLONED_FROM_ANNOTATION, GITOPS_KEY, KUBE_ANNOTATION, ORIGIN_ANNOTATION_PREFIX} from '../vocabulary.js'
import {clusterLeaseAnchor} from '../srs/lease.js'
import {editListText, memberHost, namingOf, splitDeploymentPattern, type ClusterNaming, type ListKind} from './lists.js'

export type OriginOp = 'add' | 'remove' | 'sync'

export interface OriginRequest {
  op: OriginOp
  /** The origin StatefulSet or Deployment named on the command line. */
  workload?: string
  /** Origins to add or remove (ignored by sync). */
  count: number
  /** Member count an interrupted run of the same operation was going to (from its lease). */
  resumeTarget?: number
}

export interface ConfigEditStep {
  kind: 'edit-config'
  configMap: string
  key: string
  list: ListKind
  /** Workloads that read this ConfigMap key. */
  readers: string[]
  /** The member ordinals the list will name, exactly. */
  ordinals: number[]
  listBefore: string[]
  listAfter: string[]
  changed: boolean
}

export type OriginStep =
  | {kind: 'scale-statefulset'; name: string; from: number; replicas: number}
  | {kind: 'scale-deployment'; name: string; from: number; replicas: number}
  | {kind: 'create-origin'; ordinal: number; clonedFrom: string; deployment: Deployment; service: Service}
  | {kind: 'wait-ready'; workloads: string[]; pods: string[]}
  | ConfigEditStep
  | {kind: 'confirm-reload'; configMaps: string[]}
  | {kind: 'wait-unpublished'; workloads: string[]; pods: string[]}
  | {kind: 'delete-origin'; ordinal: number; deployment: string; service: string}

export interface OriginScalePlan {
  op: OriginOp
  namespace: string
  /** The workload that carries the lease annotation (the StatefulSet, or the lowest origin Deployment). */
  anchor: {kind: 'StatefulSet' | 'Deployment'; name: string}
  cluster: {name: string; mode: 'statefulset' | 'deployments' | 'srs7'; service?: string; apiPort: number}
  from: number
  to: number
  /** Ordinals of the origins after the plan. */
  members: number[]
  added: number[]
  removed: number[]
  resumed: boolean
  steps: OriginStep[]
  /** Full manifests of what the plan writes, for --dry-run -o yaml (ConfigMaps with their new text). */
  objects: object[]
  warnings: string[]
  notes: string[]
}

const MANAGED_BY = [
  {test: (l: Record<string, string>, a: Record<string, string>) => l[GITOPS_KEY.managedByLabel] === GITOPS_KEY.helmManagedByValue || a[GITOPS_KEY.helmReleaseAnnotation] !== undefined, tool: 'Helm', next: 'the next helm upgrade'},
  {
    test: (l: Record<string, string>, a: Record<string, string>) =>
      a[GITOPS_KEY.argoTrackingIdAnnotation] !== undefined || l[GITOPS_KEY.argoInstanceLabel] !== undefined || (l[GITOPS_KEY.instanceLabel] !== undefined && a[GITOPS_KEY.argoSyncOptionsAnnotation] !== undefined),
    tool: 'Argo CD',
    next: 'the next Argo CD sync',
  },
]

/** Warns when a GitOps tool owns the ConfigMap: its next sync puts the old list back. */
export function managedConfigMapWarning(cm: ConfigMap): string | undefined {
  const labels = cm.metadata.labels ?? {}
  const ann = cm.metadata.annotations ?? {}
  const hit = MANAGED_BY.find((m) => m.test(labels, ann))
  if (!hit) return undefined
  return `ConfigMap ${cm.metadata.name} is managed by ${hit.tool}: ${hit.next} reverts this edit; commit the new text (kubectl srs ... --dry-run -o yaml) to its source`
}

/** Picks the origin cluster the request is about, or explains why there is none. */
function selectOriginCluster(topo: Topology, workload: string | undefined): {cluster?: OriginCluster; srs7?: WorkloadModel} {
  const ns = topo.namespace
  const named = workload === undefined ? undefined : topo.workloads.find((w) => w.name === workload)
  if (workload !== undefined && !named) {
    throw new SrsError(`no SRS workload named ${workload} in namespace ${ns}`, {reason: 'NotFound', hint: 'kubectl srs status lists the SRS workloads and their roles'})
  }
  if (named && isSrs7(named)) return {srs7: named}
  if (named) {
    const cluster = topo.originClusters.find((c) => c.workloads.includes(named.name))
    if (cluster) return {cluster}
    if (named.role === 'edge') throw new UsageError(`${named.name} is an edge, not an origin`, 'name the origin StatefulSet or Deployment, e.g. srs-origin')
    throw noClusterConfig(named)
  }
  const clusters = topo.originClusters
  if (clusters.length === 1) return {cluster: clusters[0]}
  if (clusters.length > 1) {
    throw new UsageError(`${clusters.length} origin clusters in namespace ${ns}: ${clusters.map((c) => c.name).join(', ')}`, `name one, e.g. kubectl srs ... ${clusters[0]!.workloads[0]}`)
  }
  const srs7 = topo.workloads.filter((w) => w.role !== 'edge' && isSrs7(w))
  if (srs7.length === 1) return {srs7: srs7[0]}
  if (srs7.length > 1) throw new UsageError(`${srs7.length} SRS 7 origin workloads in namespace ${ns}: ${srs7.map((w) => w.name).join(', ')}`, 'name the one to scale')
  const plainOrigin = topo.workloads.find((w) => w.role === 'origin')
  if (plainOrigin) throw noClusterConfig(plainOrigin)
  throw new SrsError(`no origin cluster found in namespace ${ns}`, {
    reason: 'NotFound',
    hint: 'an origin cluster is a StatefulSet (or srs-origin-N-deploy Deployments) whose srs.conf has cluster { origin_cluster on; coworkers ...; }; check -n NAMESPACE',
  })
}

function isSrs7(w: WorkloadModel): boolean {
  const major = majorFromTag(imageTag(w.image))
  return major !== null && major >= 7
}

function noClusterConfig(w: WorkloadModel): SrsError {
  const where = w.config.configMap ? `ConfigMap ${w.config.configMap} (${w.config.key})` : `the config of ${w.name}`
  return new SrsError(`${w.kind} ${w.name} is not part of an origin cluster: ${where} has no cluster { origin_cluster on; coworkers ...; }`, {
    reason: 'NoOriginCluster',
    hint: `add to vhost __defaultVhost__ in ${where}: cluster { origin_cluster on; coworkers ${exampleCoworkers(w)}; } — one host:api-port per origin`,
  })
}

function exampleCoworkers(w: WorkloadModel): string {
  if (w.kind === 'StatefulSet') return Array.from({length: Math.max(w.replicas, 1)}, (_, i) => `${w.name}-${i}.${w.serviceName ?? 'SERVICE'}:${w.apiPort}`).join(' ')
  return `${w.services[0] ?? 'ORIGIN-SERVICE'}:${w.apiPort}`
}

/** The plan for one request. Throws UsageError/SrsError before anything is changed. */
export function planOriginChange(topo: Topology, objs: ObservedObjects, req: OriginRequest): OriginScalePlan {
  if (req.op !== 'sync' && (!Number.isInteger(req.count) || req.count < 1)) {
    throw new UsageError(`invalid value for --count: ${req.count} (it must be a whole number of at least 1)`, 'for example --count 1')
  }
  const selected = selectOriginCluster(topo, req.workload)
  if (selected.srs7) return planSrs7(topo, objs, req, selected.srs7)
  const cluster = selected.cluster!
  const members = topo.workloads.filter((w) => cluster.workloads.includes(w.name))
  for (const w of members) {
    if (w.config.kind !== 'configmap' || w.config.problem) {
      throw new SrsError(`cannot edit the coworkers of ${w.name}: ${w.config.problem ?? 'its srs.conf does not come from a ConfigMap'}`, {reason: 'ConfigEdit'})
    }
    if (!w.conf || !hasCoworkersDirective(w)) {
      throw new SrsError(`${w.kind} ${w.name} runs with origin_cluster on, but ConfigMap ${w.config.configMap} (${w.config.key}) has no coworkers directive`, {
        reason: 'NoCoworkers',
        hint: `add it inside vhost __defaultVhost__ { cluster { ... } }: coworkers ${cluster.members.map((m) => `${m.host}:${cluster.apiPort}`).join(' ')}; — then run kubectl srs sync-origins`,
      })
    }
  }
  return cluster.mode === 'statefulset' ? planStatefulSet(topo, objs, req, cluster, members[0]!) : planDeployments(topo, objs, req, cluster)
}

function hasCoworkersDirective(w: WorkloadModel): boolean {
  const vhost = w.settings.vhosts.find((v) => v.name === '__defaultVhost__') ?? w.settings.vhosts[0]
  // Only a directive in the file can be edited; SRS_* env coworkers would override any edit.
  return vhost?.coworkers.source === 'file'
}

function targetCount(req: OriginRequest, current: number): number {
  if (req.resumeTarget !== undefined) return req.resumeTarget
  if (req.op === 'add') return current + req.count
  if (req.op === 'remove') {
    if (req.count >= current) {
      throw new UsageError(`cannot remove ${req.count} of ${current} origins: at least one must stay`, `use --count ${Math.max(current - 1, 1)} or less`)
    }
    return current - req.count
  }
  return current
}

function planStatefulSet(topo: Topology, objs: ObservedObjects, req: OriginRequest, cluster: OriginCluster, sts: WorkloadModel): OriginScalePlan {
  const naming = namingOf(cluster, topo.namespace)
  const from = sts.replicas
  const to = targetCount(req, from)
  const ordinals = range(0, to)
  const podsOf = (ords: number[]) => ords.map((i) => `${sts.name}-${i}`)
  const edits = planEdits(topo, objs, cluster, naming, ordinals)
  const scale: OriginStep = {kind: 'scale-statefulset', name: sts.name, from, replicas: to}
  const confirm: OriginStep = {kind: 'confirm-reload', configMaps: unique(edits.steps.map((e) => e.configMap))}
  let steps: OriginStep[]
  if (req.op === 'remove' || to < from) {
    const removed = range(to, from)
    steps = [...edits.steps, confirm, {kind: 'wait-unpublished', workloads: [sts.name], pods: podsOf(removed)}, scale]
  } else {
    // sync changes no replicas: it lists what runs once it is Ready.
    steps = [...(req.op === 'sync' ? [] : [scale]), {kind: 'wait-ready', workloads: [sts.name], pods: podsOf(ordinals)}, ...edits.steps, confirm]
  }
  const stsObj = objs.statefulsets.find((s) => s.metadata.name === sts.name)
  const objects: object[] = [...edits.objects]
  if (stsObj && to !== from) objects.unshift(manifestOf({...stsObj, spec: {...stsObj.spec, replicas: to}}, 'apps/v1', 'StatefulSet'))
  return {
    op: req.op,
    namespace: topo.namespace,
    anchor: clusterLeaseAnchor(cluster),
    cluster: {name: cluster.name, mode: 'statefulset', service: cluster.service, apiPort: cluster.apiPort},
    from,
    to,
    members: ordinals,
    added: range(from, to),
    removed: range(to, from),
    resumed: req.resumeTarget !== undefined,
    steps,
    objects,
    warnings: edits.warnings,
    notes: [],
  }
}

function planDeployments(topo: Topology, objs: ObservedObjects, req: OriginRequest, cluster: OriginCluster): OriginScalePlan {
  const naming = namingOf(cluster, topo.namespace)
  const current = [...cluster.members].sort((a, b) => a.ordinal - b.ordinal)
  const from = current.length
  const to = targetCount(req, from)
  const steps: OriginStep[] = []
  const objects: object[] = []
  let ordinals = current.map((m) => m.ordinal)
  const added: number[] = []
  const removed: number[] = []
  if (to > from) {
    const highest = current[current.length - 1]!
    const dep = objs.deployments.find((d) => d.metadata.name === highest.workload)
    const svc = objs.services.find((s) => s.metadata.name === highest.host)
    if (!dep || !svc) throw new SrsError(`cannot clone origin ${highest.ordinal}: Deployment ${highest.workload} or Service ${highest.host} is missing`)
    for (let k = 1; k <= to - from; k++) {
      const ordinal = highest.ordinal + k
      const clone = cloneOriginMember(naming, dep, svc, highest.ordinal, ordinal)
      steps.push({kind: 'create-origin', ordinal, clonedFrom: dep.metadata.name, ...clone})
      objects.push(clone.deployment, clone.service)
      added.push(ordinal)
    }
    ordinals = [...ordinals, ...added]
    const created = steps.flatMap((s) => (s.kind === 'create-origin' ? [s.deployment.metadata.name] : []))
    steps.push({kind: 'wait-ready', workloads: [...current.map((m) => m.workload), ...created], pods: []})
  }
  const leaving = to < from ? current.slice(to) : []
  for (const m of leaving) removed.push(m.ordinal)
  ordinals = ordinals.filter((o) => !removed.includes(o))
  const edits = planEdits(topo, objs, cluster, naming, ordinals)
  steps.push(...edits.steps, {kind: 'confirm-reload', configMaps: unique(edits.steps.map((e) => e.configMap))})
  objects.push(...edits.objects)
  if (leaving.length > 0) {
    const pods = topo.workloads.filter((w) => leaving.some((m) => m.workload === w.name)).flatMap((w) => w.pods.map((p) => p.metadata.name))
    steps.push({kind: 'wait-unpublished', workloads: leaving.map((m) => m.workload), pods})
    for (const m of [...leaving].reverse()) steps.push({kind: 'delete-origin', ordinal: m.ordinal, deployment: m.workload, service: m.host})
  }
  return {
    op: req.op,
    namespace: topo.namespace,
    anchor: clusterLeaseAnchor(cluster),
    cluster: {name: cluster.name, mode: 'deployments', apiPort: cluster.apiPort},
    from,
    to,
    members: ordinals,
    added,
    removed,
    resumed: req.resumeTarget !== undefined,
    steps,
    objects,
    warnings: edits.warnings,
    notes: [],
  }
}

/** SRS 7 origins register with the proxy themselves: nothing to list, only replicas to change. */
function planSrs7(topo: Topology, objs: ObservedObjects, req: OriginRequest, w: WorkloadModel): OriginScalePlan {
  const from = w.replicas
  const to = targetCount(req, from)
  const note = `${w.kind} ${w.name} runs SRS 7 (${w.image}): origins register with the SRS proxy, there are no coworkers or edge origin lists to edit, so only the replicas change`
  const scale: OriginStep = w.kind === 'StatefulSet' ? {kind: 'scale-statefulset', name: w.name, from, replicas: to} : {kind: 'scale-deployment', name: w.name, from, replicas: to}
  const steps: OriginStep[] = req.op === 'sync' ? [] : to > from ? [scale, {kind: 'wait-ready', workloads: [w.name], pods: []}] : [scale]
  const obj = w.kind === 'StatefulSet' ? objs.statefulsets.find((s) => s.metadata.name === w.name) : objs.deployments.find((d) => d.metadata.name === w.name)
  return {
    op: req.op,
    namespace: topo.namespace,
    anchor: {kind: w.kind, name: w.name},
    cluster: {name: w.name, mode: 'srs7', apiPort: w.apiPort},
    from,
    to,
    members: range(0, to),
    added: range(from, to),
    removed: range(to, from),
    resumed: req.resumeTarget !== undefined,
    steps,
    objects: obj && to !== from ? [manifestOf({...obj, spec: {...obj.spec, replicas: to}}, 'apps/v1', w.kind)] : [],
    warnings: [],
    notes: [note],
  }
}

interface PlannedEdits {
  steps: ConfigEditStep[]
  objects: object[]
  warnings: string[]
}

/**
 * One edit per ConfigMap key: the coworkers of every origin config of the cluster, and the
 * origin list of every edge config that names a member of it.
 */
function planEdits(topo: Topology, objs: ObservedObjects, cluster: OriginCluster, naming: ClusterNaming, ordinals: number[]): PlannedEdits {
  const targets = new Map<string, {configMap: string; key: string; list: ListKind; readers: string[]}>()
  const add = (w: WorkloadModel, list: ListKind) => {
    if (w.config.kind !== 'configmap' || w.config.problem || !w.config.configMap || !w.config.key) return
    const id = `${w.config.configMap}\u0000${w.config.key}\u0000${list}`
    const t = targets.get(id) ?? {configMap: w.config.configMap, key: w.config.key, list, readers: []}
    t.readers.push(w.name)
    targets.set(id, t)
  }
  for (const w of topo.workloads) {
    if (cluster.workloads.includes(w.name)) add(w, 'coworkers')
    else if (w.role === 'edge' && w.origins.some((e) => cluster.memberOrdinal(e.replace(/:\d+$/, '')) !== undefined)) add(w, 'origin')
  }
  // Edge configs no workload mounts right now (the guide creates srs-edge-config with the
  // origins): the next edge started from them must find the right list too.
  for (const cm of objs.configMaps) {
    for (const [key, text] of Object.entries(cm.data ?? {})) {
      if (!key.endsWith('.conf') || [...targets.values()].some((t) => t.configMap === cm.metadata.name && t.key === key)) continue
      let conf
      try {
        conf = parseSrsConf(text)
      } catch {
        continue
      }
      if (getVhostRole(conf) !== 'edge' || !getEdgeOrigins(conf).some((e) => cluster.memberOrdinal(e.replace(/:\d+$/, '')) !== undefined)) continue
      targets.set(`${cm.metadata.name}\u0000${key}\u0000origin`, {configMap: cm.metadata.name, key, list: 'origin', readers: []})
    }
  }
  const steps: ConfigEditStep[] = []
  const objects: object[] = []
  const warnings: string[] = []
  const texts = new Map<string, Record<string, string>>()
  for (const t of targets.values()) {
    const cm = objs.configMaps.find((c) => c.metadata.name === t.configMap)!
    const data = texts.get(t.configMap) ?? {...cm.data}
    const edit = editListText(naming, t.list, data[t.key] ?? '', ordinals, `ConfigMap ${t.configMap} (${t.key})`)
    data[t.key] = edit.after
    texts.set(t.configMap, data)
    steps.push({kind: 'edit-config', ...t, ordinals, listBefore: edit.listBefore, listAfter: edit.listAfter, changed: edit.changed})
  }
  for (const [name, data] of texts) {
    const cm = objs.configMaps.find((c) => c.metadata.name === name)!
    const warning = managedConfigMapWarning(cm)
    if (warning && steps.some((s) => s.configMap === name && s.changed)) warnings.push(warning)
    if (steps.some((s) => s.configMap === name && s.changed)) objects.push(manifestOf({...cm, data}, 'v1', 'ConfigMap'))
  }
  return {steps, objects, warnings}
}

/**
 * The next origin Deployment and Service, cloned from the highest member: every name, label and
 * selector value that carries the member's stem (srs-origin-2) gets the new ordinal; images,
 * volumes and ConfigMap references stay as they are (the origins share one config).
 */
export function cloneOriginMember(naming: ClusterNaming, dep: Deployment, svc: Service, fromOrdinal: number, toOrdinal: number): {deployment: Deployment; service: Service} {
  const [prefix] = splitDeploymentPattern(naming.name)
  const stemFrom = `${prefix}${fromOrdinal}`
  const stemOf = (o: number) => `${prefix}${o}`
  const re = new RegExp(`(^|[^a-z0-9])${stemFrom.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9])`, 'g')
  const swap = (s: string) => s.replace(re, `$1${stemOf(toOrdinal)}`)
  const swapValues = (m?: Record<string, string>) => (m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, swap(v)])) : undefined)
  const base = manifestOf<Deployment>(dep, 'apps/v1', 'Deployment')
  const deployment: Deployment = {
    ...base,
    metadata: {
      name: swap(dep.metadata.name),
      namespace: dep.metadata.namespace,
      labels: swapValues(dep.metadata.labels),
      annotations: {[CLONED_FROM_ANNOTATION]: dep.metadata.name},
    },
    spec: {
      ...base.spec,
      replicas: 1,
      selector: {...base.spec.selector, matchLabels: swapValues(base.spec.selector.matchLabels)},
      template: {...base.spec.template, metadata: {...base.spec.template.metadata, labels: swapValues(base.spec.template.metadata?.labels)}},
    },
  }
  const service: Service = {
    ...manifestOf<Service>(svc, 'v1', 'Service'),
    metadata: {name: swap(svc.metadata.name), namespace: svc.metadata.namespace, labels: swapValues(svc.metadata.labels), annotations: {[CLONED_FROM_ANNOTATION]: svc.metadata.name}},
    spec: {...withoutAllocated(svc.spec), selector: swapValues(svc.spec.selector), ports: svc.spec.ports?.map((p) => ({...p, name: p.name && swap(p.name), nodePort: undefined}))},
  }
  const expectedHost = memberHost(naming, toOrdinal)
  if (service.metadata.name !== expectedHost || deployment.metadata.name === dep.metadata.name) {
    throw new SrsError(`cannot derive origin ${toOrdinal} from ${dep.metadata.name} and ${svc.metadata.name}: the names do not carry the ordinal (${service.metadata.name} ≠ ${expectedHost})`, {
      hint: 'create the Deployment and Service of the new origin by hand, then run kubectl srs sync-origins',
    })
  }
  if (selectorMatches(deployment.spec.selector, dep.spec.template.metadata?.labels) || selectorMatches(service.spec.selector, dep.spec.template.metadata?.labels)) {
    throw new SrsError(`cannot clone ${dep.metadata.name}: its selector does not carry the ordinal, so the clone would select the same pods`, {
      hint: 'give each origin Deployment its own label (app: srs-origin-N), or create the new origin by hand and run kubectl srs sync-origins',
    })
  }
  return {deployment, service}
}

function withoutAllocated(spec: Service['spec']): Service['spec'] {
  const {clusterIP, ...rest} = spec as Service['spec'] & {clusterIPs?: string[]}
  delete (rest as {clusterIPs?: string[]}).clusterIPs
  // A headless Service stays headless; allocated addresses are the apiserver's to choose.
  return clusterIP === 'None' ? {...rest, clusterIP} : rest
}

/** An object as one would keep it in Git: no status, no server-set metadata. */
function manifestOf<T extends {metadata: {name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>}}>(obj: T, apiVersion: string, kind: string): T {
  const copy = JSON.parse(JSON.stringify(obj)) as T & {status?: unknown; apiVersion?: string; kind?: string}
  delete copy.status
  const annotations = {...copy.metadata.annotations}
  delete annotations[KUBE_ANNOTATION.lastApplied]
  delete annotations[KUBE_ANNOTATION.revision]
  for (const k of Object.keys(annotations)) if (k.startsWith(ORIGIN_ANNOTATION_PREFIX)) delete annotations[k]
  copy.metadata = {
    name: copy.metadata.name,
    namespace: copy.metadata.namespace,
    ...(copy.metadata.labels && Object.keys(copy.metadata.labels).length > 0 ? {labels: copy.metadata.labels} : {}),
    ...(Object.keys(annotations).length > 0 ? {annotations} : {}),
  }
  // apiVersion and kind first, as people write manifests.
  const {apiVersion: _a, kind: _k, ...rest} = copy
  return {apiVersion, kind, ...rest} as unknown as T
}

function range(from: number, to: number): number[] {
  return to > from ? Array.from({length: to - from}, (_, i) => from + i) : []
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)]
}

/**
 * The workloads whose SRS API a run of the plan asks: the readers of every ConfigMap it edits
 * (reload confirmation), the origins it scales, waits for or drains, and the Deployment a new
 * origin is cloned from (the clone runs its config).
 */
export function workloadsAskedBy(plan: Pick<OriginScalePlan, 'steps'>): string[] {
  const names = plan.steps.flatMap((s) => {
    switch (s.kind) {
      case 'edit-config':
        return s.readers
      case 'wait-ready':
      case 'wait-unpublished':
        return s.workloads
      case 'scale-statefulset':
      case 'scale-deployment':
        return [s.name]
      case 'create-origin':
        return [s.clonedFrom]
      default:
        return []
    }
  })
  return [...new Set(names)].sort()
}
