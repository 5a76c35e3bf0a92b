/**
 * `kubectl srs cleanup` as one operation: show the status, delete, or install the CronJobs (and
 * with --now run each once). The command parses flags, calls runCleanup and renders the result.
 */
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {CronJob} from '../kube/types.js'
import {UsageError} from '../errors.js'
import {inferClaims} from './infer.js'
import {applyCronJob, buildCronJob, chooseTargets, cleanupStatus, deleteCleanup, runOnce} from './run.js'
import type {CleanupReport} from './result.js'

export interface CleanupRequest {
  namespace: string
  /** install: create or update the CronJobs (printed only with dryRun), then run them once with `now`. */
  action: 'install' | 'status' | 'delete'
  pvc?: string
  path?: string
  schedule: string
  /** --older-than as given (for the report) and in minutes (for the script). */
  olderThan: string
  olderThanMinutes: number
  image: string
  now: boolean
  dryRun: boolean
  /** Longest wait for each Job of `now`. */
  timeoutMs: number
}

/** How the operation talks to the user while it works (the command passes stderr and its spinner). */
export interface CleanupReporter {
  /** One line worth saying as it happens: what was inferred, what was applied. */
  note(line: string): void
  /** Progress of a long wait; returns what ends it. */
  begin(text: string): Promise<() => void>
}

export async function runCleanup(kube: KubeClient, req: CleanupRequest, reporter: CleanupReporter): Promise<CleanupReport> {
  const ns = req.namespace
  if (req.action === 'status') {
    return {namespace: ns, action: 'status', inferred: [], cronJobs: [], status: await cleanupStatus(kube, ns, req.pvc)}
  }
  if (req.action === 'delete') {
    const deleted = await deleteCleanup(kube, ns, req.pvc)
    return {namespace: ns, action: 'delete', inferred: [], cronJobs: [], deleted: deleted.cronJobs, deletedJobs: deleted.jobs}
  }
  if (req.pvc && !(await kube.find(Resources.persistentvolumeclaims, req.pvc, ns))) {
    throw new UsageError(`invalid value for --pvc: claim ${req.pvc} does not exist in namespace ${ns}`, `kubectl get pvc -n ${ns} lists the claims`)
  }
  const choice = chooseTargets(await inferClaims(kube, ns), {pvc: req.pvc, path: req.path, namespace: ns})
  for (const line of choice.inferred) reporter.note(`inferred: ${line}`)
  const settings = {namespace: ns, schedule: req.schedule, olderThanMinutes: req.olderThanMinutes, image: req.image}
  const result: CleanupReport = {namespace: ns, action: req.dryRun ? 'dry-run' : 'apply', inferred: choice.inferred, cronJobs: [], runs: []}
  const crons: CronJob[] = []
  for (const target of choice.targets) {
    const cron = buildCronJob(target, settings)
    crons.push(cron)
    const entry = {name: cron.metadata.name, ...target, schedule: req.schedule, olderThan: req.olderThan, image: req.image}
    if (req.dryRun) {
      result.cronJobs.push({...entry, action: 'printed', manifest: cron})
      continue
    }
    const applied = await applyCronJob(kube, cron)
    result.cronJobs.push({...entry, action: applied.action})
    reporter.note(`cronjob.batch/${cron.metadata.name} ${applied.action}`)
  }
  if (!req.now) return result
  for (const cron of crons) {
    // A real run's Job is owned by its CronJob (garbage collection); a dry run's has no CronJob to own it.
    const uid = req.dryRun ? undefined : (await kube.find<CronJob>(Resources.cronjobs, cron.metadata.name, ns))?.metadata.uid
    const end = await reporter.begin(`running ${cron.metadata.name} once`)
    result.runs!.push(await runOnce(kube, cron, {dryRun: req.dryRun, timeoutMs: req.timeoutMs, uid}).finally(end))
  }
  return result
}
