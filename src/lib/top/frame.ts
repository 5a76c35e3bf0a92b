/**
 * One frame of `kubectl srs top`: what the live view draws and what `top -o json` prints. The
 * model (model.ts) builds it from a status observation and the history top keeps in memory.
 */
import type {AnalysisCheck, ProgressiveCanaryState} from '../rollout/progressive-state.js'

export const TOP_API_VERSION = 'kubectl-srs/v1alpha1'

export interface TopFrame {
  apiVersion: typeof TOP_API_VERSION
  kind: 'SrsTop'
  context: string
  generatedAt: string
  namespaces: string[]
  /** One per Service with tracks (stable, canary) behind it. */
  services: TopService[]
  /** Every pod that is not terminating, workload by workload, in status's order. */
  pods: TopPod[]
  /** Terminating pods: top does not ask their SRS (a draining SRS must not be held up), so their viewers are as last read. */
  draining: TopDrainingPod[]
  /** Status warnings but draining (shown in `draining`), as sentences. */
  warnings: string[]
  summary: {pods: number; podsAnswered: number; viewers: number; kbpsOut: number; draining: number}
}

export interface TopService {
  namespace: string
  service: string
  tracks: TopTrack[]
  /** The progressive canary (`canary --steps`) in progress behind this Service, when there is one. */
  canary: TopCanaryProgress | null
}

export interface TopTrack {
  workload: string
  role: 'stable' | 'canary'
  image: string
  pods: number
  readyPods: number
  /** Viewers (SRS players + publishers) on the track's live pods. */
  viewers: number
  /** The weight kubectl-srs canary was asked for (annotation); for the stable track, what is left; null when no canary weight was requested. */
  requestedWeight: number | null
  /** The track's share of the Service's viewers, in percent (one decimal); null when no viewers were measured. */
  measuredWeight: number | null
}

export interface TopCanaryProgress {
  /** 1-based step in progress, of `steps`. */
  step: number
  steps: number
  /** The weight of the step in progress, in percent. */
  weight: number
  phase: ProgressiveCanaryState['phase']
  stepStartedAt: string
  intervalSeconds: number
  promote: boolean
  analysis: AnalysisCheck[]
}

export interface TopPod {
  namespace: string
  workload: string
  /** The pod's track behind a Service; null when its workload has no canary pair. */
  track: 'stable' | 'canary' | null
  name: string
  ready: boolean
  /** null when the SRS API did not answer (see error). */
  viewers: number | null
  kbpsIn: number | null
  kbpsOut: number | null
  /** Why the SRS API gave nothing (status's reason: not-running, timeout, unauthorized, …). */
  error: string | null
  /** The last samples, oldest first, one per refresh; a refresh the pod did not answer adds nothing. */
  history: {viewers: number[]; kbpsOut: number[]}
}

export interface TopDrainingPod {
  namespace: string
  workload: string
  name: string
  /** Viewers when last read (by this top before the pod began to drain, else what the canary wrote on the pod); null when never read. */
  viewers: number | null
}
