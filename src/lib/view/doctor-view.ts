/** The doctor's table: one line per finding, then each finding's why and fix. */
import type {DoctorReport} from '../doctor/index.js'
import type {Severity} from '../doctor/types.js'
import type {TextTools} from './text.js'

export function renderDoctor(report: DoctorReport, opts: {allNamespaces: boolean; namespace?: string}, text: TextTools): string {
  const c = text.style
  const paint: Record<Severity, (s: string) => string> = {error: c.red, warning: c.yellow, info: c.cyan}
  const where = opts.allNamespaces ? 'in any namespace' : `in namespace ${opts.namespace ?? report.workloads[0]?.namespace ?? ''}`.trim()
  if (report.workloads.length === 0) return `No SRS workloads found ${where}.`
  const out: string[] = []
  const s = report.summary
  if (report.findings.length === 0) {
    out.push(`No findings: ${s.workloads} SRS workload${s.workloads === 1 ? '' : 's'} checked ${where}.`)
  } else {
    const ns = (x: {namespace: string}) => (opts.allNamespaces ? [x.namespace] : [])
    out.push(
      text.columns([
        [...(opts.allNamespaces ? ['NAMESPACE'] : []), 'SEVERITY', 'RULE', 'WORKLOAD', 'FOUND'],
        ...report.findings.map((f) => [...ns(f), paint[f.severity](f.severity), f.rule, `${f.kind.toLowerCase()}/${f.workload}`, f.found]),
      ]),
    )
    out.push('', c.bold('Fixes'))
    report.findings.forEach((f, i) => {
      out.push('', `${i + 1}. ${f.rule} ${f.kind.toLowerCase()}/${f.workload}${opts.allNamespaces ? ` (${f.namespace})` : ''}: ${f.why}`)
      out.push(...f.fix.split('\n').map((l) => `   ${l}`))
    })
    out.push(
      '',
      `${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}, ${s.info} info in ${s.workloads} SRS workload${s.workloads === 1 ? '' : 's'}${s.failed ? ` (failing: findings at or above ${report.failOn})` : ''}.`,
    )
  }
  for (const k of report.skipped) out.push(c.dim(`skipped ${k.rule} in ${k.namespace}: ${k.reason}`))
  return out.join('\n')
}
