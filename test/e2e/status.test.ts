/**
 * kubectl srs status end to end: the guide's topology on the local control plane, simulated SRS
 * pods answering through the real apiserver pod proxy.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import Ajv2020 from 'ajv/dist/2020.js'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {StatusReport} from '../../src/lib/status/report.js'
import type {StreamsResult} from '../../src/lib/status/streams.js'
import {spawn} from 'node:child_process'
import {BIN, createNamespace, eventually, KUBECONFIG, kubectl, ROOT, srs} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')
let ns: {name: string; remove: () => void}

async function status(args: string[] = []): Promise<{code: number; report: StatusReport; stderr: string}> {
  const r = await srs(['status', '-n', ns.name, '-o', 'json', ...args])
  return {code: r.code, report: JSON.parse(r.stdout) as StatusReport, stderr: r.stderr}
}

function annotate(pod: string, values: Record<string, string>): void {
  kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', pod, ...Object.entries(values).map(([k, v]) => `sim.srs.test/${k}=${v}`)])
}

function podsOf(report: StatusReport, workload: string): string[] {
  return report.workloads.find((w) => w.name === workload)!.pods.map((p) => p.name)
}

/**
 * `kubectl srs ARGS` in a pseudo-terminal of `cols` columns (script from util-linux), as a user
 * at a terminal runs it. The shell execs kubectl, which execs the plugin: the pid it prints is the
 * plugin's.
 */
