import {describe, expect, test} from '@jest/globals'
import {ExitCode} from '../../../src/lib/errors.js'
import type {ReloadPodReport, ReloadResult} from '../../../src/lib/reload/result.js'
import {reloadExitCode} from '../../../src/lib/reload/run.js'

const result = (...pods: ReloadPodReport[]): ReloadResult => ({
  kind: 'SrsReload',
  namespace: 'live',
  outcome: pods.some((p) => p.outcome === 'pending') ? 'pending' : 'done',
  dryRun: false,
  workloads: [],
  plan: [],
  publishers: [],
  pods,
  readyPods: [],
  warnings: [],
})
const pod = (name: string, extra: Partial<ReloadPodReport>): ReloadPodReport => ({pod: name, workload: 'srs-edge-deploy', outcome: 'restarted', reason: '', ...extra})

describe('reloadExitCode', () => {
  test('0 when every pod drained or reloaded', () => {
    expect(reloadExitCode(result(pod('a', {viewers: 0, drained: true}), pod('b', {outcome: 'reloaded'})))).toBe(ExitCode.Ok)
  })
  test('0 for an idle pod killed at the end of its grace period: nobody was cut', () => {
    expect(reloadExitCode(result(pod('a', {viewers: 0, drained: false})))).toBe(ExitCode.Ok)
  })
  test('3 when a pod was killed with viewers on it (or an unknown count), as a rollout that cut viewers', () => {
    expect(reloadExitCode(result(pod('a', {viewers: 0, drained: true}), pod('b', {viewers: 3, drained: false})))).toBe(ExitCode.Degraded)
    expect(reloadExitCode(result(pod('b', {drained: false})))).toBe(ExitCode.Degraded)
  })
  test('3 when a pod is pending', () => {
    expect(reloadExitCode(result(pod('a', {outcome: 'pending'})))).toBe(ExitCode.Degraded)
  })
})
