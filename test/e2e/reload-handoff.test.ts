/**
 * kubectl srs reload --handoff-after (issue 20, item 1): edges with a long grace period and
 * simulated clients that never leave by themselves. With --handoff-after 2s the rolling restart
 * closes each old pod's clients through its SRS API (over a connection held since before the pod
 * started terminating), SRS then quits by itself (exit 0, Completed: no SIGKILL), and the reload
 * ends long before the grace period, exit 0. Refused, with nothing changed, on an SRS that
 * cannot drain.
 */
import {describe, expect, test} from '@jest/globals'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {ReloadResult} from '../../src/lib/reload/result.js'
import {eventually, kubectl, kubectlJson, podsimPod, readyEndpoints, ROOT, srs} from '../helpers/cli.js'
import {namespacesOfThisFile} from '../helpers/namespaces.js'
import {watchPods} from '../helpers/pod-events.js'

const TOPO = path.join(ROOT, 'test/topologies')
const GRACE_SECONDS = 90
const setup = namespacesOfThisFile()

function edgePods(ns: string): {name: string; uid: string}[] {
  return kubectlJson<{items: {metadata: {name: string; uid: string; deletionTimestamp?: string}}[]}>(['get', 'pods', '-n', ns, '-l', 'app=srs-edge'])
    .items.filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({name: p.metadata.name, uid: p.metadata.uid}))
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** A change to the edges' ConfigMap, so their pods run an older config than it holds. */
function editConfig(ns: string, maxConnections: number): void {
  const text = kubectlJson<{data: Record<string, string>}>(['get', 'configmap', 'srs-edge-config', '-n', ns]).data['srs.conf']!.replace(/max_connections {5}\d+;/, `max_connections     ${maxConnections};`)
  kubectl(['patch', 'configmap', 'srs-edge-config', '-n', ns, '--type', 'merge', '-p', JSON.stringify({data: {'srs.conf': text}})])
}

/** Gives each pod `clients` simulated clients and waits until podsim counts them (no API read that would leave a connection open on a pod). */
async function load(ns: string, pods: string[], clients: number): Promise<void> {
  for (const p of pods) kubectl(['annotate', '--overwrite', '-n', ns, 'pod', p, `sim.srs.test/connections=${clients}`])
  await eventually('the simulated clients counted', async () => pods.every((p) => podsimPod(ns, p)?.connections === clients))
}

