/**
 * `kubectl srs reload`: observe the SRS workloads and their pods (start times, clients, published
 * streams, when each ConfigMap last changed), plan, let the caller confirm what the plan will cut,
 * take the cluster's lease (refusing while another change holds it), execute, and build the
 * result -o json prints. The origin commands' --restart runs it for the pods that could not load
 * their new lists, under the lease they already hold.
 */
import {ExitCode, SrsError, UsageError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {ConfigMap, Deployment, HorizontalPodAutoscaler, Pod, StatefulSet} from '../kube/types.js'
import {clusterLeaseAnchor, OriginLease, type LeaseAnchor} from '../srs/lease.js'
import {ROLLOUT_ANNOTATION} from '../vocabulary.js'
import {containerStartedAt} from './confirm.js'
import {countViewers, listSrsClients, listSrsStreams, PodTransports, querySrsVersions, SrsCredentialResolver, type SrsCredentialChoice} from '../srs/api/index.js'
import {observeWorkloads} from '../srs/observe.js'
import {buildTopology, type ObservedObjects, type Topology, type WorkloadModel} from '../srs/topology.js'
import {ReloadExecutor, type ReloadProgress} from './execute.js'
import {describeReloadStep, handOffRefusal, planReload, type ReloadPlan, type ReloadWorkloadInput} from './plan.js'
import type {ReloadResult} from './result.js'
import {INTERRUPTED_EXIT} from '../stop-hook.js'

export interface ReloadRunOptions {
  namespace: string
  /** Names one workload; all SRS workloads of the namespace that read a ConfigMap when absent. */
  workload?: string
  /** Only these pods (the origin commands' pending ones). */
  onlyPods?: string[]
  /** When the config changed, when the caller wrote it (else the ConfigMap's managed fields say). */
  changedAt?: number
  maxUnavailable: number
  dryRun: boolean
  timeoutMs: number
  kubeletSyncMs: number
  requestTimeoutMs: number
  apiCredentials?: SrsCredentialChoice
  progress: ReloadProgress
  /**
   * Asked before anything changes when restarts will cut publishers: true goes on. The command
   * asks on a TTY, takes --yes, or refuses.
   */
  approve: (publishers: ReloadPlan['publishers']) => Promise<boolean>
  /** The caller holds the cluster's lease already (an origin command's --restart): take none. */
  leaseHeld?: boolean
  /** --handoff-after: close the clients still on each replaced pod after this long draining (undefined: wait as the grace period allows). */
  handoffAfterMs?: number
  /** What the hand-off did, pod by pod (--verbose). */
  log?: (line: string) => void
}

/**
 * 3 when a pod is pending, or was killed at the end of its grace period with viewers on it (or an
 * unknown count): the command cut viewers, as a rollout that cuts them says by its exit status.
 */
export function reloadExitCode(r: ReloadResult): ExitCode {
  const cut = r.pods.some((p) => p.outcome === 'restarted' && p.drained === false && p.viewers !== 0)
  return r.outcome === 'pending' || cut ? ExitCode.Degraded : ExitCode.Ok
}

/** The command that finishes a workload's reload, as a user would type it. */
export function reloadCommand(namespace: string, workload: string): string {
  return `kubectl srs reload ${workload} -n ${namespace}`
}

/** When the ConfigMap's text last changed: the newest time in its managed fields (creation when none). */
export function configMapChangedAt(cm: ConfigMap): number | undefined {
  const meta = cm.metadata as ConfigMap['metadata'] & {managedFields?: {time?: string}[]}
  const times = (meta.managedFields ?? []).map((f) => Date.parse(f.time ?? '')).filter((t) => Number.isFinite(t))
  if (times.length > 0) return Math.max(...times)
  const created = Date.parse(meta.creationTimestamp ?? '')
  return Number.isFinite(created) ? created : undefined
}

function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
}

