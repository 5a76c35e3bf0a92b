import {describe, expect, it} from '@jest/globals'
import {collectPodSrsInfo, collectSrsInfoForPods, srsRestartedBetween, type PodSrsInfo} from '../../../src/lib/srs/api/index.js'
import {fixtureJson, fixtureSrs, SRS_VERSIONS, type FixtureVersion} from './fixtures.js'

const opts = {timeoutMs: 1000}

const publishingRoutes = {
  '/api/v1/versions': 'versions-while-publishing.json',
  '/api/v1/summaries': 'summaries-while-publishing-2.json',
  '/api/v1/streams/': 'streams-while-publishing-2.json',
  '/api/v1/clients/': 'clients-while-publishing-2.json',
}

const idleRoutes = {
  '/api/v1/versions': 'versions.json',
  '/api/v1/summaries': 'summaries.json',
  '/api/v1/streams/': 'streams.json',
  '/api/v1/clients/': 'clients.json',
}

async function snapshot(version: FixtureVersion, routes: Record<string, string>): Promise<PodSrsInfo> {
  const result = await collectPodSrsInfo(fixtureSrs(version, routes).transport, opts)
  if (!result.ok) throw new Error(result.failure.message)
  return result.value
}

describe.each(SRS_VERSIONS)('pod snapshot of %s', (version) => {
  type RawStreams = {server: string; service?: string; pid?: string; streams: Array<{kbps: {recv_30s: number; send_30s: number}}>}

  it('combines versions, summaries, streams and clients', async () => {
    const streams = fixtureJson<RawStreams>(version, 'streams-while-publishing-2.json')
    const versions = fixtureJson<{data: {version: string}}>(version, 'versions-while-publishing.json')
    const summaries = fixtureJson<{data: {self: {srs_uptime: number}}}>(version, 'summaries-while-publishing-2.json')
    const info = await snapshot(version, publishingRoutes)
    expect(info.version.version).toBe(versions.data.version)
    expect(info.serverId).toBe(streams.server)
    expect(info.serviceId).toBe(streams.service)
    expect(info.pid).toBe(streams.pid === undefined ? undefined : Number(streams.pid))
    expect('serviceId' in info).toBe(version !== 'v4.0-r5')
    expect(info.summary.uptimeSeconds).toBe(summaries.data.self.srs_uptime)
    expect(info.streamsPublished).toBe(1)
    expect(info.clients).toBe(3)
    expect(info.recvKbps).toBe(streams.streams.reduce((a, s) => a + s.kbps.recv_30s, 0))
    expect(info.sendKbps).toBe(streams.streams.reduce((a, s) => a + s.kbps.send_30s, 0))
    expect(info.recvKbps).toBeGreaterThan(300)
  })

  it('shows an idle server as idle', async () => {
    const info = await snapshot(version, idleRoutes)
    expect(info).toMatchObject({streams: [], streamsPublished: 0, clients: 0, recvKbps: 0, sendKbps: 0})
  })

  it('does not see a restart between two snapshots of one process', async () => {
    expect(srsRestartedBetween(await snapshot(version, idleRoutes), await snapshot(version, publishingRoutes))).toBe(false)
  })

  it('fails the snapshot with the first failing endpoint', async () => {
    const result = await collectPodSrsInfo(fixtureSrs(version, {...publishingRoutes, '/api/v1/summaries': 'unknown-path-api-v1-nonexistent.json'}).transport, opts)
    expect(result).toMatchObject({ok: false, failure: {reason: 'unexpected-json', path: '/api/v1/summaries'}})
  })
})

describe('restart detection', () => {
  it('sees a new service id (SRS 5/6)', async () => {
    const before = await snapshot('v6.0-a1', publishingRoutes)
    expect(srsRestartedBetween(before, {...before, serviceId: 'new00001'})).toBe(true)
  })

  it('sees a falling uptime where there is no service id (SRS 4)', async () => {
    const before = await snapshot('v4.0-r5', publishingRoutes)
    const after = {...before, summary: {...before.summary, uptimeSeconds: 2}}
    expect(before.summary.uptimeSeconds).toBeGreaterThan(2)
    expect(srsRestartedBetween(before, after)).toBe(true)
  })
})

describe('many pods', () => {
  it('keeps each pod with its own result', async () => {
    const pods = ['edge-a', 'edge-b'] as const
    const results = await collectSrsInfoForPods(pods, (pod) => (pod === 'edge-a' ? fixtureSrs('v6.0-a1', publishingRoutes).transport : () => new Promise(() => undefined)), {
      timeoutMs: 50,
      concurrency: 2,
    })
    expect(results.map((r) => [r.target, r.result.ok ? r.result.value.version.version : r.result.failure.reason])).toEqual([
      ['edge-a', '6.0.155'],
      ['edge-b', 'timeout'],
    ])
  })
})
