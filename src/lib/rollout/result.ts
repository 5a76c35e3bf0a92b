/** What canary, promote, rollback and history return (-o json/yaml print them; the view renders them). Types only. */
import type {Split} from './plan.js'

/** One pod whose SRS version was checked against its image tag. */
export interface VerifiedPod {
  pod: string
  version: string | null
  verdict: 'match' | 'mismatch' | 'unverifiable' | 'no-answer'
  reason?: string
}

/**
 * How a pod that a step took away left: 'drained' (its viewers left, SRS quit by itself), 'cut'
 * (killed at the end of its grace period), 'handed-off' (--handoff-after closed its remaining
 * clients through the SRS API, its players reconnect to pods that stay, then SRS quit by itself).
 */
export type LeavingOutcome = 'drained' | 'cut' | 'handed-off'

/**
 * A pod a step takes away (a StatefulSet: an ordinal it restarts) and the viewers on it: when
 * planned, the plan's count; once the step ran and waited, the pod that really left, the last
 * count read before it started draining, and how it left.
 */
export interface LeavingPod {
  pod: string
  /** null: its SRS did not say. */
  viewers: number | null
  ordinal?: number
  outcome?: LeavingOutcome
  /** With outcome 'cut': the viewers cut (the last count read before it drained; null: its SRS did not say). */
  cut?: number | null
  /** With outcome 'handed-off': the clients closed through the SRS API. */
  handedOff?: number
}

export interface CanaryResult {
  namespace: string
  workload: string
  kind: 'Deployment' | 'StatefulSet'
  canary: string
  stableImage: string
  canaryImage: string
  split: Split
  steps: {description: string; state: 'done' | 'planned'; leaving?: LeavingPod[]}[]
  verified: VerifiedPod[]
  /** The pods that truly drained (kept for compatibility: the steps' leaving lists say how every pod left). */
  drained: string[]
  warnings: string[]
  dryRun: boolean
  /** With --dry-run: the objects and patches that would be sent. */
  objects?: unknown[]
}

export interface RolloutResult {
  namespace: string
  workload: string
  kind: 'Deployment' | 'StatefulSet'
  action: 'promote' | 'abort-canary' | 'undo'
  image: string
  steps: string[]
  verified: VerifiedPod[]
  /** The pods that truly drained (kept for compatibility: `leaving` says how every pod left). */
  drained: string[]
  revision?: number
  message: string
  /** The pods each step took away (or restarted), fewest viewers first, and how they left once waited for. */
  leaving?: {step: string; pods: LeavingPod[]}[]
}

export interface RevisionInfo {
  revision: number
  image: string
  changeCause: string | null
  current: boolean
}

export interface RolloutHistory {
  namespace: string
  workload: string
  kind: string
  revisions: RevisionInfo[]
}