function inTerminal(cols: number, args: string[]): {output: () => string; pid: Promise<number>; closed: Promise<number | null>} {
  const child = spawn('script', ['-qec', `stty cols ${cols}; echo PID=$$; exec kubectl srs ${args.join(' ')}`, '/dev/null'], {
    env: {...process.env, PATH: `${BIN}:${process.env.PATH}`, KUBECONFIG, NO_COLOR: '1'},
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  const pid = eventually('the plugin pid', () => {
    const m = /PID=(\d+)/.exec(out)
    return m ? Number(m[1]) : undefined
  })
  // A plugin that hangs is killed with its terminal, so that a failing test leaves nothing behind.
  const guard = setTimeout(() => {
    void pid.then((p) => process.kill(p, 'SIGKILL')).catch(() => {})
    child.kill('SIGKILL')
  }, 45_000)
  void closed.finally(() => clearTimeout(guard))
  return {output: () => out, pid, closed}
}

beforeAll(async () => {
  ns = createNamespace('status')
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
  await eventually('origin and edge pods answering', async () => {
    const {code, report} = await status()
    return code === 0 && report.summary.podsAnswered === 5 ? report : undefined
  })
}, 120_000)

afterAll(() => ns?.remove())

describe('status on the origin cluster and edges', () => {
  test('every pod with the version its image implies, connections from the simulator, roles and links', async () => {
    const before = await status()
    const [origin0] = podsOf(before.report, 'srs-origin')
    const edges = podsOf(before.report, 'srs-edge-deploy')
    annotate(origin0!, {connections: '12', streams: 'live/a,live/b', kbps: '380'})
    annotate(edges[0]!, {connections: '7'})
    annotate(edges[1]!, {connections: '5'})
    const {code, report} = await eventually('connections applied', async () => {
      const s = await status()
      return s.report.summary.connections === 24 ? s : undefined
    })
    expect(code).toBe(0)
    const origin = report.workloads.find((w) => w.name === 'srs-origin')!
    const edge = report.workloads.find((w) => w.name === 'srs-edge-deploy')!
    expect(origin).toMatchObject({kind: 'StatefulSet', role: 'origin-cluster', ready: 3, desired: 3, apiPort: 1985, config: {source: 'configmap', configMap: 'srs-origin-config', key: 'srs.conf'}})
    expect(origin.links.coworkers).toEqual(['srs-origin-0.socs:1985', 'srs-origin-1.socs:1985', 'srs-origin-2.socs:1985'])
    expect(edge).toMatchObject({kind: 'Deployment', role: 'edge', ready: 2, desired: 2, images: ['ossrs/srs:v4.0.5']})
    expect(edge.links.origins).toEqual(['srs-origin-0.socs', 'srs-origin-1.socs', 'srs-origin-2.socs'])
    // ossrs/srs:3 reports a 3.0.x; v4.0.5 reports exactly 4.0.5 and is verified against its tag
    for (const p of origin.pods) expect(p.srs?.version).toMatch(/^3\.0\.\d+$/)
    for (const p of edge.pods) expect(p.srs).toMatchObject({version: '4.0.5', versionCheck: 'match'})
    const o0 = origin.pods.find((p) => p.name === origin0)!
    expect(o0.srs).toMatchObject({connections: 12, streams: 2, streamsPublished: 2})
    expect(edge.pods.map((p) => p.srs!.connections).sort()).toEqual([5, 7])
    expect(report.warnings).toEqual([])
    // nginx-origin-deploy only copies files with an SRS image: not an SRS workload
    expect(report.workloads.map((w) => w.name).sort()).toEqual(['srs-edge-deploy', 'srs-origin'])
  })

  test('streams: every stream joined across pods, with the origin that has the publisher and the edges that pull it', async () => {
    const {report} = await status()
    const [origin0] = podsOf(report, 'srs-origin')
    const [edge0] = podsOf(report, 'srs-edge-deploy')
    annotate(origin0!, {streams: 'live/a,live/b', connections: '12', kbps: '380'})
    annotate(edge0!, {streams: 'live/a', connections: '7'})
    const result = await eventually('edge pulls live/a', async () => {
      const r = await srs(['streams', '-n', ns.name, '-o', 'json'])
      const doc = JSON.parse(r.stdout) as StreamsResult
      return r.code === 0 && doc.streams.find((x) => x.stream === 'live/a')?.pods.length === 2 ? doc : undefined
    })
    // (pods given connections but no streams play the simulator's default live/livestream)
    expect(result.streams.map((x) => x.stream)).toEqual(expect.arrayContaining(['live/a', 'live/b']))
    const a = result.streams.find((x) => x.stream === 'live/a')!
    expect(a.publishedOn).toEqual([origin0])
    expect(a.pods.map((p) => [p.pod, p.role, p.publishing])).toEqual(
      [
        [origin0, 'origin-cluster', true],
        [edge0, 'edge', true],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]), undefined, {numeric: true})),
    )
    const one = await srs(['streams', '-n', ns.name, '--stream', 'live/b', '-o', 'json'])
    expect((JSON.parse(one.stdout) as StreamsResult).streams.map((x) => x.stream)).toEqual(['live/b'])
    const table = await srs(['streams', '-n', ns.name])
    expect(table.stdout).toMatch(new RegExp(`live/a\\s+${origin0}\\s+`))
    const bad = await srs(['streams', '-n', ns.name, '--stream', 'live/$(reboot)'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--stream')
  })

  test('--watch prints a new document when something changes, until interrupted', async () => {
    const {report} = await status()
    const edge = podsOf(report, 'srs-edge-deploy')[0]!
    const child = spawn('kubectl', ['srs', 'status', 'srs-edge-deploy', '-n', ns.name, '-o', 'json', '--watch', '--interval', '1s'], {
      env: {...process.env, PATH: `${BIN}:${process.env.PATH}`, KUBECONFIG, NO_COLOR: '1'},
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const docs = () => out.split(/\n(?=\{)/).filter((x) => x.trim())
    await eventually('first document', () => docs().length >= 1, {timeoutMs: 30_000})
    annotate(edge, {connections: '41'})
    await eventually('a second document after the change', () => docs().length >= 2, {timeoutMs: 30_000})
    const last = JSON.parse(docs().at(-1)!) as StatusReport
    expect(last.workloads[0]!.pods.find((p) => p.name === edge)!.srs!.connections).toBe(41)
    child.kill('SIGINT')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(0)
  })

  test('a terminal that reports 0 columns: no spinner (it would redraw forever), the table, exit 0', async () => {
    const t = inTerminal(0, ['status', '-n', ns.name])
    const code = await t.closed // null: it still spun when the guard killed it
    expect(code).toBe(0)
    expect(t.output().length).toBeLessThan(16_384)
    expect(t.output()).toMatch(/^statefulset\/srs-origin\s/m)
  })

  test.each([0, 80])('SIGTERM ends status --watch in a terminal of %d columns: exit 143', async (cols) => {
    const t = inTerminal(cols, ['status', '-n', ns.name, '--watch', '--interval', '1s'])
    await eventually('the first table', () => /^POD\s/m.test(t.output()), {timeoutMs: 30_000})
    process.kill(await t.pid, 'SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const ended = await Promise.race([t.closed, new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), 15_000)))])
    clearTimeout(timer)
    if (ended === 'still running') process.kill(await t.pid, 'SIGKILL')
    expect(ended).toBe(143)
    expect(t.output().length).toBeLessThan(256 * 1024)
  })

  test('a password piped to --api-password-file - is the password, never taken for the WORKLOAD nor printed', async () => {
    const r = await srs(['status', '-n', ns.name, '--api-user', 'admin', '--api-password-file', '-', '-o', 'json'], {input: 'piped-pw-4711\n'})
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    const report = JSON.parse(r.stdout) as StatusReport
    expect(report.workloads.map((w) => [w.name, w.apiAuth?.source]).sort()).toEqual([
      ['srs-edge-deploy', 'flags'],
      ['srs-origin', 'flags'],
    ])
    expect(r.stdout).not.toContain('piped-pw-4711')
  })

  test('-o json validates against the documented schema', async () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'docs/status-schema.json'), 'utf8'))
    const ajv = new Ajv2020.default({allErrors: true, strict: false})
    const validate = ajv.compile(schema)
    const {report} = await status()
    expect(validate(report) ? [] : validate.errors).toEqual([])
    const yaml = await srs(['status', '-n', ns.name, '-o', 'yaml'])
    expect(yaml.code).toBe(0)
    expect(yaml.stdout).toContain('kind: SrsStatus')
  })

  test('the table shows workloads, links and every pod', async () => {
    const r = await srs(['status', '-n', ns.name])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/statefulset\/srs-origin\s+origin-cluster\s+3\/3\s+ossrs\/srs:3\s+coworkers: srs-origin-0.socs:1985/)
    expect(r.stdout).toMatch(/deployment\/srs-edge-deploy\s+edge\s+2\/2\s+ossrs\/srs:v4.0.5\s+origins: srs-origin-0.socs/)
    expect(r.stdout).toMatch(/srs-origin-2\s+1\/1\s+Running/)
    const wide = await srs(['status', 'srs-edge-deploy', '-n', ns.name, '-o', 'wide'])
    expect(wide.stdout).toMatch(/IP\s+SERVER\s+PID\s+UPTIME/)
    expect(wide.stdout).not.toMatch(/^srs-origin-0\s/m)
  })

  test('a pod reporting another version than its image tag is flagged, never verified', async () => {
    const {report} = await status()
    const edge = podsOf(report, 'srs-edge-deploy')[0]!
    annotate(edge, {'report-version': '4.0.4'})
    try {
      const after = await eventually('version change seen', async () => {
        const s = await status()
        return s.report.workloads.flatMap((w) => w.pods).find((p) => p.name === edge)?.srs?.version === '4.0.4' ? s : undefined
      })
      const pod = after.report.workloads.flatMap((w) => w.pods).find((p) => p.name === edge)!
      expect(pod.srs!.versionCheck).toBe('mismatch')
      expect(after.report.warnings).toContainEqual(expect.objectContaining({kind: 'version-mismatch', pod: edge, message: `pod ${edge} runs image tag v4.0.5 but its SRS reports version 4.0.4`}))
    } finally {
      kubectl(['annotate', '-n', ns.name, 'pod', edge, 'sim.srs.test/report-version-'])
    }
  })

  test('slow, failing and garbage pods: status finishes within the timeout, names each reason, exits 3', async () => {
    const {report} = await status()
    const [o0, o1, o2] = podsOf(report, 'srs-origin')
    const started = Date.now()
    const baseline = await srs(['status', '-n', ns.name, '-o', 'json', '--timeout', '3s'])
    const baselineMs = Date.now() - started
    expect(baseline.code).toBe(0)
    annotate(o0!, {fault: 'slow', 'slow-ms': '20000'})
    annotate(o1!, {fault: '500'})
    annotate(o2!, {fault: 'garbage'})
    try {
      await eventually('faults applied', async () => {
        const s = await status(['--timeout', '3s'])
        return s.report.summary.podsDegraded === 3 ? s : undefined
      })
      const t0 = Date.now()
      const r = await srs(['status', '-n', ns.name, '-o', 'json', '--timeout', '3s'])
      const elapsed = Date.now() - t0
      expect(r.code).toBe(3)
      // the timeout plus one second on top of what a healthy run takes
      expect(elapsed).toBeLessThan(baselineMs + 3000 + 1000)
      const pods = (JSON.parse(r.stdout) as StatusReport).workloads.flatMap((w) => w.pods)
      expect(pods.find((p) => p.name === o0)!.error!.reason).toBe('timeout')
      expect(pods.find((p) => p.name === o1)!.error!.reason).toBe('http-500')
      expect(pods.find((p) => p.name === o2)!.error!.reason).toBe('not-json')
      // the healthy edges are still reported
      expect(pods.filter((p) => p.srs !== null)).toHaveLength(2)
      const table = await srs(['status', '-n', ns.name, '--timeout', '3s'])
      expect(table.code).toBe(3)
      expect(table.stdout).toContain('Warnings:')
      expect(table.stdout).toContain(`pod ${o1}: SRS API answered HTTP 500`)
    } finally {
      for (const p of [o0!, o1!, o2!]) kubectl(['annotate', '-n', ns.name, 'pod', p, 'sim.srs.test/fault-', 'sim.srs.test/slow-ms-'])
    }
  })

  test('after a StatefulSet scale-up with no config change, the drift warning names the missing coworker', async () => {
    kubectl(['scale', '-n', ns.name, 'statefulset/srs-origin', '--replicas', '4'])
    try {
      const {report} = await eventually('srs-origin-3 answering', async () => {
        const s = await status()
        return s.report.workloads.find((w) => w.name === 'srs-origin')?.pods.filter((p) => p.srs).length === 4 ? s : undefined
      })
      const drift = report.warnings.filter((w) => w.kind === 'drift').map((w) => w.message)
      expect(drift).toEqual(['srs-origin-config does not list coworker srs-origin-3.socs:1985', 'srs-edge-config does not list origin srs-origin-3.socs'])
      const table = await srs(['status', '-n', ns.name])
      expect(table.stdout).toContain('! srs-origin-config does not list coworker srs-origin-3.socs:1985')
    } finally {
      kubectl(['scale', '-n', ns.name, 'statefulset/srs-origin', '--replicas', '3'])
    }
  })
})

