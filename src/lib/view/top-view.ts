/** Draws a `top` frame: bars per Service track, per-pod sparklines, draining pods. Reads the frame only. */
import type {TopFrame, TopService} from '../top/frame.js'
import type {TextTools} from './text.js'

export interface TopViewOptions {
  /** Terminal columns; lines are cut to it. null: no limit (one frame on a pipe). */
  width: number | null
  /** Terminal rows; the pod list is cut to fit with a "+N more" line. null: every pod. */
  height: number | null
  allNamespaces: boolean
  /** The live view: the key line, and whether refreshes are paused. */
  live?: {paused: boolean; intervalSeconds: number; problem?: string}
}

const SPARK = '▁▂▃▄▅▆▇█'
const MAX_LISTED = 5

/** The last `width` samples as block characters, scaled to the largest of them (all ▁ when all are 0). */
export function sparkline(samples: readonly number[], width: number): string {
  const shown = samples.slice(Math.max(0, samples.length - width))
  const max = Math.max(0, ...shown)
  return shown.map((v) => SPARK[max > 0 ? Math.round((Math.max(0, v) / max) * (SPARK.length - 1)) : 0]).join('')
}

/** A bar `width` cells long, filled for `percent` of it. */
export function bar(percent: number | null, width: number): string {
  const filled = percent === null ? 0 : Math.min(width, Math.max(0, Math.round((percent / 100) * width)))
  return '█'.repeat(filled) + '░'.repeat(width - filled)
}

export function renderTop(frame: TopFrame, opts: TopViewOptions, text: TextTools): string {
  const c = text.style
  const width = opts.width ?? 160
  const head: string[] = []
  const where = opts.allNamespaces ? 'all namespaces' : `namespace ${frame.namespaces.join(', ') || '-'}`
  const s = frame.summary
  let title = `SRS top · ${frame.context} · ${where} · ${frame.generatedAt.slice(11, 19)} UTC · ${s.pods} pods · ${s.viewers} viewers · ${s.kbpsOut} kbps out`
  if (opts.live?.paused) title += '  ' + c.yellow('[paused]')
  head.push(c.bold(title))
  if (opts.live?.problem) head.push(c.red(`refresh failed: ${opts.live.problem}`) + ' (showing the last frame)')
  for (const svc of frame.services) head.push('', ...serviceLines(svc, frame, opts, width, text).flatMap((l) => l.split('\n')))

  const foot: string[] = []
  if (frame.draining.length) {
    foot.push('', c.bold(`Draining (${frame.draining.length}), viewers as last read:`))
    for (const d of frame.draining.slice(0, MAX_LISTED)) foot.push(`  ${c.yellow(d.name)}${opts.allNamespaces ? ` (${d.namespace})` : ''}  ${d.viewers === null ? 'viewers unknown' : `${d.viewers} viewers`}`)
    if (frame.draining.length > MAX_LISTED) foot.push(`  +${frame.draining.length - MAX_LISTED} more draining`)
  }
  if (frame.warnings.length) {
    foot.push('', c.bold('Warnings:'))
    for (const w of frame.warnings.slice(0, MAX_LISTED)) foot.push(`  ${c.yellow('!')} ${w}`)
    if (frame.warnings.length > MAX_LISTED) foot.push(`  +${frame.warnings.length - MAX_LISTED} more warnings`)
  }
  if (opts.live) foot.push('', `q quit · p ${opts.live.paused ? 'resume' : 'pause'} · every ${opts.live.intervalSeconds}s`)

  // The pod table takes the rows left; it is drawn only for the pods shown, so 1000 pods cost what a screenful does.
  let room = opts.height === null ? frame.pods.length : opts.height - head.length - foot.length - 2
  if (room < frame.pods.length) room = Math.max(0, room - 1)
  const shown = frame.pods.slice(0, Math.max(0, room))
  const more = frame.pods.length - shown.length
  const spark = Math.max(8, Math.min(30, Math.floor((width - 80) / 2)))
  const rows = [[...(opts.allNamespaces ? ['NAMESPACE'] : []), 'POD', 'TRACK', 'VIEWERS', `VIEWERS (last ${spark})`, 'KBPS IN/OUT', `KBPS OUT (last ${spark})`]]
  for (const p of shown) {
    const track = p.track === 'canary' ? c.yellow('canary') : (p.track ?? '-')
    const name = p.ready ? p.name : `${p.name} ${c.yellow('(not ready)')}`
    if (p.viewers === null) rows.push([...(opts.allNamespaces ? [p.namespace] : []), name, track, c.red(p.error ?? '-'), sparkline(p.history.viewers, spark), '-', sparkline(p.history.kbpsOut, spark)])
    else rows.push([...(opts.allNamespaces ? [p.namespace] : []), name, track, String(p.viewers), sparkline(p.history.viewers, spark), `${p.kbpsIn}/${p.kbpsOut}`, sparkline(p.history.kbpsOut, spark)])
  }
  const body = ['', ...(frame.pods.length ? text.columns(rows).split('\n') : ['No SRS pods.'])]
  if (more > 0) body.push(c.dim(`+${more} more pods (the terminal is ${opts.height} rows high)`))
  const lines = [...head, ...body, ...foot]
  return (opts.width === null ? lines : lines.map((l) => clip(l, width))).join('\n')
}

