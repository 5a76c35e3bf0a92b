/** The result of `kubectl srs cleanup` (the -o json/yaml contract; view/cleanup-view.ts renders it). Types only. */
import type {CleanupOutput} from './script.js'
import type {CronJob} from '../kube/types.js'

export interface CleanupCronJobEntry {
  name: string
  claim: string
  mountPath: string
  path: string
  schedule: string
  olderThan: string
  image: string
  action: 'created' | 'updated' | 'unchanged' | 'printed'
  manifest?: CronJob
}

export interface CleanupReport {
  namespace: string
  action: 'apply' | 'dry-run' | 'status' | 'delete'
  inferred: string[]
  cronJobs: CleanupCronJobEntry[]
  runs?: RunResult[]
  status?: CronJobStatus[]
  /** With --delete: the CronJobs removed. */
  deleted?: string[]
  /** With --delete: the Jobs removed besides those the CronJobs' garbage collection takes (dry runs). */
  deletedJobs?: string[]
}

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
