/**
 * kubectl srs clients and kick end to end: the guide's origin cluster and edges on the local
 * control plane, simulated SRS clients read and closed through the real apiserver pod proxy.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import path from 'node:path'
import type {ClientsResult, KickResult} from '../../src/lib/clients/result.js'
import type {StatusReport} from '../../src/lib/status/report.js'
import {createNamespace, eventually, kubectl, kubectlJson, ROOT, srs} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')
let ns: {name: string; remove: () => void}
let edges: string[]

async function clients(args: string[] = []): Promise<{code: number; result: ClientsResult; stderr: string}> {
  const r = await srs(['clients', '-n', ns.name, '-o', 'json', ...args])
  return {code: r.code, result: JSON.parse(r.stdout) as ClientsResult, stderr: r.stderr}
}

function annotate(pod: string, values: Record<string, string>): void {
  kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', pod, ...Object.entries(values).map(([k, v]) => `sim.srs.test/${k}=${v}`)])
}

beforeAll(async () => {
  ns = createNamespace('clients')
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
  await eventually(
    'origin and edge pods answering',
    async () => {
      const r = await srs(['status', '-n', ns.name, '-o', 'json'])
      return r.code === 0 && (JSON.parse(r.stdout) as StatusReport).summary.podsAnswered === 5
    },
    {timeoutMs: 120_000},
  )
  edges = kubectlJson<{items: {metadata: {name: string}}[]}>(['get', 'pods', '-n', ns.name, '-l', 'app=srs-edge'])
    .items.map((p) => p.metadata.name)
    .sort()
  // srs-origin-0: the publisher of live/livestream and 2 players (edges pulling); each edge: players.
  annotate('srs-origin-0', {connections: '3', streams: 'live/livestream', kbps: '380'})
  annotate(edges[0]!, {connections: '4', streams: 'live/livestream'})
  annotate(edges[1]!, {connections: '12', streams: 'live/livestream'}) // more than SRS's page of 10
}, 150_000)

afterAll(() => ns?.remove())

describe('clients', () => {
  test('lists the simulated clients of every pod, past SRS page of 10, with type, stream and kbps', async () => {
    const {code, result} = await eventually('clients applied', async () => {
      const c = await clients()
      return c.result.clients.length === 19 ? c : undefined
    })
    expect(code).toBe(0)
    expect(result.unreachable).toEqual([])
    const perPod = (pod: string) => result.clients.filter((c) => c.pod === pod)
    expect(
      perPod('srs-origin-0')
        .map((c) => c.type)
        .sort(),
    ).toEqual(['fmle-publish', 'rtmp-play', 'rtmp-play'].sort())
    expect(perPod(edges[0]!)).toHaveLength(4)
    expect(perPod(edges[1]!)).toHaveLength(12)
    for (const c of result.clients) expect(c).toMatchObject({namespace: ns.name, stream: 'live/livestream', ip: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/), id: expect.stringMatching(/^[a-z0-9]{8}$/)})
    expect(perPod('srs-origin-0').find((c) => c.direction === 'publish')!.kbps).toBe(380)

    const text = await srs(['clients', '-n', ns.name])
    expect(text.stdout).toMatch(/POD\s+CLIENT\s+TYPE\s+IP\s+STREAM\s+CONNECTED\s+KBPS/)
    expect(text.stdout).toMatch(/srs-origin-0\s+[a-z0-9]{8}\s+fmle-publish\s+\S+\s+live\/livestream/)
  })

  test('WORKLOAD, POD, --type and --stream narrow the list', async () => {
    expect((await clients(['srs-origin'])).result.clients.map((c) => c.pod)).toEqual(['srs-origin-0', 'srs-origin-0', 'srs-origin-0'])
    expect((await clients([edges[0]!])).result.clients).toHaveLength(4)
    expect((await clients(['--type', 'publish'])).result.clients.map((c) => [c.pod, c.type])).toEqual([['srs-origin-0', 'fmle-publish']])
    expect((await clients(['--stream', 'live/other'])).result.clients).toEqual([])
    const unknown = await srs(['clients', 'no-such-workload', '-n', ns.name])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no SRS workload or pod named "no-such-workload"/)
  })

  test('status shows viewers (clients list) and connections (conn_srs) side by side', async () => {
    const r = await srs(['status', '-n', ns.name, '-o', 'json'])
    const report = JSON.parse(r.stdout) as StatusReport
    expect(report.summary.viewers).toBe(19)
    const o0 = report.workloads.flatMap((w) => w.pods).find((p) => p.name === 'srs-origin-0')!
    expect(o0.srs).toMatchObject({viewers: 3, players: 2, publishers: 1})
    const text = await srs(['status', '-n', ns.name])
    expect(text.stdout).toMatch(/VIEWERS\s+CONNS/)
    expect(text.stdout).toContain('VIEWERS: players and publishers (SRS clients list); CONNS: every connection SRS serves (conn_srs)')
  })
})

describe('kick', () => {
  test('refuses bad requests and closes nothing', async () => {
    const cases: [string[], RegExp][] = [
      [[], /nothing to close/],
      [['abc', '--stream', 'live/livestream'], /not both/],
      [['--publishers'], /--publishers needs --stream/],
      [['zzzzzzzz', '--yes'], /no client with id zzzzzzzz/],
      [['--stream', 'live/livestream'], /not on a terminal.*\n.*--yes/s],
    ]
    for (const [args, says] of cases) {
      const r = await srs(['kick', '-n', ns.name, ...args])
      expect([args, r.code]).toEqual([args, 2])
      expect(r.stderr).toMatch(says)
    }
    expect((await clients()).result.clients).toHaveLength(19)
  })

  test('--dry-run names the clients and pods; a client id closes that client and it is gone', async () => {
    const dry = await srs(['kick', '-n', ns.name, '--stream', 'live/livestream', '--publishers', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('Will close 1 client(s) on 1 pod(s) (srs-origin-0)')
    expect(dry.stdout).toContain('Dry run: nothing closed.')

    const player = (await clients([edges[1]!])).result.clients[0]!
    const r = await srs(['kick', '-n', ns.name, player.id, '--yes', '-o', 'json'])
    expect(r.code).toBe(0)
    const res = JSON.parse(r.stdout) as KickResult
    expect(res.clients.map((c) => [c.pod, c.id, c.outcome])).toEqual([[edges[1]!, player.id, 'closed']])
    const after = (await clients([edges[1]!])).result.clients
    expect(after).toHaveLength(11)
    expect(after.map((c) => c.id)).not.toContain(player.id)
  })

  test('kick --stream live/livestream --publishers closes the publisher and clients no longer shows it', async () => {
    const r = await srs(['kick', '-n', ns.name, '--stream', 'live/livestream', '--publishers', '--yes'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/srs-origin-0\s+[a-z0-9]{8}\s+fmle-publish\s+.*closed/)
    expect(r.stdout).toContain('1 closed of 1 client(s).')
    const after = await clients()
    expect(after.result.clients.filter((c) => c.direction === 'publish')).toEqual([])
    expect(after.result.clients.filter((c) => c.pod === 'srs-origin-0').map((c) => c.type)).toEqual(['rtmp-play', 'rtmp-play'])
  })
})
