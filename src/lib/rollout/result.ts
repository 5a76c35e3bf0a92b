/** What canary, promote, rollback and history return (-o json/yaml print them; the view renders them). Types only. */
import type {Split} from './plan.js'

/** One pod whose SRS version was checked against its image tag. */
export interface VerifiedPod {
  pod: string
  version: string | null
  verdict: 'match' | 'mismatch' | 'unverifiable' | 'no-answer'
  reason?: string
}

/** A pod a step takes away (a StatefulSet: an ordinal it restarts) and the viewers on it when planned. */
export interface LeavingPod {
  pod: string
  /** null: its SRS did not say. */
  viewers: number | null
  ordinal?: number
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
  drained: string[]
  revision?: number
  message: string
  /** The pods each step took away (or restarted), fewest viewers first. */
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
