/** What the leaving pods of a rollout result add up to: the exit code says whether viewers were cut. */
import {ExitCode} from '../errors.js'
import type {PodEnding} from '../pod-ending.js'
import type {CanaryResult, LeavingPod, RolloutResult} from './result.js'

/** Every pod the result's steps took away, as listed (with its outcome once waited for). */
export function leavingPods(r: CanaryResult | RolloutResult): LeavingPod[] {
  return 'canary' in r ? r.steps.flatMap((s) => s.leaving ?? []) : (r.leaving ?? []).flatMap((l) => l.pods)
}

/**
 * 3 (degraded) when a leaving pod was killed at the end of its grace period with viewers on it
 * (or a count its SRS never gave); a kill with 0 viewers read cut nobody.
 */
export function rolloutExitCode(r: CanaryResult | RolloutResult): ExitCode {
  return leavingPods(r).some((p) => p.outcome === 'cut' && p.cut !== 0) ? ExitCode.Degraded : ExitCode.Ok
}

/**
 * How a pod that is gone left. `ending` is podEnding's judgement (any exit but 0 counts as a kill
 * there); `goneBeforeDeadline`: it went before its grace period ran out; `handedOff`: the clients
 * the hand-off closed through its SRS API (undefined: no hand-off). Clients closed that way were
 * not cut, even when the SRS then ended with a non-zero code before its deadline (measured on
 * SRS 4.0.271: a pod whose 3 players were all handed off and played on elsewhere, gone 6.8 s
 * into a 120 s grace period, ended non-zero and was reported "cut 3").
 */
export function leavingOutcome(pod: string, viewers: number | null, ending: PodEnding, goneBeforeDeadline: boolean, handedOff: number | null | undefined): LeavingPod {
  if (handedOff && (ending === 'quit' || goneBeforeDeadline)) return {pod, viewers, outcome: 'handed-off', handedOff}
  if (ending === 'killed') return {pod, viewers, outcome: 'cut', cut: viewers}
  return {pod, viewers, outcome: 'drained'}
}
