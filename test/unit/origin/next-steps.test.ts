import {describe, expect, test} from '@jest/globals'
import type {PodReloadReport} from '../../../src/lib/reload/confirm.js'
import {nextSteps} from '../../../src/lib/origin/run.js'

const pod = (name: string, workload: string, state: PodReloadReport['state'], extra: Partial<PodReloadReport> = {}): PodReloadReport => ({
  pod: name,
  workload,
  configMap: `${workload}-config`,
  method: 'none',
  state,
  reason: 'r',
  ...extra,
})

describe('what an origin command says to run next', () => {
  test('pending pods: one reload per workload', () => {
    const pods = [pod('edge-a', 'srs-edge-deploy', 'pending'), pod('edge-b', 'srs-edge-deploy', 'pending'), pod('srs-origin-0', 'srs-origin', 'pending'), pod('srs-origin-1', 'srs-origin', 'applied')]
    expect(nextSteps({op: 'add', namespace: 'live', pods}, 'kubectl srs add-origin -n live')).toEqual(['kubectl srs reload srs-edge-deploy -n live', 'kubectl srs reload srs-origin -n live'])
  })

  test('a stopped remove-origin: reload, then the same command again', () => {
    const pods = [pod('edge-a', 'srs-edge-deploy', 'pending'), pod('srs-origin-2', 'srs-origin', 'pending', {leaving: true})]
    expect(nextSteps({op: 'remove', namespace: 'live', pods, stoppedAt: {step: 3, reason: 'x'}}, 'kubectl srs remove-origin -n live')).toEqual([
      'kubectl srs reload srs-edge-deploy -n live',
      'then kubectl srs remove-origin -n live again to finish (or run it with --restart, which does both)',
    ])
  })

  test('an origin being removed needs no reload; all applied: nothing to run', () => {
    const pods = [pod('edge-a', 'srs-edge-deploy', 'applied'), pod('srs-origin-2', 'srs-origin', 'pending', {leaving: true})]
    expect(nextSteps({op: 'remove', namespace: 'live', pods}, 'kubectl srs remove-origin -n live')).toEqual([])
  })

  test('a refused file: fix the ConfigMap, then sync', () => {
    expect(nextSteps({op: 'sync', namespace: 'live', pods: [pod('edge-a', 'srs-edge-deploy', 'failed')]}, 'kubectl srs sync-origins -n live')).toEqual([
      'fix configmap/srs-edge-deploy-config (SRS refused it and keeps the old config), then kubectl srs sync-origins -n live',
    ])
  })
})