/** The live pods with their viewers; a pod whose clients could not be read is named in `warnings` (its place in the order is then a guess). */
async function observePods(transports: PodTransports, credentials: SrsCredentialResolver, w: WorkloadModel, timeoutMs: number, warnings: string[]): Promise<ReloadWorkloadInput['pods']> {
  const auth = await credentials.forWorkload(w)
  const live = w.pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running')
  return Promise.all(
    live.map(async (p) => {
      const tr = transports.of(p.metadata.name, w.apiPort, auth)
      const [clients, streams] = await Promise.all([listSrsClients(tr, {timeoutMs, pageSize: 100}), w.kind === 'StatefulSet' ? listSrsStreams(tr, {timeoutMs}) : undefined])
      const ordinal = /-(\d+)$/.exec(p.metadata.name)
      if (!clients.ok) warnings.push(`viewers on ${p.metadata.name} unknown (${clients.failure.message}): it goes after the pods whose viewers are known`)
      return {
        name: p.metadata.name,
        ordinal: ordinal ? Number(ordinal[1]) : undefined,
        ready: isReady(p),
        startedAt: containerStartedAt(p, w.container),
        viewers: clients.ok ? countViewers(clients.value.clients).viewers : undefined,
        publishes: streams?.ok ? streams.value.streams.filter((s) => s.publishing).map((s) => `${s.app}/${s.name}`) : [],
      }
    }),
  )
}

/** --handoff-after: the SRS version of each pod a restart removes, as its API reports it (null: it did not answer). */
async function leavingVersions(transports: PodTransports, credentials: SrsCredentialResolver, chosen: WorkloadModel[], plan: ReloadPlan, timeoutMs: number): Promise<Map<string, string | null>> {
  const leaving = new Set(plan.steps.flatMap((s) => (s.kind === 'replace' ? s.pods : s.kind === 'restart' ? [s.pod] : [])))
  const out = new Map<string, string | null>()
  for (const w of chosen) {
    const auth = await credentials.forWorkload(w)
    const pods = w.pods.filter((p) => leaving.has(p.metadata.name))
    const answers = await Promise.all(pods.map((p) => querySrsVersions(transports.of(p.metadata.name, w.apiPort, auth), {timeoutMs})))
    pods.forEach((p, i) => {
      const a = answers[i]!
      out.set(p.metadata.name, a.ok ? a.value.version : null)
    })
  }
  return out
}

/**
 * The leases a reload takes: a member's origin cluster's; an edge's, every origin cluster of the
 * namespace (their changes rewrite its origin list and restart it); else the workload's own, so
 * two reloads of it exclude each other. Sorted, so two runs take them in the same order.
 */
export function reloadLeaseAnchors(topo: Topology, chosen: WorkloadModel[]): LeaseAnchor[] {
  const anchors = new Map<string, LeaseAnchor>()
  for (const w of chosen) {
    const own = topo.originClusters.find((c) => c.workloads.includes(w.name))
    const clusters = own ? [own] : topo.originClusters
    const found = clusters.length > 0 ? clusters.map(clusterLeaseAnchor) : [{kind: w.kind, name: w.name}]
    for (const a of found) anchors.set(`${a.kind}/${a.name}`, a)
  }
  return [...anchors.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, a]) => a)
}

/** Takes every lease or none: refuses (exit 1) naming the holder, releasing those already taken. */
async function takeLeases(kube: KubeClient, ns: string, anchors: LeaseAnchor[]): Promise<OriginLease[]> {
  const taken: OriginLease[] = []
  try {
    for (const a of anchors) {
      const lease = new OriginLease(kube, ns, a)
      await lease.tryAcquire('reload')
      taken.push(lease)
    }
    return taken
  } catch (error) {
    await releaseLeases(taken)
    throw error
  }
}

async function releaseLeases(leases: OriginLease[]): Promise<void> {
  await Promise.all(leases.map((l) => l.release().catch(() => {})))
}

/** What else moves this workload's pods: an HPA, a rollout still in progress, a canary. */
function restartContext(w: WorkloadModel, objs: ObservedObjects, hpas: HorizontalPodAutoscaler[]): Pick<ReloadWorkloadInput, 'hpa' | 'rollingOut' | 'canary'> {
  const hpa = hpas.find((h) => h.spec.scaleTargetRef.kind === w.kind && h.spec.scaleTargetRef.name === w.name)?.metadata.name
  const canaryOf = w.annotations[ROLLOUT_ANNOTATION.canaryOf]
  const canaryName = w.annotations[ROLLOUT_ANNOTATION.canary]
  if (w.kind === 'Deployment') {
    const d = objs.deployments.find((x) => x.metadata.name === w.name)
    return {hpa, rollingOut: d && deploymentRollingOut(d), canary: canaryOf ? {canaryOf} : canaryName ? {canary: canaryName} : undefined}
  }
  const sts = objs.statefulsets.find((x) => x.metadata.name === w.name)
  const partition = sts?.spec.updateStrategy?.rollingUpdate?.partition ?? 0
  return {hpa, rollingOut: sts && partition === 0 ? statefulSetRollingOut(sts) : undefined, canary: partition > 0 ? {partition} : undefined}
}

