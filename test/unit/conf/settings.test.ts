import {describe, expect, test} from '@jest/globals'
import {setDirective} from '../../../src/lib/srs/conf/editor.js'
import {findVhostSettings, getCoworkers, getEdgeOrigins, getVhostRole, listVhosts, resolveSrsSettings, SRS_DEFAULT_VHOST} from '../../../src/lib/srs/conf/settings.js'
import {parseSrsConf} from '../../../src/lib/srs/conf/syntax.js'
import {loadConfFixture, topologySrsConf} from './corpus.js'

const origin = parseSrsConf(topologySrsConf('origin-cluster.yaml', 'srs-origin-config'))
const edge = parseSrsConf(loadConfFixture('edge-single-origin.conf'))
const graceEdge = parseSrsConf(topologySrsConf('edge-cluster.yaml', 'srs-edge-config'))
const plain = parseSrsConf(loadConfFixture('origin-plain.conf'))

describe('topology ConfigMaps and the corpus', () => {
  test('origin cluster member with coworkers', () => {
    expect(listVhosts(origin)).toEqual([SRS_DEFAULT_VHOST])
    expect(getVhostRole(origin)).toBe('origin-cluster')
    expect(getCoworkers(origin)).toEqual(['srs-origin-0.socs:1985', 'srs-origin-1.socs:1985', 'srs-origin-2.socs:1985'])
    expect(getEdgeOrigins(origin)).toEqual([])
    const vhost = resolveSrsSettings(origin).vhosts[0]!
    expect(vhost.hlsEnabled).toMatchObject({value: true, source: 'file'})
    expect(vhost.hlsPath).toEqual({value: './objs/nginx/html', source: 'default', envName: 'SRS_VHOST_HLS_HLS_PATH', line: null})
    expect(vhost.dvrEnabled).toMatchObject({value: false, source: 'default'})
  })

  test('edge with an origin list; an edge may name the origin Service alone', () => {
    expect(getVhostRole(edge)).toBe('edge')
    expect(getEdgeOrigins(edge)).toEqual(['srs-origin-service'])
    expect(getEdgeOrigins(graceEdge)).toEqual(['srs-origin-0.socs', 'srs-origin-1.socs', 'srs-origin-2.socs'])
    expect(getCoworkers(edge)).toEqual([])
  })

  test('plain origin; an unknown vhost falls back to the default vhost', () => {
    expect(getVhostRole(plain)).toBe('origin')
    expect(getVhostRole(plain, 'other.example.com')).toBe('origin')
    expect(getVhostRole(origin, 'other.example.com')).toBe('origin-cluster')
    expect(findVhostSettings(resolveSrsSettings(origin), 'other.example.com')?.name).toBe(SRS_DEFAULT_VHOST)
  })

  test('global directives and defaults', () => {
    const {global} = resolveSrsSettings(origin)
    expect(global.rtmpListen).toEqual({value: ['1935'], source: 'file', envName: 'SRS_LISTEN', line: 1})
    expect(global.maxConnections).toMatchObject({value: 1000, source: 'file'})
    expect(global.httpApiEnabled).toMatchObject({value: true, source: 'file'})
    expect(global.httpApiListen).toMatchObject({value: ['1985'], source: 'file'})
    expect(global.httpServerListen).toMatchObject({value: ['8080'], source: 'file'})
    expect(global.rawApiEnabled).toMatchObject({value: false, source: 'default'})
    expect(global.rawApiAllowReload).toMatchObject({value: false, source: 'default'})
    expect(global.graceStartWaitMs).toMatchObject({value: 2300, source: 'default'})
    expect(global.graceFinalWaitMs).toMatchObject({value: 3200, source: 'default'})
    expect(global.forceGraceQuit).toMatchObject({value: false, source: 'default'})
    expect(global.inotifyAutoReload).toMatchObject({value: false, source: 'default'})
    expect(global.pid).toMatchObject({value: './objs/srs.pid', source: 'default'})
    expect(global.rtcServerEnabled).toMatchObject({value: false, source: 'default'})
  })

  test('grace settings of the guide’s edge', () => {
    const {global} = resolveSrsSettings(graceEdge)
    expect(global.graceStartWaitMs).toMatchObject({value: 700, source: 'file'})
    expect(global.graceFinalWaitMs).toMatchObject({value: 800, source: 'file'})
    expect(global.forceGraceQuit).toMatchObject({value: true, source: 'file'})
  })

  test('a config without http_api falls back to the defaults', () => {
    const minimal = parseSrsConf(loadConfFixture('minimal.conf'))
    const {global} = resolveSrsSettings(minimal)
    expect(global.httpApiEnabled).toMatchObject({value: false, source: 'default'})
    expect(global.httpApiListen).toMatchObject({value: ['1985'], source: 'default'})
    expect(global.httpServerListen).toMatchObject({value: ['8080'], source: 'default'})
  })
})

