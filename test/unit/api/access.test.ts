import {describe, expect, it} from '@jest/globals'
import {ExitCode, SrsError, TimeoutError} from '../../../src/lib/errors.js'
import type {KubeClient} from '../../../src/lib/kube/client.js'
import type {Pod} from '../../../src/lib/kube/types.js'
import {checkSrsApiAccess, PodTransports, probePods, srsAuthError, type SrsApiCredentials} from '../../../src/lib/srs/api/index.js'
import {fixtureAnswer} from './fixtures.js'

const creds: SrsApiCredentials = {username: 'ops', password: 'pw-secret', source: 'secret', from: 'Secret srs-api'}
const unauthorized = {status: 401, contentType: 'text/plain; charset=utf-8', body: ''}

function pod(name: string, image: string, opts: {ready?: boolean; ip?: string; terminating?: boolean} = {}): Pod {
  return {
    metadata: {name, namespace: 'live', ...(opts.terminating ? {deletionTimestamp: '2026-01-01T00:00:00Z'} : {})},
    spec: {
      containers: [
        {name: 'sidecar', image: 'busybox'},
        {name: 'srs', image},
      ],
    },
    status: {phase: 'Running', podIP: opts.ip === undefined ? '10.244.0.9' : opts.ip, conditions: [{type: 'Ready', status: opts.ready === false ? 'False' : 'True'}]},
  }
}

describe('srsAuthError', () => {
  const ctx = {pod: 'srs-edge-1', workload: 'deployment/srs-edge', state: 'nothing was changed'}

  it('a 401 without credentials says what to pass; exit 1, not a timeout', () => {
    const e = srsAuthError({reason: 'unauthorized'}, ctx)!
    expect(e).toBeInstanceOf(SrsError)
    expect(e.exitCode).toBe(ExitCode.Failed)
    expect(e.reason).toBe('Unauthorized')
    expect(e.message).toBe(
      "SRS API of pod srs-edge-1 (deployment/srs-edge) answered 401: http_api auth is on and no credentials for it were given or found in the workload's srs.conf or env (the apiserver pod proxy drops the Authorization header, kubernetes issue 38775)",
    )
    expect(e.hint).toBe('pass --api-secret NAME (a Secret with keys username and password) or --api-user USER --api-password-file FILE; nothing was changed')
  })

  it('rejected credentials name the user and where they came from, never the password', () => {
    const e = srsAuthError({reason: 'credentials-rejected'}, {...ctx, credentials: creds, state: '2 step(s) were applied'})!
    expect(e.reason).toBe('CredentialsRejected')
    expect(e.message).toBe('SRS API of pod srs-edge-1 (deployment/srs-edge) rejected user "ops" (credentials from Secret srs-api): HTTP 401 through a port-forward')
    expect(e.hint).toMatch(/^check them against http_api.auth .* --api-secret NAME .*; 2 step\(s\) were applied$/)
    expect(`${e.message} ${e.hint}`).not.toContain('pw-secret')
  })

  it.each(['timeout', 'refused', 'unreachable', 'http-500', 'not-json', 'srs-error'] as const)('%s is no auth error: the waits deal with it', (reason) => {
    expect(srsAuthError({reason}, ctx)).toBeUndefined()
  })
})

describe('probePods', () => {
  it('one Ready pod with an IP per image of the SRS container, by name; terminating and unready pods are not asked', () => {
    const pods = [
      pod('edge-c', 'ossrs/srs:v6.0.155'),
      pod('edge-a', 'ossrs/srs:v6.0.155', {terminating: true}),
      pod('edge-b', 'ossrs/srs:v6.0.155'),
      pod('canary-b', 'ossrs/srs:v6.0.160', {ready: false}),
      pod('canary-c', 'ossrs/srs:v6.0.160', {ip: ''}),
      pod('canary-d', 'ossrs/srs:v6.0.160'),
    ]
    expect(probePods(pods, 'srs').map((p) => p.metadata.name)).toEqual(['canary-d', 'edge-b'])
    expect(probePods([], 'srs')).toEqual([])
  })
})

describe('checkSrsApiAccess', () => {
  type Kube = Pick<KubeClient, 'podProxy' | 'podPortForwardGet'>

  it('passes when every probe answers, or fails for reasons waiting may cure (a pod starting, a slow answer)', async () => {
    const kube: Kube = {
      podProxy: async (_ns, pod) => {
        if (pod === 'slow') throw new TimeoutError('get pods/proxy "slow" timed out')
        return fixtureAnswer('v6.0-a1', 'versions.json')
      },
      podPortForwardGet: async () => fixtureAnswer('v6.0-a1', 'versions.json'),
    }
    await expect(
      checkSrsApiAccess(
        new PodTransports(kube, 'live'),
        [
          {pod: 'a', port: 1985, workload: 'deployment/a'},
          {pod: 'slow', port: 1985, workload: 'deployment/a'},
          {pod: 'b', port: 1985, workload: 'deployment/b', credentials: {...creds, authOnInConfig: true}},
        ],
        {timeoutMs: 500},
      ),
    ).resolves.toBeUndefined()
  })

  it('throws the refusal of the first probe (in probe order) whose SRS answers 401', async () => {
    const kube: Kube = {
      podProxy: async (_ns, pod) => (pod === 'open' ? fixtureAnswer('v6.0-a1', 'versions.json') : unauthorized),
      podPortForwardGet: async () => unauthorized,
    }
    const probes = [
      {pod: 'open', port: 1985, workload: 'deployment/old'},
      {pod: 'guarded-1', port: 1985, workload: 'deployment/new', credentials: creds},
      {pod: 'guarded-2', port: 1985, workload: 'deployment/other'},
    ]
    await expect(checkSrsApiAccess(new PodTransports(kube, 'live'), probes, {timeoutMs: 500})).rejects.toThrow(
      'SRS API of pod guarded-1 (deployment/new) rejected user "ops" (credentials from Secret srs-api): HTTP 401 through a port-forward',
    )
  })
})
