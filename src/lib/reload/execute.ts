/**
 * Runs a ReloadPlan: raw API reloads through the origin commands' confirmation, Deployment pods
 * replaced behind surge pods, StatefulSet pods restarted by ordinal. Each step converges on its
 * end state (replicas back at the plan's count, the named pods gone), reports what it waits for
 * through ReloadProgress, and never calls a pod drained when it was killed at the end of its grace
 * period.
 */
import {isNotFound, TimeoutError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {Deployment, Pod} from '../kube/types.js'
import {HandOff} from '../handoff/handoff.js'
import {confirmReloads, reloadTargetOf, takeBaseline, type ReloadTarget} from './confirm.js'
import {PodTransports, querySrsVersions, type SrsCredentialResolver} from '../srs/api/index.js'
import type {WorkloadModel} from '../srs/topology.js'
import {podEnding, rememberLeaving} from '../pod-ending.js'
import {sleep} from '../util.js'
import {KUBE_ANNOTATION} from '../vocabulary.js'
import {describeReloadStep, type ReloadPlan, type ReloadStep} from './plan.js'
import type {ReloadPodReport} from './result.js'

/** How the executor reports what it waits for; the CLI's spinner implements it. */
export interface ReloadProgress {
  update(text: string): void
}

export interface ReloadExecuteOptions {
  namespace: string
  /** The SRS workloads the plan names, as observed. */
  workloads: Map<string, WorkloadModel>
  /** When each workload's ConfigMap last changed (ms). */
  configChangedAt: Map<string, number | undefined>
  timeoutMs: number
  kubeletSyncMs: number
  requestTimeoutMs: number
  credentials: SrsCredentialResolver
  progress: ReloadProgress
  /** The command that finishes a pod left pending, for its report. */
  nextCommand: (workload: string) => string
  /** --handoff-after: close the clients still on each removed pod after this long draining. */
  handoffAfterMs?: number
  /** What the hand-off did, pod by pod (--verbose). */
  log?: (line: string) => void
}

/** The lowest deletion cost the ReplicaSet sees: the pods to replace go first. */
const REPLACE_FIRST_COST = '-100000'
const POLL_MS = 500

export class ReloadExecutor {
  private readonly deadline: number
  private readonly transports: PodTransports
  readonly reports: ReloadPodReport[] = []
  readonly warnings: string[] = []
  readonly ready = new Map<string, {start: number; lowest: number}>()

  constructor(
    private readonly kube: KubeClient,
    private readonly plan: ReloadPlan,
    private readonly opts: ReloadExecuteOptions,
  ) {
    this.deadline = Date.now() + opts.timeoutMs
    this.transports = new PodTransports(kube, opts.namespace, 'leave-nothing-open')
  }

  async run(): Promise<void> {
    let stopped: string | undefined
    for (const [i, step] of this.plan.steps.entries()) {
      const podsOfStep = step.kind === 'restart' ? [step.pod] : step.pods
      if (stopped) {
        for (const pod of podsOfStep) this.pending(step.workload, pod, `not started: ${stopped}`)
        continue
      }
      this.opts.progress.update(`step ${i + 1}/${this.plan.steps.length}: ${describeReloadStep(step)}`)
      try {
        await this.runStep(step)
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error
        stopped = `an earlier step timed out (${error.message})`
        for (const pod of podsOfStep) if (!this.reports.some((r) => r.pod === pod)) this.pending(step.workload, pod, error.message)
      }
    }
  }

  private pending(workload: string, pod: string, reason: string): void {
    this.reports.push({pod, workload, outcome: 'pending', reason, viewers: this.plan.viewers.get(pod), next: this.opts.nextCommand(workload)})
  }

  private runStep(step: ReloadStep): Promise<void> {
    switch (step.kind) {
      case 'raw-reload':
        return this.rawReload(step.workload, step.pods)
      case 'replace':
        return this.replace(step.workload, step.replicas, step.pods)
      case 'restart':
        return this.restart(step.workload, step.pod)
    }
  }

  private model(name: string): WorkloadModel {
    return this.opts.workloads.get(name)!
  }

  private async rawReload(workload: string, pods: string[]): Promise<void> {
    const w = this.model(workload)
    const credentials = await this.opts.credentials.forWorkload(w)
    if (credentials) await this.kube.preparePortForward()
    const targets: ReloadTarget[] = w.pods.filter((p) => pods.includes(p.metadata.name)).map((p) => reloadTargetOf(w, p, credentials))
    const requestTimeoutMs = Math.min(this.opts.requestTimeoutMs || 10_000, 10_000)
    const baseline = await takeBaseline(this.transports, targets, requestTimeoutMs)
    // The ConfigMap's last change is the write to wait the kubelet sync bound after; unknown: now.
    const writtenAt = this.opts.configChangedAt.get(workload) ?? Date.now()
    const results = await confirmReloads(this.transports, targets, baseline, writtenAt, {
      timeoutMs: Math.max(0, this.deadline - Date.now()),
      kubeletSyncMs: this.opts.kubeletSyncMs,
      requestTimeoutMs,
      onProgress: (done, total) => this.opts.progress.update(`${done}/${total} pods of ${workload} reloaded through the SRS API`),
    })
    for (const r of results) {
      const base = {pod: r.pod, workload, reason: r.reason, viewers: this.plan.viewers.get(r.pod)}
      if (r.state === 'applied') this.reports.push({...base, outcome: 'reloaded'})
      else if (r.state === 'failed') this.reports.push({...base, outcome: 'failed', next: `fix configmap/${w.config.configMap} (SRS keeps the old config), then run ${this.opts.nextCommand(workload)}`})
      else this.reports.push({...base, outcome: 'pending', next: this.opts.nextCommand(workload)})
    }
  }

  private async listPods(selector: string): Promise<Pod[]> {
    return (await this.kube.list<Pod>(Resources.pods, {namespace: this.opts.namespace, labelSelector: selector})).items
  }

  private noteReady(workload: string, pods: Pod[]): void {
    const n = pods.filter((p) => !p.metadata.deletionTimestamp && isReady(p)).length
    const seen = this.ready.get(workload)
    if (!seen) this.ready.set(workload, {start: n, lowest: n})
    else seen.lowest = Math.min(seen.lowest, n)
  }

  private checkDeadline(what: string): void {
    if (Date.now() > this.deadline) throw new TimeoutError(`timed out: ${what}`, 'raise --timeout, or look at the pods with kubectl srs status')
  }

  /** New pods Ready and answering their SRS API. */
  private async answering(w: WorkloadModel, pods: Pod[]): Promise<boolean> {
    const credentials = await this.opts.credentials.forWorkload(w)
    const answers = await Promise.all(pods.map((p) => querySrsVersions(this.transports.of(p.metadata.name, w.apiPort, credentials), {timeoutMs: 5000})))
    return answers.every((a) => a.ok)
  }

  /** Deployment: surge, wait Ready, then scale back with the replaced pods first in the ReplicaSet's deletion order. */
  private async replace(workload: string, replicas: number, pods: string[]): Promise<void> {
    const w = this.model(workload)
    const dep = await this.kube.get<Deployment>(Resources.deployments, workload, this.opts.namespace)
    const selector = Object.entries(dep.spec.selector.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    const before = await this.listPods(selector)
    this.noteReady(workload, before)
    const known = new Set(before.map((p) => p.metadata.name))
    const gone = pods.filter((p) => !known.has(p))
    const targets = pods.filter((p) => known.has(p))
    for (const pod of gone) this.pending(workload, pod, 'gone before its turn (deleted by someone else or the controller)')
    if (targets.length === 0) return
    await this.kube.patch(Resources.deployments, workload, {spec: {replicas: replicas + targets.length}}, 'merge', this.opts.namespace)
    let surge: Pod[] = []
    for (;;) {
      const now = await this.listPods(selector)
      this.noteReady(workload, now)
      surge = now.filter((p) => !known.has(p.metadata.name) && !p.metadata.deletionTimestamp && isReady(p))
      if (surge.length >= targets.length && (await this.answering(w, surge))) break
      this.opts.progress.update(`deployment/${workload}: ${surge.length}/${targets.length} surge pod(s) Ready and answering the SRS API`)
      if (Date.now() > this.deadline) {
        // Scale back: the ReplicaSet removes the surge pods that are not Ready first.
        await this.kube.patch(Resources.deployments, workload, {spec: {replicas}}, 'merge', this.opts.namespace)
        this.checkDeadline(`surge pods of deployment/${workload} not Ready`)
      }
      await sleep(POLL_MS)
    }
    // --handoff-after: each session is opened before its pod starts terminating (a draining SRS
    // stops listening) and closed on every path (SRS waits for it).
    const handoff = await this.handOff(w)
    try {
      await handoff?.open(targets)
      for (const pod of targets) {
        await this.kube.patch(Resources.pods, pod, {metadata: {annotations: {[KUBE_ANNOTATION.podDeletionCost]: REPLACE_FIRST_COST}}}, 'merge', this.opts.namespace)
      }
      await this.kube.patch(Resources.deployments, workload, {spec: {replicas}}, 'merge', this.opts.namespace)
      const endings = await this.waitGone(workload, selector, targets, known, handoff)
      for (const pod of targets) {
        const end = endings.get(pod)!
        this.reports.push({
          pod,
          workload,
          outcome: 'restarted',
          reason: `replaced by ${surge.map((p) => p.metadata.name).join(', ')}, which read the config at start; ${quitText(w, end, this.plan.viewers.get(pod))}`,
          viewers: this.plan.viewers.get(pod),
          replacedBy: surge.map((p) => p.metadata.name),
          drained: end.drained,
          ...(end.handedOff ? {handedOff: end.handedOff} : {}),
        })
      }
    } finally {
      handoff?.closeAll()
    }
  }

  /** --handoff-after's sessions for one step's pods of `w`; undefined without the flag. */
  private async handOff(w: WorkloadModel): Promise<HandOff | undefined> {
    const afterMs = this.opts.handoffAfterMs
    if (afterMs === undefined) return undefined
    const credentials = await this.opts.credentials.forWorkload(w)
    const podTimeoutMs = Math.min(this.opts.requestTimeoutMs || 10_000, 10_000)
    return new HandOff(this.kube, {namespace: this.opts.namespace, apiPort: w.apiPort, credentials, afterMs, podTimeoutMs, log: (line) => this.opts.log?.(line)})
  }

  /**
   * Waits until the named pods are gone and tells, from the last look at each (podEnding), whether
   * SRS quit by itself or was killed at the end of its grace period.
   */
  private async waitGone(workload: string, selector: string, names: string[], known: Set<string>, handoff: HandOff | undefined): Promise<Map<string, PodEnd>> {
    const container = this.model(workload).container
    const lastSeen = new Map<string, Pod>()
    const out = new Map<string, PodEnd>()
    const warned = new Set<string>()
    for (;;) {
      const now = await this.listPods(selector)
      this.noteReady(workload, now)
      for (const p of now) {
        if (names.includes(p.metadata.name)) rememberLeaving(lastSeen, p)
        if (names.includes(p.metadata.name) && p.metadata.deletionTimestamp) handoff?.start(p.metadata.name)
        if (!names.includes(p.metadata.name) && known.has(p.metadata.name) && p.metadata.deletionTimestamp && !warned.has(p.metadata.name)) {
          warned.add(p.metadata.name)
          this.warnings.push(`the ReplicaSet of deployment/${workload} also removed ${p.metadata.name}, which was not chosen (another pod-deletion-cost, or a pod not Ready)`)
        }
      }
      for (const name of names) {
        if (out.has(name) || now.some((p) => p.metadata.name === name)) continue
        const drained = podEnding(lastSeen.get(name), container, Date.now()) === 'quit'
        out.set(name, {drained, handedOff: (await handoff?.result(name)) ?? undefined})
      }
      if (out.size === names.length) return out
      const left = names.filter((n) => !out.has(n))
      this.opts.progress.update(`${left.join(', ')}: SRS quitting gracefully (waiting for its clients to leave)`)
      this.checkDeadline(`${left.join(', ')} still terminating`)
      await sleep(POLL_MS)
    }
  }

  /** StatefulSet: delete the pod, wait until the controller's new one of the same name is Ready and answers. */
  private async restart(workload: string, pod: string): Promise<void> {
    const w = this.model(workload)
    const selector = Object.entries(w.templateLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    let old: Pod
    try {
      old = await this.kube.get<Pod>(Resources.pods, pod, this.opts.namespace)
    } catch (error) {
      if (!isNotFound(error)) throw error
      this.pending(workload, pod, 'gone before its turn')
      return
    }
    this.noteReady(workload, await this.listPods(selector))
    const handoff = await this.handOff(w)
    try {
      await handoff?.open([pod])
      await this.kube.delete(Resources.pods, pod, this.opts.namespace)
      handoff?.start(pod)
      await this.restarted(w, pod, old, selector, handoff)
    } finally {
      handoff?.closeAll()
    }
  }

  /** Waits until the controller's new pod of the same name is Ready and answers, and reports how the old one left. */
  private async restarted(w: WorkloadModel, pod: string, old: Pod, selector: string, handoff: HandOff | undefined): Promise<void> {
    const workload = w.name
    let lastSeen: Pod = old
    let end: PodEnd | undefined
    for (;;) {
      const now = await this.listPods(selector)
      this.noteReady(workload, now)
      const current = now.find((p) => p.metadata.name === pod)
      if (current && current.metadata.uid === old.metadata.uid) {
        lastSeen = current
      } else if (end === undefined) {
        const drained = podEnding(lastSeen, w.container, Date.now()) === 'quit'
        end = {drained, handedOff: (await handoff?.result(pod)) ?? undefined}
      }
      if (current && current.metadata.uid !== old.metadata.uid && !current.metadata.deletionTimestamp && isReady(current) && (await this.answering(w, [current]))) break
      this.opts.progress.update(end === undefined ? `${pod}: SRS quitting gracefully` : `${pod}: waiting until the new pod is Ready and answers the SRS API`)
      this.checkDeadline(`${pod} not back and Ready`)
      await sleep(POLL_MS)
    }
    this.reports.push({
      pod,
      workload,
      outcome: 'restarted',
      reason: `restarted by ordinal, read the config at start; ${quitText(w, end ?? {drained: false}, this.plan.viewers.get(pod))}`,
      viewers: this.plan.viewers.get(pod),
      replacedBy: [pod],
      drained: end?.drained ?? false,
      ...(end?.handedOff ? {handedOff: end.handedOff} : {}),
    })
  }
}

/** How a removed pod left: whether SRS quit by itself (else it was killed), and the clients --handoff-after closed (none: undefined). */
interface PodEnd {
  drained: boolean
  handedOff?: number
}

/** How the old SRS left: by itself (graceful quit waits for clients; without it they are dropped), handed off, or killed. */
function quitText(w: WorkloadModel, end: PodEnd, viewers: number | undefined): string {
  if (!end.drained) return 'killed at the end of its grace period (its clients were cut)'
  if (end.handedOff) return `handed off: ${end.handedOff} client(s) closed through the SRS API after --handoff-after, then SRS quit gracefully`
  const graceful = w.hasPreStop || w.settings.global.forceGraceQuit.value
  if (graceful) return 'SRS quit gracefully, after its clients left'
  return `SRS quit at once (no preStop hook and no force_grace_quit: ${viewers === 0 ? 'it had no clients' : 'its clients were dropped'})`
}

function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
}
