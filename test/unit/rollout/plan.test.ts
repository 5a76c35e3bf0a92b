import {describe, expect, test} from '@jest/globals'
import fc from 'fast-check'
import {parsePercent, planDeploymentMove, splitReplicas} from '../../../src/lib/rollout/plan.js'

describe('splitReplicas: P % of T, nearest pod, one pod on each side for 0 < P < 100', () => {
  test.each([
    // total, percent, canary, stable, effective
    [3, 25, 1, 2, 33.3],
    [3, 75, 2, 1, 66.7],
    [4, 25, 1, 3, 25],
    [10, 12, 1, 9, 10], // Argo's ceil would give 2 (20 %)
    [10, 15, 2, 8, 20], // halves round up
    [3, 10, 1, 2, 33.3], // at least one canary pod
    [3, 95, 2, 1, 66.7], // at least one stable pod
    [1, 50, 1, 1, 50], // T=1: 1 + 1, capacity is never lowered
    [3, 0, 0, 3, 0],
    [3, 100, 3, 0, 100],
  ])('T=%i P=%i → canary %i, stable %i (%f %%)', (total, percent, canary, stable, effective) => {
    expect(splitReplicas(total, percent)).toEqual({total, canary, stable, requestedWeight: percent, effectiveWeight: effective})
  })

  test('never fewer pods than T, and both sides present for 0 < P < 100 (property)', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 500}), fc.double({min: 0, max: 100, noNaN: true}), (total, percent) => {
        const s = splitReplicas(total, percent)
        expect(s.canary + s.stable).toBeGreaterThanOrEqual(total)
        if (percent > 0 && percent < 100) {
          expect(s.canary).toBeGreaterThanOrEqual(1)
          expect(s.stable).toBeGreaterThanOrEqual(1)
        }
        // the effective weight is within half a pod of the request, unless the one-pod rule forced it
        if (s.canary > 1 && s.stable > 1) expect(Math.abs(s.canary - (percent * total) / 100)).toBeLessThanOrEqual(0.5)
      }),
    )
  })

  test('rejects nonsense', () => {
    expect(() => splitReplicas(-1, 10)).toThrow(RangeError)
    expect(() => splitReplicas(3, 101)).toThrow(RangeError)
    expect(() => splitReplicas(3, Number.NaN)).toThrow(RangeError)
  })
})

describe('parsePercent', () => {
  test.each([
    ['25', 25],
    ['0', 0],
    ['100', 100],
    ['12.5', 12.5],
    ['25%', 25],
  ])('%s → %d', (input, n) => expect(parsePercent(input)).toBe(n))
  test.each(['', '-5', '101', 'abc', '1e2', '25 %x', '٣', '0x10', ' '])('%p is refused', (input) => expect(parsePercent(input)).toBeUndefined())
})

describe('planDeploymentMove: the growing side first, so capacity never drops', () => {
  const names = {stable: 'srs-edge-deploy', canary: 'srs-edge-deploy-canary'}
  test('a new canary: create, scale the canary up, then the stable down (drains)', () => {
    const steps = planDeploymentMove({stable: 3, canary: 0, canaryExists: false, canaryImageMatches: true}, splitReplicas(3, 25), names)
    expect(steps.map((s) => [s.kind, s.to, s.drains])).toEqual([
      ['create-canary', 0, undefined],
      ['scale-canary', 1, undefined],
      ['scale-stable', 2, 'stable'],
    ])
  })

  test('moving back: the stable grows first, then the canary drains', () => {
    const steps = planDeploymentMove({stable: 1, canary: 2, canaryExists: true, canaryImageMatches: true}, splitReplicas(3, 25), names)
    expect(steps.map((s) => [s.kind, s.to, s.drains])).toEqual([
      ['scale-stable', 2, undefined],
      ['scale-canary', 1, 'canary'],
    ])
  })

  test('percent 0 removes the canary pods after the stable is back to T', () => {
    const steps = planDeploymentMove({stable: 2, canary: 1, canaryExists: true, canaryImageMatches: true}, splitReplicas(3, 0), names)
    expect(steps.map((s) => [s.kind, s.to])).toEqual([
      ['scale-stable', 3],
      ['scale-canary', 0],
    ])
  })

  test('a re-run after an interruption only finishes what is left', () => {
    // killed after the canary scale-up: stable still 3, canary already 1
    const steps = planDeploymentMove({stable: 3, canary: 1, canaryExists: true, canaryImageMatches: true}, splitReplicas(3, 34), names)
    expect(steps.map((s) => [s.kind, s.to])).toEqual([['scale-stable', 2]])
    expect(planDeploymentMove({stable: 2, canary: 1, canaryExists: true, canaryImageMatches: true}, splitReplicas(3, 34), names)).toEqual([])
  })

  test('another image on an existing canary is set before scaling', () => {
    const steps = planDeploymentMove({stable: 2, canary: 1, canaryExists: true, canaryImageMatches: false}, splitReplicas(3, 67), names)
    expect(steps.map((s) => s.kind)).toEqual(['update-canary-image', 'scale-canary', 'scale-stable'])
  })

  test('capacity invariant over every plan (property): after each step, both sides together hold at least T', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 50}), fc.integer({min: 0, max: 100}), fc.integer({min: 0, max: 100}), (total, from, to) => {
        const start = splitReplicas(total, from)
        const target = splitReplicas(total, to)
        let state = {stable: start.stable, canary: start.canary}
        for (const s of planDeploymentMove({...state, canaryExists: true, canaryImageMatches: true}, target, names)) {
          if (s.kind === 'scale-canary') state = {...state, canary: s.to!}
          if (s.kind === 'scale-stable') state = {...state, stable: s.to!}
          expect(state.stable + state.canary).toBeGreaterThanOrEqual(total)
        }
        expect(state).toEqual({stable: target.stable, canary: target.canary})
      }),
    )
  })
})
