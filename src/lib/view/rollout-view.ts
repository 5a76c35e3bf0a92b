import type {CanaryResult, LeavingPod, RolloutHistory, RolloutResult} from '../rollout/result.js'
import type {TextTools} from './text.js'

export function renderCanary(r: CanaryResult): string {
  const out: string[] = []
  const verb = r.dryRun ? 'would move' : 'moved'
  out.push(`${r.kind.toLowerCase()}/${r.workload}: ${verb} canary to ${r.canaryImage}`)
  out.push(`weight: requested ${r.split.requestedWeight}%, effective ${r.split.effectiveWeight}% (${r.split.canary} canary + ${r.split.stable} stable of ${r.split.total} pods)`)
  for (const s of r.steps) {
    out.push(`  ${s.state === 'done' ? '✓' : '-'} ${s.description}`)
    if (s.leaving?.length) out.push(`      ${leavingLine(s.leaving)}`)
  }
  const ok = r.verified.filter((v) => v.verdict === 'match')
  if (r.verified.length) out.push(`versions verified through the SRS API: ${ok.map((v) => `${v.pod}=${v.version}`).join(', ') || 'none'}`)
  if (r.drained.length) out.push(`drained and gone: ${r.drained.join(', ')}`)
  for (const w of r.warnings) out.push(`warning: ${w}`)
  return out.join('\n')
}

export function renderRollout(r: RolloutResult): string {
  const out = [r.message]
  for (const s of r.steps) {
    out.push(`  ✓ ${s}`)
    const leaving = r.leaving?.find((l) => l.step === s)?.pods
    if (leaving?.length) out.push(`      ${leavingLine(leaving)}`)
  }
  const ok = r.verified.filter((v) => v.verdict === 'match')
  if (r.verified.length) out.push(`versions verified through the SRS API: ${ok.map((v) => `${v.pod}=${v.version}`).join(', ') || 'none'}`)
  if (r.drained.length) out.push(`drained and gone: ${r.drained.join(', ')}`)
  return out.join('\n')
}

export function renderHistory(h: Pick<RolloutHistory, 'workload' | 'kind' | 'revisions'>, text: TextTools): string {
  if (!h.revisions.length) return `${h.kind.toLowerCase()}/${h.workload} has no revisions`
  return `${h.kind.toLowerCase()}/${h.workload}\n` + text.columns([['REVISION', 'IMAGE', 'CHANGE-CAUSE'], ...h.revisions.map((r) => [`${r.revision}${r.current ? ' (current)' : ''}`, r.image, r.changeCause ?? '<none>'])])
}

/** "takes away: pod-a (0 viewers), pod-b (3 viewers)"; a StatefulSet's ordinals restart instead. */
function leavingLine(pods: LeavingPod[]): string {
  const viewers = (n: number | null) => (n === null ? 'viewers unknown' : `${n} viewer${n === 1 ? '' : 's'}`)
  if (pods.some((p) => p.ordinal !== undefined)) return `restarts: ${pods.map((p) => `ordinal ${p.ordinal} ${p.pod} (${viewers(p.viewers)})`).join(', ')}`
  return `takes away: ${pods.map((p) => `${p.pod} (${viewers(p.viewers)})`).join(', ')}`
}