describe(`reload --handoff-after on 2 loaded edges with terminationGracePeriodSeconds ${GRACE_SECONDS}`, () => {
  let ns: string

  test('refused on SRS 5, which cannot drain: exit 2, no pod restarted, the Deployment as it was', async () => {
    const edges = readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8').replace('terminationGracePeriodSeconds: 120', `terminationGracePeriodSeconds: ${GRACE_SECONDS}`)
    expect(edges).toContain(`terminationGracePeriodSeconds: ${GRACE_SECONDS}`)
    ns = await setup('reload-handoff', edges, 2)
    await eventually('2 Ready edge endpoints', () => readyEndpoints(ns, 'srs-edge-service') === 2)
    const before = edgePods(ns)
    for (const p of before) kubectl(['annotate', '--overwrite', '-n', ns, 'pod', p.name, 'sim.srs.test/report-version=5.0.213'])
    editConfig(ns, 1001)
    try {
      const r = await srs(['reload', 'srs-edge-deploy', '-n', ns, '--handoff-after', '2s'])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/--handoff-after: srs-edge-deploy-\S+ runs SRS 5\.0\.213, which cannot drain gracefully/)
      expect(edgePods(ns)).toEqual(before)
      expect(kubectlJson<{spec: {replicas: number}}>(['get', 'deployment', 'srs-edge-deploy', '-n', ns]).spec.replicas).toBe(2)
    } finally {
      for (const p of before) kubectl(['annotate', '-n', ns, 'pod', p.name, 'sim.srs.test/report-version-'])
    }
  })

  test('each old pod is handed off after 2s: its 3 clients closed through the API, SRS quits by itself (Completed), exit 0 long before the grace period', async () => {
    const old = edgePods(ns).map((p) => p.name)
    await load(ns, old, 3)
    const watch = watchPods(ns, 'app=srs-edge')
    const started = Date.now()
    const r = await srs(['reload', 'srs-edge-deploy', '-n', ns, '--handoff-after', '2s', '--timeout', '80s', '-o', 'json'])
    const tookMs = Date.now() - started
    watch.stop()
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect(tookMs).toBeLessThan((GRACE_SECONDS / 3) * 1000)
    const result = JSON.parse(r.stdout) as ReloadResult
    expect(result.outcome).toBe('done')
    expect(result.pods.map((p) => ({pod: p.pod, outcome: p.outcome, viewers: p.viewers, drained: p.drained, handedOff: p.handedOff}))).toEqual(old.map((pod) => ({pod, outcome: 'restarted', viewers: 3, drained: true, handedOff: 3})))
    for (const pod of old) {
      const last = watch.events.filter((e) => e.name === pod && e.terminated).at(-1)
      expect({pod, terminated: last?.terminated}).toMatchObject({pod, terminated: {exitCode: 0, reason: 'Completed'}})
    }
  })

  test('the text output says handed off with the count', async () => {
    const pods = edgePods(ns).map((p) => p.name)
    await load(ns, pods, 2)
    editConfig(ns, 1002)
    const r = await srs(['reload', 'srs-edge-deploy', '-n', ns, '--handoff-after', '2s', '--timeout', '80s'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    for (const pod of pods) expect(r.stdout).toMatch(new RegExp(`${pod} +srs-edge-deploy +restarted +2 +replaced by .*handed off: 2 client\\(s\\) closed through the SRS API`))
    expect(r.stdout).toContain(`handed off: 4 clients closed through the SRS API (players reconnect to pods that stay): ${pods.map((p) => `${p} (2 clients)`).join(', ')}`)
  })
})

describe(`reload --handoff-after on StatefulSet origins with terminationGracePeriodSeconds ${GRACE_SECONDS}`, () => {
  test('the loaded ordinal is handed off after 2s when it restarts: its 2 clients closed, exit 0 long before the grace period', async () => {
    // The origins with the edges' graceful quit, on an SRS that drains.
    const origins = readFileSync(path.join(TOPO, 'origin-cluster.yaml'), 'utf8')
      .replace('    daemon              off;\n', '    daemon              off;\n    grace_start_wait    700;\n    grace_final_wait    800;\n    force_grace_quit    on;\n')
      .replace('      containers:\n      - name: srs\n        image: ossrs/srs:3\n', `      terminationGracePeriodSeconds: ${GRACE_SECONDS}\n      containers:\n      - name: srs\n        image: ossrs/srs:v4.0.5\n`)
    expect(origins).toContain('force_grace_quit    on;')
    expect(origins).toContain(`terminationGracePeriodSeconds: ${GRACE_SECONDS}`)
    const ns = await setup('reload-handoff-sts', origins, 3)
    await eventually('origins ready', () => kubectlJson<{status: {readyReplicas?: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).status.readyReplicas === 3, {timeoutMs: 90_000})
    await load(ns, ['srs-origin-2'], 2)
    const text = kubectlJson<{data: Record<string, string>}>(['get', 'configmap', 'srs-origin-config', '-n', ns]).data['srs.conf']!.replace(/max_connections {5}\d+;/, 'max_connections     1001;')
    kubectl(['patch', 'configmap', 'srs-origin-config', '-n', ns, '--type', 'merge', '-p', JSON.stringify({data: {'srs.conf': text}})])
    const started = Date.now()
    const r = await srs(['reload', 'srs-origin', '-n', ns, '--handoff-after', '2s', '--yes', '--timeout', '80s', '-o', 'json'])
    const tookMs = Date.now() - started
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect(tookMs).toBeLessThan((GRACE_SECONDS / 3) * 1000)
    const result = JSON.parse(r.stdout) as ReloadResult
    expect(result.pods.find((p) => p.pod === 'srs-origin-2')).toMatchObject({outcome: 'restarted', viewers: 2, drained: true, handedOff: 2})
  })
})
