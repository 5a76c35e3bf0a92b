import {describe, expect, test} from '@jest/globals'
import {leavingOutcome} from '../../../src/lib/rollout/outcome.js'

describe('leavingOutcome', () => {
  test('clients handed off, then SRS ended non-zero before its deadline: handed off, not cut (real SRS 4.0.271, 3 players that all played on)', () => {
    expect(leavingOutcome('edge-a', 3, 'killed', true, 3)).toEqual({pod: 'edge-a', viewers: 3, outcome: 'handed-off', handedOff: 3})
  })
  test('killed at the end of the grace period: cut with the viewers last read, even after a hand-off that closed some', () => {
    expect(leavingOutcome('edge-a', 3, 'killed', false, 1)).toEqual({pod: 'edge-a', viewers: 3, outcome: 'cut', cut: 3})
    expect(leavingOutcome('edge-a', null, 'killed', false, undefined)).toEqual({pod: 'edge-a', viewers: null, outcome: 'cut', cut: null})
  })
  test('quit by itself: handed off when the hand-off closed clients, else drained', () => {
    expect(leavingOutcome('edge-a', 2, 'quit', true, 2)).toEqual({pod: 'edge-a', viewers: 2, outcome: 'handed-off', handedOff: 2})
    expect(leavingOutcome('edge-a', 0, 'quit', true, 0)).toEqual({pod: 'edge-a', viewers: 0, outcome: 'drained'})
    expect(leavingOutcome('edge-a', 0, 'quit', true, undefined)).toEqual({pod: 'edge-a', viewers: 0, outcome: 'drained'})
  })
  test('ended non-zero before its deadline with no hand-off: cut (nothing shows its viewers left first)', () => {
    expect(leavingOutcome('edge-a', 2, 'killed', true, undefined)).toEqual({pod: 'edge-a', viewers: 2, outcome: 'cut', cut: 2})
  })
})