function serviceLines(svc: TopService, frame: TopFrame, opts: TopViewOptions, width: number, text: TextTools): string[] {
  const c = text.style
  const barWidth = Math.max(10, Math.min(40, width - 100))
  const out = [c.bold(`Service ${svc.service}`) + (opts.allNamespaces ? ` (${svc.namespace})` : '')]
  const rows = svc.tracks.map((t) => [
    t.role === 'canary' ? c.yellow('canary') : 'stable',
    t.workload,
    t.role === 'canary' ? c.yellow(bar(t.measuredWeight, barWidth)) : bar(t.measuredWeight, barWidth),
    `${t.viewers} viewers`,
    `measured ${t.measuredWeight === null ? '-' : `${t.measuredWeight}%`}`,
    `requested ${t.requestedWeight === null ? '-' : `${t.requestedWeight}%`}`,
    `${t.readyPods}/${t.pods} pods ready`,
  ])
  out.push(text.columns(rows, {indent: '  '}))
  const p = svc.canary
  if (p) {
    const elapsed = Math.max(0, Math.round((Date.parse(frame.generatedAt) - Date.parse(p.stepStartedAt)) / 1000))
    const since = Number.isNaN(elapsed) ? '' : `, ${text.age(elapsed)} of ${text.age(p.intervalSeconds)}`
    out.push(`  progressive canary: step ${p.step}/${p.steps} (weight ${p.weight}%), ${p.phase}${since}${p.promote ? ', then promote' : ''}`)
    for (const a of p.analysis) {
      const verdict = a.verdict === 'pass' ? c.green('pass') : a.verdict === 'fail' ? c.red('fail') : c.dim('pending')
      const figures = [a.canary !== undefined ? `canary ${a.canary}` : '', a.stable !== undefined ? `stable ${a.stable}` : '', a.detail ?? ''].filter(Boolean).join(' · ')
      out.push(`    ${verdict}  ${a.name}${figures ? `  ${figures}` : ''}`)
    }
  }
  return out
}

// eslint-disable-next-line no-control-regex
const ANSI_AT_START = /^\u001B\[[0-9;]*m/

/** The line cut to `width` visible characters; colour codes take no room and are kept (so a colour is always closed). */
function clip(line: string, width: number): string {
  let visible = 0
  let out = ''
  for (let i = 0; i < line.length;) {
    const code = ANSI_AT_START.exec(line.slice(i, i + 16))
    if (code) {
      out += code[0]
      i += code[0].length
      continue
    }
    if (visible < width) out += line[i]
    visible++
    i++
  }
  return out
}