describe('status on the manual canary pair', () => {
  let pair: {name: string; remove: () => void}
  beforeAll(() => {
    pair = createNamespace('pair')
    kubectl(['apply', '-n', pair.name, '-f', path.join(TOPO, 'edge-canary-pair.yaml')])
  })
  afterAll(() => pair?.remove())

  test('r5 x3 and r6 x1 with 90 / 30 connections: 25 % by pods and by connections', async () => {
    const pods = await eventually('4 edge pods', () => {
      const names = kubectl(['get', 'pods', '-n', pair.name, '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').filter(Boolean)
      return names.length === 4 ? names : undefined
    })
    for (const p of pods) {
      kubectl(['annotate', '--overwrite', '-n', pair.name, 'pod', p, 'sim.srs.test/connections=30'])
    }
    const r = await eventually('weights measured', async () => {
      const s = await srs(['status', '-n', pair.name, '-o', 'json'])
      const rep = JSON.parse(s.stdout) as StatusReport
      return rep.summary.connections === 120 ? rep : undefined
    })
    expect(r.groups).toHaveLength(1)
    const g = r.groups[0]!
    expect(g.service).toBe('srs-edge-service')
    const canary = g.tracks.find((t) => t.role === 'canary')!
    const stable = g.tracks.find((t) => t.role === 'stable')!
    expect(canary).toMatchObject({workload: 'srs-edge-r6-deploy', image: 'ossrs/srs:v4.0.6', pods: 1, connections: 30, weightByPods: 25, weightByConnections: 25})
    expect(stable).toMatchObject({workload: 'srs-edge-r5-deploy', pods: 3, connections: 90, weightByPods: 75, weightByConnections: 75})
    const table = await srs(['status', '-n', pair.name])
    expect(table.stdout).toMatch(/canary\s+srs-edge-r6-deploy\s+ossrs\/srs:v4.0.6\s+1\/1\s+30\s+25%\s+25%/)
  })
})
