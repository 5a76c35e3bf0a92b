/**
 * kubectl srs top during a canary at 50 % on the guide's edges, with viewers simulated on every
 * edge pod: in a pseudo-terminal (bars of both tracks, per-pod sparklines, q and p), on a pipe
 * (one frame) and as JSON.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import path from 'node:path'
import {createNamespace, eventually, kubectl, kubectlJson, readyEndpoints, ROOT, srs} from '../helpers/cli.js'
import {inTerminal} from '../helpers/terminal.js'
import type {TopFrame} from '../../src/lib/top/frame.js'

const TOPO = path.join(ROOT, 'test/topologies')
let ns: {name: string; remove: () => void}
let stablePod: string
let canaryPods: string[]

function edgePods(track: 'stable' | 'canary'): string[] {
  const items = kubectlJson<{items: {metadata: {name: string; deletionTimestamp?: string; labels: Record<string, string>}}[]}>(['get', 'pods', '-n', ns.name, '-l', 'app=srs-edge']).items
  return items
    .filter((p) => !p.metadata.deletionTimestamp && (p.metadata.labels['srs.kubectl.io/track'] === 'canary') === (track === 'canary'))
    .map((p) => p.metadata.name)
    .sort()
}

function viewers(pod: string, n: number): void {
  kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', pod, `sim.srs.test/connections=${n}`, 'sim.srs.test/streams=live/a', 'sim.srs.test/kbps=1500'])
}

async function frame(): Promise<TopFrame> {
  const r = await srs(['top', 'srs-edge-deploy', '-n', ns.name, '-o', 'json'])
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as TopFrame
}

beforeAll(async () => {
  ns = createNamespace('top')
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
  kubectl(['scale', '-n', ns.name, 'deployment/srs-edge-deploy', '--replicas', '2'])
  await eventually('2 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 2, {timeoutMs: 90_000})
  expect((await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '50'])).code).toBe(0)
  stablePod = edgePods('stable')[0]!
  canaryPods = edgePods('canary')
  expect(canaryPods).toHaveLength(1)
  viewers(stablePod, 6)
  viewers(canaryPods[0]!, 2)
  await eventually('simulated viewers on both tracks', async () => {
    const f = await frame()
    return f.services[0]?.tracks.map((t) => t.viewers).join() === '6,2'
  })
}, 180_000)

afterAll(() => ns?.remove())

describe('top during a canary at 50 %', () => {
  test('on a pipe: one frame with both bars, then exit 0', async () => {
    const r = await srs(['top', 'srs-edge-deploy', '-n', ns.name])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain('\u001B[')
    expect(r.stdout).not.toContain('q quit')
    expect(r.stdout).toMatch(/stable {3}srs-edge-deploy {10}█{30}░{10} {3}6 viewers +measured 75% +requested 50%/)
    expect(r.stdout).toMatch(/canary {3}srs-edge-deploy-canary {3}█{10}░{30} {3}2 viewers +measured 25% +requested 50%/)
    expect(r.stdout).toMatch(new RegExp(`${canaryPods[0]} +canary +2 +█ +1500/3000`))
  })

  test('-o json: one frame, the same model', async () => {
    const f = await frame()
    expect(f.kind).toBe('SrsTop')
    expect(f.services).toHaveLength(1)
    expect(f.services[0]).toMatchObject({service: 'srs-edge-service', canary: null})
    expect(f.services[0]!.tracks.map((t) => [t.role, t.workload, t.requestedWeight])).toEqual([
      ['stable', 'srs-edge-deploy', 50],
      ['canary', 'srs-edge-deploy-canary', 50],
    ])
    const canary = f.pods.find((p) => p.name === canaryPods[0])!
    expect(canary).toMatchObject({track: 'canary', viewers: 2, kbpsIn: 1500, kbpsOut: 3000, history: {viewers: [2], kbpsOut: [3000]}})
  })

  test('in a terminal: both tracks get a bar with their viewers and weights, each pod a sparkline that follows its viewers; p pauses, q exits 0 and restores the screen', async () => {
    const t = inTerminal(['top', 'srs-edge-deploy', '-n', ns.name, '--interval', '1s'], {cols: 160, rows: 30})
    await t.waitFor('the first frame', /q quit · p pause/)
    const first = t.output()
    expect(first.startsWith('\u001B[?1049h\u001B[?25l')).toBe(true) // alternate screen, cursor hidden
    expect(first).toMatch(/stable {3}srs-edge-deploy {10}█{30}░{10} {3}6 viewers +measured 75% +requested 50%/)
    expect(first).toMatch(/canary {3}srs-edge-deploy-canary {3}█{10}░{30} {3}2 viewers +measured 25% +requested 50%/)
    // The stable pod's viewers rise from 6 to 12: its sparkline keeps the old samples low and the new ones full.
    const mark = t.output().length
    viewers(stablePod, 12)
    const risen = await t.waitFor('the sparkline to rise', new RegExp(`${stablePod} +stable +12 +▅+█+ `), {from: mark})
    expect(risen).toMatch(new RegExp(`${canaryPods[0]} +canary +2 +█{2,} `))
    t.type('p')
    await t.waitFor('paused', /\[paused\][^]*q quit · p resume/, {from: mark})
    t.type('p')
    await t.waitFor('resumed', /q quit · p pause/, {from: t.output().length})
    t.type('q')
    expect(await t.closed).toBe(0)
    expect(t.output().endsWith('\u001B[?25h\u001B[?1049l')).toBe(true) // cursor back, main screen back
  }, 90_000)
})
