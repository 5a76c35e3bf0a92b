/**
 * The progressive canary's plan (`canary --steps`): which step runs next, from the state kept in
 * the annotation (ProgressiveCanaryState) and the flags. Pure: no reads, no writes.
 */
import type {ProgressiveCanaryState} from './progressive-state.js'

export interface ProgressiveRequest {
  /** Weights in percent, strictly increasing, each 1-99. */
  steps: number[]
  intervalSeconds: number
  promote: boolean
}

export type ProgressiveNext =
  /** Move to steps[index] (a no-op when the canary is already there) and analyse for the interval. */
  | {kind: 'step'; index: number; resumed: boolean}
  /** Every step passed: promote (with --promote). */
  | {kind: 'promote'; resumed: boolean}
  /** Every step passed and there is no --promote: nothing left to do. */
  | {kind: 'done'}

/** The weights of --steps ("10,25,50"), or why they are not usable. */
export function parseSteps(raw: string): {steps: number[]} | {error: string} {
  const parts = raw.split(',').map((s) => s.trim())
  if (raw.trim() === '' || parts.some((p) => p === '')) return {error: 'it lists no weight (or has an empty one)'}
  const steps: number[] = []
  for (const p of parts) {
    if (!/^\d+(\.\d+)?$/.test(p)) return {error: `"${p}" is not a percentage`}
    const n = Number(p)
    if (n < 1 || n > 99) return {error: `${p} is outside 1-99 (0 is no canary; 100 is --promote)`}
    if (steps.length && n <= steps.at(-1)!) return {error: `the weights must increase: ${p} comes after ${steps.at(-1)}`}
    steps.push(n)
  }
  return {steps}
}

/**
 * What runs next. A state written by a run with the same steps resumes at its step (the
 * interval restarts there: a paused run watched nothing meanwhile, so its analysis starts anew);
 * an aborted state, another list of steps, or none at all starts at the first step at or above
 * the weight the canary has now (`currentWeight`, undefined: no canary).
 */
export function nextProgressiveStep(req: ProgressiveRequest, state: ProgressiveCanaryState | undefined, currentWeight: number | undefined): ProgressiveNext {
  if (state && currentWeight !== undefined && sameSteps(state.steps, req.steps) && state.phase !== 'aborted') {
    if (state.phase === 'done' || state.phase === 'promoting') return req.promote ? {kind: 'promote', resumed: true} : {kind: 'done'}
    const index = Math.min(Math.max(0, state.stepIndex), req.steps.length - 1)
    return {kind: 'step', index, resumed: true}
  }
  const index = req.steps.findIndex((w) => w >= (currentWeight ?? 0))
  if (index >= 0) return {kind: 'step', index, resumed: false}
  return req.promote ? {kind: 'promote', resumed: false} : {kind: 'done'}
}

function sameSteps(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i])
}
