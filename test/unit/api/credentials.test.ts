import {afterAll, describe, expect, it} from '@jest/globals'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {KubeApiError, UsageError} from '../../../src/lib/errors.js'
import type {KubeClient} from '../../../src/lib/kube/client.js'
import {podTransport, PodTransports, querySrsVersions, readCredentialFlags, SrsCredentialResolver, type SrsApiCredentials} from '../../../src/lib/srs/api/index.js'
import {parseSrsConf, resolveSrsApiAuth} from '../../../src/lib/srs/conf/index.js'
import {buildTopology} from '../../../src/lib/srs/topology.js'
import {fixtureAnswer} from './fixtures.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'srs-cred-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

type EnvVar = {name: string; value?: string; valueFrom?: object}

/** The observed objects of one SRS Deployment whose srs.conf comes from ConfigMap srs-conf. */
function oneSrsDeployment(image: string, env: EnvVar[], text: string) {
  return {
    deployments: [
      {
        metadata: {name: 'srs', namespace: 'live'},
        spec: {
          replicas: 1,
          selector: {matchLabels: {app: 'srs'}},
          template: {
            metadata: {labels: {app: 'srs'}},
            spec: {volumes: [{name: 'c', configMap: {name: 'srs-conf'}}], containers: [{name: 'srs', image, env, volumeMounts: [{name: 'c', mountPath: '/usr/local/srs/conf'}]}]},
          },
        },
      },
    ],
    statefulsets: [],
    services: [],
    pods: [],
    configMaps: [{metadata: {name: 'srs-conf', namespace: 'live'}, data: {'srs.conf': text}}],
  }
}

function file(name: string, text: string): string {
  const p = path.join(dir, name)
  writeFileSync(p, text)
  return p
}

describe('credential flags', () => {
  it('reads the password file without its line break', () => {
    expect(readCredentialFlags({apiUser: 'ops', apiPasswordFile: file('pw', 'secret\n')})).toEqual({username: 'ops', password: 'secret', source: 'flags', from: '--api-user/--api-password-file'})
    expect(readCredentialFlags({})).toBeUndefined()
    expect(readCredentialFlags({apiSecret: 'srs-api'})).toEqual({secret: 'srs-api'})
  })

  it.each([
    [{apiUser: 'ops'}, /--api-user needs --api-password-file/],
    [{apiPasswordFile: '/x'}, /--api-password-file needs --api-user/],
    [{apiSecret: 's', apiUser: 'ops'}, /cannot be used with/],
    [{apiSecret: 'Bad_Name'}, /not a valid Secret name/],
    [{apiUser: 'ops', apiPasswordFile: path.join(dir, 'none')}, /cannot read --api-password-file .*ENOENT/],
    [{apiUser: 'ops', apiPasswordFile: file('empty', '\n')}, /is empty/],
    [{apiUser: 'a:b', apiPasswordFile: file('pw2', 'x')}, /--api-user contains ":"/],
    [{apiUser: 'ops', apiPasswordFile: file('pw3', 'x:y')}, /the password in .* contains ":"/],
  ])('%j is a usage error naming what is wrong', (flags, message) => {
    let error: unknown
    try {
      readCredentialFlags(flags)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UsageError)
    expect((error as Error).message).toMatch(message)
    // The password never shows in an error.
    expect((error as Error).message).not.toMatch(/x:y/)
  })
})

