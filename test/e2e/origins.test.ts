/**
 * add-origin, remove-origin and sync-origins end to end on the local cluster. The guide's
 * topologies run with one change each, so that SRS can report reloads: SRS 5/6 images and
 * http_api.raw_api on (the guide's ossrs/srs:3 and v4 have no rpc=reload-fetch, so nothing could
 * confirm a reload there), plus inotify_auto_reload on for the StatefulSet topology (confirmed by
 * the inotify reload) and raw_api.allow_reload on for the Deployments (confirmed by a raw reload).
 */
import {describe, expect, test} from '@jest/globals'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {OriginChangeResult} from '../../src/lib/origin/result.js'
import {eventually, kubectl, kubectlJson, readyEndpoints, ROOT, srs, withCapacityWatch} from '../helpers/cli.js'
import {namespacesOfThisFile} from '../helpers/namespaces.js'
import {withReload} from '../helpers/topologies.js'

const TOPO = path.join(ROOT, 'test/topologies')
const setup = namespacesOfThisFile()

function confText(ns: string, cm: string): string {
  return kubectlJson<{data: Record<string, string>}>(['get', 'configmap', cm, '-n', ns]).data['srs.conf']!
}

function loadedConf(ns: string, pod: string): string {
  return readFileSync(path.join(ROOT, '.cluster/podsim/pods', ns, pod, 'loaded.conf'), 'utf8')
}

function srsPods(ns: string): string[] {
  const list = kubectlJson<{items: {metadata: {name: string; deletionTimestamp?: string}; spec: {containers: {image: string}[]}}[]}>(['get', 'pods', '-n', ns])
  return list.items.filter((p) => !p.metadata.deletionTimestamp && p.spec.containers.some((c) => /ossrs\/srs:v[56]/.test(c.image) && !p.metadata.name.startsWith('nginx'))).map((p) => p.metadata.name)
}

async function run(args: string[]): Promise<{code: number; result: OriginChangeResult; stderr: string}> {
  const r = await srs([...args, '-o', 'json'], {timeoutMs: 240_000})
  let result: OriginChangeResult
  try {
    result = JSON.parse(r.stdout) as OriginChangeResult
  } catch {
    throw new Error(`no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`)
  }
  return {code: r.code, result, stderr: r.stderr}
}

const stsYaml = () => [withReload('origin-cluster.yaml', {image: 'ossrs/srs:v6.0.155', inotify: true, allowReload: false}), withReload('edge-cluster.yaml', {image: 'ossrs/srs:v6.0.155', inotify: true, allowReload: false})].join('\n---\n')

