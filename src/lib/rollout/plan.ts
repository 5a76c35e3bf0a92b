/**
 * Pure rollout planning: how a requested canary weight becomes pod counts, and in which order
 * the two tracks move so that serving capacity never drops below the starting total.
 */

export interface Split {
  total: number
  canary: number
  stable: number
  requestedWeight: number
  /** The weight the pod counts give, in percent with one decimal. */
  effectiveWeight: number
}

/**
 * Splits T pods by weight P. The canary gets P% of T rounded to the nearest pod (halves round
 * up), so the effective weight is as close to the requested one as pod counts allow; Argo
 * Rollouts instead rounds the canary up (ceil), which favours the canary (T=10, P=12: ceil gives
 * 2 pods = 20 %, nearest gives 1 pod = 10 %). 0 < P < 100 keeps at least one pod on each side, so
 * with T = 1 the split is 1 + 1 (capacity is never lowered to make room for the canary).
 */
export function splitReplicas(total: number, percent: number): Split {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a whole number >= 0, got ${total}`)
  if (!(percent >= 0 && percent <= 100)) throw new RangeError(`percent must be 0..100, got ${percent}`)
  let canary = Math.floor((percent * total) / 100 + 0.5)
  let stable = total - canary
  if (percent > 0 && percent < 100) {
    canary = Math.min(Math.max(1, canary), Math.max(1, total - 1))
    stable = Math.max(1, total - canary)
  }
  if (percent === 0) {
    canary = 0
    stable = total
  }
  if (percent === 100) {
    canary = total
    stable = 0
  }
  const sum = canary + stable
  return {total, canary, stable, requestedWeight: percent, effectiveWeight: sum ? Math.round((1000 * canary) / sum) / 10 : 0}
}

/** Parses --percent: a number from 0 to 100 (decimals allowed, "25%" accepted). */
export function parsePercent(input: string): number | undefined {
  const m = /^\s*(\d{1,3}(?:\.\d+)?)\s*%?\s*$/.exec(input)
  if (!m) return undefined
  const n = Number(m[1])
  return n >= 0 && n <= 100 ? n : undefined
}

export type StepKind = 'scale-canary' | 'scale-stable' | 'create-canary' | 'update-canary-image' | 'delete-canary' | 'set-partition'

export interface Step {
  kind: StepKind
  /** Replicas (scale) or partition (set-partition). */
  to?: number
  description: string
  /** Pods this step takes away, which leave through SRS graceful quit. */
  drains?: 'stable' | 'canary'
}

/**
 * The order of a Deployment canary move from (stable s0, canary c0) to the target split: the
 * side that grows goes first and must be Ready and verified before the other side shrinks.
 */
export function planDeploymentMove(current: {stable: number; canary: number; canaryExists: boolean; canaryImageMatches: boolean}, target: Split, names: {stable: string; canary: string}): Step[] {
  const steps: Step[] = []
  if (!current.canaryExists) steps.push({kind: 'create-canary', to: 0, description: `create Deployment ${names.canary} (0 pods)`})
  else if (!current.canaryImageMatches) steps.push({kind: 'update-canary-image', description: `set the image of ${names.canary}`})
  const canaryUp = target.canary > current.canary
  const stableUp = target.stable > current.stable
  if (canaryUp || (!stableUp && target.canary === current.canary)) {
    if (target.canary !== current.canary) steps.push({kind: 'scale-canary', to: target.canary, description: `scale ${names.canary} to ${target.canary}`})
    if (target.stable !== current.stable) steps.push({kind: 'scale-stable', to: target.stable, description: `scale ${names.stable} to ${target.stable}`, drains: target.stable < current.stable ? 'stable' : undefined})
  } else {
    if (target.stable !== current.stable) steps.push({kind: 'scale-stable', to: target.stable, description: `scale ${names.stable} to ${target.stable}`})
    if (target.canary !== current.canary) steps.push({kind: 'scale-canary', to: target.canary, description: `scale ${names.canary} to ${target.canary}`, drains: target.canary < current.canary ? 'canary' : undefined})
  }
  return steps
}
