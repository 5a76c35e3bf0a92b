/** `kubectl srs cleanup` as text: what was applied, deleted or found, and what each run deleted. */
import type {CleanupReport, RunResult} from '../cleanup/result.js'
import type {TextTools} from './text.js'

function renderRun(r: RunResult): string[] {
  const lines = [`job ${r.job}${r.dryRun ? ' (dry run: nothing deleted)' : ''}: ${r.phase}${r.exitCode === undefined ? '' : `, exit code ${r.exitCode}`}${r.reason ? ` (${r.reason})` : ''}`]
  if (r.output) {
    const o = r.output
    if (r.dryRun) {
      lines.push(`  would delete ${o.wouldDelete.length} file(s)${o.wouldDelete.length ? ':' : ''}`, ...o.wouldDelete.map((p) => `    ${p}`))
    } else {
      lines.push(`  deleted ${o.deleted.length} file(s)${o.deleted.length ? ':' : ''}`, ...o.deleted.map((p) => `    ${p}`))
      lines.push(`  removed ${o.removedFolders.length} emptied folder(s)${o.removedFolders.length ? ':' : ''}`, ...o.removedFolders.map((p) => `    ${p}/`))
    }
    if (!o.complete) lines.push("  the output ends before the run did (see the pod's logs)")
  } else {
    lines.push(`  what it deleted is not known here: ${r.logsNote ?? 'no logs'}${r.pod ? ` (pod ${r.pod})` : ''}`)
  }
  return lines
}

export function renderCleanup(r: CleanupReport, text: TextTools): string {
  const lines: string[] = []
  if (r.action === 'delete') {
    const gone = [...(r.deleted ?? []).map((n) => `cronjob.batch/${n} deleted`), ...(r.deletedJobs ?? []).map((n) => `job.batch/${n} deleted`)]
    return gone.length ? gone.join('\n') : `no cleanup CronJob in namespace ${r.namespace}`
  }
  if (r.action === 'status') {
    if (!r.status?.length) return `no cleanup CronJob in namespace ${r.namespace}`
    for (const s of r.status) {
      lines.push(`${s.name}: claim ${s.claim ?? '?'}, ${s.path ?? '?'}, files older than ${s.olderThan ?? '?'}, schedule "${s.schedule}"${s.suspended ? ' (suspended)' : ''}`)
      lines.push(`  last schedule: ${s.lastScheduleTime ?? 'never'}; last success: ${s.lastSuccessfulTime ?? 'never'}; running: ${s.active}`)
      lines.push(`  last job: ${s.lastJob ? `${s.lastJob.name}${s.lastJob.manual ? ' (manual)' : ''} ${s.lastJob.result}${s.lastJob.finished ? ` at ${s.lastJob.finished}` : ''}` : 'none'}`)
    }
    return lines.join('\n')
  }
  for (const c of r.cronJobs) {
    if (c.action !== 'printed') lines.push(`cronjob.batch/${c.name} ${c.action}: claim ${c.claim} at ${c.mountPath}, cleaning ${c.path}, files older than ${c.olderThan}, schedule "${c.schedule}"`)
  }
  for (const run of r.runs ?? []) lines.push(...renderRun(run))
  // A dry run prints the CronJobs as YAML, ready for kubectl apply -f - (and Git).
  const printed = r.cronJobs.flatMap((c) => (c.action === 'printed' && c.manifest ? [c.manifest] : []))
  return (printed.length ? text.yamlStream(printed) : '') + lines.join('\n')
}
