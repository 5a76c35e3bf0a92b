/**
 * Least-loaded first (issue 19): before the stable Deployment shrinks, the canary sets
 * controller.kubernetes.io/pod-deletion-cost from the viewers on each pod, so the ReplicaSet
 * controller takes away an idle pod and never a loaded one (which drains: the result says so), then puts the costs back.
 * The loaded pods are the newest: left to itself the controller would remove one of them.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import path from 'node:path'
import {createNamespace, eventually, kubectl, kubectlJson, readyEndpoints, ROOT, srs} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')
const COST = 'controller.kubernetes.io/pod-deletion-cost'

interface PodJson {
  metadata: {name: string; creationTimestamp: string; deletionTimestamp?: string; annotations?: Record<string, string>}
}

function stablePods(ns: string): PodJson[] {
  return kubectlJson<{items: PodJson[]}>(['get', 'pods', '-n', ns, '-l', 'app=srs-edge,srs.kubectl.io/track!=canary']).items
}

interface LeavingStep {
  description: string
  leaving?: {pod: string; viewers: number | null}[]
}

describe('canary --percent 25 on 4 edges, one idle and three loaded', () => {
  let ns: {name: string; remove: () => void}
  let idle: string
  let loaded: string[]
  beforeAll(async () => {
    ns = createNamespace('leastload')
    kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
    await eventually('2 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 2, {timeoutMs: 90_000})
    kubectl(['scale', '-n', ns.name, 'deployment/srs-edge-deploy', '--replicas', '4'])
    await eventually('4 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 4, {timeoutMs: 90_000})
    await eventually('edge rollout complete', () => {
      const d = kubectlJson<{status: {replicas?: number; availableReplicas?: number}}>(['get', 'deployment', 'srs-edge-deploy', '-n', ns.name])
      return d.status.availableReplicas === 4 && d.status.replicas === 4
    })
    // the oldest pod is idle; the three newer ones carry viewers
    const pods = stablePods(ns.name).sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name))
    idle = pods[0]!.metadata.name
    loaded = pods.slice(1).map((p) => p.metadata.name)
    loaded.forEach((p, i) => kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', p, `sim.srs.test/connections=${i + 2}`]))
    kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', idle, 'sim.srs.test/connections=0'])
    // a cost the user set on a pod that stays must survive the canary
    kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', loaded[0]!, `${COST}=7`])
  })
  afterAll(() => ns?.remove())

  test('the dry run names the idle pod and its viewers as the one that goes', async () => {
    const step = await eventually('the simulated viewers are seen', async () => {
      const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '25', '--dry-run', '-o', 'json'])
      expect(r.code).toBe(0)
      const shrink = (JSON.parse(r.stdout) as {steps: LeavingStep[]}).steps.find((s) => s.description === 'scale srs-edge-deploy to 3')
      return shrink?.leaving?.[0]?.viewers === 0 && shrink
    })
    expect(step.leaving).toEqual([{pod: idle, viewers: 0}])
    const text = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '25', '--dry-run'])
    expect(text.stdout).toContain(`- scale srs-edge-deploy to 3\n      takes away: ${idle} (0 viewers)`)
  })

  test('the canary removes the idle pod, never a loaded one, and puts the deletion costs back', async () => {
    // a loaded pod taken away would keep draining its viewers: the command would time out (exit 3) naming it
    const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '25', '--timeout', '45s', '-o', 'json'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    const result = JSON.parse(r.stdout) as {steps: LeavingStep[]; drained: string[]}
    expect(result.steps.find((s) => s.description === 'scale srs-edge-deploy to 3')?.leaving).toEqual([{pod: idle, viewers: 0, outcome: 'drained'}])
    expect(result.drained).toEqual([idle])
    const left = stablePods(ns.name)
    expect(left.map((p) => p.metadata.name).sort()).toEqual([...loaded].sort())
    expect(left.filter((p) => p.metadata.deletionTimestamp)).toEqual([])
    expect(Object.fromEntries(left.map((p) => [p.metadata.name, p.metadata.annotations?.[COST] ?? null]))).toEqual({[loaded[0]!]: '7', [loaded[1]!]: null, [loaded[2]!]: null})
  })
})
