/**
 * The local control plane itself: real controllers, kubectl rollout semantics, the pod proxy to
 * simulated SRS servers, ConfigMap projection and graceful termination. Everything the plugin's
 * own tests rely on is proven here first.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {existsSync, readFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {createNamespace, eventually, KUBECONFIG, kubectl, kubectlJson, ROOT} from '../helpers/cli.js'

const STATE = path.join(ROOT, '.cluster/podsim/pods')
let ns: {name: string; remove: () => void}

beforeAll(() => {
  ns = createNamespace('cluster')
})
afterAll(() => ns?.remove())

function podsOf(selector: string): {metadata: {name: string; deletionTimestamp?: string}; status: {phase: string; podIP?: string}}[] {
  return kubectlJson<{items: ReturnType<typeof podsOf>}>(['get', 'pods', '-n', ns.name, '-l', selector]).items
}

function exists(kind: string, name: string): boolean {
  return spawnSync('kubectl', ['get', kind, name, '-n', ns.name], {env: {...process.env, KUBECONFIG}}).status === 0
}

describe('controllers and kubectl rollout', () => {
  test('a Deployment image change creates a new ReplicaSet; kubectl rollout undo brings the old template back', async () => {
    kubectl(['create', 'deployment', 'web', '-n', ns.name, '--image', 'ossrs/srs:4', '--replicas', '2'])
    kubectl(['rollout', 'status', '-n', ns.name, 'deployment/web', '--timeout', '60s'])
    kubectl(['set', 'image', '-n', ns.name, 'deployment/web', 'srs=ossrs/srs:6'])
    kubectl(['rollout', 'status', '-n', ns.name, 'deployment/web', '--timeout', '60s'])
    const rs = kubectlJson<{items: {spec: {replicas: number; template: {spec: {containers: {image: string}[]}}}}[]}>(['get', 'replicasets', '-n', ns.name, '-l', 'app=web']).items
    expect(rs.map((r) => [r.spec.template.spec.containers[0]!.image, r.spec.replicas]).sort()).toEqual([
      ['ossrs/srs:4', 0],
      ['ossrs/srs:6', 2],
    ])
    kubectl(['rollout', 'undo', '-n', ns.name, 'deployment/web'])
    kubectl(['rollout', 'status', '-n', ns.name, 'deployment/web', '--timeout', '60s'])
    const d = kubectlJson<{spec: {template: {spec: {containers: {image: string}[]}}}}>(['get', 'deployment', 'web', '-n', ns.name])
    expect(d.spec.template.spec.containers[0]!.image).toBe('ossrs/srs:4')
    expect(kubectl(['rollout', 'history', '-n', ns.name, 'deployment/web'])).toMatch(/^2\s+<none>\n3\s+<none>/m)
  })

  test('scaling the origin StatefulSet creates srs-origin-3, with ControllerRevisions', async () => {
    kubectl(['apply', '-n', ns.name, '-f', path.join(ROOT, 'test/topologies/origin-cluster.yaml')])
    kubectl(['rollout', 'status', '-n', ns.name, 'statefulset/srs-origin', '--timeout', '90s'])
    kubectl(['scale', '-n', ns.name, 'statefulset/srs-origin', '--replicas', '4'])
    await eventually('srs-origin-3 running', () => podsOf('app=srs-origin').some((p) => p.metadata.name === 'srs-origin-3' && p.status.phase === 'Running'))
    const revs = kubectlJson<{items: {metadata: {ownerReferences: {name: string}[]}}[]}>(['get', 'controllerrevisions', '-n', ns.name]).items
    expect(revs.some((r) => r.metadata.ownerReferences[0]!.name === 'srs-origin')).toBe(true)
  })
})

describe('simulated SRS behind the apiserver pod proxy', () => {
  test('each pod answers /api/v1/versions with the version its image tag implies', async () => {
    const tags: [string, RegExp][] = [
      ['ossrs/srs:3', /^3\.0\.\d+$/],
      ['ossrs/srs:4', /^4\.0\.271$/],
      ['ossrs/srs:v4.0.6', /^4\.0\.6$/],
      ['ossrs/srs:5', /^5\.0\.213$/],
      ['ossrs/srs:v5.0-r3', /^5\.0\.213$/],
      ['ossrs/srs:6', /^6\.0\.155$/],
    ]
    tags.forEach(([image], i) => kubectl(['run', `v${i}`, '-n', ns.name, '--image', image, '--labels', 'tagtest=yes', '--port', '1985']))
    await eventually('tag pods running', () => podsOf('tagtest=yes').filter((p) => p.status.phase === 'Running' && p.status.podIP).length === tags.length)
    for (const [i, [image, want]] of tags.entries()) {
      const body = JSON.parse(kubectl(['get', '--raw', `/api/v1/namespaces/${ns.name}/pods/v${i}:1985/proxy/api/v1/versions`]))
      expect({image, code: body.code, version: body.data.version}).toEqual({image, code: 0, version: expect.stringMatching(want)})
      // pod IPs live in the cluster's own network namespace range
      expect(podsOf('tagtest=yes').find((p) => p.metadata.name === `v${i}`)!.status.podIP).toMatch(/^10\.244\./)
    }
  })

  test('a ConfigMap change reaches the projected srs.conf within the kubelet delay and SRS reloads it', async () => {
    kubectl(['apply', '-n', ns.name, '-f', path.join(ROOT, 'test/topologies/edge-cluster.yaml')])
    const pod = await eventually('edge running', () => podsOf('app=srs-edge').find((p) => p.status.phase === 'Running')?.metadata.name)
    const file = path.join(STATE, ns.name, pod, 'volumes/config-volume/srs.conf')
    await eventually('projected file', () => existsSync(file))
    expect(readFileSync(file, 'utf8')).toContain('origin          srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs;')
    const cm = kubectlJson<{data: Record<string, string>}>(['get', 'configmap', 'srs-edge-config', '-n', ns.name]).data['srs.conf']!
    const changed = cm.replace('srs-origin-2.socs;', 'srs-origin-2.socs srs-origin-3.socs;').replace('force_grace_quit    on;', 'force_grace_quit    on;\ninotify_auto_reload on;')
    const t0 = Date.now()
    spawnSync('kubectl', ['apply', '-n', ns.name, '-f', '-'], {
      input: kubectl(['create', 'configmap', 'srs-edge-config', '-n', ns.name, `--from-literal=srs.conf=${changed}`, '--dry-run=client', '-o', 'yaml']),
      env: {...process.env, KUBECONFIG},
    })
    await eventually('new text projected', () => readFileSync(file, 'utf8') === changed, {timeoutMs: 20_000, intervalMs: 100})
    // the simulator's kubelet sync delay is 2 s; allow for a loaded machine
    expect(Date.now() - t0).toBeLessThan(10_000)
    // ..data is a symlink swapped atomically, as kubelet does
    expect(spawnSync('readlink', [path.join(STATE, ns.name, pod, 'volumes/config-volume/..data')], {encoding: 'utf8'}).stdout).toMatch(/^\.\.\d{4}_/)
    // The running SRS had inotify_auto_reload off, so it keeps the old config until told: SIGHUP
    // through the simulator's control endpoint (inside the cluster's network namespace), as
    // `kill -HUP` in the container would.
    expect(readFileSync(path.join(STATE, ns.name, pod, 'loaded.conf'), 'utf8')).toBe(cm)
    const netns = process.env.SRS_K8S_NETNS ?? 'srsk8s'
    const hup = spawnSync('ip', ['netns', 'exec', netns, 'curl', '-sf', '-X', 'POST', `http://127.0.0.1:19850/pods/${ns.name}/${pod}/signal?sig=HUP`], {encoding: 'utf8'})
    expect(hup.status).toBe(0)
    await eventually('SRS loaded the new config', () => readFileSync(path.join(STATE, ns.name, pod, 'loaded.conf'), 'utf8') === changed, {timeoutMs: 30_000})
  })

  test('an edge pod with open connections stays Terminating until they close; without clients leaving, its grace period ends it', async () => {
    // The guide's edges drain: preStop runs "srs grace" and force_grace_quit is on.
    kubectl(['apply', '-n', ns.name, '-f', path.join(ROOT, 'test/topologies/edge-cluster.yaml')])
    const [a, b] = await eventually('two edges running', () => {
      const running = podsOf('app=srs-edge')
        .filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp)
        .map((p) => p.metadata.name)
      return running.length >= 2 ? running : undefined
    })
    kubectl(['annotate', '--overwrite', 'pod', a!, b!, '-n', ns.name, 'sim.srs.test/connections=3'])
    await new Promise((r) => setTimeout(r, 1500))
    const t0 = Date.now()
    kubectl(['delete', 'pod', a!, '-n', ns.name, '--wait=false', '--grace-period', '60'])
    kubectl(['delete', 'pod', b!, '-n', ns.name, '--wait=false', '--grace-period', '6'])
    await new Promise((r) => setTimeout(r, 3000))
    expect(exists('pod', a!)).toBe(true)
    expect(exists('pod', b!)).toBe(true)
    // b's clients never leave: gone when its 6 s grace period ends
    await eventually(`${b} gone after its grace period`, () => !exists('pod', b!), {timeoutMs: 30_000})
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5000)
    // a is still draining well past that, until its clients leave
    expect(exists('pod', a!)).toBe(true)
    kubectl(['annotate', '--overwrite', 'pod', a!, '-n', ns.name, 'sim.srs.test/connections=0'])
    await eventually(`${a} gone after its clients left`, () => !exists('pod', a!), {timeoutMs: 20_000})
  })
})
