import {describe, expect, test} from '@jest/globals'
import {analyse, DEFAULT_THRESHOLDS, settledKbps, retention, type AnalysisSample, type PodSample, type SrsReading} from '../../../src/lib/rollout/analysis.js'
import {nextProgressiveStep, parseSteps} from '../../../src/lib/rollout/progressive-plan.js'
import type {ProgressiveCanaryState} from '../../../src/lib/rollout/progressive-state.js'

describe('parseSteps', () => {
  test.each([
    ['10,25,50', [10, 25, 50]],
    ['25', [25]],
    [' 1, 99 ', [1, 99]],
  ])('%s → %j', (raw, steps) => expect(parseSteps(raw)).toEqual({steps}))
  test.each([
    ['', /no weight/],
    ['10,,50', /no weight/],
    ['50,25', /must increase: 25 comes after 50/],
    ['25,25', /must increase/],
    ['0,50', /outside 1-99/],
    ['10,100', /outside 1-99/],
    ['ten', /not a percentage/],
    ['-5', /not a percentage/],
  ])('%j is refused', (raw, why) => {
    const r = parseSteps(raw)
    expect('error' in r && r.error).toMatch(why)
  })
})

describe('nextProgressiveStep', () => {
  const req = {steps: [10, 25, 50], intervalSeconds: 60, promote: true}
  const state = (over: Partial<ProgressiveCanaryState>): ProgressiveCanaryState => ({steps: [10, 25, 50], stepIndex: 1, stepStartedAt: '2026-01-01T00:00:00Z', intervalSeconds: 60, promote: true, phase: 'paused', analysis: [], ...over})
  test('no canary: the first step', () => expect(nextProgressiveStep(req, undefined, undefined)).toEqual({kind: 'step', index: 0, resumed: false}))
  test('a paused state with the same steps resumes at its step', () => expect(nextProgressiveStep(req, state({}), 25)).toEqual({kind: 'step', index: 1, resumed: true}))
  test('a state of a run stopped while moving resumes there too', () => expect(nextProgressiveStep(req, state({phase: 'moving', stepIndex: 2}), 25)).toEqual({kind: 'step', index: 2, resumed: true}))
  test('other steps: from the first step at or above the current weight', () => expect(nextProgressiveStep({...req, steps: [20, 40, 60]}, state({}), 25)).toEqual({kind: 'step', index: 1, resumed: false}))
  test('a canary without state (made by --percent) starts at its weight', () => expect(nextProgressiveStep(req, undefined, 25)).toEqual({kind: 'step', index: 1, resumed: false}))
  test('a state left after rollback (no canary any more) is ignored', () => expect(nextProgressiveStep(req, state({stepIndex: 2}), undefined)).toEqual({kind: 'step', index: 0, resumed: false}))
  test('an aborted state starts over', () => expect(nextProgressiveStep(req, state({phase: 'aborted'}), 25)).toEqual({kind: 'step', index: 1, resumed: false}))
  test('done: promote with --promote, else nothing', () => {
    expect(nextProgressiveStep(req, state({phase: 'done', stepIndex: 2}), 50)).toEqual({kind: 'promote', resumed: true})
    expect(nextProgressiveStep({...req, promote: false}, state({phase: 'done', stepIndex: 2}), 50)).toEqual({kind: 'done'})
  })
  test('a canary beyond the last step: promote or nothing', () => {
    expect(nextProgressiveStep(req, undefined, 75)).toEqual({kind: 'promote', resumed: false})
    expect(nextProgressiveStep({...req, promote: false}, undefined, 75)).toEqual({kind: 'done'})
  })
})

