/**
 * kubectl srs canary --steps: a progressive canary. Each step is a canary move exactly as
 * `canary --percent` makes it (runCanary), then the analysis watches both tracks for the
 * interval; a failed check rolls back as `rollback` does (runRollback); with --promote the last
 * passed step is followed by `promote` (runPromote). The state (ProgressiveCanaryState) is kept
 * in one annotation, so Ctrl-C (the `interrupt` signal) pauses at the current weight and the
 * same command resumes.
 * observe → nextProgressiveStep → (move → analyse)* → promote | abort → ProgressiveCanaryResult.
 */
import {ExitCode} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {INTERRUPTED_EXIT} from '../stop-hook.js'
import {Resources} from '../kube/resources.js'
import {ROLLOUT_ANNOTATION} from '../vocabulary.js'
import {comparisonChecks, healthChecks, type AnalysisSample, type AnalysisThresholds} from './analysis.js'
import {sampleTracks} from './analysis-observer.js'
import {runCanary, type CanaryRequest} from './canary.js'
import {executorFor, type RolloutExecutor, type RolloutOptions} from './executor.js'
import {rolloutExitCode} from './outcome.js'
import {runPromote} from './promote.js'
import {nextProgressiveStep, type ProgressiveRequest} from './progressive-plan.js'
import type {ProgressiveCanaryResult, ProgressiveStepRun} from './progressive-result.js'
import {parseProgressiveState, type AnalysisCheck, type ProgressiveCanaryState} from './progressive-state.js'
import {runRollback} from './rollback.js'
import {observeTarget, type RolloutTarget} from './target.js'

export interface ProgressiveCanaryRequest extends ProgressiveRequest {
  /** The move of each step: runCanary's request less the percent, which each step sets. */
  canary: Omit<CanaryRequest, 'percent' | 'dryRun' | 'wait'>
  thresholds: AnalysisThresholds
}

export interface ProgressiveHooks {
  /** Ctrl-C: once aborted, the run pauses at the current weight (after a move in progress finishes). */
  interrupt: AbortSignal
  now?: () => number
}

/** Samples per interval, at least: a pod that restarts and comes back between two reads is still seen (restartCount, SRS service id). */
const MIN_SAMPLES = 4
const MAX_SAMPLE_GAP_MS = 30_000

export async function runProgressiveCanary(kube: KubeClient, req: ProgressiveCanaryRequest, opts: RolloutOptions, hooks: ProgressiveHooks): Promise<ProgressiveCanaryResult> {
  const now = hooks.now ?? Date.now
  const t = await observeTarget(kube, kube.namespace, req.canary.workload)
  const holder = stateHolder(t)
  const state = parseProgressiveState(holder?.annotations?.[ROLLOUT_ANNOTATION.progressive])
  const weight = holder?.annotations?.[ROLLOUT_ANNOTATION.requestedWeight]
  const next = nextProgressiveStep(req, state, weight === undefined ? undefined : Number(weight))
  const exec = await executorFor(kube, t, opts)
  const result: ProgressiveCanaryResult = {
    namespace: t.namespace,
    workload: t.model.name,
    kind: t.model.kind,
    canaryImage: canaryImageOf(t) ?? req.canary.image ?? req.canary.to ?? '',
    steps: req.steps,
    intervalSeconds: req.intervalSeconds,
    promote: req.promote,
    resumed: next.kind !== 'done' && next.resumed,
    stepsRun: [],
    outcome: 'done',
  }
  const write = (s: ProgressiveCanaryState, canaryName: string) => writeState(kube, t, canaryName, s)
  if (next.kind === 'done') return result
  let canaryName = t.canaryName
  if (next.kind === 'step') {
    for (let index = next.index; index < req.steps.length; index++) {
      const weightNow = req.steps[index]!
      const base: ProgressiveCanaryState = {steps: req.steps, stepIndex: index, stepStartedAt: new Date(now()).toISOString(), intervalSeconds: req.intervalSeconds, promote: req.promote, phase: 'moving', analysis: []}
      opts.progress.update(`step ${index + 1}/${req.steps.length}: moving the canary to ${weightNow} %`)
      const move = await runCanary(kube, {...req.canary, percent: weightNow, wait: true, dryRun: false}, opts)
      canaryName = move.canary
      result.canaryImage = move.canaryImage
      const run: ProgressiveStepRun = {weight: weightNow, index, move}
      result.stepsRun.push(run)
      if (hooks.interrupt.aborted) {
        await write({...base, stepStartedAt: new Date(now()).toISOString(), phase: 'paused'}, canaryName)
        result.outcome = 'paused'
        return result
      }
      const analysing: ProgressiveCanaryState = {...base, stepStartedAt: new Date(now()).toISOString(), phase: 'analysing'}
      await write(analysing, canaryName)
      const watched = await watchInterval(
        exec,
        t,
        req,
        move.split.canary,
        opts.podTimeoutMs,
        hooks,
        now,
        (checks, samples) => write({...analysing, analysis: checks, samples}, canaryName),
        (text) => opts.progress.update(`step ${index + 1}/${req.steps.length} at ${weightNow} %: ${text}`),
      )
      run.analysis = watched
      if (watched.verdict === 'interrupted') {
        await write({...analysing, phase: 'paused', analysis: watched.checks, samples: watched.samples}, canaryName)
        result.outcome = 'paused'
        return result
      }
      if (watched.verdict === 'fail') {
        await write({...analysing, phase: 'aborted', analysis: watched.checks, samples: watched.samples}, canaryName)
        result.failed = watched.checks.filter((c) => c.verdict === 'fail')
        opts.progress.update(`analysis failed (${result.failed.map((c) => c.name).join(', ')}): rolling back`)
        result.rollback = await runRollback(kube, req.canary.workload ?? t.model.name, undefined, true, opts)
        // A StatefulSet keeps its annotations after the abort: the state goes with the canary.
        if (t.model.kind === 'StatefulSet') await clearState(kube, t)
        result.outcome = 'aborted'
        return result
      }
      await write({...analysing, phase: index === req.steps.length - 1 && !req.promote ? 'done' : 'analysing', analysis: watched.checks, samples: watched.samples}, canaryName)
    }
  }
  if (!req.promote) return result
  const last: ProgressiveCanaryState = {
    ...(state ?? {analysis: []}),
    steps: req.steps,
    stepIndex: req.steps.length - 1,
    stepStartedAt: new Date(now()).toISOString(),
    intervalSeconds: req.intervalSeconds,
    promote: true,
    phase: 'promoting',
    analysis: result.stepsRun.at(-1)?.analysis?.checks ?? state?.analysis ?? [],
  }
  await write(last, canaryName)
  opts.progress.update('every step passed: promoting')
  result.promotion = await runPromote(kube, req.canary.workload ?? t.model.name, true, opts)
  if (t.model.kind === 'StatefulSet') await clearState(kube, t)
  result.outcome = 'promoted'
  return result
}