describe('several vhosts and repeated blocks', () => {
  test('first directive wins, per-vhost cluster roles, HLS and DVR paths', () => {
    const conf = parseSrsConf(loadConfFixture('several-http-api.conf'))
    const settings = resolveSrsSettings(conf)
    // http_api listen 8080 (the HTTP server's port, shared) comes first; two more http_api blocks follow at the end.
    expect(settings.global.httpApiListen.value).toEqual(['8080'])
    expect(settings.global.rtcServerEnabled.value).toBe(true)
    const roles = Object.fromEntries(settings.vhosts.map((v) => [v.name, v.role.value]))
    expect(roles).toEqual({
      'edge.example.com': 'edge',
      'origin-a.example.com': 'origin-cluster',
      'origin-b.example.com': 'origin-cluster',
      'hls.example.com': 'origin',
      'dvr.example.com': 'origin',
    })
    expect(getEdgeOrigins(conf, 'edge.example.com')).toEqual(['10.0.0.1:1935', 'origin.example.com:1935'])
    expect(getCoworkers(conf, 'origin-b.example.com')).toEqual(['10.0.0.3:9090'])
    const hls = findVhostSettings(settings, 'hls.example.com')!
    expect(hls.hlsEnabled).toMatchObject({value: true, source: 'file'})
    expect(hls.hlsPath).toMatchObject({value: '/var/hls', source: 'file'})
    const dvr = findVhostSettings(settings, 'dvr.example.com')!
    expect(dvr.dvrEnabled.value).toBe(true)
    expect(dvr.dvrPath.value).toBe('/var/dvr/[app]/[stream].[timestamp].flv')
  })

  test('the defaults SRS documents, written out, resolve to the same values as an empty config', () => {
    for (const version of [4, 5, 6]) {
      const written = resolveSrsSettings(parseSrsConf(loadConfFixture('defaults-written-out.conf')), {}, version).global
      const defaults = resolveSrsSettings(parseSrsConf(''), {}, version).global
      for (const key of [
        'rtmpListen',
        'maxConnections',
        'pid',
        'graceStartWaitMs',
        'graceFinalWaitMs',
        'forceGraceQuit',
        'inotifyAutoReload',
        'httpApiEnabled',
        'httpApiListen',
        'rawApiEnabled',
        'rawApiAllowReload',
        'httpServerListen',
        'rtcServerEnabled',
      ] as const) {
        expect([key, written[key].value]).toEqual([key, defaults[key].value])
        expect([key, written[key].source, defaults[key].source]).toEqual([key, 'file', 'default'])
      }
      expect(written.graceStartWaitMs.value).toBe(2300)
      expect(written.graceFinalWaitMs.value).toBe(3200)
      expect(written.maxConnections.value).toBe(1000)
      expect(written.httpApiListen.value).toEqual(['1985'])
    }
  })

  test('quoted values reach the settings without their quotes', () => {
    const settings = resolveSrsSettings(parseSrsConf(loadConfFixture('quoting.conf')))
    expect(settings.global.httpApiListen.value).toEqual(['1985'])
    expect(findVhostSettings(settings, SRS_DEFAULT_VHOST)?.hlsPath.value).toBe('/data/live streams;archive')
    expect(settings.vhosts.map((v) => v.name)).toEqual([SRS_DEFAULT_VHOST, 'quoted.example.com'])
  })

  test('CRLF and tabs: the edge origin list of a config written on Windows', () => {
    const conf = parseSrsConf(loadConfFixture('crlf-tabs.conf'))
    expect(getVhostRole(conf)).toBe('edge')
    expect(getEdgeOrigins(conf)).toEqual(['10.0.0.1:1935', '10.0.0.2:1935'])
    expect(resolveSrsSettings(conf).global.rawApiAllowReload).toMatchObject({value: false, source: 'file'})
  })

  test('SRS 1/2 vhost-level mode/origin count as cluster settings (SRS rewrites them at load)', () => {
    const conf = parseSrsConf('vhost a { mode remote; origin o1:1935 o2; }\nvhost b { cluster { mode local; } }\n')
    expect(getVhostRole(conf, 'a')).toBe('edge')
    expect(getEdgeOrigins(conf, 'a')).toEqual(['o1:1935', 'o2'])
    expect(resolveSrsSettings(conf).vhosts[1]?.role).toMatchObject({value: 'origin', source: 'file'})
  })
})

