import {describe, expect, test} from '@jest/globals'
import {unconfirmableReason} from '../../../src/lib/origin/confirm.js'

describe('why a pod can never confirm a reload', () => {
  test('neither inotify nor raw reload: says what to turn on, and why auto_reload_for_docker does not (srs_detect_docker)', () => {
    expect(unconfirmableReason('none', {canFetch: false})).toBe(
      'inotify_auto_reload is off and http_api.raw_api.allow_reload is off: SRS will not load the new list until it restarts; add inotify_auto_reload on; (auto_reload_for_docker does not turn it on: SRS looks for /docker in /proc/1/cgroup, which pods on containerd or cgroup v2 nodes do not show) or restart the pod',
    )
  })
})

describe('a pod whose reload-fetch did not answer', () => {
  // rpc=reload-fetch came with SRS 5.0.176 and 6.0.71 (SRS PR 3779); SRS 4 answers code 1060.
  test.each([
    ['4.0.271', 4, 'SRS 4.0.271 has no rpc=reload-fetch'],
    ['5.0.170', 5, 'SRS 5.0.170 has no rpc=reload-fetch'],
    ['6.0.70', 6, 'SRS 6.0.70 has no rpc=reload-fetch'],
    ['5.0.213', 5, 'http_api.raw_api is off, so rpc=reload-fetch is refused'],
    ['6.0.155', 6, 'http_api.raw_api is off, so rpc=reload-fetch is refused'],
  ])('SRS %s: blames the version or raw_api, whichever SRS lacks', (version, major, why) => {
    expect(unconfirmableReason('inotify', {major, version, canFetch: false})).toBe(
      `an inotify reload follows the kubelet sync, but ${why}: nothing can confirm it applied; turn on http_api { raw_api { enabled on; } } on SRS 5.0.176+ / 6.0.71+ to confirm reloads`,
    )
  })
})
