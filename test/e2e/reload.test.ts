/**
 * kubectl srs reload end to end: what a StatefulSet restart would cut is named and refused without
 * --yes off a terminal (nothing restarted), and asked on one; where the raw API allows it, pods
 * reload in place and none is restarted; one change at a time per cluster (the origin commands'
 * lease); no restart under an HPA, a rollout or a canary. (The restart path on the guide's
 * topology as written runs in origins.test.ts, add-origin --restart, and in the docs check.)
 */
import {describe, expect, test} from '@jest/globals'
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {ReloadResult} from '../../src/lib/reload/result.js'
import {LEASE_ANNOTATION} from '../../src/lib/vocabulary.js'
import {BIN, eventually, KUBECONFIG, kubectl, kubectlJson, podsimPod, readyEndpoints, ROOT, srs, withCapacityWatch, type RunResult} from '../helpers/cli.js'
import {namespacesOfThisFile} from '../helpers/namespaces.js'
import {withReload} from '../helpers/topologies.js'

const TOPO = path.join(ROOT, 'test/topologies')
const setup = namespacesOfThisFile()

function podUids(ns: string): string[] {
  return kubectlJson<{items: {metadata: {name: string; uid: string}}[]}>(['get', 'pods', '-n', ns])
    .items.map((p) => `${p.metadata.name}/${p.metadata.uid}`)
    .sort()
}

function editConfig(ns: string, cm: string, maxConnections = 1001): string {
  const text = kubectlJson<{data: Record<string, string>}>(['get', 'configmap', cm, '-n', ns]).data['srs.conf']!.replace(/max_connections {5}\d+;/, `max_connections     ${maxConnections};`)
  kubectl(['patch', 'configmap', cm, '-n', ns, '--type', 'merge', '-p', JSON.stringify({data: {'srs.conf': text}})])
  return text
}

/**
 * Runs kubectl srs in a pseudo-terminal (util-linux script), as a person at a terminal would, and
 * types `answer` once the question ending in `[y/N] ` shows. The output is the terminal's (stdout
 * and stderr together).
 */
function srsInTerminal(args: string[], answer: string, timeoutMs = 180_000): Promise<RunResult & {asked: boolean}> {
  const line = ['kubectl', 'srs', ...args].map((a) => `'${a}'`).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', line, '/dev/null'], {env: {...process.env, PATH: `${BIN}:${process.env.PATH}`, KUBECONFIG, NO_COLOR: '1'}, stdio: ['pipe', 'pipe', 'pipe']})
    let out = ''
    let asked = false
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (!asked && out.includes('[y/N] ')) {
        asked = true
        child.stdin.write(`${answer}\r`)
      }
    })
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      child.stdin.destroy()
      resolve({code: code ?? 1, stdout: out, stderr: '', asked})
    })
  })
}

const leaseOf = (ns: string, kind: string, name: string) => kubectlJson<{metadata: {annotations?: Record<string, string>}}>(['get', kind, name, '-n', ns]).metadata.annotations?.[LEASE_ANNOTATION]

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

  test('on a terminal, StatefulSet origins with a publisher: asks; n changes nothing (exit 2), y restarts', async () => {
    const guide = ['pvc.yaml', 'origin-cluster.yaml'].map((f) => readFileSync(path.join(TOPO, f), 'utf8')).join('\n---\n')
    const ns = await setup('reload-tty', guide, 4)
    kubectl(['annotate', '-n', ns, 'pod', 'srs-origin-1', 'sim.srs.test/streams=live/livestream'])
    await eventually('the stream published', () => podsimPod(ns, 'srs-origin-1')?.connections === 1)
    editConfig(ns, 'srs-origin-config')
    const before = podUids(ns)
    const no = await srsInTerminal(['reload', 'srs-origin', '-n', ns], 'n')
    expect(no.asked).toBe(true)
    expect(no.stdout).toContain('Restarting cuts the publishers of live/livestream on srs-origin-1; they will have to reconnect. Restart? [y/N] ')
    expect(no.stdout).toContain('error: not restarting: the publishers of live/livestream on srs-origin-1 will have to reconnect')
    expect(no.code).toBe(2)
    expect(podUids(ns)).toEqual(before)
    expect(leaseOf(ns, 'statefulset', 'srs-origin')).toBeUndefined()

    const yes = await srsInTerminal(['reload', 'srs-origin', '-n', ns, '--timeout', '150s'], 'y')
    expect(yes.asked).toBe(true)
    expect({code: yes.code, out: yes.stdout}).toMatchObject({code: 0})
    const after = podUids(ns)
    for (const pod of ['srs-origin-0', 'srs-origin-1', 'srs-origin-2']) {
      expect(after.find((u) => u.startsWith(`${pod}/`))).not.toBe(before.find((u) => u.startsWith(`${pod}/`)))
    }
    expect(leaseOf(ns, 'statefulset', 'srs-origin')).toBeUndefined()
  })
})

