/** What `kubectl srs reload` returns (-o json/yaml print it; view/reload-view.ts renders it). Types only. */

/**
 * reloaded: SRS re-read the file in place (raw API); restarted: the pod was replaced by one that
 * read it at start; up-to-date: its SRS started after the ConfigMap last changed; pending: not
 * loaded, `reason` says why and `next` what to run; failed: SRS refused the file.
 */
export type ReloadPodOutcome = 'reloaded' | 'restarted' | 'up-to-date' | 'pending' | 'failed'

export interface ReloadPodReport {
  pod: string
  workload: string
  outcome: ReloadPodOutcome
  /** How it was confirmed, or why it is pending. */
  reason: string
  /** Viewers (players and publishers, SRS's clients list) when the plan was made. */
  viewers?: number
  /** The pod(s) that took its place (a Deployment's surge pod, or the StatefulSet pod of the same name). */
  replacedBy?: string[]
  /** Restarted: true when SRS quit by itself after its clients left (or --handoff-after closed them), false when it was killed at the end of its grace period. */
  drained?: boolean
  /** Restarted with --handoff-after: the clients still on the old pod that were closed through its SRS API (players reconnect to pods that stay); absent when none were. */
  handedOff?: number
  /** What to run to finish this pod. */
  next?: string
}

export interface ReloadWorkloadReport {
  kind: 'Deployment' | 'StatefulSet'
  name: string
  configMap?: string
  /** When the ConfigMap last changed (ISO time), from its managed fields. */
  configChangedAt?: string
  /** raw-reload: through the SRS API; restart: drain-aware rolling restart. */
  method: 'raw-reload' | 'restart'
}

export type ReloadOutcome = 'done' | 'pending' | 'planned'

export interface ReloadResult {
  kind: 'SrsReload'
  namespace: string
  outcome: ReloadOutcome
  dryRun: boolean
  workloads: ReloadWorkloadReport[]
  plan: {step: number; kind: string; description: string}[]
  /** Streams whose publishers will have to reconnect (StatefulSet origins restarted). */
  publishers: {pod: string; streams: string[]}[]
  pods: ReloadPodReport[]
  /** Lowest count of Ready pods of each restarted workload seen while it ran, and the count at the start. */
  readyPods: {workload: string; start: number; lowest: number}[]
  warnings: string[]
}
