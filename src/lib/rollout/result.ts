/** What canary, promote, rollback and history return (-o json/yaml print them; the view renders them). Types only. */
import type {Split} from './plan.js'

/** One pod whose SRS version was checked against its image tag. */
export interface VerifiedPod {
  pod: string
  version: string | null
  verdict: 'match' | 'mismatch' | 'unverifiable' | 'no-answer'
  reason?: string
}

export interface CanaryResult {
  namespace: string
  workload: string
  kind: 'Deployment' | 'StatefulSet'
  canary: string
  stableImage: string
  canaryImage: string
  split: Split
  steps: {description: string; state: 'done' | 'planned'}[]
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