const reading = (over: Partial<SrsReading> = {}): SrsReading => ({
  service: 'svc1',
  uptimeSeconds: 100,
  version: '4.0.6',
  versionVerdict: 'match',
  clientIds: [],
  sendKbps: 0,
  settledViewers: 0,
  settledSendKbps: 0,
  cpuPercent: 1,
  memKbyte: 25000,
  ...over,
})
const pod = (name: string, track: 'stable' | 'canary', srs: SrsReading | undefined, over: Partial<PodSample> = {}): PodSample => ({
  pod: name,
  uid: `uid-${name}`,
  track,
  ready: true,
  restartCount: 0,
  ...(srs ? {srs} : {apiError: 'connection refused'}),
  ...over,
})
const ids = (prefix: string, n: number) => Array.from({length: n}, (_, i) => `${prefix}${i}`)
const viewers = (prefix: string, n: number, kbps = 800) => reading({clientIds: ids(prefix, n), sendKbps: n * kbps, settledViewers: n, settledSendKbps: n * kbps})
const sample = (atMs: number, pods: PodSample[]): AnalysisSample => ({atMs, pods})
const check = (samples: AnalysisSample[], name: string, expected = 1, th = DEFAULT_THRESHOLDS) => analyse(samples, expected, th).checks.find((c) => c.name === name)!

