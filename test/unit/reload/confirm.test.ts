import {describe, expect, test} from '@jest/globals'
import {confirmPathOf, confirmReloads, logsToConsole, unconfirmableReason, type PodBaseline, type ReloadTarget} from '../../../src/lib/reload/confirm.js'
import type {PodTransports, SrsHttpAnswer} from '../../../src/lib/srs/api/index.js'
import {parseSrsConf, resolveSrsSettings} from '../../../src/lib/srs/conf/index.js'
import {buildTopology} from '../../../src/lib/srs/topology.js'
import {loadTopology} from '../../helpers/topologies.js'

/** Settings of an edge srs.conf with the given reload switches. */
function settingsOf(opts: {inotify: boolean; rawApi: boolean; allowReload: boolean}) {
  const raw = opts.rawApi ? `raw_api { enabled on; ${opts.allowReload ? 'allow_reload on; ' : ''}}` : ''
  const text = `listen 1935; ${opts.inotify ? 'inotify_auto_reload on; ' : ''}http_api { enabled on; listen 1985; ${raw} } vhost __defaultVhost__ { cluster { mode remote; origin a.socs; } }`
  return resolveSrsSettings(parseSrsConf(text), {}, 4)
}

function target(pod: string, opts: {inotify: boolean; rawApi: boolean; allowReload: boolean; logsToConsole?: boolean; startedAt?: number}): ReloadTarget {
  return {
    pod,
    workload: 'srs-edge-deploy',
    workloadRef: 'deployment/srs-edge-deploy',
    configMap: 'srs-edge-config',
    container: 'srs',
    startedAt: opts.startedAt,
    logsToConsole: opts.logsToConsole ?? true,
    apiPort: 1985,
    settings: settingsOf(opts),
  }
}

const srs4: PodBaseline = {major: 4, version: '4.0.271', canFetch: false}

/** Transports answering like SRS 4.0.271: rpc=reload code 0 when allowed, reload-fetch 1060; requests are recorded. */
function srs4Transports(asked: string[]): PodTransports {
  const answer = (body: object): SrsHttpAnswer => ({status: 200, contentType: 'application/json', body: JSON.stringify(body)})
  return {
    of: (pod: string) => async (path: string) => {
      asked.push(`${pod} ${path}`)
      if (path.includes('rpc=reload-fetch')) return answer({code: 1060, server: 'vid-1'})
      if (path.includes('rpc=reload')) return answer({code: 0, server: 'vid-1'})
      return answer({code: 0, server: 'vid-1', data: {major: 4, minor: 0, revision: 271, version: '4.0.271'}})
    },
  } as unknown as PodTransports
}

describe('why a pod can never confirm a reload', () => {
  test('neither inotify nor raw reload: says what to turn on, and why auto_reload_for_docker does not (srs_detect_docker)', () => {
    expect(unconfirmableReason('none', {canFetch: false}, target('p', {inotify: false, rawApi: false, allowReload: false}))).toBe(
      'inotify_auto_reload is off and http_api.raw_api.allow_reload is off: SRS will not load the new list until it restarts; add inotify_auto_reload on; (auto_reload_for_docker does not turn it on: SRS looks for /docker in /proc/1/cgroup, which pods on containerd or cgroup v2 nodes do not show) or restart the pod',
    )
  })

  test('SRS 4 with inotify, no raw reload and its log in a file: says what would confirm it', () => {
    expect(unconfirmableReason('inotify', srs4, target('p', {inotify: true, rawApi: true, allowReload: false, logsToConsole: false}))).toBe(
      'an inotify reload follows the kubelet sync, but SRS 4.0.271 has no rpc=reload-fetch and SRS logs to a file (no srs_log_tank console), so its container log cannot show the reload: nothing can confirm it applied; turn on http_api { raw_api { enabled on; allow_reload on; } } (a raw reload answered with code 0 confirms it) or srs_log_tank console;, or restart the pod',
    )
  })
})

