/**
 * Runs an OriginScalePlan step by step. Every step converges on the end state the plan names
 * (replicas N, an object that exists, a list that names exactly these members), reading what is
 * there first, so a step run twice does nothing the second time. ConfigMaps are read-modify-write
 * with their resourceVersion; a conflict starts the edit over from a fresh read, so an edit made
 * meanwhile by someone else is kept, not overwritten.
 */
import {isConflict, isNotFound, SrsError, TimeoutError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {ConfigMap, Deployment, Pod, Service, StatefulSet} from '../kube/types.js'
import {listSrsStreams, PodTransports, querySrsVersions, srsAuthError, type PodTransport, type SrsApiCredentials, type SrsCredentialResolver, type SrsFailure} from '../srs/api/index.js'
import {observeWorkloads} from '../srs/observe.js'
import {buildTopology, type ObservedObjects, type WorkloadModel} from '../srs/topology.js'
import {confirmReloads, reloadTargetOf, takeBaseline, type PodBaseline, type PodReloadReport, type ReloadTarget} from '../reload/confirm.js'
import type {OriginLease, ReloadRecord} from '../srs/lease.js'
import {sleep} from '../util.js'
import {stopAfterStep, type StopHook} from '../stop-hook.js'
import {editListText, type ClusterNaming} from './lists.js'
import type {ConfigEditStep, OriginScalePlan, OriginStep} from './plan.js'

export interface StepReport {
  step: number
  kind: OriginStep['kind']
  description: string
  /** done: changed something; unchanged: already in the end state; skipped: not needed (e.g. --force). */
  outcome: 'done' | 'unchanged' | 'skipped'
  detail?: string
}

export interface ConfigMapWrite {
  configMap: string
  key: string
  list: string
  listBefore: string[]
  listAfter: string[]
  attempts: number
  changed: boolean
}

export interface ExecutionResult {
  steps: StepReport[]
  configMaps: ConfigMapWrite[]
  pods: PodReloadReport[]
  /** Set when the run stopped before the end (pending reloads before a scale-down, timeouts). */
  stoppedAt?: {step: number; reason: string}
}

export interface ExecuteOptions {
  timeoutMs: number
  kubeletSyncMs: number
  requestTimeoutMs: number
  force: boolean
  wait: boolean
  /** Test hook (KUBECTL_SRS_STOP_AFTER_STEP), read by the command layer: the run exits 130 after that step. */
  stopHook?: StopHook
  lease?: OriginLease
  /** The reload baseline of an interrupted run of the same change that this run took over. */
  resumedReload?: ReloadRecord
  progress?: (text: string) => void
  /** SRS http_api credentials per workload (flags, --api-secret, or the workload's own config). */
  credentials?: SrsCredentialResolver
  /**
   * --restart: makes the pods that could not load the new lists load them (kubectl srs reload for
   * those pods), after the write at `writtenAt`; returns each pod's report.
   */
  restartPending?: (pods: PodReloadReport[], writtenAt: number) => Promise<RestartedPod[]>
}

/** What --restart did to one pod (kubectl srs reload's report, in the terms the origin result needs). */
export interface RestartedPod {
  pod: string
  loaded: boolean
  reason: string
}

export class OriginExecutor {
  private baseline = new Map<string, PodBaseline>()
  private targets: ReloadTarget[] = []
  private writtenAt = 0
  private reloadRecord?: ReloadRecord
  private readonly result: ExecutionResult = {steps: [], configMaps: [], pods: []}
  private readonly deadline: number
  private readonly transports: PodTransports

  constructor(
    private readonly kube: KubeClient,
    private readonly plan: OriginScalePlan,
    private readonly naming: ClusterNaming | undefined,
    private readonly opts: ExecuteOptions,
  ) {
    this.deadline = Date.now() + opts.timeoutMs
    this.writtenAt = opts.resumedReload?.writtenAt ?? 0
    this.transports = new PodTransports(kube, plan.namespace, 'leave-nothing-open')
  }

  private get ns(): string {
    return this.plan.namespace
  }

  async run(): Promise<ExecutionResult> {
    const steps = this.plan.steps
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!
      // Baseline the reload ids just before the first ConfigMap write of the run.
      if (step.kind === 'edit-config' && (i === 0 || steps[i - 1]!.kind !== 'edit-config')) await this.takeBaseline()
      this.opts.progress?.(`step ${i + 1}/${steps.length}: ${describeStep(step)}`)
      const report = await this.runStep(step, i + 1)
      this.result.steps.push(report)
      await this.opts.lease?.update({step: i + 1, ...(this.reloadRecord ? {reload: {...this.reloadRecord, writtenAt: this.writtenAt || undefined}} : {})})
      if (this.result.stoppedAt) break
      // INT/TERM go through the handler runOriginChange installs; KILL leaves the lease to go stale.
      await stopAfterStep(this.opts.stopHook, i + 1, async () => this.opts.lease?.abandon())
    }
    return this.result
  }

  private async runStep(step: OriginStep, n: number): Promise<StepReport> {
    const base = {step: n, kind: step.kind, description: describeStep(step)}
    switch (step.kind) {
      case 'scale-statefulset':
      case 'scale-deployment': {
        const res = step.kind === 'scale-statefulset' ? Resources.statefulsets : Resources.deployments
        const obj = await this.kube.get<StatefulSet | Deployment>(res, step.name, this.ns)
        if ((obj.spec.replicas ?? 1) === step.replicas) return {...base, outcome: 'unchanged', detail: `already ${step.replicas} replicas`}
        await this.kube.patch(res, step.name, {spec: {replicas: step.replicas}}, 'merge', this.ns)
        return {...base, outcome: 'done', detail: `${obj.spec.replicas ?? 1} → ${step.replicas} replicas`}
      }
      case 'create-origin': {
        let changed = false
        if (!(await this.kube.find<Service>(Resources.services, step.service.metadata.name, this.ns))) {
          await this.createTolerant(Resources.services, step.service)
          changed = true
        }
        if (!(await this.kube.find<Deployment>(Resources.deployments, step.deployment.metadata.name, this.ns))) {
          await this.createTolerant(Resources.deployments, step.deployment)
          changed = true
        }
        return {...base, outcome: changed ? 'done' : 'unchanged'}
      }
      case 'wait-ready':
        await this.waitReady(step.workloads, step.pods)
        return {...base, outcome: 'done'}
      case 'edit-config':
        return {...base, ...(await this.applyConfigMapEdit(step))}
      case 'confirm-reload': {
        const pods = await confirmReloads(this.transports, this.targets, this.baseline, this.writtenAt || Date.now(), {
          timeoutMs: Math.max(0, this.deadline - Date.now()),
          kubeletSyncMs: this.opts.kubeletSyncMs,
          requestTimeoutMs: Math.min(this.opts.requestTimeoutMs || 10_000, 10_000),
          noWait: !this.opts.wait,
          readLog: (t, sinceSeconds) => this.kube.podLogs(this.ns, t.pod, t.container, {sinceSeconds}),
          onProgress: (done, total) => this.opts.progress?.(`step ${n}/${this.plan.steps.length}: ${done}/${total} SRS pods applied the new lists`),
        })
        // Origins this run removes need not load lists they are about to leave.
        const leaving = new Set(this.plan.steps.flatMap((s) => (s.kind === 'wait-unpublished' ? s.pods : [])))
        for (const p of pods) if (leaving.has(p.pod)) p.leaving = true
        const stuck = pods.filter((p) => p.state === 'pending' && !leaving.has(p.pod))
        if (stuck.length > 0 && this.opts.restartPending) {
          this.opts.progress?.(`step ${n}/${this.plan.steps.length}: restarting ${stuck.length} SRS pod(s) that cannot load the new lists in place`)
          const restarted = await this.opts.restartPending(stuck, this.writtenAt || Date.now())
          for (const r of restarted) {
            const p = pods.find((x) => x.pod === r.pod)!
            if (r.loaded) Object.assign(p, {state: 'applied', confirmedBy: 'restarted'})
            p.reason = `--restart: ${r.reason}`
          }
        }
        this.result.pods = pods
        const open = pods.filter((p) => p.state !== 'applied' && !leaving.has(p.pod))
        const later = this.plan.steps.slice(n).some((s) => s.kind === 'wait-unpublished' || s.kind === 'scale-statefulset' || s.kind === 'delete-origin')
        if (open.length > 0 && later && !this.opts.force) {
          // Scaling down while a pod may still send players to the leaving origins would break them.
          this.result.stoppedAt = {step: n, reason: `${open.length} SRS pod(s) did not confirm the new lists (${open.map((p) => p.pod).join(', ')}); not removing origins they may still use`}
        }
        return {...base, outcome: 'done', detail: `${pods.length - open.length}/${pods.length} applied`}
      }
      case 'wait-unpublished': {
        if (this.opts.force) return {...base, outcome: 'skipped', detail: '--force'}
        const detail = await this.waitUnpublished(step.workloads, step.pods, n)
        return {...base, outcome: 'done', detail}
      }
      case 'delete-origin': {
        let changed = false
        for (const [res, name] of [
          [Resources.deployments, step.deployment],
          [Resources.services, step.service],
        ] as const) {
          try {
            await this.kube.delete(res, name, this.ns, {propagationPolicy: 'Background'})
            changed = true
          } catch (error) {
            if (!isNotFound(error)) throw error
          }
        }
        return {...base, outcome: changed ? 'done' : 'unchanged'}
      }
    }
  }

  private async createTolerant(res: (typeof Resources)[keyof typeof Resources], body: object): Promise<void> {
    try {
      await this.kube.create(res, body, this.ns)
    } catch (error) {
      if (!isConflict(error)) throw error // 409 AlreadyExists: created meanwhile, which is the end state
    }
  }

  private async observe(): Promise<ObservedObjects> {
    const o = await observeWorkloads(this.kube, this.ns)
    return o.byNamespace.get(this.ns) ?? {deployments: [], statefulsets: [], pods: [], configMaps: [], services: []}
  }

  /** The SRS pods that read the ConfigMaps this plan edits, with what each can do to reload. */
  private async reloadTargets(): Promise<ReloadTarget[]> {
    const edited = new Set(this.plan.steps.flatMap((s) => (s.kind === 'edit-config' ? [s.configMap] : [])))
    const topo = buildTopology(this.ns, await this.observe())
    const targets: ReloadTarget[] = []
    for (const w of topo.workloads.filter((x) => x.config.configMap !== undefined && edited.has(x.config.configMap))) {
      const credentials = await this.credentialsOf(w)
      for (const p of w.pods.filter((x) => !x.metadata.deletionTimestamp && x.status?.phase === 'Running')) {
        targets.push(reloadTargetOf(w, p, credentials))
      }
    }
    return targets.sort((a, b) => a.pod.localeCompare(b.pod))
  }

  /**
   * A workload's SRS API credentials. With some, the port-forward is readied now, so that no
   * one-time cost is charged to the first pod's timeout.
   */
  private async credentialsOf(w: WorkloadModel): Promise<SrsApiCredentials | undefined> {
    const credentials = await this.opts.credentials?.forWorkload(w)
    if (credentials) await this.kube.preparePortForward()
    return credentials
  }

  private async transportOf(w: WorkloadModel, pod: string): Promise<{transport: PodTransport; credentials?: SrsApiCredentials}> {
    const credentials = await this.credentialsOf(w)
    return {transport: this.transports.of(pod, w.apiPort, credentials), credentials}
  }

  /** Throws when SRS refused the request for want of credentials it accepts: waiting cannot change that. */
  private failOnAuth(w: WorkloadModel, pod: string, failure: SrsFailure, credentials: SrsApiCredentials | undefined): void {
    const done = this.result.steps.filter((s) => s.outcome === 'done').length
    const state = done === 0 ? 'nothing was changed' : 'the run stopped before removing any origin: run the same command again with credentials SRS accepts to finish the change'
    const error = srsAuthError(failure, {pod, workload: workloadRef(w), credentials, state})
    if (error) throw error
  }

  private async takeBaseline(): Promise<void> {
    this.targets = await this.reloadTargets()
    this.baseline = await takeBaseline(this.transports, this.targets, Math.min(this.opts.requestTimeoutMs || 10_000, 10_000))
    // Taking over an interrupted run: its write may already have been loaded, so the reload ids
    // from before that write are the baseline (for pods that have not restarted since).
    const saved = this.opts.resumedReload?.pods ?? {}
    for (const [pod, before] of Object.entries(saved)) {
      const now = this.baseline.get(pod)
      if (now?.canFetch && now.service === before.service) now.reloadId = before.reloadId
    }
    const pods: ReloadRecord['pods'] = {...saved}
    for (const [pod, b] of this.baseline) if (b.canFetch && !(pod in saved)) pods[pod] = {reloadId: b.reloadId, service: b.service}
    this.reloadRecord = {pods}
    // Recorded before the first write, so a run that takes over from this one has it.
    await this.opts.lease?.update({reload: {...this.reloadRecord, writtenAt: this.writtenAt || undefined}})
  }

  /**
   * Sets one list of one ConfigMap key to the plan's members: read, edit with the lossless editor,
   * validate, write with the read's resourceVersion; on 409 start over from a fresh read.
   */
  async applyConfigMapEdit(step: ConfigEditStep): Promise<Pick<StepReport, 'outcome' | 'detail'>> {
    if (!this.naming) throw new SrsError('internal: list edit without an origin cluster')
    for (let attempt = 1; ; attempt++) {
      const cm = await this.kube.get<ConfigMap>(Resources.configmaps, step.configMap, this.ns)
      const text = cm.data?.[step.key]
      if (text === undefined) throw new SrsError(`ConfigMap ${step.configMap} has no key ${step.key} any more`)
      const edit = editListText(this.naming, step.list, text, step.ordinals, `ConfigMap ${step.configMap} (${step.key})`)
      const record: ConfigMapWrite = {configMap: step.configMap, key: step.key, list: step.list, listBefore: edit.listBefore, listAfter: edit.listAfter, attempts: attempt, changed: edit.changed}
      if (!edit.changed) {
        this.result.configMaps.push(record)
        return {outcome: 'unchanged', detail: `${step.list} already ${edit.listAfter.join(' ')}`}
      }
      try {
        await this.kube.replace(Resources.configmaps, step.configMap, {...cm, data: {...cm.data, [step.key]: edit.after}}, this.ns)
      } catch (error) {
        if (isConflict(error) && attempt < 20) {
          await sleep(50 * attempt)
          continue
        }
        throw error
      }
      this.writtenAt = Date.now()
      this.result.configMaps.push(record)
      return {outcome: 'done', detail: `${step.list}: ${edit.listAfter.join(' ')}${attempt > 1 ? ` (after ${attempt - 1} conflict(s))` : ''}`}
    }
  }

  /** Every named workload has all replicas Ready, and each of its SRS pods answers its API. */
  private async waitReady(workloads: string[], pods: string[]): Promise<void> {
    let last = ''
    for (;;) {
      const objs = await this.observe()
      const topo = buildTopology(this.ns, objs)
      const missing: string[] = []
      const apiPods: {pod: Pod; w: WorkloadModel}[] = []
      for (const name of workloads) {
        const w = topo.workloads.find((x) => x.name === name)
        if (!w) {
          missing.push(`${name} not found`)
          continue
        }
        const ready = w.pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        if (ready.length < w.replicas) missing.push(`${name} ${ready.length}/${w.replicas} Ready`)
        for (const p of ready) apiPods.push({pod: p, w})
      }
      for (const p of pods) if (!apiPods.some((a) => a.pod.metadata.name === p)) missing.push(`pod ${p} not Ready`)
      if (missing.length === 0) {
        const answers = await Promise.all(
          apiPods.map(async (a) => {
            const {transport, credentials} = await this.transportOf(a.w, a.pod.metadata.name)
            return {a, credentials, r: await querySrsVersions(transport, {timeoutMs: 5000})}
          }),
        )
        for (const {a, r, credentials} of answers) {
          if (r.ok) continue
          this.failOnAuth(a.w, a.pod.metadata.name, r.failure, credentials)
          missing.push(`pod ${a.pod.metadata.name}: SRS API ${r.failure.message}`)
        }
        if (missing.length === 0) return
      }
      last = missing.join(', ')
      if (Date.now() > this.deadline) throw new TimeoutError(`origins not ready in time: ${last}`, 'check kubectl get pods and the pod events; raise --timeout if they are only slow')
      await sleep(1000)
    }
  }

  /** Waits until the leaving origins publish no stream (edges and players have moved on). */
  private async waitUnpublished(workloads: string[], podNames: string[], n: number): Promise<string> {
    for (;;) {
      const topo = buildTopology(this.ns, await this.observe())
      const leaving = topo.workloads
        .filter((w) => workloads.includes(w.name))
        .flatMap((w) => w.pods.filter((p) => (podNames.length === 0 || podNames.includes(p.metadata.name)) && p.status?.phase === 'Running').map((p) => ({pod: p.metadata.name, w})))
      const busy: string[] = []
      await Promise.all(
        leaving.map(async (l) => {
          const {transport, credentials} = await this.transportOf(l.w, l.pod)
          const r = await listSrsStreams(transport, {timeoutMs: 5000})
          if (!r.ok) {
            this.failOnAuth(l.w, l.pod, r.failure, credentials)
            busy.push(`${l.pod} (SRS API: ${r.failure.message})`)
            return
          }
          const published = r.value.streams.filter((s) => s.publishing)
          if (published.length > 0) busy.push(`${l.pod} publishes ${published.map((s) => `${s.app}/${s.name}`).join(', ')}`)
        }),
      )
      if (busy.length === 0) return leaving.length === 0 ? 'no pods left' : `${leaving.map((l) => l.pod).join(', ')} publish no streams`
      this.opts.progress?.(`step ${n}/${this.plan.steps.length}: waiting until no stream is published: ${busy.join('; ')}`)
      if (Date.now() > this.deadline) {
        throw new TimeoutError(`origins still publish streams: ${busy.join('; ')}`, 'wait for the publishers to move (they reconnect through the edges), or use --force to remove the origins anyway')
      }
      await sleep(1000)
    }
  }
}

