/**
 * --handoff-after (issue 19, item 5) and the outcomes of StatefulSet steps (item 4). A leaving
 * edge with a long grace period and simulated clients that never leave by themselves: with
 * --handoff-after 2s the command closes them through the SRS API (over a connection held since
 * before the scale-down, as the pod's SRS stops listening ~1 s into its graceful quit), SRS then
 * quits by itself (exit 0, Completed: no SIGKILL), and the command ends long before the grace
 * period; also on 6.0.157 edges, whose answers say Connection: Close while they keep reading the
 * connection. Refused, with nothing changed, on an SRS that cannot drain and where the staying pods
 * lack the room.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {createNamespace, eventually, kubectl, kubectlJson, readyEndpoints, ROOT, srs} from '../helpers/cli.js'
import {watchPods} from '../helpers/pod-events.js'

const TOPO = path.join(ROOT, 'test/topologies')
const GRACE_SECONDS = 90

interface LeavingPod {
  pod: string
  viewers: number | null
  ordinal?: number
  outcome?: string
  cut?: number | null
  handedOff?: number
}

interface CanaryJson {
  steps: {description: string; leaving?: LeavingPod[]}[]
  drained: string[]
}

function livePods(ns: string, selector: string): string[] {
  return kubectlJson<{items: {metadata: {name: string; deletionTimestamp?: string}}[]}>(['get', 'pods', '-n', ns, '-l', selector])
    .items.filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name)
}

/** Sets each pod's simulated clients and waits until `status` sees them, so the plugin's last read is that count. */
async function load(ns: string, pods: string[], clients: number): Promise<void> {
  for (const p of pods) kubectl(['annotate', '--overwrite', '-n', ns, 'pod', p, `sim.srs.test/connections=${clients}`])
  await eventually('simulated clients seen', async () => {
    const st = JSON.parse((await srs(['status', '-n', ns, '-o', 'json'])).stdout) as {workloads: {pods: {name: string; srs: {viewers: number} | null}[]}[]}
    const seen = new Map(st.workloads.flatMap((w) => w.pods).map((p) => [p.name, p.srs?.viewers]))
    return pods.every((p) => seen.get(p) === clients)
  })
}

/** What a refused command must leave as it was: the Deployments, their sizes and images. */
function deploymentsNow(ns: string): string {
  const list = kubectlJson<{items: {metadata: {name: string}; spec: {replicas: number; template: {spec: {containers: {image: string}[]}}}}[]}>(['get', 'deployments', '-n', ns])
  return JSON.stringify(list.items.map((d) => [d.metadata.name, d.spec.replicas, d.spec.template.spec.containers.map((c) => c.image)]))
}

describe(`--handoff-after on 2 loaded edges with terminationGracePeriodSeconds ${GRACE_SECONDS}`, () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = createNamespace('handoff')
    const edges = readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8').replace('terminationGracePeriodSeconds: 120', `terminationGracePeriodSeconds: ${GRACE_SECONDS}`)
    expect(edges).toContain(`terminationGracePeriodSeconds: ${GRACE_SECONDS}`)
    kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml')])
    kubectl(['apply', '-n', ns.name, '-f', '-'], edges)
    await eventually('2 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 2, {timeoutMs: 90_000})
  })
  afterAll(() => ns?.remove())

  test('refused on SRS 5, which cannot drain: exit 2, nothing changed', async () => {
    const edges = livePods(ns.name, 'app=srs-edge')
    for (const p of edges) kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', p, 'sim.srs.test/report-version=5.0.213'])
    try {
      const before = deploymentsNow(ns.name)
      const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '50', '--handoff-after', '2s'])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/--handoff-after: \S+ runs SRS 5\.0\.213, which cannot drain gracefully/)
      expect(deploymentsNow(ns.name)).toBe(before)
    } finally {
      for (const p of edges) kubectl(['annotate', '-n', ns.name, 'pod', p, 'sim.srs.test/report-version-'])
    }
  })

  test('refused where the staying pods lack the room (max_connections): exit 2, nothing changed', async () => {
    const cm = kubectlJson<{data: {'srs.conf': string}}>(['get', 'configmap', 'srs-edge-config', '-n', ns.name])
    const conf = cm.data['srs.conf']
    expect(conf).toMatch(/max_connections\s+1000;/)
    const patch = (c: string) => kubectl(['patch', 'configmap', 'srs-edge-config', '-n', ns.name, '--type', 'merge', '-p', JSON.stringify({data: {'srs.conf': c}})])
    patch(conf.replace(/max_connections\s+1000;/, 'max_connections 2;'))
    try {
      await load(ns.name, livePods(ns.name, 'app=srs-edge'), 3)
      const before = deploymentsNow(ns.name)
      const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '50', '--handoff-after', '2s'])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/leaves 2 pod\(s\) of max_connections 2 \(room for 4\) for the 6 viewers of srs-edge-deploy/)
      expect(deploymentsNow(ns.name)).toBe(before)
    } finally {
      patch(conf)
    }
  })

  test('a loaded leaving pod is handed off: its 3 clients closed through the API, SRS quits by itself, the command ends long before the grace period', async () => {
    await load(ns.name, livePods(ns.name, 'app=srs-edge'), 3)
    const watch = watchPods(ns.name, 'app=srs-edge')
    const started = Date.now()
    const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '50', '--handoff-after', '2s', '--timeout', '80s', '-o', 'json'])
    const tookMs = Date.now() - started
    watch.stop()
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect(tookMs).toBeLessThan((GRACE_SECONDS / 3) * 1000)
    const result = JSON.parse(r.stdout) as CanaryJson
    const shrink = result.steps.find((s) => s.description === 'scale srs-edge-deploy to 1')
    expect(shrink?.leaving).toEqual([{pod: expect.any(String), viewers: 3, outcome: 'handed-off', handedOff: 3}])
    expect(result.drained).toEqual([])
    const gone = shrink!.leaving![0]!.pod
    const last = watch.events.filter((e) => e.name === gone && e.terminated).at(-1)
    expect(last?.terminated).toMatchObject({exitCode: 0, reason: 'Completed'})
  })

  test('the text output says handed off with the count, and rollback hands off the loaded canary', async () => {
    const canary = livePods(ns.name, 'app=srs-edge,srs.kubectl.io/track=canary')
    expect(canary).toHaveLength(1)
    await load(ns.name, canary, 2)
    const r = await srs(['rollback', 'srs-edge-deploy', '-n', ns.name, '--handoff-after', '2s', '--timeout', '80s'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect(r.stdout).toContain(`took away: ${canary[0]} (2 viewers): handed off, 2 clients closed through the SRS API`)
    expect(r.stdout).toContain(`handed off: 2 clients closed through the SRS API (players reconnect to pods that stay): ${canary[0]} (2 clients)`)
    expect(r.stdout).not.toMatch(/drained|cut/i)
  })
})

