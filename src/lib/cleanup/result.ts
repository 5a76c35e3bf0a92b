/** What cleanup --now and --status find (report.ts renders them). Types only. */
import type {CleanupOutput} from './script.js'

export interface RunResult {
  job: string
  pod?: string
  dryRun: boolean
  phase: 'Succeeded' | 'Failed'
  exitCode?: number
  reason?: string
  /** What the container printed, when the cluster gives logs. */
  output?: CleanupOutput
  logs: 'read' | 'unavailable'
  logsNote?: string
}

export interface CronJobStatus {
  name: string
  claim?: string
  path?: string
  olderThan?: string
  schedule: string
  suspended: boolean
  lastScheduleTime?: string
  lastSuccessfulTime?: string
  active: number
  lastJob?: {name: string; result: 'Complete' | 'Failed' | 'Running'; finished?: string; manual: boolean}
}
