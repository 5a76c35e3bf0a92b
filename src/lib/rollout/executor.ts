/**
 * The rollout executor: applies one step at a time, waits for its condition (pods Ready and
 * their SRS version verified through the API; pods drained and gone), reports progress, and
 * honours the test-only stop hook it is given, which interrupts a command at a step boundary.
 */
import {KubeApiError, TimeoutError, SrsError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {Pod} from '../kube/types.js'
import {checkSrsApiAccess, probePods, srsAuthError} from '../srs/api/access.js'
import {SrsCredentialResolver, type SrsApiCredentials, type SrsCredentialChoice} from '../srs/api/credentials.js'
import {querySrsVersions} from '../srs/api/endpoints.js'
import type {SrsFailure} from '../srs/api/result.js'
import {PodTransports, type PodTransport} from '../srs/api/transport.js'
import {matchSrsVersionToImage} from '../srs/api/version-match.js'
import {KUBE_ANNOTATION, LAST_CONNECTIONS_ANNOTATION} from '../vocabulary.js'
import {goneBeforeDeadline, podEnding, rememberLeaving} from '../pod-ending.js'
import {sleep} from '../util.js'
import {INTERRUPTED_EXIT, type StopHook} from '../stop-hook.js'
import type {RolloutTarget} from './target.js'
import type {RolloutProgress} from './progress.js'
import type {PodViewers, RolloutStep, RolloutWait} from './plan.js'
import type {RolloutWrite} from './patches.js'
import {HandOff} from '../handoff/handoff.js'
import {leavingOutcome} from './outcome.js'
import type {LeavingPod, VerifiedPod} from './result.js'
import {podViewers} from './viewers.js'

export interface ExecutorOptions {
  namespace: string
  timeoutMs: number
  podTimeoutMs: number
  progress: RolloutProgress
  /** Lines for the log of what was done (stderr when not a TTY, or the result). */
  log: (line: string) => void
  /** The workload rolled, as kubectl names it ("deployment/srs-edge-deploy"), for messages. */
  workload: string
  /** Its SRS API port and SRS container. */
  apiPort: number
  container: string
  /** SRS http_api credentials of the workload (its canary runs the same config). */
  credentials?: SrsApiCredentials
  /** --timeout as the user wrote it, for messages ("10m"). */
  timeoutLabel: string
  /** Test hook (KUBECTL_SRS_STOP_AFTER_STEP, read by the command): the process exits 130 right after its step. */
  stopHook?: StopHook
  /** --handoff-after: close a leaving pod's remaining clients after this long draining (undefined: wait as the grace period allows). */
  handoffAfterMs?: number
}

/** What a rollout command hands over: the executor's options less what the target decides, plus the credential flags. */
export type RolloutOptions = Omit<ExecutorOptions, 'namespace' | 'workload' | 'credentials' | 'apiPort' | 'container'> & {
  /** What readCredentialFlags made of --api-user/--api-password-file/--api-secret. */
  apiCredentials?: SrsCredentialChoice
}

/** The executor for a target, with its workload's SRS API credentials: the flags', the Secret's, or its own config's. */
export async function executorFor(kube: KubeClient, t: RolloutTarget, opts: RolloutOptions): Promise<RolloutExecutor> {
  const {apiCredentials, ...rest} = opts
  const credentials = await new SrsCredentialResolver(kube, apiCredentials).forWorkload(t.model)
  return new RolloutExecutor(kube, {...rest, namespace: t.namespace, workload: `${t.model.kind.toLowerCase()}/${t.model.name}`, credentials, apiPort: t.model.apiPort, container: t.model.container})
}

/** Longest wait between two looks at the pods; a pod event ends the wait sooner. */
const POLL_MS = 1000

export class RolloutExecutor {
  private stepsDone = 0
  private readonly deadline: number
  /** Cleared when the user may not watch pods: then the waits poll. */
  private canWatch = true
  private lastListVersion: string | undefined
  /** The last error of an API outage seen while polling (undefined: the API answers). */
  private apiDown: Error | undefined
  private readonly transports: PodTransports
  private portForwardReady: Promise<void> | undefined

  constructor(
    private readonly kube: KubeClient,
    private readonly opts: ExecutorOptions,
  ) {
    this.deadline = opts.timeoutMs > 0 ? Date.now() + opts.timeoutMs : Number.POSITIVE_INFINITY
    // Any pod a rollout reads may be the next it takes away (the shrinking track before a
    // scale-down, a canary that promote or rollback removes, pods read while others drain):
    // reads must leave no HTTP connection on it to hold its graceful quit up.
    this.transports = new PodTransports(kube, opts.namespace, 'leave-nothing-open')
  }

  /**
   * Marks a step boundary. With the stop hook at step k the process exits with 130 right after
   * step k, as an interrupted operator's command would, so the fault suite can check that a
   * re-run or rollback converges.
   */
  stepDone(description: string): void {
    this.stepsDone++
    this.opts.log(`done: ${description}`)
    const stop = this.opts.stopHook
    if (stop && stop.afterStep > 0 && this.stepsDone === stop.afterStep) {
      this.opts.progress.stop()
      process.stderr.write(`stopped after step ${stop.afterStep} (KUBECTL_SRS_STOP_AFTER_STEP)\n`)
      if (stop.signal) process.kill(process.pid, `SIG${stop.signal}`)
      process.exit(INTERRUPTED_EXIT)
    }
  }

  /**
   * Applies the steps of a plan in order: reads the connections of the side a step drains,
   * sends its writes, waits (with `wait`) for what the step waits for, marks the boundary.
   * Returns the boundaries passed, the last verification and the pods that drained.
   */
  async run(steps: RolloutStep[], wait: boolean): Promise<{done: RolloutStep[]; verified: VerifiedPod[]; drained: string[]; left: Map<RolloutStep, LeavingPod[]>}> {
    const done: RolloutStep[] = []
    const outcome = {verified: [] as VerifiedPod[], drained: [] as string[], left: new Map<RolloutStep, LeavingPod[]>()}
    for (const step of steps) {
      // A draining SRS closes its API port: read the viewers of the side that shrinks now
      // (null where its SRS does not answer: a kill is then cut by an unknown number, never 0).
      const live = step.drains ? await this.livePods(step.drains.selector) : []
      const before: Before = {viewers: step.drains ? await this.viewers(live) : new Map(), uids: new Map(live.map((p) => [p.metadata.name, p.metadata.uid ?? '']))}
      const handoff = wait && step.drains && step.leaving?.length && this.opts.handoffAfterMs !== undefined ? this.handOff() : undefined
      try {
        await handoff?.open(step.leaving!.map((p) => p.pod))
        if (step.deletionCosts) await this.withDeletionCosts(step.deletionCosts, () => this.writeAll(step.writes))
        else await this.writeAll(step.writes)
        const left: LeavingPod[] = []
        if (wait) for (const w of step.waitBeforeDone ?? []) await this.waitFor(w, before, outcome, left, handoff)
        if (step.counted) {
          this.stepDone(step.description)
          done.push(step)
        }
        if (wait) for (const w of step.waitAfterDone ?? []) await this.waitFor(w, before, outcome, left, handoff)
        if (left.length) outcome.left.set(step, left)
      } finally {
        // Each held session holds its pod's quit: none outlives the step.
        handoff?.closeAll()
      }
    }
    return {done, ...outcome}
  }

  private handOff(): HandOff {
    const o = this.opts
    return new HandOff(this.kube, {namespace: o.namespace, apiPort: o.apiPort, credentials: o.credentials, afterMs: o.handoffAfterMs!, podTimeoutMs: o.podTimeoutMs, log: o.log})
  }

  private async waitFor(w: RolloutWait, before: Before, outcome: {verified: VerifiedPod[]; drained: string[]}, left: LeavingPod[], handoff: HandOff | undefined): Promise<void> {
    if (w.kind === 'verified') {
      outcome.verified = await this.waitReadyAndVerified(w.what, w.selector, w.count, w.image, this.opts.apiPort, this.opts.container)
      return
    }
    const gone = w.kind === 'drained' ? await this.waitDrained(w.what, w.selector, before.viewers, w.remaining, handoff) : await this.waitRestarted(w.what, w.selector, w.pods, before, handoff)
    left.push(...gone)
    outcome.drained.push(...gone.filter((p) => p.outcome === 'drained').map((p) => p.pod))
  }

  private async writeAll(writes: RolloutWrite[]): Promise<void> {
    for (const w of writes) await this.write(w)
  }

  /**
   * Sets controller.kubernetes.io/pod-deletion-cost on the track's pods in the plan's order (the
   * first to go gets the lowest), applies the writes and, with `restore`, waits until the
   * controller has taken the track down to `remaining` pods, then puts back each staying pod's
   * previous value (or removes the annotation), also when the writes or the wait fail.
   */
  private async withDeletionCosts(costs: NonNullable<RolloutStep['deletionCosts']>, apply: () => Promise<void>): Promise<void> {
    const pods = await this.livePods(costs.selector)
    const previous = new Map(pods.map((p) => [p.metadata.name, p.metadata.annotations?.[KUBE_ANNOTATION.podDeletionCost] ?? null]))
    const setCost = (pod: string, value: string | null) => this.kube.patch(Resources.pods, pod, {metadata: {annotations: {[KUBE_ANNOTATION.podDeletionCost]: value}}}, 'merge', this.opts.namespace)
    const ranked = costs.order.filter((name) => previous.has(name))
    await Promise.all(ranked.map((name, rank) => setCost(name, String(rank))))
    this.opts.log(`pod-deletion-cost set, lowest first: ${ranked.join(', ')}`)
    if (!costs.restore) return apply()
    try {
      await apply()
      await this.waitScaledDown(costs.selector, costs.remaining)
    } finally {
      const staying = await this.livePods(costs.selector).catch(() => [] as Pod[])
      await Promise.all(staying.filter((p) => previous.has(p.metadata.name)).map((p) => setCost(p.metadata.name, previous.get(p.metadata.name)!).catch(() => undefined)))
      this.opts.log(`pod-deletion-cost restored on ${staying.map((p) => p.metadata.name).join(', ') || 'no pod'}`)
    }
  }

  /** Waits until the controller has marked pods of the selector for deletion down to `remaining` live ones. */
  private async waitScaledDown(selector: string, remaining: number): Promise<void> {
    const what = `scale-down to ${remaining} pod(s)`
    for (;;) {
      const pods = await this.pollPods(what, selector)
      if (pods && pods.filter((p) => !p.metadata.deletionTimestamp).length <= remaining) return
      if (this.remainingMs() <= 0) throw new TimeoutError(`timed out waiting for the ${what} (${selector})`, 'run the same command again to continue, or `kubectl srs rollback` to undo')
      if (pods) await this.nextPodChange(selector)
      else await sleep(POLL_MS)
    }
  }

  /** Viewers of each pod; with `tolerant` (--dry-run) a refusal for credentials gives null instead of stopping. */
  async viewers(pods: Pod[], tolerant = false): Promise<PodViewers> {
    const out = new Map<string, number | null>()
    await Promise.all(
      pods.map(async (p) => {
        const res = await podViewers(await this.transport(p.metadata.name, this.opts.apiPort), this.opts.podTimeoutMs)
        if (!res.ok && !tolerant) this.failOnAuth(p.metadata.name, res.failure)
        out.set(p.metadata.name, res.ok ? res.value : null)
      }),
    )
    return out
  }

  private async write(w: RolloutWrite): Promise<void> {
    const ns = this.opts.namespace
    if (w.op === 'create') await this.kube.create(Resources.deployments, w.body, ns)
    else if (w.op === 'delete') await this.kube.delete(Resources.deployments, w.name, ns, {propagationPolicy: 'Background'})
    else await this.kube.patch(Resources[w.resource], w.name, w.body, w.type, ns)
  }

  /** The pods of a selector that are not terminating. */
  async livePods(selector: string): Promise<Pod[]> {
    return (await this.pods(selector)).filter((p) => !p.metadata.deletionTimestamp)
  }

  /** Whether the run hands off (--handoff-after). */
  get handsOff(): boolean {
    return this.opts.handoffAfterMs !== undefined
  }

  remainingMs(): number {
    return this.deadline - Date.now()
  }

  async pods(selector: string): Promise<Pod[]> {
    const list = await this.kube.list<Pod>(Resources.pods, {namespace: this.opts.namespace, labelSelector: selector})
    this.lastListVersion = list.resourceVersion || undefined
    return list.items
  }

  /**
   * Waits until a pod of the selector changes after the last list, at most POLL_MS: a fixed
   * poll would add half an interval to every wait, as `kubectl rollout status` does not. Without
   * watch permission (or on any watch error, an apiserver restart included) it just sleeps.
   */
  private async nextPodChange(selector: string): Promise<void> {
    const since = this.lastListVersion
    if (!this.canWatch || !since) return sleep(POLL_MS)
    const started = Date.now()
    try {
      await this.kube.watch<Pod>(Resources.pods, {namespace: this.opts.namespace, labelSelector: selector, resourceVersion: since, timeoutMs: POLL_MS}, (ev) => (ev.type === 'BOOKMARK' ? undefined : false))
    } catch (error) {
      if ((error as {status?: number}).status === 403) this.canWatch = false
      await sleep(Math.max(0, POLL_MS - (Date.now() - started)))
    }
  }

  /**
   * pods() for a wait loop: while the API server is unreachable, restarting (5xx) or throttling
   * beyond the client's retries, the wait keeps polling until its own deadline instead of
   * failing, and then times out (exit 3) naming the last error. Refusals (403, 404...) still throw.
   */
  private async pollPods(what: string, selector: string): Promise<Pod[] | undefined> {
    try {
      const pods = await this.pods(selector)
      if (this.apiDown) this.opts.log(`the Kubernetes API answers again; ${what} continues`)
      this.apiDown = undefined
      return pods
    } catch (error) {
      if (!isTransientApiError(error)) throw error
      if (!this.apiDown) this.opts.log(`the Kubernetes API does not answer (${error.message}); still waiting for ${what}`)
      this.apiDown = error
      if (this.remainingMs() <= 0) {
        throw new TimeoutError(
          `timed out waiting for ${what}: the Kubernetes API did not answer (${error.message})`,
          'nothing was left half-done by this wait: check the cluster, then run the same command again to continue, or `kubectl srs rollback` to undo',
        )
      }
      this.opts.progress.update(`${what}: the Kubernetes API does not answer, retrying`)
      return undefined
    }
  }

  /**
   * The transport to a pod's SRS API with the workload's credentials, by port-forward (see the
   * constructor). client-node, which the port-forward needs, is loaded first, so that one-time
   * cost is not charged to the first pod's timeout.
   */
  private async transport(pod: string, apiPort: number): Promise<PodTransport> {
    await this.preparePortForward()
    return this.transports.of(pod, apiPort, this.opts.credentials)
  }

  /** The same leave-nothing-open route to a pod's SRS API, for readers outside the steps (the progressive canary's analysis). */
  srsTransport(pod: string): Promise<PodTransport> {
    return this.transport(pod, this.opts.apiPort)
  }

  private preparePortForward(): Promise<void> {
    return (this.portForwardReady ??= this.kube.preparePortForward())
  }

  /**
   * Throws when SRS refused the request for want of credentials it accepts: waiting cannot change
   * that. Versions are verified after a side grew and connections read before a side shrinks,
   * so a stop here never leaves capacity below where it was.
   */
  private failOnAuth(pod: string, failure: SrsFailure): void {
    const state = 'the command stopped before taking any pod away, so serving capacity is as it was: run the same command again with credentials SRS accepts to go on, or `kubectl srs rollback` to undo what was applied'
    const error = srsAuthError(failure, {pod, workload: this.opts.workload, credentials: this.opts.credentials, state})
    if (error) throw error
  }

  /**
   * Before the first write: one Ready pod per image of the target (stable and canary) must let
   * this command read its SRS API, or the command stops here (exit 1) with what to pass and
   * nothing changed, instead of creating a canary whose versions it could never verify.
   */
  async checkApiAccess(t: Pick<RolloutTarget, 'stableSelector' | 'canarySelector' | 'model'>): Promise<void> {
    const pods = [...(await this.pods(t.stableSelector)), ...(await this.pods(t.canarySelector))]
    const probes = probePods(pods, t.model.container)
    if (probes.length === 0) return
    await this.preparePortForward()
    await checkSrsApiAccess(
      this.transports,
      probes.map((p) => ({pod: p.metadata.name, port: t.model.apiPort, workload: this.opts.workload, credentials: this.opts.credentials})),
      {timeoutMs: this.opts.podTimeoutMs},
    )
  }

  /** The SRS version each pod's API reports (null: no answer). */
  async srsVersions(pods: Pod[]): Promise<Map<string, string | null>> {
    return new Map((await this.verifyVersions(pods, this.opts.apiPort, this.opts.container)).map((v) => [v.pod, v.version]))
  }

  /** Asks each pod's SRS API for its version and checks it against the pod's image tag. */
  async verifyVersions(pods: Pod[], apiPort: number, container: string): Promise<VerifiedPod[]> {
    return Promise.all(
      pods.map(async (p) => {
        const image = p.spec.containers.find((c) => c.name === container)?.image ?? ''
        const res = await querySrsVersions(await this.transport(p.metadata.name, apiPort), {timeoutMs: this.opts.podTimeoutMs})
        if (!res.ok) {
          this.failOnAuth(p.metadata.name, res.failure)
          return {pod: p.metadata.name, version: null, verdict: 'no-answer' as const, reason: res.failure.message}
        }
        return {pod: p.metadata.name, version: res.value.version, verdict: matchSrsVersionToImage(image, res.value.version).verdict}
      }),
    )
  }

  /**
   * Waits until `count` non-terminating pods of the selector are Ready and every one of them
   * reports, through its own SRS API, a version that fits `image`. A tag that names no version
   * (latest) can only be checked for readiness; that is said, never called verified.
   */
  async waitReadyAndVerified(what: string, selector: string, count: number, image: string, apiPort: number, container: string): Promise<VerifiedPod[]> {
    const verifiable = matchSrsVersionToImage(image, '0.0.0').expectation.verifiable
    for (;;) {
      const all = await this.pollPods(what, selector)
      if (!all) {
        await sleep(POLL_MS)
        continue
      }
      const pods = all.filter((p) => !p.metadata.deletionTimestamp && p.spec.containers.some((c) => c.name === container && c.image === image))
      const ready = pods.filter(isReady)
      let verified: VerifiedPod[] = []
      if (ready.length >= count) {
        verified = await this.verifyVersions(ready, apiPort, container)
        const good = verified.filter((v) => v.verdict === 'match' || (!verifiable && v.verdict === 'unverifiable'))
        this.opts.progress.update(`${what}: pods ready ${ready.length}/${count}, versions verified ${good.length}/${count}`)
        if (good.length >= count) return verified
      } else {
        this.opts.progress.update(`${what}: pods ready ${ready.length}/${count}`)
      }
      if (this.remainingMs() <= 0) {
        const bad = verified.filter((v) => v.verdict === 'mismatch' || v.verdict === 'no-answer')
        const detail = bad.length ? `; ${bad.map((b) => `${b.pod} ${b.verdict === 'mismatch' ? `reports ${b.version}` : b.reason}`).join(', ')}` : ''
        throw new TimeoutError(`timed out waiting for ${what}: ${ready.length}/${count} pods ready${detail}`, 'run the same command again to continue, or `kubectl srs rollback` to undo')
      }
      // Ready but not yet answering with the right version is no pod event: poll for that.
      if (ready.length >= count) await sleep(POLL_MS / 2)
      else await this.nextPodChange(selector)
    }
  }

  /**
   * Connection counts of pods as their SRS reports them now (0 when a pod does not answer; a
   * refusal for credentials throws, as a count of 0 would hide the connections a step may cut).
   */
  async connections(pods: Pod[], apiPort: number): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    await Promise.all(
      pods.map(async (p) => {
        const res = await podViewers(await this.transport(p.metadata.name, apiPort), this.opts.podTimeoutMs)
        if (!res.ok) this.failOnAuth(p.metadata.name, res.failure)
        out.set(p.metadata.name, res.ok ? res.value : 0)
      }),
    )
    return out
  }

  /**
   * After a scale-down: notes on each terminating pod the connections it had (a draining SRS
   * closes its API port, so this is the last count anyone can read), then waits until they are
   * gone, showing "draining N viewers", and says how each left (podEnding: the container's
   * terminated state, else gone before or after its deletionTimestamp): drained, or cut with the
   * viewers last read. `remaining` is the number of pods that side keeps.
   */
  async waitDrained(what: string, selector: string, before: ReadonlyMap<string, number | null>, remaining: number, handoff?: HandOff): Promise<LeavingPod[]> {
    const gone: LeavingPod[] = []
    const annotated = new Set<string>()
    const lastSeen = new Map<string, Pod>()
    for (;;) {
      const pods = await this.pollPods(what, selector)
      if (!pods) {
        await sleep(POLL_MS)
        continue
      }
      const terminating = pods.filter((p) => p.metadata.deletionTimestamp)
      for (const p of terminating) {
        const name = p.metadata.name
        rememberLeaving(lastSeen, p)
        if (annotated.has(name)) continue
        annotated.add(name)
        await this.leaving(name, before, handoff)
      }
      for (const name of annotated) {
        if (pods.some((p) => p.metadata.name === name) || gone.some((g) => g.pod === name)) continue
        gone.push(await this.howItLeft(name, lastSeen.get(name), before.get(name) ?? null, handoff))
      }
      // Done when the controller has taken the side down to `remaining` pods and every pod it
      // took away is gone; right after the scale-down it may not have acted yet.
      const live = pods.length - terminating.length
      if (terminating.length === 0 && live <= remaining) return gone
      const conns = terminating.reduce((s, p) => s + (before.get(p.metadata.name) ?? 0), 0)
      this.opts.progress.update(`${what}: ${terminating.length} pod(s) draining ${conns} viewers`)
      if (this.remainingMs() <= 0) {
        throw new TimeoutError(
          `timed out while ${terminating.length} pod(s) of ${what} were still draining ${conns} viewers (${terminating.map((p) => p.metadata.name).join(', ')})`,
          `they keep serving until their clients leave or terminationGracePeriodSeconds ends; nothing more needs doing, or wait longer with --timeout (waited ${this.opts.timeoutLabel})`,
        )
      }
      await this.nextPodChange(selector)
    }
  }

  /**
   * After a StatefulSet write: waits until every ordinal in `pods` that ran when the step began
   * (same uid) is gone, and says how each left, as waitDrained does for a Deployment. The
   * controller restarts them one at a time, highest first; the new pod under the same name is
   * for the 'verified' wait that follows.
   */
  async waitRestarted(what: string, selector: string, pods: string[], before: Before, handoff?: HandOff): Promise<LeavingPod[]> {
    const gone: LeavingPod[] = []
    const lastSeen = new Map<string, Pod>()
    const pending = new Set(pods.filter((name) => before.uids.has(name)))
    const noted = new Set<string>()
    for (;;) {
      const all = await this.pollPods(what, selector)
      if (!all) {
        await sleep(POLL_MS)
        continue
      }
      for (const name of [...pending]) {
        const p = all.find((x) => x.metadata.name === name)
        if (p && (p.metadata.uid ?? '') === before.uids.get(name)) {
          rememberLeaving(lastSeen, p)
          if (p.metadata.deletionTimestamp && !noted.has(name)) {
            noted.add(name)
            await this.leaving(name, before.viewers, handoff)
          }
          continue
        }
        pending.delete(name)
        const ordinal = Number(/-(\d+)$/.exec(name)?.[1])
        gone.push({...(await this.howItLeft(name, lastSeen.get(name), before.viewers.get(name) ?? null, handoff)), ordinal})
      }
      if (pending.size === 0) return gone
      const restarting = [...pending].filter((n) => noted.has(n))
      const viewers = restarting.reduce((s, n) => s + (before.viewers.get(n) ?? 0), 0)
      this.opts.progress.update(`${what}: ${pods.length - pending.size}/${pods.length} ordinal(s) restarted${restarting.length ? `, ${restarting.join(', ')} draining ${viewers} viewers` : ''}`)
      if (this.remainingMs() <= 0) {
        throw new TimeoutError(
          `timed out while ordinal(s) ${[...pending].join(', ')} of ${what} had not restarted`,
          `a pod keeps serving until its clients leave or terminationGracePeriodSeconds ends; run the same command again to continue, or wait longer with --timeout (waited ${this.opts.timeoutLabel})`,
        )
      }
      await this.nextPodChange(selector)
    }
  }

  /** A pod started terminating: notes the viewers it had (a draining SRS closes its API port) and starts its hand-off. */
  private async leaving(name: string, viewers: ReadonlyMap<string, number | null>, handoff: HandOff | undefined): Promise<void> {
    handoff?.start(name)
    const n = viewers.get(name)
    if (n === undefined) return
    if (n !== null) await this.kube.patch(Resources.pods, name, {metadata: {annotations: {[LAST_CONNECTIONS_ANNOTATION]: String(n)}}}, 'merge', this.opts.namespace).catch(() => undefined) // the pod may already be gone
    this.opts.log(`pod ${name} leaves through SRS graceful quit, draining ${n ?? 'an unknown number of'} viewers`)
  }

  /**
   * How a pod that is gone left (podEnding: the container's terminated state, else gone before
   * or after its deletionTimestamp): cut with the viewers last read when killed, even with 0
   * read (something held SRS's quit), handed off when its hand-off closed clients, else drained.
   */
  private async howItLeft(name: string, lastSeen: Pod | undefined, viewers: number | null, handoff: HandOff | undefined): Promise<LeavingPod> {
    const goneAt = Date.now()
    const closed = await handoff?.result(name)
    const ending = podEnding(lastSeen, this.opts.container, goneAt)
    const left = leavingOutcome(name, viewers, ending, goneBeforeDeadline(lastSeen, goneAt), closed)
    if (left.outcome === 'cut') this.opts.log(`pod ${name} was killed at the end of its grace period: ${viewers ?? 'an unknown number of'} viewers cut`)
    else if (left.outcome === 'handed-off' && ending === 'killed') this.opts.log(`pod ${name}: its SRS ended with an error after its ${closed} clients were handed off`)
    return left
  }
}

/** What a step read of its pods before its writes: viewers (null: SRS did not say) and uids (a StatefulSet pod keeps its name when replaced). */
interface Before {
  viewers: ReadonlyMap<string, number | null>
  uids: ReadonlyMap<string, string>
}

/** An API failure a poll can outlive: unreachable, timed out, 5xx, or 429 past the client's retries. */
function isTransientApiError(err: unknown): err is SrsError {
  if (err instanceof KubeApiError) return err.status >= 500 || err.status === 429
  return err instanceof SrsError && (err.reason === 'Unreachable' || err.reason === 'Timeout')
}

function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
}