/**
 * Samples both tracks from the interval's start to its end, at least MIN_SAMPLES times; a health
 * check (ready, restarts, version, api) that fails ends it at once; the comparisons with the
 * stable are judged at the end (pending until then).
 */
async function watchInterval(
  exec: RolloutExecutor,
  t: RolloutTarget,
  req: ProgressiveCanaryRequest,
  expectedCanaryPods: number,
  podTimeoutMs: number,
  hooks: ProgressiveHooks,
  now: () => number,
  record: (checks: AnalysisCheck[], samples: number) => Promise<void>,
  progress: (text: string) => void,
): Promise<NonNullable<ProgressiveStepRun['analysis']>> {
  const intervalMs = req.intervalSeconds * 1000
  const gap = Math.min(MAX_SAMPLE_GAP_MS, Math.max(1000, intervalMs / MIN_SAMPLES))
  const startedAt = now()
  const end = startedAt + intervalMs
  const samples: AnalysisSample[] = []
  const tracks = {stableSelector: t.stableSelector, canarySelector: t.canarySelector, container: t.model.container, podTimeoutMs}
  const done = (verdict: 'pass' | 'fail' | 'interrupted', checks: AnalysisCheck[]) => ({startedAt: new Date(startedAt).toISOString(), endedAt: new Date(now()).toISOString(), samples: samples.length, verdict, checks})
  for (;;) {
    samples.push(await sampleTracks(exec, tracks, now))
    const health = healthChecks(samples, expectedCanaryPods)
    const final = now() >= end
    const comparisons = comparisonChecks(samples, req.thresholds).map((c) => (final || c.verdict === 'pass' ? c : {...c, verdict: 'pending' as const}))
    const checks = [...health, ...comparisons]
    await record(checks, samples.length)
    if (health.some((c) => c.verdict === 'fail')) return done('fail', checks)
    if (final) return done(checks.some((c) => c.verdict === 'fail') ? 'fail' : 'pass', checks)
    progress(`analysis, ${Math.ceil((end - now()) / 1000)} s left (${samples.length} sample(s))`)
    if (await interruptibleSleep(Math.min(gap, Math.max(0, end - now())), hooks.interrupt)) return done('interrupted', checks)
  }
}

/** Sleeps, or returns true at once when the signal aborts. */
function interruptibleSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(false)
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      resolve(true)
    }
    signal.addEventListener('abort', onAbort, {once: true})
  })
}

/** Where the state lives: the canary Deployment, or the StatefulSet itself. */
function stateHolder(t: RolloutTarget): {annotations?: Record<string, string>} | undefined {
  return t.model.kind === 'StatefulSet' ? t.statefulset?.metadata : t.canary?.metadata
}

function canaryImageOf(t: RolloutTarget): string | undefined {
  const template = t.model.kind === 'StatefulSet' ? undefined : t.canary?.spec.template
  return template?.spec.containers.find((c) => c.name === t.model.container)?.image
}

async function writeState(kube: KubeClient, t: RolloutTarget, canaryName: string, state: ProgressiveCanaryState): Promise<void> {
  const body = {metadata: {annotations: {[ROLLOUT_ANNOTATION.progressive]: JSON.stringify(state)}}}
  if (t.model.kind === 'StatefulSet') await kube.patch(Resources.statefulsets, t.model.name, body, 'merge', t.namespace)
  else await kube.patch(Resources.deployments, canaryName, body, 'merge', t.namespace)
}

async function clearState(kube: KubeClient, t: RolloutTarget): Promise<void> {
  await kube.patch(Resources.statefulsets, t.model.name, {metadata: {annotations: {[ROLLOUT_ANNOTATION.progressive]: null}}}, 'merge', t.namespace)
}

/** 130 paused (as an interrupted command), 3 aborted or viewers cut by a move, else 0. */
export function progressiveExitCode(r: ProgressiveCanaryResult): number {
  if (r.outcome === 'paused') return INTERRUPTED_EXIT
  if (r.outcome === 'aborted') return ExitCode.Degraded
  const changes = [...r.stepsRun.map((s) => s.move), ...(r.promotion ? [r.promotion] : [])]
  return changes.some((c) => rolloutExitCode(c) !== ExitCode.Ok) ? ExitCode.Degraded : ExitCode.Ok
}
