/**
 * The live `top` view: owns the screen (alternate screen, hidden cursor, raw keys), the timing
 * and the keys. A refresh starts only after the previous one returned; what is drawn comes from
 * the `draw` it is given, so the loop knows nothing of SRS.
 */
import type {TopFrame} from './frame.js'

export interface TopTerminal {
  /** Keys: raw mode so that q and p arrive without Enter (Ctrl-C then arrives as \u0003). */
  input: {
    on(event: 'data', f: (data: Buffer | string) => void): unknown
    off(event: 'data', f: (data: Buffer | string) => void): unknown
    resume(): unknown
    pause(): unknown
    setRawMode?(on: boolean): unknown
  }
  output: {write(text: string): unknown; columns?: number; rows?: number; on(event: 'resize', f: () => void): unknown; off(event: 'resize', f: () => void): unknown}
}

export interface TopLoopOptions {
  intervalMs: number
  refresh(): Promise<TopFrame>
  /** The text of one screen for a frame at the terminal's size. */
  draw(frame: TopFrame, size: {columns: number; rows: number}, state: {paused: boolean; problem?: string}): string
  terminal: TopTerminal
  /** Where SIGINT and SIGTERM arrive (the process; a test passes its own emitter). */
  signals?: Pick<NodeJS.EventEmitter, 'once' | 'off'>
}

export interface TopLoopEnd {
  /** The last frame drawn. */
  frame: TopFrame
  /** SIGTERM ended it (exit 143); q, Ctrl-C and SIGINT exit 0. */
  terminated: boolean
}

const ENTER = '\u001B[?1049h\u001B[?25l' // alternate screen, cursor hidden
const LEAVE = '\u001B[?25h\u001B[?1049l' // cursor shown, main screen back
const HOME = '\u001B[H'
const CLEAR_LINE_END = '\u001B[K'
const CLEAR_BELOW = '\u001B[J'

export async function runTop(first: TopFrame, opts: TopLoopOptions): Promise<TopLoopEnd> {
  const {input, output} = opts.terminal
  const signals = opts.signals ?? process
  let frame = first
  let paused = false
  let stop = false
  let terminated = false
  let problem: string | undefined
  let wake: () => void = () => undefined
  let stopped: () => void = () => undefined
  // q during a slow refresh quits at once; the refresh's requests end with the client.
  const quitting = new Promise<undefined>((resolve) => (stopped = () => resolve(undefined)))
  const draw = () => {
    const size = {columns: output.columns || 80, rows: output.rows || 24}
    const lines = opts.draw(frame, size, {paused, problem}).split('\n').slice(0, size.rows)
    // Overwrite in place, line by line, then clear what the previous frame left below: no flicker.
    output.write(HOME + lines.map((l) => l + CLEAR_LINE_END).join('\r\n') + CLEAR_BELOW)
  }
  const quit = (byTerm = false) => {
    stop = true
    terminated ||= byTerm
    wake()
    stopped()
  }
  const onKey = (data: Buffer | string) => {
    for (const ch of data.toString()) {
      if (ch === 'q' || ch === 'Q' || ch === '\u0003') quit()
      else if (ch === 'p' || ch === 'P') {
        paused = !paused
        draw()
        wake()
      }
    }
  }
  const onInt = () => quit()
  const onTerm = () => quit(true)
  const onResize = () => draw()
  output.write(ENTER)
  input.setRawMode?.(true)
  input.on('data', onKey)
  input.resume()
  output.on('resize', onResize)
  signals.once('SIGINT', onInt)
  signals.once('SIGTERM', onTerm)
  try {
    draw()
    while (!stop) {
      await new Promise<void>((resolve) => {
        wake = resolve
        if (!paused) setTimeout(resolve, opts.intervalMs).unref?.()
      })
      if (stop) break
      if (paused) continue
      try {
        const refreshing = opts.refresh()
        refreshing.catch(() => undefined) // still failing after a quit must not crash the process
        const next = await Promise.race([refreshing, quitting])
        if (next === undefined) break
        frame = next
        problem = undefined
      } catch (error) {
        // One failed refresh (an apiserver restart, a timeout) keeps the last frame on screen.
        problem = error instanceof Error ? error.message : String(error)
      }
      if (!stop) draw()
    }
  } finally {
    signals.off('SIGINT', onInt)
    signals.off('SIGTERM', onTerm)
    output.off('resize', onResize)
    input.off('data', onKey)
    input.setRawMode?.(false)
    input.pause()
    output.write(LEAVE)
  }
  return {frame, terminated}
}
