/**
 * The state of a progressive canary (`canary --steps`), kept as JSON in one annotation
 * (ROLLOUT_ANNOTATION.progressive) so that a run stopped with Ctrl-C resumes where it stopped,
 * `rollback` can abort it, and `top` and `status` can show it. Types and a tolerant parser only:
 * what writes it is the progressive canary's executor.
 */

/** One check of the analysis between steps, with the figures on both tracks. */
export interface AnalysisCheck {
  /** e.g. 'ready', 'restarts', 'version', 'api', 'viewer-retention', 'kbps-per-viewer', 'cpu-per-viewer', 'memory-per-viewer'. */
  name: string
  verdict: 'pass' | 'fail' | 'pending'
  /** The figure on the canary track, as the user reads it (e.g. '92 %', '2410 kbps/viewer'). */
  canary?: string
  /** The same figure on the stable track. */
  stable?: string
  /** Why it passed or failed, in a sentence. */
  detail?: string
  /** false: the check could not judge (e.g. no viewers on a track) and passed for that reason. */
  applicable?: boolean
}

export interface ProgressiveCanaryState {
  /** The weights of the steps, in percent, in order (e.g. [10, 25, 50]). */
  steps: number[]
  /** The index in `steps` of the step in progress. */
  stepIndex: number
  /** When the current step's weight was reached: the analysis interval starts there (ISO 8601). */
  stepStartedAt: string
  /** The analysis interval between steps, in seconds. */
  intervalSeconds: number
  /** true: promote once the last step's analysis passes. */
  promote: boolean
  phase: 'moving' | 'analysing' | 'paused' | 'aborted' | 'promoting' | 'done'
  /** The last analysis of the current step. */
  analysis: AnalysisCheck[]
  /** How many samples of both tracks the current step's analysis has taken. */
  samples?: number
}

/** The state in an annotation value, or undefined when it is absent or not a state this version can read. */
export function parseProgressiveState(value: string | undefined): ProgressiveCanaryState | undefined {
  if (value === undefined || value === '') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const state = parsed as Partial<ProgressiveCanaryState>
  if (!Array.isArray(state.steps) || !state.steps.every((s) => typeof s === 'number')) return undefined
  if (typeof state.stepIndex !== 'number' || typeof state.stepStartedAt !== 'string' || typeof state.intervalSeconds !== 'number') return undefined
  return {
    steps: state.steps,
    stepIndex: state.stepIndex,
    stepStartedAt: state.stepStartedAt,
    intervalSeconds: state.intervalSeconds,
    promote: state.promote === true,
    phase: state.phase ?? 'moving',
    analysis: Array.isArray(state.analysis) ? state.analysis : [],
    ...(typeof state.samples === 'number' ? {samples: state.samples} : {}),
  }
}