describe('analysis verdicts on figures', () => {
  const steady = [0, 10_000, 20_000].map((t) => sample(t, [pod('s1', 'stable', viewers('s', 10)), pod('c1', 'canary', viewers('c', 10))]))
  test('a healthy canary passes every check', () => {
    const r = analyse(steady, 1, DEFAULT_THRESHOLDS)
    expect(r.failed).toEqual([])
    expect(r.checks.map((c) => c.name)).toEqual(['ready', 'restarts', 'version', 'api', 'viewer-retention', 'kbps-per-viewer', 'cpu-per-viewer', 'memory-per-viewer'])
  })

  test('retention: canary kept 6 of 10, stable 10 of 10 → 40 points lower, fails with both figures', () => {
    const samples = [
      sample(0, [pod('s1', 'stable', viewers('s', 10)), pod('c1', 'canary', viewers('c', 10))]),
      sample(20_000, [pod('s1', 'stable', viewers('s', 10)), pod('c1', 'canary', reading({clientIds: ids('c', 6), sendKbps: 6 * 800}))]),
    ]
    expect(retention(samples, 'canary')).toEqual({start: 10, kept: 6})
    expect(check(samples, 'viewer-retention')).toMatchObject({verdict: 'fail', canary: '60 % (6 of 10 viewers stayed)', stable: '100 % (10 of 10 viewers stayed)'})
    expect(check(samples, 'viewer-retention').detail).toMatch(/40 points fewer .*--max-retention-drop 20/)
    // Within the threshold when the stable lost viewers too.
    const both = [samples[0]!, sample(20_000, [pod('s1', 'stable', reading({clientIds: ids('s', 7)})), pod('c1', 'canary', reading({clientIds: ids('c', 6)}))])]
    expect(check(both, 'viewer-retention').verdict).toBe('pass')
  })

  test('retention counts client ids: viewers replaced by new ones did not stay', () => {
    const samples = [sample(0, [pod('s1', 'stable', viewers('s', 4)), pod('c1', 'canary', viewers('c', 4))]), sample(20_000, [pod('s1', 'stable', viewers('s', 4)), pod('c1', 'canary', viewers('new', 4))])]
    expect(check(samples, 'viewer-retention')).toMatchObject({verdict: 'fail', canary: '0 % (0 of 4 viewers stayed)'})
  })

  test('retention with no viewers on a track is not applicable, and passes saying so', () => {
    const samples = [sample(0, [pod('s1', 'stable', viewers('s', 4)), pod('c1', 'canary', reading())]), sample(20_000, [pod('s1', 'stable', viewers('s', 4)), pod('c1', 'canary', reading())])]
    expect(check(samples, 'viewer-retention')).toMatchObject({verdict: 'pass', applicable: false, canary: 'no viewers', detail: expect.stringMatching(/not applicable: no viewers on the canary track/)})
  })

  test('a restart is seen by restartCount, SRS service id or uptime, even when the pod answers again', () => {
    const s0 = sample(0, [pod('s1', 'stable', viewers('s', 2)), pod('c1', 'canary', viewers('c', 2))])
    const byCount = sample(5000, [pod('s1', 'stable', viewers('s', 2)), pod('c1', 'canary', viewers('c', 2), {restartCount: 1})])
    const byService = sample(5000, [pod('s1', 'stable', viewers('s', 2)), pod('c1', 'canary', reading({service: 'svc2', uptimeSeconds: 105}))])
    const byUptime = sample(5000, [pod('s1', 'stable', viewers('s', 2)), pod('c1', 'canary', reading({service: undefined, uptimeSeconds: 2}))])
    for (const later of [byCount, byService, byUptime]) expect(check([s0, later], 'restarts')).toMatchObject({verdict: 'fail', canary: '1 restarted (c1)', stable: '0 restarts'})
    // A missed answer in between does not hide it.
    const down = sample(2500, [pod('s1', 'stable', viewers('s', 2)), pod('c1', 'canary', undefined, {ready: false})])
    expect(check([s0, down, byUptime], 'restarts').verdict).toBe('fail')
    expect(check([s0, sample(5000, [pod('s1', 'stable', viewers('s', 2)), pod('c1', 'canary', reading({uptimeSeconds: 105}))])], 'restarts').verdict).toBe('pass')
  })

  test('ready: a canary pod not Ready, or fewer canary pods than the step runs, fails', () => {
    expect(check([sample(0, [pod('c1', 'canary', reading(), {ready: false})])], 'ready')).toMatchObject({verdict: 'fail', canary: '0/1 Ready'})
    expect(check([sample(0, [pod('c1', 'canary', reading())])], 'ready', 2).verdict).toBe('fail')
  })

  test('version mismatch fails; api fails after two missed samples in a row, not one', () => {
    expect(check([sample(0, [pod('c1', 'canary', reading({version: '4.0.5', versionVerdict: 'mismatch'}))])], 'version')).toMatchObject({verdict: 'fail', canary: '4.0.5'})
    const ok = sample(0, [pod('c1', 'canary', reading())])
    const miss = sample(1, [pod('c1', 'canary', undefined)])
    expect(check([ok, miss, ok], 'api').verdict).toBe('pass')
    expect(check([ok, miss, miss], 'api')).toMatchObject({verdict: 'fail', canary: '1/3 answers'})
  })

  test('kbps per viewer: a canary sending much less per viewer fails', () => {
    const samples = [sample(0, [pod('s1', 'stable', viewers('s', 10, 800)), pod('c1', 'canary', viewers('c', 10, 300))])]
    expect(check(samples, 'kbps-per-viewer')).toMatchObject({verdict: 'fail', canary: '300 kbps/viewer', stable: '800 kbps/viewer'})
    expect(check(samples, 'kbps-per-viewer', 1, {...DEFAULT_THRESHOLDS, maxKbpsDrop: 70}).verdict).toBe('pass')
  })

  test("kbps per viewer counts viewers connected for SRS's 30 s window only: new ones read 0 kbps on real SRS", () => {
    // Players that just moved to the canary: connected for less than 30 s, SRS says 0 kbps for them.
    const fresh = (prefix: string, n: number) => reading({clientIds: ids(prefix, n), sendKbps: 0, settledViewers: 0, settledSendKbps: 0})
    const allNew = [0, 15_000, 30_000].map((t) => sample(t, [pod('s1', 'stable', viewers('s', 3, 360)), pod('c1', 'canary', fresh('c', 2))]))
    expect(check(allNew, 'kbps-per-viewer')).toMatchObject({verdict: 'pass', applicable: false, canary: 'no viewer connected 40 s', stable: '360 kbps/viewer'})
    // Two settled viewers at 360 kbps and two new ones at 0: 360 per settled viewer, as the stable.
    const mixed = [sample(0, [pod('s1', 'stable', viewers('s', 3, 360)), pod('c1', 'canary', reading({clientIds: ids('c', 4), sendKbps: 720, settledViewers: 2, settledSendKbps: 720}))])]
    expect(check(mixed, 'kbps-per-viewer')).toMatchObject({verdict: 'pass', canary: '360 kbps/viewer', stable: '360 kbps/viewer'})
    // A settled canary viewer that gets little is still caught.
    const stalling = [sample(0, [pod('s1', 'stable', viewers('s', 3, 360)), pod('c1', 'canary', viewers('c', 2, 40))])]
    expect(check(stalling, 'kbps-per-viewer')).toMatchObject({verdict: 'fail', canary: '40 kbps/viewer'})
  })

  test("settled viewers: SRS's first kbps figure comes after the window, by its timer (measured: 0 at 30.8 s, 386 at 31.6 s on SRS 4.0.271)", () => {
    // A viewer 31 s old on SRS 6.0.157 still read 0 kbps in the real-SRS suite and failed a healthy canary.
    expect(
      settledKbps([
        {aliveSeconds: 30.8, sendKbps: 0},
        {aliveSeconds: 36, sendKbps: 0},
        {aliveSeconds: 45, sendKbps: 386},
      ]),
    ).toEqual({viewers: 1, sendKbps: 386})
    expect(
      settledKbps([
        {aliveSeconds: 40, sendKbps: 387},
        {aliveSeconds: 12, sendKbps: 0},
      ]),
    ).toEqual({viewers: 1, sendKbps: 387})
  })

  test('CPU and memory per viewer against the stable', () => {
    const samples = [
      sample(0, [pod('s1', 'stable', reading({clientIds: ids('s', 10), sendKbps: 8000, cpuPercent: 10, memKbyte: 100_000})), pod('c1', 'canary', reading({clientIds: ids('c', 10), sendKbps: 8000, cpuPercent: 25, memKbyte: 150_000}))]),
    ]
    expect(check(samples, 'cpu-per-viewer')).toMatchObject({verdict: 'fail', canary: '25 %CPU/pod at 10 viewers/pod', stable: '10 %CPU/pod at 10 viewers/pod'})
    expect(check(samples, 'memory-per-viewer')).toMatchObject({verdict: 'pass', canary: '150000 KB/pod at 10 viewers/pod', stable: '100000 KB/pod at 10 viewers/pod'})
    expect(check(samples, 'memory-per-viewer', 1, {...DEFAULT_THRESHOLDS, maxMemoryIncrease: 40}).verdict).toBe('fail')
  })

  test("CPU and memory: a canary pod is held to a stable pod's cost at its own load, not per viewer (real SRS 4 → 6, 50 % step)", () => {
    // Figures of the real-SRS suite: 2 SRS 6 canary pods with 1 viewer between them, 2 SRS 4
    // stable pods with 5; each SRS ~40 MB and hundredths of a percent of CPU whatever its viewers.
    // Per viewer the canary read 5 times the stable's memory and 12 times its CPU, and aborted.
    const at = (t: number) =>
      sample(t, [
        pod('s1', 'stable', reading({clientIds: ids('s', 3), cpuPercent: 0.002, memKbyte: 41_000})),
        pod('s2', 'stable', reading({clientIds: ids('t', 2), cpuPercent: 0.002, memKbyte: 39_600})),
        pod('c1', 'canary', reading({clientIds: ids('c', 1), cpuPercent: 0.01, memKbyte: 44_000})),
        pod('c2', 'canary', reading({clientIds: [], cpuPercent: 0, memKbyte: 43_000})),
      ])
    const healthy = [0, 10_000, 20_000, 30_000].map(at)
    expect(check(healthy, 'memory-per-viewer')).toMatchObject({verdict: 'pass', canary: '43500 KB/pod at 0.5 viewers/pod', stable: '40300 KB/pod at 2.5 viewers/pod'})
    expect(check(healthy, 'cpu-per-viewer').verdict).toBe('pass')
    // A canary that leaks (3 times a stable pod's memory at a fifth of its viewers) is caught.
    const leaking = healthy.map((s) => ({...s, pods: s.pods.map((p) => (p.track === 'canary' ? {...p, srs: {...p.srs!, memKbyte: 130_000}} : p))}))
    expect(check(leaking, 'memory-per-viewer')).toMatchObject({verdict: 'fail', detail: expect.stringMatching(/222\.6 % more memory than stable pods/)})
    // A canary pod with more viewers per pod than the stable may cost proportionally more.
    const busier = [sample(0, [pod('s1', 'stable', reading({clientIds: ids('s', 2), cpuPercent: 4, memKbyte: 40_000})), pod('c1', 'canary', reading({clientIds: ids('c', 8), cpuPercent: 15, memKbyte: 150_000}))])]
    expect(check(busier, 'cpu-per-viewer')).toMatchObject({verdict: 'pass', detail: expect.stringMatching(/scaled to the canary's 4× viewers per pod/)})
    expect(check(busier, 'memory-per-viewer').verdict).toBe('pass')
  })
})
