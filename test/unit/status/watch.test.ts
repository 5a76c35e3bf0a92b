import {EventEmitter} from 'node:events'
import {describe, expect, test} from '@jest/globals'
import type {StatusReport} from '../../../src/lib/status/report.js'
import {changeKey, watchStatus} from '../../../src/lib/status/watch.js'

function report(opts: {generatedAt?: string; age?: number; uptime?: number; restarts?: number} = {}): StatusReport {
  const pod = {name: 'srs-edge-0', ageSeconds: opts.age ?? 10, restarts: opts.restarts ?? 0, srs: {uptimeSeconds: opts.uptime ?? 5, clients: 1}}
  return {generatedAt: opts.generatedAt ?? '2026-01-01T00:00:00Z', workloads: [{name: 'srs-edge', pods: [pod]}]} as unknown as StatusReport
}

/** Runs a watch whose refreshes return `next` in turn; after the last one the emitter sends `signal`. */
async function watch(next: StatusReport[], signal: 'SIGINT' | 'SIGTERM', redraw = false) {
  const signals = new EventEmitter()
  const printed: StatusReport[] = []
  const written: string[] = []
  let refreshes = 0
  const end = await watchStatus(
    report(),
    async () => {
      const r = next[refreshes++]!
      if (refreshes === next.length) signals.emit(signal)
      return r
    },
    {intervalMs: 1, redraw, separator: '---\n', print: async (r) => void printed.push(r), write: (t) => void written.push(t), signals},
  )
  return {end, printed, written, refreshes, listeners: signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')}
}

describe('status --watch', () => {
  test('the clock moving (generatedAt, ages, uptimes) is no change; a restart is', () => {
    expect(changeKey(report({generatedAt: 'later', age: 99, uptime: 98}))).toBe(changeKey(report()))
    expect(changeKey(report({restarts: 1}))).not.toBe(changeKey(report()))
  })

  test('without a terminal, a report is printed only when it changed, documents separated', async () => {
    const w = await watch([report({age: 20}), report({restarts: 1}), report({restarts: 1, age: 30})], 'SIGINT')
    expect(w.printed.map((r) => r.workloads[0]!.pods[0]!.restarts)).toEqual([0, 1])
    expect(w.written).toEqual(['---\n'])
  })

  test('SIGINT ends it as a success, SIGTERM as terminated; the last report is returned and the handlers removed', async () => {
    const int = await watch([report({restarts: 2})], 'SIGINT')
    expect(int.end.terminated).toBe(false)
    expect(int.end.report.workloads[0]!.pods[0]!.restarts).toBe(2)
    expect(int.listeners).toBe(0)
    const term = await watch([report(), report()], 'SIGTERM')
    expect(term.end.terminated).toBe(true)
    expect(term.refreshes).toBe(2)
    expect(term.listeners).toBe(0)
  })

  test('on a terminal every refresh clears the screen and redraws', async () => {
    const w = await watch([report(), report()], 'SIGINT', true)
    expect(w.printed).toHaveLength(3)
    expect(w.written).toEqual(['\u001B[H\u001B[2J', '\u001B[H\u001B[2J', '\u001B[H\u001B[2J'])
  })
})