describe('how a reload can be confirmed', () => {
  test.each([
    ['SRS 6 with reload-fetch', {major: 6, version: '6.0.155', canFetch: true}, {inotify: true, rawApi: true, allowReload: false}, 'reload-fetch'],
    ['SRS 4, raw reload allowed (inotify on too)', srs4, {inotify: true, rawApi: true, allowReload: true}, 'raw-reload-answer'],
    ['SRS 4, raw reload allowed, no inotify', srs4, {inotify: false, rawApi: true, allowReload: true}, 'raw-reload-answer'],
    ['SRS 4, inotify, raw API off, console log', srs4, {inotify: true, rawApi: false, allowReload: false}, 'log'],
    ['SRS 4, inotify, raw API off, log to a file', srs4, {inotify: true, rawApi: false, allowReload: false, logsToConsole: false}, undefined],
    ['SRS 4, neither', srs4, {inotify: false, rawApi: false, allowReload: false}, undefined],
  ] as const)('%s', (_name, base, opts, path) => {
    const t = target('p', opts)
    const method = opts.inotify ? 'inotify' : opts.allowReload ? 'raw-reload' : 'none'
    expect(confirmPathOf(method, base, t)).toBe(path)
    expect(unconfirmableReason(method, base, t) === undefined).toBe(path !== undefined)
  })
})

describe('confirming SRS 4 pods', () => {
  const opts = {timeoutMs: 5000, kubeletSyncMs: 0, requestTimeoutMs: 1000, pollMs: 10}

  test('raw reload allowed: rpc=reload asked after the kubelet sync bound, code 0 confirms', async () => {
    const asked: string[] = []
    const t = target('edge-a', {inotify: true, rawApi: true, allowReload: true})
    const [report] = await confirmReloads(srs4Transports(asked), [t], new Map([['edge-a', srs4]]), Date.now() - 10, opts)
    expect(report).toMatchObject({state: 'applied', method: 'raw-reload', confirmedBy: 'raw-reload-answer'})
    expect(report!.reason).toBe('raw API reload after the kubelet sync bound answered code 0 (SRS 4.0.271 has no rpc=reload-fetch to report more)')
    expect(asked).toEqual(['edge-a /api/v1/raw?rpc=reload'])
  })

  test('raw reload allowed: nothing is asked before the kubelet sync bound', async () => {
    const asked: string[] = []
    const t = target('edge-a', {inotify: false, rawApi: true, allowReload: true})
    const [report] = await confirmReloads(srs4Transports(asked), [t], new Map([['edge-a', srs4]]), Date.now(), {...opts, kubeletSyncMs: 60_000, timeoutMs: 50})
    expect(report).toMatchObject({state: 'pending', reason: 'waiting for the kubelet sync bound (60s) before asking SRS to reload'})
    expect(asked).toEqual([])
  })

  test('raw API off: the reload line of the container log since the write confirms; before it, pending', async () => {
    const t = target('edge-a', {inotify: true, rawApi: false, allowReload: false})
    const logs = ['[2026-12-03 10:00:00.000][Trace][1][abc] XCORE-SRS/4.0.271', '[2026-12-03 10:00:04.000][Trace][1][abc] reload config success.']
    const windows: number[] = []
    let reads = 0
    const readLog = async (_t: ReloadTarget, sinceSeconds: number) => {
      windows.push(sinceSeconds)
      return logs.slice(0, ++reads > 2 ? 2 : 1).join('\n')
    }
    const [report] = await confirmReloads(srs4Transports([]), [t], new Map([['edge-a', srs4]]), Date.now() - 2500, {...opts, readLog})
    expect(report).toMatchObject({state: 'applied', method: 'inotify', confirmedBy: 'log', reason: 'inotify reload after the kubelet sync; the container log shows "reload config success"'})
    expect(reads).toBe(3)
    // the window reaches back to the write (2.5 s), rounded up, plus a second
    expect(windows[0]).toBe(4)
  })

  test('without a log reader (or a readable log) the same pod stays pending with what to do', async () => {
    const t = target('edge-a', {inotify: true, rawApi: false, allowReload: false})
    const [report] = await confirmReloads(srs4Transports([]), [t], new Map([['edge-a', srs4]]), Date.now(), {...opts, timeoutMs: 20})
    expect(report!.state).toBe('pending')
    expect(report!.reason).toMatch(/^an inotify reload follows the kubelet sync, but SRS 4.0.271 has no rpc=reload-fetch and SRS logs to a file/)
    const forbidden = async () => {
      throw new Error('pods "edge-a" is forbidden')
    }
    const [r2] = await confirmReloads(srs4Transports([]), [t], new Map([['edge-a', srs4]]), Date.now(), {...opts, readLog: forbidden})
    expect(r2).toMatchObject({state: 'pending', reason: 'cannot read the container log of edge-a (pods "edge-a" is forbidden): nothing else can confirm the inotify reload of SRS 4.0.271; RBAC: get pods/log'})
  })

  test('a pod whose SRS started after the write read the new file', async () => {
    const writtenAt = Date.now() - 5000
    const t = target('edge-b', {inotify: false, rawApi: false, allowReload: false, startedAt: writtenAt + 1000})
    const [report] = await confirmReloads(srs4Transports([]), [t], new Map([['edge-b', srs4]]), writtenAt, opts)
    expect(report).toMatchObject({state: 'applied', confirmedBy: 'started-after-write'})
  })
})

