/**
 * How every leaving pod left (issue 19, item 4): a loaded pod killed at the end of its grace
 * period is reported cut with its viewers, never drained, and the command exits 3; an idle pod
 * that quit by itself is reported drained. The edges get a short grace period so the kill comes
 * soon; podsim's simulated clients never leave by themselves, as real players do not.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {createNamespace, eventually, kubectl, kubectlJson, readyEndpoints, ROOT, srs} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')
// Long enough for an idle SRS to finish its graceful quit (an open API connection can hold it
// some seconds), short enough that a loaded one is killed soon.
const GRACE_SECONDS = 25

interface PodJson {
  metadata: {name: string; deletionTimestamp?: string; labels?: Record<string, string>}
}

interface LeavingPod {
  pod: string
  viewers: number | null
  outcome?: string
  cut?: number | null
}

interface CanaryJson {
  steps: {description: string; leaving?: LeavingPod[]}[]
  drained: string[]
}

function livePods(ns: string, selector: string): string[] {
  return kubectlJson<{items: PodJson[]}>(['get', 'pods', '-n', ns, '-l', selector])
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

describe(`leaving pods on 2 edges with terminationGracePeriodSeconds ${GRACE_SECONDS}`, () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = createNamespace('leaving')
    const edges = readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8').replace('terminationGracePeriodSeconds: 120', `terminationGracePeriodSeconds: ${GRACE_SECONDS}`)
    expect(edges).toContain(`terminationGracePeriodSeconds: ${GRACE_SECONDS}`)
    kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml')])
    kubectl(['apply', '-n', ns.name, '-f', '-'], edges)
    await eventually('2 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 2, {timeoutMs: 90_000})
  })
  afterAll(() => ns?.remove())

  test('a loaded stable pod forced to go is reported cut with its 3 viewers, never drained, and the canary exits 3', async () => {
    await load(ns.name, livePods(ns.name, 'app=srs-edge'), 3)
    const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '50', '--timeout', '90s', '-o', 'json'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 3, stderr: ''})
    const result = JSON.parse(r.stdout) as CanaryJson
    const shrink = result.steps.find((s) => s.description === 'scale srs-edge-deploy to 1')
    expect(shrink?.leaving).toEqual([{pod: expect.any(String), viewers: 3, outcome: 'cut', cut: 3}])
    expect(result.drained).toEqual([])
  })

  test('an idle canary pod that quits by itself is reported drained, exit 0', async () => {
    const canary = livePods(ns.name, 'app=srs-edge,srs.kubectl.io/track=canary')
    expect(canary).toHaveLength(1)
    await load(ns.name, canary, 0)
    const r = await srs(['rollback', 'srs-edge-deploy', '-n', ns.name, '--timeout', '90s'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect(r.stdout).toContain(`took away: ${canary[0]} (0 viewers): drained`)
    expect(r.stdout).toContain(`drained and gone: ${canary[0]}`)
    expect(r.stdout).not.toMatch(/cut/i)
  })

  test('the text output of a run that cut viewers names them and never says drained', async () => {
    await load(ns.name, livePods(ns.name, 'app=srs-edge'), 2)
    const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '50', '--timeout', '90s'])
    expect(r.code).toBe(3)
    expect(r.stdout).toMatch(/took away: \S+ \(2 viewers\): CUT, killed at the end of its grace period with 2 viewers on it/)
    expect(r.stdout).toMatch(/viewers cut: 2, killed at the end of their grace period: \S+ \(2 viewers\)/)
    expect(r.stdout).not.toMatch(/drained/)
    await load(ns.name, livePods(ns.name, 'app=srs-edge,srs.kubectl.io/track=canary'), 0)
    expect((await srs(['rollback', 'srs-edge-deploy', '-n', ns.name, '--timeout', '90s'])).code).toBe(0)
  })
})