// SRS 5/6 answer every HTTP request with Connection: Close yet keep reading the connection;
// the plugin's held session must go on past that first answer (6.0.132+ drains gracefully).
describe('--handoff-after on 6.0.157 edges, whose answers say Connection: Close', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = createNamespace('handoff6')
    const edges = readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8').replace('terminationGracePeriodSeconds: 120', `terminationGracePeriodSeconds: ${GRACE_SECONDS}`)
    expect(edges).toContain(`terminationGracePeriodSeconds: ${GRACE_SECONDS}`)
    kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml')])
    kubectl(['apply', '-n', ns.name, '-f', '-'], edges)
    await eventually('2 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 2, {timeoutMs: 90_000})
  })
  afterAll(() => ns?.remove())

  test('a loaded leaving pod is handed off over the held connection: 3 clients closed, SRS quits by itself (Completed), exit 0', async () => {
    const edges = livePods(ns.name, 'app=srs-edge')
    for (const p of edges) kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', p, 'sim.srs.test/report-version=6.0.157'])
    await load(ns.name, edges, 3)
    const watch = watchPods(ns.name, 'app=srs-edge')
    const started = Date.now()
    const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '50', '--handoff-after', '2s', '--timeout', '80s', '-o', 'json'])
    const tookMs = Date.now() - started
    watch.stop()
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect(tookMs).toBeLessThan((GRACE_SECONDS / 3) * 1000)
    const shrink = (JSON.parse(r.stdout) as CanaryJson).steps.find((s) => s.description === 'scale srs-edge-deploy to 1')
    expect(shrink?.leaving).toEqual([{pod: expect.any(String), viewers: 3, outcome: 'handed-off', handedOff: 3}])
    const gone = shrink!.leaving![0]!.pod
    expect(edges).toContain(gone)
    const last = watch.events.filter((e) => e.name === gone && e.terminated).at(-1)
    expect(last?.terminated).toMatchObject({exitCode: 0, reason: 'Completed'})
  })
})

describe('a StatefulSet canary step restarting a loaded ordinal with a short grace period', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = createNamespace('sts-outcome')
    // The origins with the edges' graceful quit and a 4 s grace period, on an SRS that drains.
    const origins = readFileSync(path.join(TOPO, 'origin-cluster.yaml'), 'utf8')
      .replace('    daemon              off;\n', '    daemon              off;\n    grace_start_wait    700;\n    grace_final_wait    800;\n    force_grace_quit    on;\n')
      .replace('      containers:\n      - name: srs\n        image: ossrs/srs:3\n', '      terminationGracePeriodSeconds: 4\n      containers:\n      - name: srs\n        image: ossrs/srs:v4.0.5\n')
    expect(origins).toContain('force_grace_quit    on;')
    expect(origins).toContain('terminationGracePeriodSeconds: 4')
    kubectl(['apply', '-n', ns.name, '-f', '-'], origins)
    await eventually('origins ready', () => kubectlJson<{status: {readyReplicas?: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns.name]).status.readyReplicas === 3, {timeoutMs: 90_000})
  })
  afterAll(() => ns?.remove())

  test('is reported cut with the count of the ordinal it restarted, exit 3', async () => {
    await load(ns.name, ['srs-origin-2'], 3)
    const r = await srs(['canary', 'srs-origin', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34', '--timeout', '80s', '-o', 'json'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 3, stderr: ''})
    const result = JSON.parse(r.stdout) as CanaryJson
    expect(result.steps[0]?.leaving).toEqual([{pod: 'srs-origin-2', viewers: 3, ordinal: 2, outcome: 'cut', cut: 3}])
    expect(result.drained).toEqual([])
  })

  test('an ordinal killed whose SRS never gave its count is cut by an unknown number, exit 3, never "cut: 0"', async () => {
    await load(ns.name, ['srs-origin-2'], 2)
    kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', 'srs-origin-2', 'sim.srs.test/fault=refuse'])
    const r = await srs(['rollback', 'srs-origin', '-n', ns.name, '--timeout', '80s', '-o', 'json'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 3, stderr: ''})
    const result = JSON.parse(r.stdout) as {leaving: {pods: LeavingPod[]}[]; drained: string[]}
    expect(result.leaving.flatMap((l) => l.pods)).toEqual([{pod: 'srs-origin-2', viewers: null, ordinal: 2, outcome: 'cut', cut: null}])
    expect(result.drained).toEqual([])
  })
})