/** When the pod's SRS container started running, in ms; undefined when it does not run. */
function workloadRef(w: Pick<WorkloadModel, 'kind' | 'name'>): string {
  return `${w.kind.toLowerCase()}/${w.name}`
}

export function describeStep(step: OriginStep): string {
  switch (step.kind) {
    case 'scale-statefulset':
      return `scale statefulset/${step.name} from ${step.from} to ${step.replicas} replicas`
    case 'scale-deployment':
      return `scale deployment/${step.name} from ${step.from} to ${step.replicas} replicas`
    case 'create-origin':
      return `create deployment/${step.deployment.metadata.name} and service/${step.service.metadata.name} (cloned from ${step.clonedFrom})`
    case 'wait-ready':
      return `wait until ${step.workloads.join(', ')} ${step.workloads.length === 1 ? 'is' : 'are'} Ready and answer the SRS API`
    case 'edit-config':
      return `set ${step.list} in configmap/${step.configMap} (${step.key}) to ${step.listAfter.join(' ')}`
    case 'confirm-reload':
      return `confirm that every SRS pod reading ${step.configMaps.join(', ')} applied the new lists`
    case 'wait-unpublished':
      return `wait until ${step.pods.length > 0 ? step.pods.join(', ') : step.workloads.join(', ')} publish no streams`
    case 'delete-origin':
      return `delete deployment/${step.deployment} and service/${step.service}`
  }
}
