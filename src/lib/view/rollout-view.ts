import type {ProgressiveCanaryResult} from '../rollout/progressive-result.js'
import type {AnalysisCheck} from '../rollout/progressive-state.js'
import type {CanaryResult, LeavingPod, RolloutHistory, RolloutResult} from '../rollout/result.js'
import type {TextTools} from './text.js'

export function renderCanary(r: CanaryResult): string {
  const out: string[] = []
  const verb = r.dryRun ? 'would move' : 'moved'
  out.push(`${r.kind.toLowerCase()}/${r.workload}: ${verb} canary to ${r.canaryImage}`)
  out.push(`weight: requested ${r.split.requestedWeight}%, effective ${r.split.effectiveWeight}% (${r.split.canary} canary + ${r.split.stable} stable of ${r.split.total} pods)`)
  for (const s of r.steps) {
    out.push(`  ${s.state === 'done' ? '✓' : '-'} ${s.description}`)
    if (s.leaving?.length) out.push(`      ${leavingLine(s.leaving, cutViewers(r.steps.flatMap((x) => x.leaving ?? [])))}`)
  }
  const ok = r.verified.filter((v) => v.verdict === 'match')
  if (r.verified.length) out.push(`versions verified through the SRS API: ${ok.map((v) => `${v.pod}=${v.version}`).join(', ') || 'none'}`)
  out.push(
    ...outcomeLines(
      r.steps.flatMap((s) => s.leaving ?? []),
      r.drained,
    ),
  )
  for (const w of r.warnings) out.push(`warning: ${w}`)
  return out.join('\n')
}

export function renderRollout(r: RolloutResult): string {
  const out = [r.message]
  for (const s of r.steps) {
    out.push(`  ✓ ${s}`)
    const leaving = r.leaving?.find((l) => l.step === s)?.pods
    if (leaving?.length) out.push(`      ${leavingLine(leaving, cutViewers((r.leaving ?? []).flatMap((l) => l.pods)))}`)
  }
  const ok = r.verified.filter((v) => v.verdict === 'match')
  if (r.verified.length) out.push(`versions verified through the SRS API: ${ok.map((v) => `${v.pod}=${v.version}`).join(', ') || 'none'}`)
  out.push(
    ...outcomeLines(
      (r.leaving ?? []).flatMap((l) => l.pods),
      r.drained,
    ),
  )
  return out.join('\n')
}

export function renderHistory(h: Pick<RolloutHistory, 'workload' | 'kind' | 'revisions'>, text: TextTools): string {
  if (!h.revisions.length) return `${h.kind.toLowerCase()}/${h.workload} has no revisions`
  return `${h.kind.toLowerCase()}/${h.workload}\n` + text.columns([['REVISION', 'IMAGE', 'CHANGE-CAUSE'], ...h.revisions.map((r) => [`${r.revision}${r.current ? ' (current)' : ''}`, r.image, r.changeCause ?? '<none>'])])
}

const clients = (n: number | undefined) => `${n ?? 0} client${n === 1 ? '' : 's'}`

const viewers = (n: number | null | undefined) => (n === null || n === undefined ? 'viewers unknown' : `${n} viewer${n === 1 ? '' : 's'}`)

/**
 * "takes away: pod-a (0 viewers), pod-b (3 viewers)" as planned; "took away: pod-a (0 viewers):
 * drained" once the pods left; a StatefulSet's ordinals restart instead ("restarted: ordinal 1
 * pod-1 (2 viewers): CUT, ...").
 */
function leavingLine(pods: LeavingPod[], anyCut: boolean): string {
  const ordinals = pods.some((p) => p.ordinal !== undefined)
  const name = (p: LeavingPod) => `${ordinals ? `ordinal ${p.ordinal} ` : ''}${p.pod} (${viewers(p.viewers)})`
  if (pods.some((p) => p.outcome)) return `${ordinals ? 'restarted' : 'took away'}: ${pods.map((p) => `${name(p)}: ${outcomeText(p, anyCut)}`).join(', ')}`
  return `${ordinals ? 'restarts' : 'takes away'}: ${pods.map(name).join(', ')}`
}

/** Pods killed with viewers on them (or an unknown count): the run cut viewers. */
function cutViewers(pods: LeavingPod[]): boolean {
  return pods.some((p) => p.outcome === 'cut' && p.cut !== 0)
}

