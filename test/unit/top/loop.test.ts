import {EventEmitter} from 'node:events'
import {describe, expect, test} from '@jest/globals'
import {runTop} from '../../../src/lib/top/loop.js'
import type {TopFrame} from '../../../src/lib/top/frame.js'

function frame(n: number): TopFrame {
  return {generatedAt: `frame ${n}`} as unknown as TopFrame
}

/** A terminal whose keys the test types and whose screen it reads. */
function terminal() {
  const input = Object.assign(new EventEmitter(), {raw: [] as boolean[], paused: false, setRawMode: (on: boolean) => void input.raw.push(on), resume: () => void (input.paused = false), pause: () => void (input.paused = true)})
  const output = Object.assign(new EventEmitter(), {written: '', columns: 50, rows: 4, write: (t: string) => void (output.written += t)})
  return {input, output, type: (keys: string) => input.emit('data', Buffer.from(keys))}
}

const until = async (what: () => boolean) => {
  while (!what()) await new Promise((r) => setTimeout(r, 2))
}

function start(t: ReturnType<typeof terminal>, opts: {intervalMs?: number; refresh?: () => Promise<TopFrame>} = {}) {
  let refreshes = 0
  const signals = new EventEmitter()
  const sizes: string[] = []
  const end = runTop(frame(0), {
    intervalMs: opts.intervalMs ?? 5,
    refresh: opts.refresh ?? (async () => frame(++refreshes)),
    draw: (f, size, state) => {
      sizes.push(`${size.columns}x${size.rows}`)
      return `${f.generatedAt}${state.paused ? ' paused' : ''}${state.problem ? ` problem ${state.problem}` : ''}\nline 2\nline 3\nline 4\nline 5`
    },
    terminal: t,
    signals,
  })
  return {end, signals, sizes, refreshes: () => refreshes}
}

describe('top live loop', () => {
  test('q quits: alternate screen and hidden cursor on entry, both restored and raw mode off at the end', async () => {
    const t = terminal()
    const run = start(t)
    await until(() => run.refreshes() >= 2)
    t.type('q')
    const end = await run.end
    expect(end.terminated).toBe(false)
    expect(t.output.written.startsWith('\u001B[?1049h\u001B[?25l')).toBe(true)
    expect(t.output.written.endsWith('\u001B[?25h\u001B[?1049l')).toBe(true)
    expect(t.input.raw).toEqual([true, false])
    expect(t.input.paused).toBe(true)
    expect(t.input.listenerCount('data') + t.output.listenerCount('resize') + run.signals.listenerCount('SIGINT') + run.signals.listenerCount('SIGTERM')).toBe(0)
  })

  test('Ctrl-C in raw mode (\\u0003) quits like q; SIGTERM quits as terminated', async () => {
    const t1 = terminal()
    const a = start(t1)
    t1.type('\u0003')
    expect((await a.end).terminated).toBe(false)
    const t2 = terminal()
    const b = start(t2)
    b.signals.emit('SIGTERM')
    expect((await b.end).terminated).toBe(true)
    expect(t2.output.written.endsWith('\u001B[?25h\u001B[?1049l')).toBe(true)
  })

  test('p pauses the refresh (no refresh while paused) and p again resumes it', async () => {
    const t = terminal()
    const run = start(t)
    await until(() => run.refreshes() >= 1)
    t.type('p')
    await until(() => t.output.written.endsWith('paused\u001B[K\r\nline 2\u001B[K\r\nline 3\u001B[K\r\nline 4\u001B[K\u001B[J'))
    const at = run.refreshes()
    await new Promise((r) => setTimeout(r, 60))
    expect(run.refreshes()).toBe(at)
    t.type('p')
    await until(() => run.refreshes() > at + 1)
    t.type('q')
    await run.end
  })

  test('drawn in place, cut to the terminal rows; a resize redraws at the new size', async () => {
    const t = terminal()
    const run = start(t, {intervalMs: 60_000})
    await until(() => run.sizes.length === 1)
    expect(t.output.written).toContain('\u001B[Hframe 0\u001B[K\r\nline 2\u001B[K\r\nline 3\u001B[K\r\nline 4\u001B[K\u001B[J')
    expect(t.output.written).not.toContain('line 5')
    Object.assign(t.output, {columns: 120, rows: 40})
    t.output.emit('resize')
    expect(run.sizes).toEqual(['50x4', '120x40'])
    t.type('q')
    await run.end
  })

  test('a failed refresh keeps the last frame on screen and says why; q during a slow refresh quits at once', async () => {
    const t = terminal()
    let calls = 0
    const run = start(t, {
      refresh: () => {
        calls++
        return calls === 1 ? Promise.reject(new Error('apiserver gone')) : new Promise(() => undefined)
      },
    })
    await until(() => t.output.written.includes('frame 0 problem apiserver gone'))
    await until(() => calls === 2)
    t.type('q')
    expect((await run.end).frame.generatedAt).toBe('frame 0')
  })
})
