import {describe, expect, test} from '@jest/globals'
import type {RolloutResult} from '../../src/lib/rollout/result.js'
import {renderRollout} from '../../src/lib/view/rollout-view.js'

function promoted(pods: NonNullable<RolloutResult['leaving']>[number]['pods'], drained: string[]): RolloutResult {
  const step = 'update srs-edge-deploy to ossrs/srs:v4.0.6 (rolling, 2 pods)'
  return {
    namespace: 'live',
    workload: 'srs-edge-deploy',
    kind: 'Deployment',
    action: 'promote',
    image: 'ossrs/srs:v4.0.6',
    steps: [step],
    verified: [],
    drained,
    message: 'srs-edge-deploy runs ossrs/srs:v4.0.6 on 2 pods; canary removed',
    leaving: [{step, pods}],
  }
}

describe('renderRollout: how the leaving pods left', () => {
  test('a run that cut viewers names the pod and the count, and never says drained', () => {
    const text = renderRollout(
      promoted(
        [
          {pod: 'edge-a', viewers: 0, outcome: 'drained'},
          {pod: 'edge-b', viewers: 3, outcome: 'cut', cut: 3},
        ],
        ['edge-a'],
      ),
    )
    expect(text).toContain('edge-b (3 viewers): CUT, killed at the end of its grace period with 3 viewers on it')
    expect(text).toContain('viewers cut: 3, killed at the end of their grace period: edge-b (3 viewers)')
    expect(text).toContain('edge-a (0 viewers): quit by itself after its viewers left')
    expect(text).not.toMatch(/drained/)
  })

  test('a pod whose SRS never gave its count is cut by an unknown number, said as such', () => {
    const text = renderRollout(promoted([{pod: 'edge-b', viewers: null, outcome: 'cut', cut: null}], []))
    expect(text).toContain('viewers cut: an unknown number, killed at the end of their grace period: edge-b (viewers unknown)')
  })

  test('a handed-off pod says how many clients were closed, and is never called drained', () => {
    const text = renderRollout(
      promoted(
        [
          {pod: 'edge-a', viewers: 0, outcome: 'drained'},
          {pod: 'edge-b', viewers: 3, outcome: 'handed-off', handedOff: 3},
        ],
        ['edge-a'],
      ),
    )
    expect(text).toContain('took away: edge-a (0 viewers): drained, edge-b (3 viewers): handed off, 3 clients closed through the SRS API')
    expect(text).toContain('handed off: 3 clients closed through the SRS API (players reconnect to pods that stay): edge-b (3 clients)')
    expect(text).toContain('drained and gone: edge-a')
    expect(text).not.toContain('drained and gone: edge-a, edge-b')
  })

  test('StatefulSet ordinals that restarted say how each left', () => {
    const text = renderRollout(promoted([{pod: 'srs-origin-2', viewers: 3, ordinal: 2, outcome: 'cut', cut: 3}], []))
    expect(text).toContain('restarted: ordinal 2 srs-origin-2 (3 viewers): CUT, killed at the end of its grace period with 3 viewers on it')
  })

  test('a clean run says drained', () => {
    const text = renderRollout(promoted([{pod: 'edge-a', viewers: 0, outcome: 'drained'}], ['edge-a']))
    expect(text).toContain('took away: edge-a (0 viewers): drained')
    expect(text).toContain('drained and gone: edge-a')
  })
})
