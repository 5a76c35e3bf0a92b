import {describe, expect, test} from '@jest/globals'
import type {Pod} from '../../src/lib/kube/types.js'
import {podEnding, rememberLeaving} from '../../src/lib/pod-ending.js'

const DELETION = '2026-01-01T00:02:00Z'
const deadline = Date.parse(DELETION)

function pod(terminated?: {exitCode: number; reason: string}, deletionTimestamp: string | undefined = DELETION): Pod {
  return {
    metadata: {name: 'srs-edge-0', ...(deletionTimestamp ? {deletionTimestamp} : {})},
    spec: {containers: [{name: 'srs', image: 'ossrs/srs:4'}]},
    status: {containerStatuses: [{name: 'srs', image: 'ossrs/srs:4', ready: false, restartCount: 0, state: terminated ? {terminated} : {running: {}}}]},
  }
}

describe('podEnding', () => {
  test('the container terminated state decides: exit 0 quit, 137 killed, whenever the pod was found gone', () => {
    expect(podEnding(pod({exitCode: 0, reason: 'Completed'}), 'srs', deadline + 5000)).toBe('quit')
    expect(podEnding(pod({exitCode: 137, reason: 'Error'}), 'srs', deadline - 60_000)).toBe('killed')
  })

  test('without a terminated state: gone before the deletionTimestamp quit, at or after it killed', () => {
    expect(podEnding(pod(), 'srs', deadline - 30_000)).toBe('quit')
    expect(podEnding(pod(), 'srs', deadline - 500)).toBe('killed')
    expect(podEnding(pod(), 'srs', deadline + 100)).toBe('killed')
  })

  test('nothing seen that shows a quit is a kill', () => {
    expect(podEnding(undefined, 'srs', deadline)).toBe('killed')
    expect(podEnding(pod(undefined, undefined), 'srs', deadline)).toBe('killed')
    // another container's terminated state says nothing about SRS
    expect(podEnding(pod({exitCode: 0, reason: 'Completed'}), 'sidecar', deadline + 5000)).toBe('killed')
  })
})

describe('rememberLeaving', () => {
  test("the kubelet's final delete moves deletionTimestamp to the moment the container ended: the first deadline still decides (a pod gone 9 s into 120 s quit)", () => {
    const seen = new Map<string, Pod>()
    rememberLeaving(seen, pod(undefined, DELETION))
    const finalDelete = new Date(deadline - 111_000).toISOString()
    rememberLeaving(seen, pod(undefined, finalDelete))
    expect(seen.get('srs-edge-0')!.metadata.deletionTimestamp).toBe(DELETION)
    expect(podEnding(seen.get('srs-edge-0'), 'srs', deadline - 110_500)).toBe('quit')
    // what the last look alone said
    expect(podEnding(pod(undefined, finalDelete), 'srs', deadline - 110_500)).toBe('killed')
  })

  test('the last look is kept otherwise: its terminated state decides', () => {
    const seen = new Map<string, Pod>()
    rememberLeaving(seen, pod(undefined, DELETION))
    rememberLeaving(seen, pod({exitCode: 137, reason: 'Error'}, DELETION))
    expect(podEnding(seen.get('srs-edge-0'), 'srs', deadline - 60_000)).toBe('killed')
  })
})
