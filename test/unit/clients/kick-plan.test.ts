import {describe, expect, it} from '@jest/globals'
import {planKick} from '../../../src/lib/clients/kick.js'
import type {ClientReport} from '../../../src/lib/clients/result.js'

const client = (pod: string, id: string, direction: 'play' | 'publish', stream = 'live/livestream'): ClientReport => ({
  namespace: 'live',
  pod,
  workload: pod.replace(/-\d+$/, ''),
  id,
  type: direction === 'publish' ? 'fmle-publish' : 'rtmp-play',
  direction,
  ip: '10.244.0.1',
  stream,
  aliveSeconds: 12,
  kbps: 380,
})

const found = [
  client('srs-origin-0', 'pub00001', 'publish'),
  client('srs-origin-0', 'ply00001', 'play'),
  client('srs-edge-1', 'ply00002', 'play'),
  client('srs-edge-2', 'ply00002', 'play'), // ids are unique per SRS process only
  client('srs-edge-2', 'oth00001', 'play', 'live/other'),
]

describe('planKick', () => {
  it('a stream: every client of it, or its publishers only; a bare name matches app/name', () => {
    expect(planKick(found, {clientIds: [], stream: 'live/livestream', publishersOnly: false})).toEqual({ok: true, clients: found.slice(0, 4)})
    expect(planKick(found, {clientIds: [], stream: 'livestream', publishersOnly: true})).toEqual({ok: true, clients: [found[0]]})
  })

  it('a stream without such clients is refused, saying how to list them', () => {
    expect(planKick(found, {clientIds: [], stream: 'live/other', publishersOnly: true})).toEqual({
      ok: false,
      problem: 'no publisher of stream live/other on any SRS pod asked',
      hint: 'list them with kubectl srs clients --stream live/other',
    })
  })

  it('ids: each names one client; POD/ID picks among pods; unknown and ambiguous ids are refused', () => {
    expect(planKick(found, {clientIds: ['pub00001', 'srs-edge-2/ply00002'], publishersOnly: false})).toEqual({ok: true, clients: [found[0], found[3]]})
    expect(planKick(found, {clientIds: ['nope0001'], publishersOnly: false})).toMatchObject({ok: false, problem: 'no client with id nope0001 on any SRS pod asked'})
    expect(planKick(found, {clientIds: ['ply00002'], publishersOnly: false})).toEqual({
      ok: false,
      problem: 'client id ply00002 is on more than one pod (srs-edge-1, srs-edge-2)',
      hint: 'name the pod: POD/ply00002, e.g. srs-edge-1/ply00002',
    })
  })
})
