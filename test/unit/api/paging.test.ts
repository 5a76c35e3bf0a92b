import {describe, expect, it} from '@jest/globals'
import {listSrsClients, listSrsStreams, type SrsTransport} from '../../../src/lib/srs/api/index.js'
import {fixtureJson, pagingSrs, SRS_VERSIONS} from './fixtures.js'

type RawClients = {code: number; server: string; clients: Array<Record<string, unknown>>}

/** `n` real client entries of a fixture, each with its own id, as a busy edge would list them. */
function manyClients(raw: RawClients, n: number): Array<Record<string, unknown>> {
  return Array.from({length: n}, (_, i) => ({...raw.clients[i % raw.clients.length], id: `c${String(i).padStart(7, '0')}`}))
}

describe.each(SRS_VERSIONS)('paging over %s clients', (version) => {
  const {clients: _clients, ...envelope} = fixtureJson<RawClients>(version, 'clients-while-publishing-2.json')

  it('walks pages until one comes back short', async () => {
    const srs = pagingSrs(envelope, 'clients', manyClients(fixtureJson<RawClients>(version, 'clients-while-publishing-2.json'), 25))
    const result = await listSrsClients(srs.transport, {timeoutMs: 1000, pageSize: 10})
    if (!result.ok) throw new Error(result.failure.message)
    expect(result.value.clients).toHaveLength(25)
    expect(new Set(result.value.clients.map((c) => c.id)).size).toBe(25)
    expect(srs.requested).toEqual(['/api/v1/clients/?start=0&count=10', '/api/v1/clients/?start=10&count=10', '/api/v1/clients/?start=20&count=10'])
    expect(result.value.envelope.server).toBe(envelope.server)
  })

  it('asks for at least 10 per page, as SRS would send 10 anyway', async () => {
    const srs = pagingSrs(envelope, 'clients', manyClients(fixtureJson<RawClients>(version, 'clients-while-publishing-2.json'), 12))
    const result = await listSrsClients(srs.transport, {timeoutMs: 1000, pageSize: 1})
    expect(result.ok && result.value.clients).toHaveLength(12)
    expect(srs.requested).toEqual(['/api/v1/clients/?start=0&count=10', '/api/v1/clients/?start=10&count=10'])
  })

  it('stops on an empty page when the total is a multiple of the page size', async () => {
    const srs = pagingSrs(envelope, 'clients', manyClients(fixtureJson<RawClients>(version, 'clients-while-publishing-2.json'), 20))
    const result = await listSrsClients(srs.transport, {timeoutMs: 1000, pageSize: 10})
    expect(result.ok && result.value.clients).toHaveLength(20)
    expect(srs.requested).toHaveLength(3)
  })
})

describe('paging safety', () => {
  it('stops when a server ignores start and repeats the same full page', async () => {
    const page = {code: 0, streams: Array.from({length: 10}, (_, i) => ({id: `vid-${i}`}))}
    let calls = 0
    const transport: SrsTransport = async () => {
      calls++
      return {status: 200, contentType: 'application/json', body: JSON.stringify(page)}
    }
    const result = await listSrsStreams(transport, {timeoutMs: 1000, pageSize: 10})
    expect(result.ok && result.value.streams).toHaveLength(10)
    expect(calls).toBe(2)
  })

  it('counts an item that moved to the next page once', async () => {
    // A client left between the two requests, so the first item of page 2 was the last of page 1.
    const pages = [Array.from({length: 10}, (_, i) => ({id: `c${i}`})), [{id: 'c9'}, {id: 'c10'}]]
    let call = 0
    const transport: SrsTransport = async () => ({status: 200, contentType: 'application/json', body: JSON.stringify({code: 0, clients: pages[call++] ?? []})})
    const result = await listSrsClients(transport, {timeoutMs: 1000, pageSize: 10})
    expect(result.ok && result.value.clients.map((c) => c.id)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10'])
  })
})
