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

  describe("policy 'leave-nothing-open' (commands that take pods away)", () => {
    type PortForwardGet = KubeClient['podPortForwardGet']

    it('asks through a port-forward, without credentials, and never through the proxy', async () => {
      const forwards: unknown[][] = []
      const podPortForwardGet: PortForwardGet = async (...args) => {
        forwards.push(args)
        return fixtureAnswer('v6.0-a1', 'versions.json')
      }
      const podProxy: PodProxy = async () => {
        throw new Error('the pod proxy leaves its connection to the pod open')
      }
      const transport = podTransport({podProxy, podPortForwardGet}, 'live', 'srs-edge-deploy-abc12', 1985, undefined, 'leave-nothing-open')
      const result = await querySrsVersions(transport, {timeoutMs: 700})
      expect(result.ok && result.value.version).toBe('6.0.155')
      expect(forwards).toEqual([['live', 'srs-edge-deploy-abc12', 1985, '/api/v1/versions', {timeoutMs: 700, headers: {}}]])
      expect(transport.route).toBe('port-forward')
    })

    it('falls back to the pod proxy when RBAC refuses port-forwards and no credentials need one', async () => {
      const podPortForwardGet: PortForwardGet = async () => {
        throw new KubeApiError('forbidden: cannot get/create pods/portforward', {status: 403, reason: 'Forbidden'})
      }
      const proxied: unknown[][] = []
      const podProxy: PodProxy = async (...args) => {
        proxied.push(args)
        return fixtureAnswer('v6.0-a1', 'versions.json')
      }
      const transport = podTransport({podProxy, podPortForwardGet}, 'live', 'srs-0', 1985, undefined, 'leave-nothing-open')
      expect((await querySrsVersions(transport, {timeoutMs: 700})).ok).toBe(true)
      expect(transport.route).toBe('proxy')
      expect(proxied).toHaveLength(1)
    })

    it('keeps the default policy on the pod proxy', async () => {
      const podPortForwardGet: PortForwardGet = async () => {
        throw new Error('read-only commands stay on the proxy')
      }
      const podProxy: PodProxy = async () => fixtureAnswer('v6.0-a1', 'versions.json')
      const transport = podTransport({podProxy, podPortForwardGet}, 'live', 'srs-0', 1985)
      expect((await querySrsVersions(transport, {timeoutMs: 700})).ok).toBe(true)
      expect(transport.route).toBe('proxy')
    })
  })
})
