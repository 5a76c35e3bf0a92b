import {describe, expect, it} from '@jest/globals'
import {KubeApiError, TimeoutError} from '../../../src/lib/errors.js'
import type {KubeClient} from '../../../src/lib/kube/client.js'
import {podTransport, querySrsVersions} from '../../../src/lib/srs/api/index.js'
import {fixtureAnswer} from './fixtures.js'

type PodProxy = KubeClient['podProxy']

describe('podTransport', () => {
  it('asks the pod proxy for the path on the given pod and port', async () => {
    const calls: unknown[][] = []
    const podProxy: PodProxy = async (...args) => {
      calls.push(args)
      return fixtureAnswer('v6.0-a1', 'versions.json')
    }
    const result = await querySrsVersions(podTransport({podProxy}, 'live', 'srs-edge-deploy-abc12', 1985), {timeoutMs: 700})
    expect(result.ok && result.value.version).toBe('6.0.155')
    expect(calls).toEqual([['live', 'srs-edge-deploy-abc12', 1985, '/api/v1/versions', {timeoutMs: 700}]])
  })

  it('turns a proxy timeout into a timeout failure', async () => {
    const podProxy: PodProxy = async () => {
      throw new TimeoutError('get pods/proxy "srs-0" timed out after 700 ms')
    }
    expect(await querySrsVersions(podTransport({podProxy}, 'live', 'srs-0', 1985), {timeoutMs: 700})).toEqual({
      ok: false,
      failure: {reason: 'timeout', path: '/api/v1/versions', message: 'pod srs-0 did not answer on port 1985 within 700 ms'},
    })
  })

  it('turns a vanished pod into an unreachable failure', async () => {
    const podProxy: PodProxy = async () => {
      throw new KubeApiError('pods/proxy "srs-0" not found in namespace "live"', {status: 404, reason: 'NotFound'})
    }
    expect(await querySrsVersions(podTransport({podProxy}, 'live', 'srs-0', 1985), {timeoutMs: 700})).toMatchObject({
      ok: false,
      failure: {reason: 'unreachable', message: 'pod srs-0 no longer exists'},
    })
  })

  it('lets RBAC refusals through', async () => {
    const podProxy: PodProxy = async () => {
      throw new KubeApiError('forbidden', {status: 403, reason: 'Forbidden'})
    }
    await expect(querySrsVersions(podTransport({podProxy}, 'live', 'srs-0', 1985), {timeoutMs: 700})).rejects.toBeInstanceOf(KubeApiError)
  })
})
