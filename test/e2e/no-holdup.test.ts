/**
 * The plugin never holds a quit up (issue 19, item 3). SRS counts an open HTTP connection to its
 * API as a connection and waits for it before a graceful quit ends (real SRS: up to its ~15 s
 * idle timeout; podsim does the same). A rollout reads the viewers of the pods it is about to take
 * away; those reads must leave nothing open, so that an idle pod quits within grace_start_wait +
 * grace_final_wait + 2 s of its deletion.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'
import {createNamespace, eventually, kubectl, kubectlJson, readyEndpoints, ROOT, srs} from '../helpers/cli.js'
import {watchPods} from '../helpers/pod-events.js'

const TOPO = path.join(ROOT, 'test/topologies')
const NETNS = process.env.SRS_K8S_NETNS ?? 'srsk8s'
const execFileAsync = promisify(execFile)

interface ControlSample {
  at: number
  pod: string
  state: string
  httpConnections: number
}

/** The edges' grace settings, as the topology's srs.conf sets them (ms). */
function graceBoundMs(): number {
  const yaml = readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8')
  const ms = (key: string) => Number(new RegExp(`^\\s*${key}\\s+(\\d+);`, 'm').exec(yaml)![1])
  return ms('grace_start_wait') + ms('grace_final_wait') + 2000
}

/** Samples podsim's view of each pod's SRS (state, open HTTP connections) until stopped. */
function sampleControl(ns: string, pods: string[]): {samples: ControlSample[]; stop: () => Promise<void>} {
  const samples: ControlSample[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      await Promise.all(
        pods.map(async (pod) => {
          const at = Date.now()
          const stdout = await execFileAsync('ip', ['netns', 'exec', NETNS, 'curl', '-sf', `http://127.0.0.1:19850/pods/${ns}/${pod}`]).then(
            (r) => r.stdout,
            () => undefined, // the pod's SRS is gone
          )
          if (stdout === undefined) return
          const s = JSON.parse(stdout) as {state: string; httpConnections: number}
          samples.push({at, pod, state: s.state, httpConnections: s.httpConnections})
        }),
      )
      await new Promise((res) => setTimeout(res, 100))
    }
  })()
  return {
    samples,
    stop: async () => {
      running = false
      await loop
    },
  }
}

describe('canary --percent 25 on 3 idle edges', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = createNamespace('noholdup')
    kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
    kubectl(['scale', '-n', ns.name, 'deployment/srs-edge-deploy', '--replicas', '3'])
    await eventually('3 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 3, {timeoutMs: 90_000})
    await eventually('edge rollout complete', () => {
      const d = kubectlJson<{status: {replicas?: number; availableReplicas?: number}}>(['get', 'deployment', 'srs-edge-deploy', '-n', ns.name])
      return d.status.availableReplicas === 3 && d.status.replicas === 3
    })
  })
  afterAll(() => ns?.remove())

  test('the idle pod the canary takes away quits within grace_start_wait + grace_final_wait + 2 s, with no HTTP connection of ours left on it', async () => {
    const stable = kubectl(['get', 'pods', '-n', ns.name, '-l', 'app=srs-edge', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').filter(Boolean)
    expect(stable).toHaveLength(3)
    const watch = watchPods(ns.name, 'app=srs-edge')
    const control = sampleControl(ns.name, stable)
    try {
      await eventually('the pod watch has started', () => watch.events.length >= 3)
      const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '25', '-o', 'json'])
      expect(r.code).toBe(0)
      const gone = stable.filter((p) => watch.events.some((e) => e.name === p && e.deleting))
      expect(gone).toHaveLength(1)
      const pod = gone[0]!
      const deleted = await eventually(`the DELETED event of ${pod}`, () => watch.events.find((e) => e.name === pod && e.type === 'DELETED'))
      const deletionSeen = watch.events.find((e) => e.name === pod && e.deleting)!.at
      // SRS quit by itself (not SIGKILLed at the end of the grace period)...
      expect(watch.events.filter((e) => e.name === pod && e.terminated).at(-1)?.terminated).toMatchObject({exitCode: 0, reason: 'Completed'})
      // ...and soon: nothing held it up
      expect(deleted.at - deletionSeen).toBeLessThanOrEqual(graceBoundMs())
      // no HTTP connection was open on it while it quit
      const whileQuitting = control.samples.filter((s) => s.pod === pod && s.at >= deletionSeen)
      expect(whileQuitting.length).toBeGreaterThan(0)
      expect(whileQuitting.filter((s) => s.httpConnections > 0)).toEqual([])
    } finally {
      watch.stop()
      await control.stop()
    }
  })
})
