import {describe, expect, test} from '@jest/globals'
import {unconfirmableReason} from '../../../src/lib/origin/confirm.js'

describe('why a pod can never confirm a reload', () => {
  test('neither inotify nor raw reload: says what to turn on, and why auto_reload_for_docker does not (srs_detect_docker)', () => {
    expect(unconfirmableReason('none', {canFetch: false})).toBe(
      'inotify_auto_reload is off and http_api.raw_api.allow_reload is off: SRS will not load the new list until it restarts; add inotify_auto_reload on; (auto_reload_for_docker does not turn it on: SRS looks for /docker in /proc/1/cgroup, which pods on containerd or cgroup v2 nodes do not show) or restart the pod',
    )
  })
})
