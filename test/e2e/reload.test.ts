/**
 * kubectl srs reload end to end: what a StatefulSet restart would cut is named and refused without
 * --yes off a terminal (nothing restarted); where the raw API allows it, pods reload in place and
 * none is restarted. (The restart path on the guide's topology as written runs in origins.test.ts,
 * add-origin --restart, and in the docs check.)
 */
import {describe, expect, test} from '@jest/globals'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {ReloadResult} from '../../src/lib/reload/result.js'
import {eventually, kubectl, kubectlJson, podsimPod, readyEndpoints, ROOT, srs, withCapacityWatch} from '../helpers/cli.js'
import {namespacesOfThisFile} from '../helpers/namespaces.js'
import {withReload} from '../helpers/topologies.js'

const TOPO = path.join(ROOT, 'test/topologies')
const setup = namespacesOfThisFile()

function podUids(ns: string): string[] {
  return kubectlJson<{items: {metadata: {name: string; uid: string}}[]}>(['get', 'pods', '-n', ns])
    .items.map((p) => `${p.metadata.name}/${p.metadata.uid}`)
    .sort()
}

function editConfig(ns: string, cm: string): string {
  const text = kubectlJson<{data: Record<string, string>}>(['get', 'configmap', cm, '-n', ns]).data['srs.conf']!.replace('max_connections     1000;', 'max_connections     1001;')
  kubectl(['patch', 'configmap', cm, '-n', ns, '--type', 'merge', '-p', JSON.stringify({data: {'srs.conf': text}})])
  return text
}

describe('reload', () => {
  test('StatefulSet origins with a publisher: names the stream and refuses without --yes off a terminal, nothing restarted', async () => {
    const guide = ['pvc.yaml', 'origin-cluster.yaml'].map((f) => readFileSync(path.join(TOPO, f), 'utf8')).join('\n---\n')
    const ns = await setup('reload-pub', guide, 4)
    kubectl(['annotate', '-n', ns, 'pod', 'srs-origin-1', 'sim.srs.test/streams=live/livestream'])
    await new Promise((r) => setTimeout(r, 1500)) // the simulator applies annotations within about a second
    editConfig(ns, 'srs-origin-config')
    const before = podUids(ns)
    const r = await srs(['reload', 'srs-origin', '-n', ns])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('error: not restarting: the publishers of live/livestream on srs-origin-1 will have to reconnect')
    expect(r.stderr).toContain('hint: run it on a terminal to be asked, or pass --yes to restart them')
    expect(podUids(ns)).toEqual(before)
  })

  test('raw API reload allowed (SRS 4 edges): every pod reloaded in place, confirmed by the answer code 0, none restarted', async () => {
    const edges = withReload('edge-cluster.yaml', {image: 'ossrs/srs:v4.0.5', inotify: false, allowReload: true})
    const ns = await setup('reload-raw', edges, 2)
    const before = podUids(ns)
    const text = editConfig(ns, 'srs-edge-config')
    const r = await srs(['reload', 'srs-edge-deploy', '-n', ns, '--kubelet-sync', '5s', '-o', 'json'], {timeoutMs: 180_000})
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    const result = JSON.parse(r.stdout) as ReloadResult
    expect(result).toMatchObject({outcome: 'done', workloads: [{kind: 'Deployment', name: 'srs-edge-deploy', method: 'raw-reload'}]})
    expect(result.pods).toHaveLength(2)
    for (const p of result.pods) {
      expect(p).toMatchObject({outcome: 'reloaded', reason: 'raw API reload after the kubelet sync bound answered code 0 (SRS 4.0.5 has no rpc=reload-fetch to report more)'})
      expect(readFileSync(path.join(ROOT, '.cluster/podsim/pods', ns, p.pod, 'loaded.conf'), 'utf8')).toBe(text)
    }
    expect(podUids(ns)).toEqual(before)
  })

  test('Deployment edges: surge first (Ready edges never below the start), the pod with clients last, and one killed at the end of its grace period is not called drained', async () => {
    // a short grace period, so that SRS waiting for its clients is killed within the test; the
    // idle pod still drains within it, as reload reads SRS by port-forward and leaves no API
    // connection open to hold its quit up
    const edges = readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8').replace('terminationGracePeriodSeconds: 120', 'terminationGracePeriodSeconds: 6')
    const ns = await setup('reload-dep', edges, 2)
    await eventually('2 Ready edge endpoints', () => readyEndpoints(ns, 'srs-edge-service') === 2)
    const [busy, idle] = kubectlJson<{items: {metadata: {name: string}}[]}>(['get', 'pods', '-n', ns, '-l', 'app=srs-edge']).items.map((p) => p.metadata.name)
    kubectl(['annotate', '-n', ns, 'pod', busy!, 'sim.srs.test/connections=3'])
    // podsim's view, not status: a status read through the pod proxy would leave an idle
    // connection on the idle pod that holds its quit past this test's 6 s grace period
    await eventually('the simulated clients counted', async () => podsimPod(ns, busy!)?.connections === 3)
    editConfig(ns, 'srs-edge-config')
    const {r, min, samples} = await withCapacityWatch(ns, ['reload', 'srs-edge-deploy', '-n', ns, '-o', 'json'])
    // exit 3: the busy pod's 3 viewers were cut
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 3, stderr: ''})
    expect(samples).toBeGreaterThan(10)
    expect(min).toBe(2)
    const result = JSON.parse(r.stdout) as ReloadResult
    // least-loaded first
    // (the warnings say why, when a pod's viewers could not be read and the order fell back to names)
    expect({order: result.plan.map((s) => (s.kind === 'replace' && s.description.includes(idle!) ? 'idle' : s.description.includes(busy!) ? 'busy' : s.description)), warnings: result.warnings}).toEqual({
      order: ['idle', 'busy'],
      warnings: [],
    })
    const byPod = new Map(result.pods.map((p) => [p.pod, p]))
    expect(byPod.get(idle!)).toMatchObject({outcome: 'restarted', viewers: 0, drained: true})
    expect(byPod.get(busy!)).toMatchObject({outcome: 'restarted', viewers: 3, drained: false})
    expect(byPod.get(busy!)!.reason).toContain('killed at the end of its grace period (its clients were cut)')
    expect(result.readyPods).toEqual([{workload: 'srs-edge-deploy', start: 2, lowest: 2}])
  })
})
