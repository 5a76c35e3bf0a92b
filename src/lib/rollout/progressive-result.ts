/** What `canary --steps` returns (-o json/yaml print it; the view renders it). Types only. */
import type {AnalysisCheck} from './progressive-state.js'
import type {CanaryResult, RolloutResult} from './result.js'

/** One step of the run: the canary move to its weight, then the analysis over the interval. */
export interface ProgressiveStepRun {
  /** The step's weight, in percent. */
  weight: number
  /** Its index in `steps`. */
  index: number
  move: CanaryResult
  analysis?: {
    startedAt: string
    endedAt: string
    samples: number
    /** pass: the step may go on; fail: a check failed (the run aborted); interrupted: Ctrl-C paused it. */
    verdict: 'pass' | 'fail' | 'interrupted'
    checks: AnalysisCheck[]
  }
}

export interface ProgressiveCanaryResult {
  namespace: string
  workload: string
  kind: 'Deployment' | 'StatefulSet'
  canaryImage: string
  steps: number[]
  intervalSeconds: number
  promote: boolean
  /** true: the run continued a state an earlier run left (paused or interrupted). */
  resumed: boolean
  /** The steps this run walked, in order. */
  stepsRun: ProgressiveStepRun[]
  /**
   * promoted: every step passed and the canary became the stable; done: every step passed (no
   * --promote); aborted: a check failed and the canary was rolled back; paused: Ctrl-C stopped it
   * at the current weight (the same command resumes).
   */
  outcome: 'promoted' | 'done' | 'aborted' | 'paused'
  /** With outcome aborted: the checks that failed, with the figures on both tracks. */
  failed?: AnalysisCheck[]
  /** With outcome aborted: what the rollback did. */
  rollback?: RolloutResult
  /** With outcome promoted: what the promote did. */
  promotion?: RolloutResult
}
