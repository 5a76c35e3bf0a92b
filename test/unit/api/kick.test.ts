import {describe, expect, it} from '@jest/globals'
import {countViewers, kickSrsClient, listSrsClients, type SrsTransport} from '../../../src/lib/srs/api/index.js'
import {fixtureAnswer, SRS_VERSIONS} from './fixtures.js'

const opts = {timeoutMs: 1000}

describe.each(SRS_VERSIONS)('SRS %s: closing a client', (version) => {
  it('sends DELETE /api/v1/clients/{id} and takes code 0 as done', async () => {
    const asked: string[] = []
    const transport: SrsTransport = async (path, o) => {
      asked.push(`${o.method ?? 'GET'} ${path}`)
      return fixtureAnswer(version, 'client-delete-kick.json')
    }
    const result = await kickSrsClient(transport, 'abc 123', opts)
    expect(result.ok).toBe(true)
    expect(asked).toEqual(['DELETE /api/v1/clients/abc%20123'])
  })

  it('reports an unknown client as srs-error 2049', async () => {
    const transport: SrsTransport = async () => fixtureAnswer(version, 'clients-unknown-id.json')
    const result = await kickSrsClient(transport, 'nonexistent', opts)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.failure).toMatchObject({reason: 'srs-error', srsCode: 2049})
  })

  it('counts viewers from the clients list: players and publishers', async () => {
    const transport: SrsTransport = async () => fixtureAnswer(version, 'clients-while-publishing.json')
    const listed = await listSrsClients(transport, opts)
    if (!listed.ok) throw new Error(listed.failure.message)
    expect(countViewers(listed.value.clients)).toEqual({viewers: 3, players: 2, publishers: 1})
  })
})
