/** Human-readable form of an origin change (the table output); -o json/yaml print the result itself. */
import type {OriginChangeResult} from './result.js'

export function renderOriginChange(r: OriginChangeResult): string {
  const lines: string[] = []
  const what = r.op === 'sync' ? 'sync-origins' : `${r.op}-origin`
  const cluster = r.cluster.mode === 'statefulset' ? `statefulset/${r.cluster.name}` : r.cluster.mode === 'srs7' ? r.cluster.name : `origin Deployments ${r.cluster.name}`
  if (r.dryRun || r.outcome === 'planned') lines.push(`${what} ${cluster} (dry run, nothing changed): ${r.from} → ${r.to} origins`)
  else if (r.outcome === 'in-sync') lines.push(`${cluster}: every coworkers and edge origin list names exactly the ${r.to} running origins`)
  else if (r.outcome === 'drift') lines.push(`${cluster}: lists out of step with the ${r.to} running origins`)
  else lines.push(`${what} ${cluster}: ${r.from} → ${r.to} origins${r.resumed ? ' (finished an interrupted run)' : ''}`)
  for (const n of r.notes) lines.push(`note: ${n}`)
  if (r.added.length > 0) lines.push(`added: ${r.added.join(' ')}`)
  if (r.removed.length > 0) lines.push(`removed: ${r.removed.join(' ')}`)
  if (r.dryRun || r.outcome === 'planned') {
    lines.push('', 'plan:')
    for (const s of r.plan) lines.push(`  ${s.step}. ${s.description}`)
  } else if (r.steps.length > 0) {
    lines.push('', 'steps:')
    for (const s of r.steps) lines.push(`  ${s.step}. ${s.description}: ${s.outcome}${s.detail ? ` (${s.detail})` : ''}`)
  }
  if (r.configMaps.length > 0) {
    lines.push('', 'lists:')
    for (const c of r.configMaps) {
      lines.push(`  configmap/${c.configMap} ${c.list}: ${c.changed ? `${c.listBefore.join(' ') || '(none)'} → ${c.listAfter.join(' ')}` : `unchanged (${c.listAfter.join(' ')})`}`)
    }
  }
  if (r.pods.length > 0) {
    lines.push('', 'SRS pods:')
    const width = Math.max(...r.pods.map((p) => p.pod.length))
    for (const p of r.pods)
      lines.push(
        `  ${p.pod.padEnd(width)}  ${(p.leaving && p.state !== 'applied' ? 'leaving' : p.state).padEnd(7)}  ${p.leaving && p.state !== 'applied' ? `removed by this run, so the new lists do not matter to it (${p.reason})` : p.reason}`,
      )
  }
  if (r.stoppedAt) lines.push('', `stopped after step ${r.stoppedAt.step}: ${r.stoppedAt.reason}`)
  if (r.next.length > 0) lines.push('', ...r.next.map((n) => `next: ${n}`))
  for (const w of r.warnings) lines.push(`warning: ${w}`)
  return lines.join('\n')
}
