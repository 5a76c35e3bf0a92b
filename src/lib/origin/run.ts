/**
 * What add-origin, remove-origin and sync-origins share: observe, plan (all validation happens
 * here, before the first write), take the cluster's lease, plan again from what is there now
 * (another run may have just finished), execute, and build the result -o json prints.
 */
import {SrsError, UsageError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {checkSrsApiAccess, PodTransports, probePods, SrsCredentialResolver, type SrsAccessProbe, type SrsCredentialChoice} from '../srs/api/index.js'
import {observeWorkloads} from '../srs/observe.js'
import {buildTopology, type ObservedObjects, type Topology} from '../srs/topology.js'
import type {PodReloadReport} from '../reload/confirm.js'
import {describeStep, OriginExecutor, type RestartedPod} from './execute.js'
import {INTERRUPTED_EXIT, type StopHook} from '../stop-hook.js'
import {leaseCommand, OriginLease} from '../srs/lease.js'
import {memberHost, type ClusterNaming} from './lists.js'
import {planOriginChange, workloadsAskedBy, type OriginOp, type OriginScalePlan} from './plan.js'
import type {OriginChangeResult} from './result.js'

export interface OriginRunOptions {
  op: OriginOp
  namespace: string
  workload?: string
  count: number
  dryRun: boolean
  /** sync-origins --check: report drift only. */
  check: boolean
  force: boolean
  wait: boolean
  timeoutMs: number
  kubeletSyncMs: number
  requestTimeoutMs: number
  /** Test hook (KUBECTL_SRS_STOP_AFTER_STEP), read once by the command layer. */
  stopHook?: StopHook
  progress?: (text: string) => void
  /** Warnings are printed as they come (stderr), and kept in the result. */
  warn?: (text: string) => void
  /** What readCredentialFlags made of --api-user/--api-password-file/--api-secret. */
  apiCredentials?: SrsCredentialChoice
  /** --restart: pods that cannot load the new lists in place are restarted (kubectl srs reload). */
  restart?: boolean
  /** --restart on StatefulSet origins that publish streams: true goes on (--yes, or asked on a TTY). */
  approve?: (publishers: {pod: string; streams: string[]}[]) => Promise<boolean>
  /** Progress of --restart's reload. */
  reloadProgress?: {update(text: string): void}
}

/** The origin command as the user ran it, for "run it again". */
function command(opts: OriginRunOptions): string {
  const verb = opts.op === 'sync' ? 'sync-origins' : `${opts.op}-origin`
  return `kubectl srs ${verb}${opts.workload ? ` ${opts.workload}` : ''} -n ${opts.namespace}`
}

async function observe(kube: KubeClient, ns: string): Promise<ObservedObjects> {
  const o = await observeWorkloads(kube, ns)
  return o.byNamespace.get(ns) ?? {deployments: [], statefulsets: [], pods: [], configMaps: [], services: []}
}

function namingOfPlan(plan: OriginScalePlan): ClusterNaming | undefined {
  if (plan.cluster.mode === 'srs7') return undefined
  return {mode: plan.cluster.mode, name: plan.cluster.name, service: plan.cluster.service, namespace: plan.namespace, apiPort: plan.cluster.apiPort}
}

function baseResult(plan: OriginScalePlan, dryRun: boolean): OriginChangeResult {
  const naming = namingOfPlan(plan)
  const host = (o: number) => (naming ? memberHost(naming, o) : `${plan.cluster.name} #${o}`)
  return {
    kind: 'SrsOriginChange',
    op: plan.op,
    namespace: plan.namespace,
    outcome: 'planned',
    cluster: plan.cluster,
    from: plan.from,
    to: plan.to,
    added: plan.added.map(host),
    removed: plan.removed.map(host),
    dryRun,
    resumed: plan.resumed,
    plan: plan.steps.map((s, i) => ({step: i + 1, kind: s.kind, description: describeStep(s)})),
    steps: [],
    configMaps: plan.steps.flatMap((s) => (s.kind === 'edit-config' ? [{configMap: s.configMap, key: s.key, list: s.list, listBefore: s.listBefore, listAfter: s.listAfter, changed: s.changed}] : [])),
    pods: [],
    warnings: [...plan.warnings],
    notes: [...plan.notes],
    next: [],
  }
}

/**
 * What to run when the change did not end with every pod on the new lists: reload the workloads
 * of the pending pods (it restarts pods that cannot reload in place), then, for a stopped
 * remove-origin, the same command again to finish.
 */
export function nextSteps(r: Pick<OriginChangeResult, 'op' | 'namespace' | 'pods' | 'stoppedAt'>, command: string): string[] {
  const pending = [...new Set(r.pods.filter((p) => p.state === 'pending' && !p.leaving).map((p) => p.workload))].sort()
  const next = pending.map((w) => `kubectl srs reload ${w} -n ${r.namespace}`)
  const failed = [...new Set(r.pods.filter((p) => p.state === 'failed').map((p) => p.configMap))].sort()
  for (const cm of failed) next.push(`fix configmap/${cm} (SRS refused it and keeps the old config), then kubectl srs sync-origins -n ${r.namespace}`)
  if (r.stoppedAt) next.push(pending.length > 0 ? `then ${command} again to finish (or run it with --restart, which does both)` : `${command} again to finish`)
  return next
}

/** One Ready pod per image of every workload the plan will ask must let this run read its SRS API. */
async function checkApiAccess(kube: KubeClient, topo: Topology, plan: OriginScalePlan, credentials: SrsCredentialResolver, timeoutMs: number): Promise<void> {
  const asked = new Set(workloadsAskedBy(plan))
  const probes: SrsAccessProbe[] = []
  for (const w of topo.workloads.filter((x) => asked.has(x.name))) {
    const c = await credentials.forWorkload(w)
    for (const p of probePods(w.pods, w.container)) probes.push({pod: p.metadata.name, port: w.apiPort, workload: `${w.kind.toLowerCase()}/${w.name}`, credentials: c})
  }
  if (probes.some((p) => p.credentials)) await kube.preparePortForward()
  await checkSrsApiAccess(new PodTransports(kube, topo.namespace, 'leave-nothing-open'), probes, {timeoutMs})
}

export async function runOriginChange(kube: KubeClient, opts: OriginRunOptions): Promise<OriginChangeResult> {
  const ns = opts.namespace
  const request = {op: opts.op, workload: opts.workload, count: opts.count}
  let objs = await observe(kube, ns)
  let plan = planOriginChange(buildTopology(ns, objs), objs, request)
  if (opts.dryRun || opts.check) {
    const result = baseResult(plan, opts.dryRun)
    if (opts.dryRun) result.objects = plan.objects
    if (opts.check) result.outcome = result.configMaps.some((c) => c.changed) ? 'drift' : 'in-sync'
    for (const w of result.warnings) opts.warn?.(w)
    return result
  }
  const deadline = Date.now() + opts.timeoutMs
  const credentials = new SrsCredentialResolver(kube, opts.apiCredentials)
  // Before the lease and the first write: a run whose SRS pods refuse it would scale origins it
  // could never confirm.
  await checkApiAccess(kube, buildTopology(ns, objs), plan, credentials, Math.min(opts.requestTimeoutMs || 10_000, 10_000))
  const lease = new OriginLease(kube, ns, plan.anchor)
  const taken = await lease.acquire(opts.op, deadline, (other) => opts.progress?.(`waiting for another kubectl srs ${leaseCommand(other.op)} run (${other.holder}) on ${plan.anchor.name} to finish`))
  let finished = false
  // Ctrl-C or a TERM: leave the record of the target and let the next run take over at once
  // (a killed run's lease goes stale after LEASE_STALE_MS instead).
  const onSignal = (signal: NodeJS.Signals) => {
    void lease
      .abandon()
      .catch(() => {})
      .finally(() => process.exit(signal === 'SIGINT' ? INTERRUPTED_EXIT : 143))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    // Plan again: a run that held the lease may have changed everything.
    objs = await observe(kube, ns)
    plan = planOriginChange(buildTopology(ns, objs), objs, {...request, resumeTarget: taken?.target})
    await lease.update({target: plan.to})
    const result = baseResult(plan, false)
    for (const w of result.warnings) opts.warn?.(w)
    const executor = new OriginExecutor(kube, plan, namingOfPlan(plan), {
      timeoutMs: Math.max(1000, deadline - Date.now()),
      kubeletSyncMs: opts.kubeletSyncMs,
      requestTimeoutMs: opts.requestTimeoutMs,
      force: opts.force,
      wait: opts.wait,
      stopHook: opts.stopHook,
      lease,
      resumedReload: taken?.reload,
      progress: opts.progress,
      credentials,
      restartPending: opts.restart ? (pods, writtenAt) => restartPending(kube, ns, pods, writtenAt, deadline, opts) : undefined,
    })
    const exec = await executor.run()
    result.steps = exec.steps
    result.configMaps = exec.configMaps
    result.pods = exec.pods
    result.stoppedAt = exec.stoppedAt
    result.next = nextSteps(result, command(opts))
    result.outcome = exec.stoppedAt ? 'stopped' : exec.pods.every((p) => p.state === 'applied' || p.leaving) ? 'applied' : 'pending'
    finished = !exec.stoppedAt
    return result
  } finally {
    // A finished run frees the cluster; one that stopped or failed leaves its target for the next run.
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await (finished ? lease.release() : lease.abandon()).catch(() => {})
  }
}

/** --restart: kubectl srs reload for the pods that could not load the new lists, within this run. */
async function restartPending(kube: KubeClient, ns: string, pods: PodReloadReport[], writtenAt: number, deadline: number, opts: OriginRunOptions): Promise<RestartedPod[]> {
  const {runReload} = await import('../reload/run.js')
  const out: RestartedPod[] = []
  for (const workload of [...new Set(pods.map((p) => p.workload))].sort()) {
    const mine = pods.filter((p) => p.workload === workload)
    const r = await runReload(kube, {
      namespace: ns,
      workload,
      onlyPods: mine.map((p) => p.pod),
      changedAt: writtenAt,
      maxUnavailable: 1,
      dryRun: false,
      timeoutMs: Math.max(1000, deadline - Date.now()),
      kubeletSyncMs: opts.kubeletSyncMs,
      requestTimeoutMs: opts.requestTimeoutMs,
      apiCredentials: opts.apiCredentials,
      progress: opts.reloadProgress ?? {update: (t) => opts.progress?.(t)},
      approve: opts.approve ?? (async () => false),
      // This run holds the cluster's lease: the reload inside it must not wait for (or refuse) it.
      leaseHeld: true,
    }).catch((error: unknown) => {
      // Publishers to cut without --yes, or a restart refused (HPA, rollout, canary): these pods
      // stay pending, saying so; the rest goes on.
      if (error instanceof UsageError || (error instanceof SrsError && error.reason === 'Refused')) return error
      throw error
    })
    if (r instanceof SrsError) {
      for (const p of mine) out.push({pod: p.pod, loaded: false, reason: `${r.message}; ${r.hint ?? ''}`})
      continue
    }
    for (const p of r.pods) out.push({pod: p.pod, loaded: p.outcome === 'restarted' || p.outcome === 'reloaded' || p.outcome === 'up-to-date', reason: `${p.outcome}: ${p.reason}`})
  }
  return out
}
