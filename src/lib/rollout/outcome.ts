/** What the leaving pods of a rollout result add up to: the exit code says whether viewers were cut. */
import {ExitCode} from '../errors.js'
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