/** A run that cut viewers never prints "drained", so that no reader takes it for a clean drain. */
function outcomeText(p: LeavingPod, anyCut: boolean): string {
  if (p.outcome === 'cut' && p.cut === 0) return 'killed at the end of its grace period, no viewer on it (something else held its quit)'
  if (p.outcome === 'cut') return `CUT, killed at the end of its grace period with ${viewers(p.cut)} on it`
  if (p.outcome === 'handed-off') return `handed off, ${clients(p.handedOff)} closed through the SRS API`
  return anyCut ? 'quit by itself after its viewers left' : 'drained'
}

/** The summary: pods that truly drained, and viewers cut (never called drained). */
function outcomeLines(pods: LeavingPod[], drained: string[]): string[] {
  const out: string[] = []
  if (drained.length) out.push(cutViewers(pods) ? `quit by themselves, no viewer cut: ${drained.join(', ')}` : `drained and gone: ${drained.join(', ')}`)
  const handed = pods.filter((p) => p.outcome === 'handed-off')
  if (handed.length)
    out.push(`handed off: ${clients(handed.reduce((s, p) => s + (p.handedOff ?? 0), 0))} closed through the SRS API (players reconnect to pods that stay): ${handed.map((p) => `${p.pod} (${clients(p.handedOff)})`).join(', ')}`)
  const cut = pods.filter((p) => p.outcome === 'cut' && p.cut !== 0)
  if (cut.length) {
    const known = cut.every((p) => typeof p.cut === 'number')
    const total = cut.reduce((s, p) => s + (p.cut ?? 0), 0)
    out.push(`viewers cut: ${known ? total : total ? `at least ${total}` : 'an unknown number'}, killed at the end of their grace period: ${cut.map((p) => `${p.pod} (${viewers(p.cut)})`).join(', ')}`)
  }
  return out
}

const OUTCOME: Record<ProgressiveCanaryResult['outcome'], string> = {
  promoted: 'every step passed its analysis; promoted',
  done: 'every step passed its analysis; the canary stays at the last step (promote with `kubectl srs promote`, or run again with --promote)',
  aborted: 'ABORTED: a check failed, the canary was rolled back',
  paused: 'PAUSED at the current weight: run the same command again to resume this step (its interval starts anew), or `kubectl srs rollback` to abort',
}

export function renderProgressive(r: ProgressiveCanaryResult): string {
  const out = [
    `${r.kind.toLowerCase()}/${r.workload}: progressive canary to ${r.canaryImage}, steps ${r.steps.map((w) => `${w} %`).join(' → ')}${r.promote ? ' → promote' : ''}, interval ${r.intervalSeconds}s${r.resumed ? ' (resumed)' : ''}`,
  ]
  for (const s of r.stepsRun) {
    out.push(`step ${s.index + 1}/${r.steps.length}: ${s.weight} %`)
    out.push(...indent(renderCanary(s.move), '  '))
    if (s.analysis) {
      out.push(`  analysis over ${s.analysis.samples} sample(s), ${s.analysis.startedAt} → ${s.analysis.endedAt}: ${s.analysis.verdict}`)
      for (const c of s.analysis.checks) out.push(`    ${checkLine(c)}`)
    }
  }
  if (r.failed?.length) out.push(`failed: ${r.failed.map((c) => `${c.name} (canary ${c.canary ?? '-'}, stable ${c.stable ?? '-'}): ${c.detail ?? ''}`).join('; ')}`)
  if (r.rollback) out.push('rollback:', ...indent(renderRollout(r.rollback), '  '))
  if (r.promotion) out.push('promote:', ...indent(renderRollout(r.promotion), '  '))
  out.push(OUTCOME[r.outcome])
  return out.join('\n')
}

function checkLine(c: AnalysisCheck): string {
  const mark = c.verdict === 'pass' ? (c.applicable === false ? '~' : '✓') : c.verdict === 'fail' ? '✗' : '…'
  return `${mark} ${c.name}: canary ${c.canary ?? '-'}, stable ${c.stable ?? '-'}${c.detail ? ` (${c.detail})` : ''}`
}

function indent(text: string, by: string): string[] {
  return text.split('\n').map((l) => by + l)
}