describe('credentials of a workload', () => {
  const conf = parseSrsConf('http_api { enabled on; listen 1985; auth { enabled on; username admin; password fromfile; } }\nvhost __defaultVhost__ { }\n')

  it('come from srs.conf, and SRS_HTTP_API_AUTH_* env wins over the file on SRS 5+ (as SRS reads it)', () => {
    expect(resolveSrsApiAuth(conf, {}, 6).password).toMatchObject({value: 'fromfile', source: 'file'})
    expect(resolveSrsApiAuth(conf, {SRS_HTTP_API_AUTH_PASSWORD: 'fromenv'}, 6).password).toMatchObject({value: 'fromenv', source: 'env'})
    expect(resolveSrsApiAuth(conf, {SRS_HTTP_API_AUTH_PASSWORD: 'fromenv'}, 4).password.value).toBe('fromfile')
    expect(resolveSrsApiAuth(conf, {SRS_HTTP_API_AUTH_ENABLED: 'off'}, 6).enabled.value).toBe(false)
  })

  it("are the workload model's apiAuth, with where they were found; none when auth is off or the password is not visible", () => {
    const objs = (env: EnvVar[], text: string) => oneSrsDeployment('ossrs/srs:6', env, text)
    const text = 'http_api { enabled on; auth { enabled on; username admin; password p1; } }\nvhost __defaultVhost__ { }\n'
    const fromConf = buildTopology('live', objs([], text)).workloads[0]!.apiAuth
    expect(fromConf).toEqual({username: 'admin', password: 'p1', from: 'ConfigMap srs-conf key srs.conf'})
    const fromEnv = buildTopology('live', objs([{name: 'SRS_HTTP_API_AUTH_PASSWORD', value: 'p2'}], text)).workloads[0]!.apiAuth
    expect(fromEnv).toEqual({username: 'admin', password: 'p2', from: 'ConfigMap srs-conf key srs.conf and env SRS_HTTP_API_AUTH_PASSWORD of container srs'})
    const hidden = 'http_api { enabled on; auth { enabled on; } }\nvhost __defaultVhost__ { }\n'
    const secretRef = [{name: 'SRS_HTTP_API_AUTH_PASSWORD', valueFrom: {secretKeyRef: {name: 's', key: 'password'}}}]
    expect(buildTopology('live', objs(secretRef, hidden) as never).workloads[0]!.apiAuth).toBeUndefined()
    expect(buildTopology('live', objs([], 'http_api { enabled on; }\nvhost __defaultVhost__ { }\n') as never).workloads[0]!.apiAuth).toBeUndefined()
  })

  it('apiAuthOn: auth is on in the config, whether or not the credentials can be read; never on SRS 4, which has no http_api auth', () => {
    const on = (image: string, env: EnvVar[], text: string) => buildTopology('live', oneSrsDeployment(image, env, text)).workloads[0]!.apiAuthOn
    const visible = 'http_api { enabled on; auth { enabled on; username admin; password p1; } }\nvhost __defaultVhost__ { }\n'
    const hidden = 'http_api { enabled on; auth { enabled on; } }\nvhost __defaultVhost__ { }\n'
    const off = 'http_api { enabled on; }\nvhost __defaultVhost__ { }\n'
    expect(on('ossrs/srs:v6.0.155', [], visible)).toBe(true)
    expect(on('ossrs/srs:v6.0.155', [{name: 'SRS_HTTP_API_AUTH_PASSWORD', valueFrom: {secretKeyRef: {name: 's', key: 'password'}}}], hidden)).toBe(true)
    expect(on('ossrs/srs:latest', [], visible)).toBe(true)
    expect(on('ossrs/srs:v6.0.155', [{name: 'SRS_HTTP_API_AUTH_ENABLED', value: 'on'}], off)).toBe(true)
    expect(on('ossrs/srs:v6.0.155', [{name: 'SRS_HTTP_API_AUTH_ENABLED', value: 'off'}], visible)).toBe(false)
    expect(on('ossrs/srs:v6.0.155', [], off)).toBe(false)
    expect(on('ossrs/srs:v4.0.5', [], visible)).toBe(false)
  })

  it('credentials carry authOnInConfig for a workload whose config turns auth on, whoever gave them, as a copy per workload', async () => {
    const flags: SrsApiCredentials = {username: 'ops', password: 'pw', source: 'flags', from: '--api-user/--api-password-file'}
    const resolver = new SrsCredentialResolver({get: async () => Promise.reject(new Error('no Secret is read'))}, flags)
    expect(await resolver.forWorkload({namespace: 'live', apiAuthOn: true})).toEqual({...flags, authOnInConfig: true})
    expect(await resolver.forWorkload({namespace: 'live', apiAuthOn: false})).toStrictEqual(flags)
    expect(flags.authOnInConfig).toBeUndefined()
    const own = {username: 'admin', password: 'x', from: 'ConfigMap c key srs.conf'}
    expect(await new SrsCredentialResolver({get: async () => Promise.reject(new Error('no Secret is read'))}, undefined).forWorkload({namespace: 'live', apiAuth: own, apiAuthOn: true})).toEqual({
      username: 'admin',
      password: 'x',
      source: 'workload',
      from: 'ConfigMap c key srs.conf',
      authOnInConfig: true,
    })
  })

  it("--api-secret reads the Secret once per namespace and beats the workload's own", async () => {
    const gets: string[] = []
    const kube = {
      get: async <T>(_res: unknown, name: string, ns?: string): Promise<T> => {
        gets.push(`${ns}/${name}`)
        return {metadata: {name}, data: {username: Buffer.from('ops').toString('base64'), password: Buffer.from('pw').toString('base64')}} as T
      },
    }
    const resolver = new SrsCredentialResolver(kube, {secret: 'srs-api'})
    const own = {username: 'admin', password: 'x', from: 'ConfigMap c key srs.conf'}
    expect(await resolver.forWorkload({namespace: 'live', apiAuth: own})).toEqual({username: 'ops', password: 'pw', source: 'secret', from: 'Secret srs-api'})
    await resolver.forWorkload({namespace: 'live'})
    expect(gets).toEqual(['live/srs-api'])
    expect(await new SrsCredentialResolver(kube, undefined).forWorkload({namespace: 'live', apiAuth: own})).toMatchObject({username: 'admin', source: 'workload'})
  })

  it('--api-secret names a missing Secret or missing keys as usage errors', async () => {
    const missing = {get: async () => Promise.reject(new KubeApiError('not found', {status: 404, reason: 'NotFound'}))}
    await expect(new SrsCredentialResolver(missing, {secret: 'srs-api'}).forWorkload({namespace: 'live'})).rejects.toThrow(/Secret "srs-api" not found in namespace "live"/)
    const noKeys = {get: async <T>(): Promise<T> => ({metadata: {name: 'srs-api'}, data: {user: 'b3Bz'}}) as T}
    await expect(new SrsCredentialResolver(noKeys, {secret: 'srs-api'}).forWorkload({namespace: 'live'})).rejects.toThrow(/has no username or password key/)
  })
})