describe('environment overrides', () => {
  const env = {
    SRS_LISTEN: '1936 1937',
    SRS_HTTP_API_ENABLED: 'on',
    SRS_HTTP_API_LISTEN: '9985',
    SRS_GRACE_START_WAIT: '100',
    SRS_FORCE_GRACE_QUIT: 'on',
    SRS_INOTIFY_AUTO_RELOAD: 'on',
    SRS_MAX_CONNECTIONS: '',
    SRS_VHOST_HLS_ENABLED: 'off',
    SRS_VHOST_HLS_HLS_PATH: '/data/hls',
    SRS_HTTP_SERVER_LISTEN: '80',
  }

  test('SRS 5+: env beats file beats default, for every vhost', () => {
    const settings = resolveSrsSettings(origin, env, 5)
    expect(settings).toMatchObject({envApplied: true, versionAssumed: false})
    const {global} = settings
    expect(global.rtmpListen).toEqual({value: ['1936', '1937'], source: 'env', envName: 'SRS_LISTEN', line: null})
    expect(global.httpApiListen).toMatchObject({value: ['9985'], source: 'env'})
    expect(global.httpServerListen).toMatchObject({value: ['80'], source: 'env'})
    expect(global.graceStartWaitMs).toMatchObject({value: 100, source: 'env'})
    expect(global.forceGraceQuit).toMatchObject({value: true, source: 'env'})
    expect(global.inotifyAutoReload).toMatchObject({value: true, source: 'env'})
    // Empty variables do not count, as in SRS.
    expect(global.maxConnections).toMatchObject({value: 1000, source: 'file'})
    expect(global.graceFinalWaitMs).toMatchObject({value: 3200, source: 'default'})
    const vhost = settings.vhosts[0]!
    expect(vhost.hlsEnabled).toMatchObject({value: false, source: 'env'})
    expect(vhost.hlsPath).toMatchObject({value: '/data/hls', source: 'env'})
    // No env for cluster settings.
    expect(vhost.coworkers).toMatchObject({source: 'file', envName: null})
  })

  test('SRS 4 ignores the environment', () => {
    const settings = resolveSrsSettings(origin, env, 4)
    expect(settings.envApplied).toBe(false)
    expect(settings.global.rtmpListen).toMatchObject({value: ['1935'], source: 'file'})
    expect(settings.global.graceStartWaitMs).toMatchObject({value: 2300, source: 'default'})
  })

  test('unknown version: env applied and flagged as assumed', () => {
    const settings = resolveSrsSettings(origin, env, null)
    expect(settings).toMatchObject({envApplied: true, versionAssumed: true})
    expect(settings.global.graceStartWaitMs.source).toBe('env')
  })

  test('switches follow SRS: only "on" turns an off-by-default switch on', () => {
    const {global} = resolveSrsSettings(origin, {SRS_FORCE_GRACE_QUIT: 'true', SRS_HTTP_API_ENABLED: 'yes'}, 6)
    expect(global.forceGraceQuit).toMatchObject({value: false, source: 'env'})
    expect(global.httpApiEnabled).toMatchObject({value: false, source: 'env'})
  })

  test('no file (env-only SRS): env or defaults, default vhost only', () => {
    const settings = resolveSrsSettings(null, {SRS_HTTP_API_ENABLED: 'on', SRS_VHOST_DVR_ENABLED: 'on'}, 6)
    expect(settings.global.httpApiEnabled).toMatchObject({value: true, source: 'env'})
    expect(settings.global.httpApiListen).toMatchObject({value: ['1985'], source: 'default'})
    expect(settings.global.rtmpListen).toMatchObject({value: ['1935'], source: 'default'})
    expect(settings.vhosts.map((v) => [v.name, v.role.value, v.dvrEnabled.value, v.dvrEnabled.source])).toEqual([[SRS_DEFAULT_VHOST, 'origin', true, 'env']])
  })

  test('an edited config reads back with the new value', () => {
    const edited = setDirective(origin, ['grace_final_wait'], ['800'])
    expect(resolveSrsSettings(edited).global.graceFinalWaitMs).toMatchObject({value: 800, source: 'file', line: 4})
  })
})