describe('add-origin', () => {
  test('StatefulSet topology: srs-origin-3 Ready, both lists exactly four, nothing else changed, every pod applied', async () => {
    const ns = await setup('orig-sts', stsYaml(), 5)
    const originBefore = confText(ns, 'srs-origin-config')
    const edgeBefore = confText(ns, 'srs-edge-config')
    const {code, result, stderr} = await run(['add-origin', '-n', ns])
    expect({code, stderr}).toEqual({code: 0, stderr: ''})
    expect(result).toMatchObject({outcome: 'applied', from: 3, to: 4, added: ['srs-origin-3.socs']})
    const sts = kubectlJson<{status: {readyReplicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns])
    expect(sts.status.readyReplicas).toBe(4)
    const coworkers = 'srs-origin-0.socs:1985 srs-origin-1.socs:1985 srs-origin-2.socs:1985 srs-origin-3.socs:1985'
    const origins = 'srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs srs-origin-3.socs'
    const originAfter = confText(ns, 'srs-origin-config')
    const edgeAfter = confText(ns, 'srs-edge-config')
    // every other byte of both texts is what it was
    expect(originAfter).toBe(originBefore.replace('srs-origin-0.socs:1985 srs-origin-1.socs:1985 srs-origin-2.socs:1985', coworkers))
    expect(edgeAfter).toBe(edgeBefore.replace('srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs', origins))
    // the command says each of the six pods applied, and the simulated SRS really loaded the text
    const pods = srsPods(ns)
    expect(result.pods.map((p) => p.pod).sort()).toEqual(pods.sort())
    expect(result.pods.every((p) => p.state === 'applied' && p.method === 'inotify')).toBe(true)
    for (const pod of pods) expect(loadedConf(ns, pod)).toBe(pod.startsWith('srs-edge') ? edgeAfter : originAfter)
  })

  test('origins as Deployments: srs-origin-3-deploy and -socs cloned, lists of four, raw reloads confirmed', async () => {
    const yaml = withReload('origins-as-deployments.yaml', {image: 'ossrs/srs:v5.0.213', inotify: false, allowReload: true})
    // an edge Deployment that reads the guide's srs-edge-config
    const edge = readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8')
      .split(/^---$/m)
      .find((d) => /kind: Deployment/.test(d))!
      .replace('ossrs/srs:v4.0.5', 'ossrs/srs:v5.0.213')
    const ns = await setup('orig-dep', `${yaml}\n---\n${edge}`, 5)
    const originBefore = confText(ns, 'srs-origin-config')
    const edgeBefore = confText(ns, 'srs-edge-config')
    const {code, result} = await run(['add-origin', '-n', ns, '--kubelet-sync', '4s'])
    expect(code).toBe(0)
    expect(result).toMatchObject({outcome: 'applied', from: 3, to: 4, added: ['srs-origin-3-socs']})
    const dep = kubectlJson<{metadata: {labels: Record<string, string>}; status: {readyReplicas: number}}>(['get', 'deployment', 'srs-origin-3-deploy', '-n', ns])
    expect(dep).toMatchObject({metadata: {labels: {app: 'srs-origin-3'}}, status: {readyReplicas: 1}})
    expect(kubectlJson<{spec: {selector: Record<string, string>}}>(['get', 'service', 'srs-origin-3-socs', '-n', ns]).spec.selector).toEqual({app: 'srs-origin-3'})
    const originAfter = confText(ns, 'srs-origin-config')
    const edgeAfter = confText(ns, 'srs-edge-config')
    expect(originAfter).toBe(originBefore.replace('srs-origin-2-socs:1985;', 'srs-origin-2-socs:1985 srs-origin-3-socs:1985;'))
    expect(edgeAfter).toBe(edgeBefore.replace('srs-origin-2-socs;', 'srs-origin-2-socs srs-origin-3-socs;'))
    const pods = srsPods(ns)
    expect(result.pods.map((p) => p.pod).sort()).toEqual(pods.sort())
    expect(result.pods.every((p) => p.state === 'applied' && p.method === 'raw-reload')).toBe(true)
    for (const pod of pods) expect(loadedConf(ns, pod)).toBe(pod.startsWith('srs-edge') ? edgeAfter : originAfter)
  })

  test('--restart on the guide topology as written (no inotify, no raw API): every SRS pod ends on the new lists, Ready edges never below the start, exit 0', async () => {
    const guide = ['pvc.yaml', 'origin-cluster.yaml', 'edge-cluster.yaml'].map((f) => readFileSync(path.join(TOPO, f), 'utf8')).join('\n---\n')
    const ns = await setup('orig-rst', guide, 6)
    await eventually('2 Ready edge endpoints', () => readyEndpoints(ns, 'srs-edge-service') === 2)
    const {r, min, samples} = await withCapacityWatch(ns, ['add-origin', '-n', ns, '--restart', '-o', 'json'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect(samples).toBeGreaterThan(10)
    expect(min).toBe(2)
    const result = JSON.parse(r.stdout) as OriginChangeResult
    expect(result).toMatchObject({outcome: 'applied', from: 3, to: 4, next: []})
    expect(result.pods).toHaveLength(6)
    for (const p of result.pods) expect(p).toMatchObject({state: 'applied', method: 'none', confirmedBy: 'restarted'})
    // the SRS pods that run now loaded the new texts
    const originAfter = confText(ns, 'srs-origin-config')
    const edgeAfter = confText(ns, 'srs-edge-config')
    expect(originAfter).toContain('srs-origin-3.socs:1985;')
    expect(edgeAfter).toContain('srs-origin-3.socs;')
    const running = kubectlJson<{items: {metadata: {name: string; deletionTimestamp?: string}}[]}>(['get', 'pods', '-n', ns]).items.filter((p) => !p.metadata.deletionTimestamp && /^srs-/.test(p.metadata.name))
    expect(running.map((p) => p.metadata.name.replace(/-[a-z0-9]+-[a-z0-9]{5}$/, '')).sort()).toEqual(['srs-edge-deploy', 'srs-edge-deploy', 'srs-origin-0', 'srs-origin-1', 'srs-origin-2', 'srs-origin-3'])
    for (const p of running) expect(loadedConf(ns, p.metadata.name)).toBe(p.metadata.name.startsWith('srs-edge') ? edgeAfter : originAfter)
  })

  test('without --restart, pods that cannot reload are pending and the commands name what finishes them; running that finishes the job', async () => {
    const guide = ['pvc.yaml', 'origin-cluster.yaml', 'edge-cluster.yaml'].map((f) => readFileSync(path.join(TOPO, f), 'utf8')).join('\n---\n')
    const ns = await setup('orig-nxt', guide, 6)
    const r = await srs(['add-origin', '-n', ns])
    expect(r.code).toBe(3)
    expect(r.stdout).toContain(`next: kubectl srs reload srs-edge-deploy -n ${ns}\nnext: kubectl srs reload srs-origin -n ${ns}`)
    // remove-origin stops before scaling down, says why and what to run
    const stop = await srs(['remove-origin', '-n', ns], {timeoutMs: 240_000})
    expect(stop.code).toBe(3)
    expect(stop.stdout).toMatch(/stopped after step 3: 5 SRS pod\(s\) did not confirm the new lists \(srs-edge-deploy-\S+, srs-edge-deploy-\S+, srs-origin-0, srs-origin-1, srs-origin-2\); not removing origins they may still use/)
    const next = stop.stdout
      .split('\n')
      .filter((l) => l.startsWith('next: '))
      .map((l) => l.slice('next: '.length))
    expect(next).toEqual([`kubectl srs reload srs-edge-deploy -n ${ns}`, `kubectl srs reload srs-origin -n ${ns}`, `then kubectl srs remove-origin -n ${ns} again to finish (or run it with --restart, which does both)`])
    expect(kubectlJson<{spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).spec.replicas).toBe(4)
    // what it says works
    for (const w of ['srs-edge-deploy', 'srs-origin']) expect((await srs(['reload', w, '-n', ns], {timeoutMs: 240_000})).code).toBe(0)
    const again = await run(['remove-origin', '-n', ns])
    expect({code: again.code, outcome: again.result.outcome, next: again.result.next}).toEqual({code: 0, outcome: 'applied', next: []})
    expect(kubectlJson<{spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).spec.replicas).toBe(3)
  })

  test('two add-origin at once: both origins added, both lists complete', async () => {
    const ns = await setup('orig-two', stsYaml(), 5)
    const [a, b] = await Promise.all([run(['add-origin', '-n', ns]), run(['add-origin', '-n', ns])])
    expect([a.code, b.code]).toEqual([0, 0])
    expect([a.result.added, b.result.added].flat().sort()).toEqual(['srs-origin-3.socs', 'srs-origin-4.socs'])
    const five = [0, 1, 2, 3, 4]
    expect(confText(ns, 'srs-origin-config')).toContain(`coworkers       ${five.map((i) => `srs-origin-${i}.socs:1985`).join(' ')};`)
    expect(confText(ns, 'srs-edge-config')).toContain(`origin          ${five.map((i) => `srs-origin-${i}.socs`).join(' ')};`)
    expect(kubectlJson<{spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).spec.replicas).toBe(5)
  })

  test('bad input: clear errors, exit codes, and the cluster unchanged', async () => {
    const ns = await setup('orig-bad', stsYaml(), 5)
    const snapshot = () => [confText(ns, 'srs-origin-config'), confText(ns, 'srs-edge-config'), kubectl(['get', 'statefulset', 'srs-origin', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])]
    const before = snapshot()
    for (const count of ['0', '-1', 'two']) {
      const r = await srs(['add-origin', '-n', ns, '--count', count])
      expect({count, code: r.code}).toEqual({count, code: 2})
      expect(r.stderr).toMatch(/^error: .*--count|^error: .*count/m)
    }
    const none = await setup('orig-none', readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8'), 0)
    const r1 = await srs(['add-origin', '-n', none])
    expect(r1.code).toBe(1)
    expect(r1.stderr).toContain(`error: no origin cluster found in namespace ${none}`)
    // a second cluster (origins as Deployments, with their own ConfigMap): a name is needed
    const second = withReload('origins-as-deployments.yaml', {image: 'ossrs/srs:v6.0.155', inotify: true, allowReload: false})
      .split(/^---$/m)
      .filter((d) => !/name: srs-edge-config|name: srs-api-service/.test(d))
      .join('---')
      .replaceAll('srs-origin-config', 'srs-deploy-origin-config')
    kubectl(['apply', '-n', ns, '-f', '-'], second)
    const r2 = await srs(['add-origin', '-n', ns])
    expect(r2.code).toBe(2)
    expect(r2.stderr).toMatch(/error: 2 origin clusters in namespace .*: srs-origin, srs-origin-N-socs/)
    // an origin config without coworkers: the hint says what to add
    const text = confText(ns, 'srs-origin-config').replace(/\n\s*coworkers[^\n]*/, '')
    kubectl(['patch', 'configmap', 'srs-origin-config', '-n', ns, '--type', 'merge', '-p', JSON.stringify({data: {'srs.conf': text}})])
    const r3 = await srs(['add-origin', 'srs-origin', '-n', ns])
    expect(r3.code).toBe(1)
    expect(r3.stderr).toMatch(/has no coworkers directive/)
    expect(r3.stderr).toMatch(/hint: add it inside vhost __defaultVhost__ \{ cluster \{ \.\.\. \} \}: coworkers srs-origin-0.socs:1985 srs-origin-1.socs:1985 srs-origin-2.socs:1985;/)
    const after = snapshot()
    expect(after[1]).toBe(before[1])
    expect(after[2]).toBe(before[2])
    expect(after[0]).toBe(text)
    expect(kubectl(['get', 'deploy', '-n', ns, '-o', 'name'])).not.toMatch(/srs-origin-3-deploy/)
  })
})

describe('remove-origin and sync-origins', () => {
  test('remove-origin waits while the leaving origin publishes a stream, and proceeds when it stops', async () => {
    const ns = await setup('orig-rm', stsYaml(), 5)
    kubectl(['annotate', '-n', ns, 'pod', 'srs-origin-2', 'sim.srs.test/streams=live/livestream'])
    const running = run(['remove-origin', '-n', ns, '--timeout', '3m'])
    // the lists lose srs-origin-2 first, then the command waits for the stream
    await eventually('lists without srs-origin-2', () => !confText(ns, 'srs-origin-config').includes('srs-origin-2') && !confText(ns, 'srs-edge-config').includes('srs-origin-2'), {timeoutMs: 90_000})
    await new Promise((r) => setTimeout(r, 8000))
    expect(kubectlJson<{spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).spec.replicas).toBe(3)
    kubectl(['annotate', '-n', ns, 'pod', 'srs-origin-2', 'sim.srs.test/streams-'])
    const {code, result} = await running
    expect(code).toBe(0)
    expect(result).toMatchObject({outcome: 'applied', from: 3, to: 2, removed: ['srs-origin-2.socs']})
    expect(result.steps.map((s) => [s.kind, s.outcome])).toEqual([
      ['edit-config', 'done'],
      ['edit-config', 'done'],
      ['confirm-reload', 'done'],
      ['wait-unpublished', 'done'],
      ['scale-statefulset', 'done'],
    ])
    expect(kubectlJson<{spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).spec.replicas).toBe(2)
  })

  // SRS 4 (the guide's edge image) has no rpc=reload-fetch: a raw reload answered with code 0, or
  // else the reload line of its console log (SRS logs to the console only with srs_log_tank
  // console), is what confirms that an edge applied the new list.
  const srs4Edges = (raw: boolean) => {
    const inotify = (t: string) => t.replace(/^( {4}daemon {14}off;)$/m, '$1\n    inotify_auto_reload on;\n    srs_log_tank        console;')
    const edges = raw ? withReload('edge-cluster.yaml', {image: 'ossrs/srs:v4.0.5', inotify: true, allowReload: true}) : inotify(readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8'))
    return [withReload('origin-cluster.yaml', {image: 'ossrs/srs:v6.0.155', inotify: true, allowReload: false}), edges].join('\n---\n')
  }

  test.each([
    ['raw API reload allowed: confirmed by rpc=reload answering code 0', true, 'raw-reload-answer'],
    ['raw API off: confirmed by the reload line of the container log', false, 'log'],
  ] as const)('remove-origin finishes on SRS 4 edges with inotify on, %s', async (_name, raw, evidence) => {
    const ns = await setup(raw ? 'orig-rm4r' : 'orig-rm4l', srs4Edges(raw), 5)
    const {code, result, stderr} = await run(['remove-origin', '-n', ns, '--kubelet-sync', '5s', '--timeout', '3m'])
    expect({code, stderr, stoppedAt: result.stoppedAt}).toEqual({code: 0, stderr: '', stoppedAt: undefined})
    expect(result).toMatchObject({outcome: 'applied', from: 3, to: 2, removed: ['srs-origin-2.socs']})
    const edges = result.pods.filter((p) => p.workload === 'srs-edge-deploy')
    expect(edges).toHaveLength(2)
    for (const e of edges) expect(e).toMatchObject({state: 'applied', version: '4.0.5', confirmedBy: evidence})
    // the simulated SRS really loaded the list without srs-origin-2
    const edgeAfter = confText(ns, 'srs-edge-config')
    expect(edgeAfter).toContain('origin          srs-origin-0.socs srs-origin-1.socs;')
    for (const e of edges) expect(loadedConf(ns, e.pod)).toBe(edgeAfter)
    expect(kubectlJson<{spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).spec.replicas).toBe(2)
  })

  test('sync-origins after kubectl scale: --check 3 before, repairs both lists, --check 0 after', async () => {
    const ns = await setup('orig-sync', stsYaml(), 5)
    kubectl(['scale', 'statefulset', 'srs-origin', '-n', ns, '--replicas', '4'])
    const before = await run(['sync-origins', '-n', ns, '--check'])
    expect(before.code).toBe(3)
    expect(before.result.outcome).toBe('drift')
    expect(
      before.result.configMaps
        .filter((c) => c.changed)
        .map((c) => c.configMap)
        .sort(),
    ).toEqual(['srs-edge-config', 'srs-origin-config'])
    const sync = await run(['sync-origins', '-n', ns])
    expect(sync.code).toBe(0)
    expect(sync.result.outcome).toBe('applied')
    expect(confText(ns, 'srs-origin-config')).toContain('srs-origin-3.socs:1985;')
    expect(confText(ns, 'srs-edge-config')).toContain('srs-origin-3.socs;')
    const after = await run(['sync-origins', '-n', ns, '--check'])
    expect(after.code).toBe(0)
    expect(after.result.outcome).toBe('in-sync')
  })
})
