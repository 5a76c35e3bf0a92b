import {describe, expect, it} from '@jest/globals'
import {fetchSrsReloadResult, listSrsClients, listSrsStreams, listSrsVhosts, querySrsClusters, querySrsSummaries, querySrsVersions, requestSrsReload} from '../../../src/lib/srs/api/index.js'
import {fixtureIndex, fixtureJson, fixtureSrs, recordedReloadFetchAnswers, SRS_VERSIONS, type FixtureVersion} from './fixtures.js'

const opts = {timeoutMs: 1000}

interface RawEnvelope {
  server?: string
  service?: string
  pid?: string
}

const hasProcessFields = (v: FixtureVersion) => v !== 'v4.0-r5'

describe.each(SRS_VERSIONS)('SRS %s fixtures', (version) => {
  it('reads versions and the envelope', async () => {
    const raw = fixtureJson<RawEnvelope & {data: {version: string; major: number; minor: number; revision: number}}>(version, 'versions.json')
    const {transport} = fixtureSrs(version, {'/api/v1/versions': 'versions.json'})
    const result = await querySrsVersions(transport, opts)
    expect(result).toEqual({
      ok: true,
      value: {
        version: raw.data.version,
        major: raw.data.major,
        minor: raw.data.minor,
        revision: raw.data.revision,
        envelope: hasProcessFields(version) ? {server: raw.server, service: raw.service, pid: Number(raw.pid)} : {server: raw.server},
      },
    })
    if (!hasProcessFields(version)) {
      expect(raw.service).toBeUndefined()
      expect(raw.pid).toBeUndefined()
    }
  })

  it('reads summaries', async () => {
    type RawSummaries = {data: {now_ms: number; self: Record<string, number | string>; system: Record<string, number>}}
    const raw = fixtureJson<RawSummaries>(version, 'summaries-while-publishing-2.json')
    const {transport} = fixtureSrs(version, {'/api/v1/summaries': 'summaries-while-publishing-2.json'})
    const result = await querySrsSummaries(transport, opts)
    if (!result.ok) throw new Error(result.failure.message)
    const s = result.value
    expect(s.version).toBe(raw.data.self.version)
    expect(s.pid).toBe(raw.data.self.pid)
    expect(s.uptimeSeconds).toBe(raw.data.self.srs_uptime)
    expect(s.cpuPercent).toBe(raw.data.self.cpu_percent)
    expect(s.memKbyte).toBe(raw.data.self.mem_kbyte)
    expect(s.memPercent).toBe(raw.data.self.mem_percent)
    expect(s.connections).toBe(raw.data.system.conn_srs)
    expect(s.recvBytes).toBe(raw.data.system.srs_recv_bytes)
    expect(s.sendBytes).toBe(raw.data.system.srs_send_bytes)
    expect(s.sampledAtMs).toBe(raw.data.now_ms)
    // 1 publisher + 2 players were connected.
    expect(s.connections).toBe(3)
  })

  it('reads streams through the trailing-slash path, never the redirecting one', async () => {
    type RawStream = {
      id: string
      name: string
      app: string
      vhost: string
      url?: string
      clients: number
      kbps: {recv_30s: number; send_30s: number}
      publish: {active: boolean; cid: string}
      video: {codec: string; width: number; height: number}
      audio: {codec: string; sample_rate: number}
    }
    const raw = fixtureJson<{streams: RawStream[]}>(version, 'streams-while-publishing-2.json').streams[0] as RawStream
    const srs = fixtureSrs(version, {'/api/v1/streams/': 'streams-while-publishing-2.json', '/api/v1/streams': 'streams-noslash-redirect.txt'})
    const result = await listSrsStreams(srs.transport, opts)
    if (!result.ok) throw new Error(result.failure.message)
    expect(result.value.streams).toHaveLength(1)
    const s = result.value.streams[0]
    expect(s).toMatchObject({
      id: raw.id,
      name: raw.name,
      app: raw.app,
      vhostId: raw.vhost,
      clients: raw.clients,
      recvKbps: raw.kbps.recv_30s,
      sendKbps: raw.kbps.send_30s,
      publishing: raw.publish.active,
      publisherClientId: raw.publish.cid,
      video: {codec: raw.video.codec, width: raw.video.width, height: raw.video.height},
      audio: {codec: raw.audio.codec, sampleRate: raw.audio.sample_rate},
    })
    expect(s?.recvKbps).toBeGreaterThan(0)
    expect(s?.url).toBe(hasProcessFields(version) ? '/live/livestream' : undefined)
    expect(srs.requested.every((p) => p.startsWith('/api/v1/streams/?'))).toBe(true)
  })

  it('reads clients, publisher and players', async () => {
    type RawClient = {id: string; type: string; publish: boolean; name?: string; alive: number}
    const raw = fixtureJson<{clients: RawClient[]}>(version, 'clients-while-publishing-2.json').clients
    const srs = fixtureSrs(version, {'/api/v1/clients/': 'clients-while-publishing-2.json', '/api/v1/clients': 'clients-noslash-redirect.txt'})
    const result = await listSrsClients(srs.transport, opts)
    if (!result.ok) throw new Error(result.failure.message)
    expect(result.value.clients.map((c) => [c.id, c.type, c.publishing, c.aliveSeconds, c.name])).toEqual(raw.map((c) => [c.id, c.type, c.publish, c.alive, c.name]))
    expect(result.value.clients.filter((c) => c.publishing).map((c) => c.type)).toEqual(['fmle-publish'])
    // v4 reports its HTTP-FLV player as rtmp-play.
    expect(result.value.clients.some((c) => c.type === 'flv-play')).toBe(hasProcessFields(version))
    expect(srs.requested).toEqual(['/api/v1/clients/?start=0&count=100'])
  })

  it('reads vhosts', async () => {
    const raw = fixtureJson<{vhosts: Array<{id: string; name: string; clients: number; streams: number}>}>(version, 'vhosts-while-publishing.json').vhosts
    const srs = fixtureSrs(version, {'/api/v1/vhosts/': 'vhosts-while-publishing.json'})
    const result = await listSrsVhosts(srs.transport, opts)
    if (!result.ok) throw new Error(result.failure.message)
    expect(result.value.vhosts.map((v) => [v.id, v.name, v.clients, v.streams, v.enabled, v.hlsEnabled])).toEqual(raw.map((v) => [v.id, v.name, v.clients, v.streams, true, true]))
  })

  it('asks for a reload', async () => {
    const srs = fixtureSrs(version, {'/api/v1/raw': 'raw-rpc-reload.json'})
    expect(await requestSrsReload(srs.transport, opts)).toEqual({ok: true, value: {envelope: {}}})
    expect(srs.requested).toEqual(['/api/v1/raw?rpc=reload'])
  })

  it('fetches the reload result where SRS has one', async () => {
    const srs = fixtureSrs(version, {'/api/v1/raw': 'raw-rpc-reload-fetch.json'})
    const result = await fetchSrsReloadResult(srs.transport, opts)
    expect(srs.requested).toEqual(['/api/v1/raw?rpc=reload-fetch'])
    if (!hasProcessFields(version)) {
      expect(result).toMatchObject({ok: false, failure: {reason: 'srs-error', srsCode: 1060}})
      if (!result.ok) expect(result.failure.message).toMatch(/reload-fetch/)
      return
    }
    const raw = fixtureJson<{data: {rid: string}}>(version, 'raw-rpc-reload-fetch.json')
    expect(result).toEqual({ok: true, value: {state: 'none', stateCode: 0, errorCode: 0, message: 'Success', reloadId: raw.data.rid, envelope: {}}})
  })

  it('finds the origin of a stream in the cluster, with the query SRS origins send', async () => {
    const index = fixtureIndex(version)
    const srs = fixtureSrs(version, {'/api/v1/clusters': 'clusters-while-publishing-with-coworker.json'})
    const coworker = new URL(`http://x${index.get('clusters-while-publishing-with-coworker.json')?.pathAndQuery}`).searchParams.get('coworker') ?? ''
    const result = await querySrsClusters(srs.transport, {vhost: '__defaultVhost__', ip: '127.0.0.1', app: 'live', stream: 'livestream', coworker}, opts)
    expect(srs.requested).toEqual([index.get('clusters-while-publishing-with-coworker.json')?.pathAndQuery])
    const raw = fixtureJson<{data: {origin: unknown}}>(version, 'clusters-while-publishing-with-coworker.json')
    expect(result).toEqual({ok: true, value: {origin: raw.data.origin, envelope: {}}})
  })

  it('reports no origin for an unknown stream', async () => {
    const srs = fixtureSrs(version, {'/api/v1/clusters': 'clusters-unknown-stream.json'})
    const result = await querySrsClusters(srs.transport, {vhost: '__defaultVhost__', ip: '127.0.0.1', app: 'live', stream: 'nosuchstream'}, opts)
    expect(srs.requested).toEqual([fixtureIndex(version).get('clusters-unknown-stream.json')?.pathAndQuery])
    expect(result).toEqual({ok: true, value: {origin: null, envelope: {}}})
  })

  it('reads an edge stream waiting for an unreachable origin', async () => {
    const srs = fixtureSrs(version, {'/api/v1/streams/': 'edge-streams-before-origin-fix.json'}, 'cluster')
    const result = await listSrsStreams(srs.transport, opts)
    if (!result.ok) throw new Error(result.failure.message)
    expect(result.value.streams[0]).toMatchObject({publishing: true, video: null, audio: null, sendKbps: 0})
  })
})

describe.each(['v5.0-r3', 'v6.0-a1'] as const)('reload results recorded on %s', (version) => {
  it('tells an applied reload from a config that did not parse', async () => {
    const lines = recordedReloadFetchAnswers(version)
    const states = []
    for (const body of lines) {
      const result = await fetchSrsReloadResult(async () => ({status: 200, contentType: 'application/json', body}), opts)
      if (!result.ok) throw new Error(result.failure.message)
      states.push([result.value.state, result.value.errorCode])
    }
    expect(states).toEqual([
      ['applied', 0],
      ['parse-failed', 1023],
    ])
  })
})
