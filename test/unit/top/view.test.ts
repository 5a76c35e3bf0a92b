import {describe, expect, test} from '@jest/globals'
import {textTools} from '../../../src/lib/cli/text.js'
import {buildTopFrame, type TopHistory} from '../../../src/lib/top/model.js'
import type {TopFrame} from '../../../src/lib/top/frame.js'
import {bar, renderTop, sparkline} from '../../../src/lib/view/top-view.js'
import {canaryReport, type PodSpec} from './fixtures.js'

const text = textTools(false)

function frameOf(stable: PodSpec[], canary: PodSpec[], rounds: number[][] = []): TopFrame {
  let history: TopHistory = new Map()
  for (const r of rounds)
    history = buildTopFrame(
      {
        report: canaryReport(
          stable.map((p, i) => ({...p, viewers: r[i]})),
          canary,
        ),
        progressive: new Map(),
        lastViewers: new Map(),
      },
      history,
    ).history
  return buildTopFrame({report: canaryReport(stable, canary), progressive: new Map(), lastViewers: new Map()}, history).frame
}

describe('sparkline and bar', () => {
  test('sparkline scales to the largest sample shown and keeps the last `width` samples', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe('▁▂▃▄▅▆▇█')
    expect(sparkline([100, 0, 7, 0, 7], 3)).toBe('█▁█')
    expect(sparkline([0, 0], 5)).toBe('▁▁')
    expect(sparkline([], 5)).toBe('')
  })

  test('bar fills its share of the width, empty when nothing was measured', () => {
    expect(bar(25, 8)).toBe('██░░░░░░')
    expect(bar(100, 4)).toBe('████')
    expect(bar(null, 4)).toBe('░░░░')
    expect(bar(140, 4)).toBe('████')
  })
})

describe('renderTop', () => {
  test('both tracks get a bar with viewers and weights; each pod its sparklines', () => {
    const f = frameOf([{name: 'edge-s1', viewers: 30}], [{name: 'edge-c1', viewers: 10}], [[0], [10], [20]])
    const out = renderTop(f, {width: 200, height: null, allNamespaces: false}, text)
    expect(out).toMatch(/stable {3}srs-edge-deploy {10}█{30}░{10} {3}30 viewers {3}measured 75% {3}requested 50%/)
    expect(out).toMatch(/canary {3}srs-edge-deploy-canary {3}█{10}░{30} {3}10 viewers {3}measured 25% {3}requested 50%/)
    expect(out).toMatch(/edge-s1 +stable +30 +▁▃▆█ /)
    expect(out).toMatch(/edge-c1 +canary +10 +████ /)
  })

  test('cut to the terminal: the pod list ends with "+N more pods", no line wider than the terminal', () => {
    const f = frameOf(
      Array.from({length: 1000}, (_, i) => ({name: `edge-s${i}`, viewers: 1})),
      [{name: 'edge-c1', viewers: 1}],
    )
    const out = renderTop(f, {width: 90, height: 30, allNamespaces: false, live: {paused: false, intervalSeconds: 2}}, text)
    const lines = out.split('\n')
    expect(lines).toHaveLength(30)
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(90)
    const shown = lines.filter((l) => /^edge-s\d+ /.test(l)).length
    expect(out).toContain(`+${1001 - shown} more pods`)
    expect(lines.at(-1)).toContain('q quit · p pause')
  })

  test('a draining pod is listed with its viewers as last read; paused says so', () => {
    const f = frameOf([{name: 'edge-s1', terminating: true}], [{name: 'edge-c1', viewers: 2}])
    const out = renderTop({...f, draining: [{namespace: 'live', workload: 'srs-edge-deploy', name: 'edge-s1', viewers: 4}]}, {width: 120, height: 40, allNamespaces: false, live: {paused: true, intervalSeconds: 2}}, text)
    expect(out).toContain('Draining (1), viewers as last read:')
    expect(out).toContain('edge-s1  4 viewers')
    expect(out).toContain('[paused]')
    expect(out).toContain('p resume')
  })

  test('a progressive canary: step, weight, phase, time in the step, and every check with both tracks', () => {
    const f = frameOf([{name: 'edge-s1', viewers: 3}], [{name: 'edge-c1', viewers: 1}])
    f.services[0]!.canary = {
      step: 2,
      steps: 3,
      weight: 25,
      phase: 'analysing',
      stepStartedAt: '2026-12-03T16:59:00.000Z',
      intervalSeconds: 300,
      promote: true,
      analysis: [
        {name: 'viewer-retention', verdict: 'pass', canary: '96 %', stable: '97 %'},
        {name: 'kbps-per-viewer', verdict: 'fail', canary: '800', stable: '2400', detail: 'canary sends a third'},
      ],
    }
    const out = renderTop(f, {width: 200, height: null, allNamespaces: false}, text)
    expect(out).toContain('progressive canary: step 2/3 (weight 25%), analysing, 60s of 5m, then promote')
    expect(out).toContain('pass  viewer-retention  canary 96 % · stable 97 %')
    expect(out).toContain('fail  kbps-per-viewer  canary 800 · stable 2400 · canary sends a third')
  })

  test('colour codes take no room when lines are cut', () => {
    const f = frameOf([{name: 'edge-s1', viewers: 1}], [{name: 'edge-c1', viewers: 1}])
    const out = renderTop(f, {width: 60, height: null, allNamespaces: false}, textTools(true))
    // eslint-disable-next-line no-control-regex
    const visible = out.split('\n').map((l) => [...l.replace(/\u001B\[[0-9;]*m/g, '')].length)
    expect(Math.max(...visible)).toBe(60)
  })
})
