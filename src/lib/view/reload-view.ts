/** Human-readable form of `kubectl srs reload` (the table output); -o json/yaml print the result itself. */
import type {ReloadResult} from '../reload/result.js'
import type {TextTools} from './text.js'

export function renderReload(r: ReloadResult, text: TextTools): string {
  const lines: string[] = []
  const names = r.workloads.map((w) => `${w.kind.toLowerCase()}/${w.name} (${w.method === 'raw-reload' ? 'raw API reload' : 'rolling restart'}, configmap/${w.configMap ?? '?'})`)
  lines.push(`reload in namespace ${r.namespace}${r.dryRun ? ' (dry run, nothing changed)' : ''}: ${names.join(', ')}`)
  if (r.publishers.length > 0) lines.push(`publishers that reconnect: ${r.publishers.map((p) => `${p.streams.join(', ')} on ${p.pod}`).join('; ')}`)
  if (r.dryRun) {
    lines.push('', 'plan:')
    for (const s of r.plan) lines.push(`  ${s.step}. ${s.description}`)
  }
  if (r.pods.length > 0) {
    lines.push('', text.columns([['POD', 'WORKLOAD', 'OUTCOME', 'VIEWERS', 'HOW / WHY'], ...r.pods.map((p) => [p.pod, p.workload, p.outcome, p.viewers === undefined ? '-' : String(p.viewers), p.reason])]))
  }
  const handed = r.pods.filter((p) => p.handedOff)
  if (handed.length > 0) {
    const clients = (n: number) => `${n} client${n === 1 ? '' : 's'}`
    lines.push(`handed off: ${clients(handed.reduce((s, p) => s + (p.handedOff ?? 0), 0))} closed through the SRS API (players reconnect to pods that stay): ${handed.map((p) => `${p.pod} (${clients(p.handedOff ?? 0)})`).join(', ')}`)
  }
  for (const c of r.readyPods) lines.push(`${c.workload}: Ready pods ${c.start} at the start, never fewer than ${c.lowest}`)
  const next = [...new Set(r.pods.flatMap((p) => (p.next ? [p.next] : [])))]
  for (const n of next) lines.push(`next: ${n}`)
  for (const w of r.warnings) lines.push(`warning: ${w}`)
  return lines.join('\n')
}