function deploymentRollingOut(d: Deployment): string | undefined {
  const s = d.status ?? {}
  const want = d.spec.replicas ?? 1
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return `generation ${d.metadata.generation} not yet observed by its controller`
  if ((s.updatedReplicas ?? 0) < want) return `${s.updatedReplicas ?? 0} of ${want} pods updated`
  if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return `${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old pod(s) still running`
  return undefined
}

function statefulSetRollingOut(sts: StatefulSet): string | undefined {
  const s = sts.status ?? {}
  if ((s.observedGeneration ?? 0) < (sts.metadata.generation ?? 0)) return `generation ${sts.metadata.generation} not yet observed by its controller`
  if (s.currentRevision && s.updateRevision && s.currentRevision !== s.updateRevision) return `${s.updatedReplicas ?? 0} of ${sts.spec.replicas ?? 1} pods on revision ${s.updateRevision}`
  return undefined
}

export async function runReload(kube: KubeClient, opts: ReloadRunOptions): Promise<ReloadResult> {
  const ns = opts.namespace
  const objs = (await observeWorkloads(kube, ns)).byNamespace.get(ns) ?? {deployments: [], statefulsets: [], pods: [], configMaps: [], services: []}
  const topo = buildTopology(ns, objs)
  const warnings: string[] = []
  let chosen: WorkloadModel[]
  if (opts.workload !== undefined) {
    const w = topo.workloads.find((x) => x.name === opts.workload)
    if (!w) throw new SrsError(`no SRS workload named ${opts.workload} in namespace ${ns}`, {reason: 'NotFound', hint: 'kubectl srs status lists the SRS workloads of the namespace'})
    if (w.config.kind !== 'configmap' || !w.config.configMap) {
      throw new UsageError(`${w.kind.toLowerCase()}/${w.name} does not read its srs.conf from a ConfigMap: there is nothing to reload`, 'reload applies a changed ConfigMap; an image or env change needs a rollout (kubectl srs canary)')
    }
    chosen = [w]
  } else {
    chosen = topo.workloads.filter((w) => w.config.kind === 'configmap' && w.config.configMap)
    if (chosen.length === 0) throw new SrsError(`no SRS workload reading its srs.conf from a ConfigMap in namespace ${ns}`, {reason: 'NotFound', hint: 'check -n NAMESPACE; kubectl srs status lists the SRS workloads'})
  }
  if (opts.onlyPods) chosen = chosen.filter((w) => w.pods.some((p) => opts.onlyPods!.includes(p.metadata.name)))
  const credentials = new SrsCredentialResolver(kube, opts.apiCredentials)
  if (opts.apiCredentials || chosen.some((w) => w.apiAuthOn)) await kube.preparePortForward()
  const transports = new PodTransports(kube, ns, 'leave-nothing-open')
  const requestTimeoutMs = Math.min(opts.requestTimeoutMs || 10_000, 10_000)
  const changedAt = new Map<string, number | undefined>()
  // Unreadable HPAs (RBAC) count as none, as canary does.
  const hpas = (await kube.list<HorizontalPodAutoscaler>(Resources.horizontalpodautoscalers, {namespace: ns}).catch(() => ({items: [] as HorizontalPodAutoscaler[]}))).items
  const inputs: ReloadWorkloadInput[] = []
  for (const w of chosen) {
    const cm = objs.configMaps.find((c) => c.metadata.name === w.config.configMap)
    changedAt.set(w.name, opts.changedAt ?? (cm ? configMapChangedAt(cm) : undefined))
    inputs.push({
      kind: w.kind,
      name: w.name,
      replicas: w.replicas,
      configMap: w.config.configMap,
      configChangedAt: changedAt.get(w.name),
      rawReload: w.settings.global.rawApiEnabled.value && w.settings.global.rawApiAllowReload.value,
      maxConnections: w.settings.global.maxConnections.value,
      pods: await observePods(transports, credentials, w, requestTimeoutMs, warnings),
      ...restartContext(w, objs, hpas),
    })
  }
  const plan = planReload(inputs, {maxUnavailable: opts.maxUnavailable, onlyPods: opts.onlyPods})
  const refusal = plan.refusals[0]
  if (refusal) throw new SrsError(refusal.message, {reason: refusal.reason, hint: refusal.hint, exitCode: refusal.exitCode})
  if (opts.handoffAfterMs !== undefined) {
    const noHandOff = handOffRefusal(inputs, plan, await leavingVersions(transports, credentials, chosen, plan, requestTimeoutMs))
    if (noHandOff) throw new SrsError(noHandOff.message, {reason: noHandOff.reason, hint: noHandOff.hint, exitCode: noHandOff.exitCode})
    const inPlace = plan.steps.flatMap((s) => (s.kind === 'raw-reload' ? [s.workload] : []))
    for (const w of inPlace) warnings.push(`--handoff-after: the pods of ${w} reload in place through the SRS API; none leaves, so none is handed off`)
  }
  warnings.push(...plan.warnings)
  const result: ReloadResult = {
    kind: 'SrsReload',
    namespace: ns,
    outcome: 'planned',
    dryRun: opts.dryRun,
    workloads: inputs.map((w) => ({
      kind: w.kind,
      name: w.name,
      configMap: w.configMap,
      configChangedAt: w.configChangedAt === undefined ? undefined : new Date(w.configChangedAt).toISOString(),
      method: w.rawReload ? 'raw-reload' : 'restart',
    })),
    plan: plan.steps.map((s, i) => ({step: i + 1, kind: s.kind, description: describeReloadStep(s)})),
    publishers: plan.publishers,
    pods: plan.upToDate.map((u) => ({pod: u.pod, workload: u.workload, outcome: 'up-to-date', reason: 'SRS started after the ConfigMap last changed, so it runs the config it holds now', viewers: plan.viewers.get(u.pod)})),
    readyPods: [],
    warnings,
  }
  if (opts.dryRun) return result
  if (plan.publishers.length > 0 && !(await opts.approve(plan.publishers))) {
    throw new UsageError(`not restarting: the publishers of ${plan.publishers.map((p) => `${p.streams.join(', ')} on ${p.pod}`).join('; ')} will have to reconnect`, 'run it on a terminal to be asked, or pass --yes to restart them')
  }
  const leases = opts.leaseHeld || plan.steps.length === 0 ? [] : await takeLeases(kube, ns, reloadLeaseAnchors(topo, chosen))
  // Ctrl-C or a TERM: a reload has nothing to resume, so the lease goes (or goes back to the
  // stopped origin change it held) at once.
  const onSignal = (signal: NodeJS.Signals) => {
    void releaseLeases(leases).finally(() => process.exit(signal === 'SIGINT' ? INTERRUPTED_EXIT : 143))
  }
  if (leases.length > 0) {
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  }
  try {
    await execute(kube, plan, chosen, changedAt, credentials, opts, result)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await releaseLeases(leases)
  }
  return result
}

async function execute(kube: KubeClient, plan: ReloadPlan, chosen: WorkloadModel[], changedAt: Map<string, number | undefined>, credentials: SrsCredentialResolver, opts: ReloadRunOptions, result: ReloadResult): Promise<void> {
  const ns = opts.namespace
  const exec = new ReloadExecutor(kube, plan, {
    namespace: ns,
    workloads: new Map(chosen.map((w) => [w.name, w])),
    configChangedAt: changedAt,
    timeoutMs: opts.timeoutMs,
    kubeletSyncMs: opts.kubeletSyncMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    credentials,
    progress: opts.progress,
    nextCommand: (workload) => reloadCommand(ns, workload),
    handoffAfterMs: opts.handoffAfterMs,
    log: opts.log,
  })
  await exec.run()
  result.pods.push(...exec.reports)
  result.pods.sort((a, b) => a.workload.localeCompare(b.workload) || a.pod.localeCompare(b.pod))
  result.readyPods = [...exec.ready].map(([workload, r]) => ({workload, ...r}))
  result.warnings.push(...exec.warnings)
  result.outcome = result.pods.every((p) => p.outcome !== 'pending' && p.outcome !== 'failed') ? 'done' : 'pending'
}