describe('logsToConsole', () => {
  // SRS logs to a file unless srs_log_tank says console (or it detects Docker, which containerd
  // pods never show): the guide's configs, which do not set it, give no reload line in the log.
  // SRS 5/6 take the env form first, SRS_SRS_LOG_TANK before SRS_LOG_TANK; SRS 4 has none.
  const edge = (image: string, container: Record<string, unknown>) => {
    const objs = loadTopology('edge-cluster.yaml')
    const c = objs.deployments[0]!.spec.template.spec.containers[0]!
    Object.assign(c, {image}, container)
    return buildTopology('live', objs).workloads.find((w) => w.name === 'srs-edge-deploy')!
  }
  test.each([
    ['no srs_log_tank (the guide)', 'listen 1935;\n', {}, 6, false],
    ['srs_log_tank console', 'listen 1935;\nsrs_log_tank console;\n', {}, 6, true],
    ['srs_log_tank file', 'listen 1935;\nsrs_log_tank file;\n', {}, 6, false],
    ['SRS 6, SRS_SRS_LOG_TANK console over a file without it', 'listen 1935;\n', {SRS_SRS_LOG_TANK: 'console'}, 6, true],
    ['SRS 6, SRS_LOG_TANK console', 'listen 1935;\n', {SRS_LOG_TANK: 'console'}, 6, true],
    ['SRS 6, SRS_SRS_LOG_TANK file wins over srs_log_tank console', 'listen 1935;\nsrs_log_tank console;\n', {SRS_SRS_LOG_TANK: 'file'}, 6, false],
    ['SRS 6, SRS_SRS_LOG_TANK file wins over SRS_LOG_TANK console', 'listen 1935;\n', {SRS_SRS_LOG_TANK: 'file', SRS_LOG_TANK: 'console'}, 6, false],
    ['SRS 5, SRS_LOG_TANK console', 'listen 1935;\n', {SRS_LOG_TANK: 'console'}, 5, true],
    ['SRS 4 ignores SRS_SRS_LOG_TANK', 'listen 1935;\n', {SRS_SRS_LOG_TANK: 'console'}, 4, false],
  ])('%s', (_name, conf, env, major, expected) => {
    expect(logsToConsole({settings: resolveSrsSettings(parseSrsConf(conf), env, major)})).toBe(expected)
  })

  test('from the pod template: literal env of the SRS container, and env-only SRS (-e, as the Helm chart runs it) defaulting to console', () => {
    expect(logsToConsole(edge('ossrs/srs:v6.0.157', {}))).toBe(false)
    expect(logsToConsole(edge('ossrs/srs:v6.0.157', {env: [{name: 'SRS_LOG_TANK', value: 'console'}]}))).toBe(true)
    expect(logsToConsole(edge('ossrs/srs:v6.0.157', {command: ['./objs/srs', '-e']}))).toBe(true)
    expect(logsToConsole(edge('ossrs/srs:v6.0.157', {command: ['./objs/srs', '-e'], env: [{name: 'SRS_SRS_LOG_TANK', value: 'file'}]}))).toBe(false)
    expect(logsToConsole(edge('ossrs/srs:v6.0.157', {env: [{name: 'SRS_ENV_ONLY', value: 'on'}]}))).toBe(true)
    expect(logsToConsole(edge('ossrs/srs:v4.0.271', {env: [{name: 'SRS_LOG_TANK', value: 'console'}]}))).toBe(false)
  })
})
