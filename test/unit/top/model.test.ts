import {describe, expect, test} from '@jest/globals'
import {buildTopFrame, type TopHistory, type TopObservation} from '../../../src/lib/top/model.js'
import type {ProgressiveCanaryState} from '../../../src/lib/rollout/progressive-state.js'
import type {StatusReport} from '../../../src/lib/status/report.js'
import {canaryReport} from './fixtures.js'

function observe(report: StatusReport, extra: Partial<TopObservation> = {}): TopObservation {
  return {report, progressive: new Map(), lastViewers: new Map(), ...extra}
}

describe('buildTopFrame', () => {
  test('per track: viewers, measured weight (share of viewers) and requested weight (canary: the annotation, stable: the rest)', () => {
    const {frame} = buildTopFrame(
      observe(
        canaryReport(
          [
            {name: 's1', viewers: 30},
            {name: 's2', viewers: 15},
          ],
          [{name: 'c1', viewers: 15}],
          {requestedWeight: 25},
        ),
      ),
      new Map(),
    )
    expect(frame.services).toHaveLength(1)
    expect(frame.services[0]!.tracks.map((t) => [t.role, t.viewers, t.measuredWeight, t.requestedWeight])).toEqual([
      ['stable', 45, 75, 75],
      ['canary', 15, 25, 25],
    ])
    expect(frame.summary).toMatchObject({pods: 3, podsAnswered: 3, viewers: 60})
  })

  test('no viewers measured: no measured weight; no canary annotation: no requested weight', () => {
    const {frame} = buildTopFrame(observe(canaryReport([{name: 's1', viewers: 0}], [{name: 'c1', viewers: 0}], {requestedWeight: null})), new Map())
    expect(frame.services[0]!.tracks.map((t) => [t.measuredWeight, t.requestedWeight])).toEqual([
      [null, null],
      [null, null],
    ])
  })

  test('history: one sample per refresh, oldest first, kept to the limit; pods that left are dropped', () => {
    let history: TopHistory = new Map()
    for (const v of [1, 2, 3, 4, 5]) {
      const built = buildTopFrame(
        observe(
          canaryReport(
            [
              {name: 's1', viewers: v, kbpsOut: v * 100},
              {name: `gone-${v}`, viewers: 1},
            ],
            [{name: 'c1', viewers: 10 - v}],
          ),
        ),
        history,
        {samples: 3},
      )
      history = built.history
      if (v === 5) {
        const s1 = built.frame.pods.find((p) => p.name === 's1')!
        expect(s1.history).toEqual({viewers: [3, 4, 5], kbpsOut: [300, 400, 500]})
        expect(built.frame.pods.find((p) => p.name === 'c1')!.history.viewers).toEqual([7, 6, 5])
      }
    }
    expect([...history.keys()].sort()).toEqual(['live/c1', 'live/gone-5', 'live/s1'])
  })

  test('a pod that did not answer adds no sample and keeps its history; its error is named', () => {
    const first = buildTopFrame(observe(canaryReport([{name: 's1', viewers: 4}], [])), new Map())
    const second = buildTopFrame(observe(canaryReport([{name: 's1', viewers: null}], [])), first.history)
    const s1 = second.frame.pods[0]!
    expect(s1).toMatchObject({viewers: null, error: 'timeout', history: {viewers: [4]}})
    expect(second.frame.summary).toMatchObject({pods: 1, podsAnswered: 0, viewers: 0})
  })

  test('a draining pod is listed apart with its viewers as last read by top, else as the canary wrote them, never asked', () => {
    const first = buildTopFrame(
      observe(
        canaryReport(
          [
            {name: 's1', viewers: 9},
            {name: 's2', viewers: 2},
          ],
          [{name: 'c1', viewers: 1}],
        ),
      ),
      new Map(),
    )
    const report = canaryReport(
      [
        {name: 's1', terminating: true},
        {name: 's2', viewers: 2},
      ],
      [
        {name: 'c1', viewers: 1},
        {name: 'c0', terminating: true},
      ],
    )
    const {frame} = buildTopFrame(observe(report, {lastViewers: new Map([['live/c0', 3]])}), first.history)
    expect(frame.draining).toEqual([
      {namespace: 'live', workload: 'srs-edge-deploy', name: 's1', viewers: 9},
      {namespace: 'live', workload: 'srs-edge-deploy-canary', name: 'c0', viewers: 3},
    ])
    expect(frame.pods.map((p) => p.name)).toEqual(['s2', 'c1'])
    // the draining pod's viewers are not counted on its track any more
    expect(frame.services[0]!.tracks.map((t) => t.viewers)).toEqual([2, 1])
  })

  test('a progressive canary on the canary workload: step i/n, its weight, phase and analysis', () => {
    const state: ProgressiveCanaryState = {
      steps: [10, 25, 50],
      stepIndex: 1,
      stepStartedAt: '2026-12-03T16:59:00.000Z',
      intervalSeconds: 300,
      promote: true,
      phase: 'analysing',
      analysis: [{name: 'viewer-retention', verdict: 'pass', canary: '96 %', stable: '97 %'}],
    }
    const {frame} = buildTopFrame(observe(canaryReport([{name: 's1', viewers: 1}], [{name: 'c1', viewers: 1}]), {progressive: new Map([['live/srs-edge-deploy-canary', state]])}), new Map())
    expect(frame.services[0]!.canary).toEqual({
      step: 2,
      steps: 3,
      weight: 25,
      phase: 'analysing',
      stepStartedAt: '2026-12-03T16:59:00.000Z',
      intervalSeconds: 300,
      promote: true,
      analysis: state.analysis,
    })
  })

  test('1000 pods over many refreshes: memory stays bounded (one history per pod, each at most the limit)', () => {
    const stable = Array.from({length: 900}, (_, i) => ({name: `s${i}`, viewers: i % 7}))
    const canary = Array.from({length: 100}, (_, i) => ({name: `c${i}`, viewers: i % 5}))
    let history: TopHistory = new Map()
    const report = canaryReport(stable, canary)
    for (let i = 0; i < 100; i++) history = buildTopFrame(observe(report), history, {samples: 90}).history
    expect(history.size).toBe(1000)
    expect(new Set([...history.values()].map((h) => `${h.viewers.length}/${h.kbpsOut.length}`))).toEqual(new Set(['90/90']))
  })
})
