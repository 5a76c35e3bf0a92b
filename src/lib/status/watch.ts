/** `status --watch`: refresh until interrupted, redrawing in place or printing what changed. */
import type {StatusReport} from './report.js'

export interface StatusWatchOptions {
  intervalMs: number
  /** true: clear the screen and draw every refresh (a terminal showing tables); false: print a report only when it changed. */
  redraw: boolean
  /** Printed between two reports when not redrawing ("---\n" between YAML documents). */
  separator?: string
  /** Prints one report in the command's output format. */
  print(report: StatusReport): Promise<void>
  /** The screen (stdout), for the clear-screen escape and the separator. */
  write(text: string): void
  /** Where SIGINT and SIGTERM arrive (the process; a test passes its own emitter). */
  signals?: Pick<NodeJS.EventEmitter, 'once' | 'off'>
}

export interface StatusWatchEnd {
  /** The last report collected. */
  report: StatusReport
  /** SIGTERM ended the watch (the command exits 143, as a process ended by TERM does); SIGINT exits 0. */
  terminated: boolean
}

const CLEAR_SCREEN = '\u001B[H\u001B[2J'

/**
 * Shows `first`, then every `intervalMs` the report `refresh` returns, until SIGINT (Ctrl-C) or
 * SIGTERM. A refresh is started only after the previous one returned.
 */
export async function watchStatus(first: StatusReport, refresh: (previous: StatusReport) => Promise<StatusReport>, opts: StatusWatchOptions): Promise<StatusWatchEnd> {
  const signals = opts.signals ?? process
  let stop = false
  let terminated = false
  const onInt = () => {
    stop = true
  }
  const onTerm = () => {
    stop = true
    terminated = true
  }
  signals.once('SIGINT', onInt)
  signals.once('SIGTERM', onTerm)
  let report = first
  let lastKey = ''
  try {
    for (;;) {
      const key = changeKey(report)
      if (opts.redraw) {
        opts.write(CLEAR_SCREEN)
        await opts.print(report)
      } else if (key !== lastKey) {
        if (lastKey && opts.separator) opts.write(opts.separator)
        await opts.print(report)
      }
      lastKey = key
      // Checked every 100 ms so Ctrl-C ends the watch at once, not after the interval.
      const until = Date.now() + opts.intervalMs
      while (!stop && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(100, opts.intervalMs)))
      if (stop) break
      report = await refresh(report)
    }
  } finally {
    signals.off('SIGINT', onInt)
    signals.off('SIGTERM', onTerm)
  }
  return {report, terminated}
}

/** What counts as a change: everything but the clock (generatedAt, ages, uptimes), which moves every refresh. */
export function changeKey(report: StatusReport): string {
  return JSON.stringify({
    ...report,
    generatedAt: '',
    workloads: report.workloads.map((w) => ({...w, pods: w.pods.map((p) => ({...p, ageSeconds: 0, srs: p.srs && {...p.srs, uptimeSeconds: 0}}))})),
  })
}