describe('reload next to other changes', () => {
  test('one change at a time: a second reload is refused naming the holder, sync-origins waits, the lease goes at the end', async () => {
    const guide = ['pvc.yaml', 'origin-cluster.yaml'].map((f) => readFileSync(path.join(TOPO, f), 'utf8'))
    // a busy edge killed at the end of a 15 s grace period keeps the first reload running that long
    guide.push(readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8').replace('terminationGracePeriodSeconds: 120', 'terminationGracePeriodSeconds: 15'))
    const ns = await setup('reload-lease', guide.join('\n---\n'), 6)
    const [busy] = kubectlJson<{items: {metadata: {name: string}}[]}>(['get', 'pods', '-n', ns, '-l', 'app=srs-edge']).items.map((p) => p.metadata.name)
    kubectl(['annotate', '-n', ns, 'pod', busy!, 'sim.srs.test/connections=3'])
    await eventually('the simulated clients counted', async () => podsimPod(ns, busy!)?.connections === 3)
    editConfig(ns, 'srs-edge-config')
    editConfig(ns, 'srs-origin-config')
    let firstEnded = 0
    const first = srs(['reload', 'srs-edge-deploy', '-n', ns, '-o', 'json'], {timeoutMs: 240_000}).then((r) => ((firstEnded = Date.now()), r))
    // an edge's reload takes its origin cluster's lease: add-origin and sync-origins rewrite its origin list
    const held = await eventually('the first reload holding the lease', () => {
      const v = leaseOf(ns, 'statefulset', 'srs-origin')
      return v && (JSON.parse(v) as {op: string; holder: string; renewTime: string}).op === 'reload' ? (JSON.parse(v) as {holder: string}) : undefined
    })
    // the origins, whose pods all started before their ConfigMap changed: a restart to do, under
    // the same lease (the edges may have none left: the first reload's surge pods read the change)
    const origins = () => podUids(ns).filter((u) => u.startsWith('srs-origin-'))
    const originsBefore = origins()
    const second = await srs(['reload', 'srs-origin', '-n', ns])
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(new RegExp(`^error: another kubectl srs reload run \\(${held.holder}\\) is changing statefulset/srs-origin: its lease expires at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z unless renewed$`, 'm'))
    expect(second.stderr).toMatch(/^hint: wait for it to finish \(it renews the lease every 4 s while it runs\), then run reload again$/m)
    expect(origins()).toEqual(originsBefore)
    const sync = await srs(['sync-origins', '-n', ns, '-o', 'json'], {timeoutMs: 240_000})
    const syncEnded = Date.now()
    const r = await first
    // 3: the busy edge's 3 viewers were cut at the end of its grace period (reload says so by its exit status)
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 3, stderr: ''})
    expect((JSON.parse(r.stdout) as ReloadResult).outcome).toBe('done')
    // sync-origins waited for the reload to let go of the lease (then ended pending, 3: the
    // guide's SRS 3 origins cannot confirm a reload, nor need one, the lists being right)
    expect([0, 3]).toContain(sync.code)
    expect(syncEnded).toBeGreaterThan(firstEnded)
    expect(leaseOf(ns, 'statefulset', 'srs-origin')).toBeUndefined()
  })

  test('a reload between a stopped add-origin and its re-run keeps the record of that run: the re-run finishes the same target', async () => {
    const guide = ['pvc.yaml', 'origin-cluster.yaml', 'edge-cluster.yaml'].map((f) => readFileSync(path.join(TOPO, f), 'utf8')).join('\n---\n')
    const ns = await setup('reload-resume', guide, 6)
    const stopped = await srs(['add-origin', '-n', ns], {env: {KUBECTL_SRS_STOP_AFTER_STEP: '1'}})
    expect({code: stopped.code, stopped: stopped.stderr.includes('stopped after step 1')}).toEqual({code: 130, stopped: true})
    const record = () => JSON.parse(leaseOf(ns, 'statefulset', 'srs-origin') ?? '{}') as {op?: string; target?: number}
    expect(record()).toMatchObject({op: 'add', target: 4})
    editConfig(ns, 'srs-edge-config')
    const r = await srs(['reload', 'srs-edge-deploy', '-n', ns, '-o', 'json'], {timeoutMs: 240_000})
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect((JSON.parse(r.stdout) as ReloadResult).pods.filter((p) => p.outcome === 'restarted')).toHaveLength(2)
    expect(record()).toMatchObject({op: 'add', target: 4})
    const rerun = await srs(['add-origin', '-n', ns, '--no-wait', '-o', 'json'], {timeoutMs: 240_000})
    expect([0, 3]).toContain(rerun.code) // 3: written, waiting for SRS 3 to load the lists (it cannot say)
    expect(JSON.parse(rerun.stdout)).toMatchObject({resumed: true, from: 4, to: 4, added: []})
  })

  describe('no rolling restart while something else moves the pods: refused with what to do, nothing changed', () => {
    let ns = ''
    const snapshot = () => ({pods: podUids(ns), deployments: kubectl(['get', 'deployments', '-n', ns, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.replicas} {.metadata.annotations}{"\\n"}{end}'])})

    test('an HPA on the edges', async () => {
      ns = await setup('reload-refuse', readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8').replace('terminationGracePeriodSeconds: 120', 'terminationGracePeriodSeconds: 6'), 2)
      await eventually('2 Ready edge endpoints', () => readyEndpoints(ns, 'srs-edge-service') === 2)
      editConfig(ns, 'srs-edge-config')
      kubectl(['autoscale', 'deployment', 'srs-edge-deploy', '-n', ns, '--min', '2', '--max', '4', '--cpu-percent', '80', '--name', 'edge-hpa'])
      try {
        const before = snapshot()
        const r = await srs(['reload', 'srs-edge-deploy', '-n', ns])
        expect(r.code).toBe(1)
        expect(r.stderr).toMatch(/^error: HorizontalPodAutoscaler edge-hpa scales deployment\/srs-edge-deploy: it would scale while reload restarts its pods and take back the surge pods that keep its capacity$/m)
        expect(r.stderr).toMatch(/^hint: remove the HPA for the reload and apply it again afterwards .*kubectl delete hpa edge-hpa/m)
        expect(snapshot()).toEqual(before)
      } finally {
        kubectl(['delete', 'hpa', 'edge-hpa', '-n', ns])
      }
    })

    test('a canary in progress', async () => {
      const canary = await srs(['canary', 'srs-edge-deploy', '-n', ns, '--to', 'v4.0.6', '--percent', '50'], {timeoutMs: 180_000})
      expect(canary.code).toBe(0)
      const before = snapshot()
      const r = await srs(['reload', 'srs-edge-deploy', '-n', ns])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^error: a canary is in progress on deployment\/srs-edge-deploy \(deployment\/srs-edge-deploy-canary\): restarting would move the split and cut the viewers the canary is judged by$/m)
      expect(r.stderr).toMatch(/^hint: finish the canary first \(kubectl srs promote srs-edge-deploy, or kubectl srs rollback srs-edge-deploy\), then reload/m)
      expect(snapshot()).toEqual(before)
      expect((await srs(['rollback', 'srs-edge-deploy', '-n', ns], {timeoutMs: 180_000})).code).toBe(0)
    })

    test('a rollout still in progress', async () => {
      editConfig(ns, 'srs-edge-config', 1002) // after the canary's pods: every pod started before it
      // a template change whose new pods start only after 60 s: the rollout is in progress meanwhile
      kubectl(['patch', 'deployment', 'srs-edge-deploy', '-n', ns, '--type', 'merge', '-p', JSON.stringify({spec: {template: {metadata: {annotations: {'sim.srs.test/start-delay-ms': '60000'}}}}})])
      const before = snapshot()
      const r = await srs(['reload', 'srs-edge-deploy', '-n', ns])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^error: deployment\/srs-edge-deploy is still rolling out \(.+\)$/m)
      expect(r.stderr).toMatch(/^hint: its new pods read the ConfigMap as it is now: wait for `kubectl rollout status deployment\/srs-edge-deploy`, then run reload again/m)
      expect(snapshot()).toEqual(before)
    })
  })
})