describe('podTransport with credentials', () => {
  const creds: SrsApiCredentials = {username: 'ops', password: 'pw', source: 'flags', from: '--api-user/--api-password-file'}
  const unauthorized = {status: 401, contentType: 'text/plain; charset=utf-8', body: ''}

  it('stays on the pod proxy while SRS answers there, and switches to a port-forward carrying Basic auth after a 401', async () => {
    const calls: string[] = []
    let guarded = false
    const kube: Pick<KubeClient, 'podProxy' | 'podPortForwardGet'> = {
      podProxy: async () => {
        calls.push('proxy')
        return guarded ? unauthorized : fixtureAnswer('v6.0-a1', 'versions.json')
      },
      podPortForwardGet: async (_ns, _pod, _port, _path, opts) => {
        calls.push(`forward ${opts.headers?.Authorization}`)
        return fixtureAnswer('v6.0-a1', 'versions.json')
      },
    }
    const t = podTransport(kube, 'live', 'srs-0', 1985, creds)
    expect((await querySrsVersions(t, {timeoutMs: 700})).ok).toBe(true)
    expect(t.route).toBe('proxy')
    guarded = true
    expect((await querySrsVersions(t, {timeoutMs: 700})).ok).toBe(true)
    expect((await querySrsVersions(t, {timeoutMs: 700})).ok).toBe(true)
    expect(t.route).toBe('port-forward')
    const basic = `Basic ${Buffer.from('ops:pw').toString('base64')}`
    expect(calls).toEqual(['proxy', 'proxy', `forward ${basic}`, `forward ${basic}`])
  })

  it('a 401 through the port-forward is credentials-rejected, naming the user and the source but not the password', async () => {
    const kube = {podProxy: async () => unauthorized, podPortForwardGet: async () => unauthorized}
    const result = await querySrsVersions(podTransport(kube, 'live', 'srs-0', 1985, creds), {timeoutMs: 700})
    expect(result).toMatchObject({ok: false, failure: {reason: 'credentials-rejected', message: 'SRS API rejected user "ops" (credentials from --api-user/--api-password-file): HTTP 401 through a port-forward'}})
  })

  it('when the workload config turns auth on, the port-forward is the first route: no 401 through the proxy is paid', async () => {
    const calls: string[] = []
    const kube: Pick<KubeClient, 'podProxy' | 'podPortForwardGet'> = {
      podProxy: async () => (calls.push('proxy'), unauthorized),
      podPortForwardGet: async () => (calls.push('forward'), fixtureAnswer('v6.0-a1', 'versions.json')),
    }
    const t = podTransport(kube, 'live', 'srs-0', 1985, {...creds, authOnInConfig: true})
    expect(t.route).toBe('port-forward')
    expect((await querySrsVersions(t, {timeoutMs: 700})).ok).toBe(true)
    expect((await querySrsVersions(t, {timeoutMs: 700})).ok).toBe(true)
    expect(calls).toEqual(['forward', 'forward'])
    // Without a port-forward to use, the proxy is all there is.
    expect(podTransport({podProxy: kube.podProxy}, 'live', 'srs-0', 1985, {...creds, authOnInConfig: true}).route).toBe('proxy')
  })

  it('PodTransports keeps one transport per pod: a pod that needed the port-forward is not asked through the proxy again', async () => {
    const calls: string[] = []
    const kube: Pick<KubeClient, 'podProxy' | 'podPortForwardGet'> = {
      podProxy: async (_ns, pod) => (calls.push(`proxy ${pod}`), pod === 'guarded' ? unauthorized : fixtureAnswer('v6.0-a1', 'versions.json')),
      podPortForwardGet: async (_ns, pod) => (calls.push(`forward ${pod}`), fixtureAnswer('v6.0-a1', 'versions.json')),
    }
    const transports = new PodTransports(kube, 'live')
    for (let i = 0; i < 3; i++) {
      expect((await querySrsVersions(transports.of('guarded', 1985, creds), {timeoutMs: 700})).ok).toBe(true)
      expect((await querySrsVersions(transports.of('open', 1985, creds), {timeoutMs: 700})).ok).toBe(true)
    }
    expect(transports.of('guarded', 1985, creds)).toBe(transports.of('guarded', 1985, creds))
    expect(calls).toEqual(['proxy guarded', 'forward guarded', 'proxy open', 'forward guarded', 'proxy open', 'forward guarded', 'proxy open'])
  })

  it('without credentials a 401 stays unauthorized (no port-forward is tried)', async () => {
    let forwards = 0
    const kube = {podProxy: async () => unauthorized, podPortForwardGet: async () => (forwards++, unauthorized)}
    expect(await querySrsVersions(podTransport(kube, 'live', 'srs-0', 1985), {timeoutMs: 700})).toMatchObject({ok: false, failure: {reason: 'unauthorized'}})
    expect(forwards).toBe(0)
  })
})
