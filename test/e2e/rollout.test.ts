/**
 * canary, promote and rollback end to end on the guide's edge and origin clusters, with a
 * watcher that checks serving capacity behind srs-edge-service during every command.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {parse} from 'yaml'
import {createNamespace, eventually, KUBECONFIG, kubectl, kubectlJson, readyEndpoints, ROOT, srs, withCapacityWatch} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')

interface DeploymentJson {
  metadata: {name: string; annotations?: Record<string, string>; resourceVersion: string; generation: number}
  spec: {replicas: number; template: {spec: {containers: {name: string; image: string}[]}}}
}

function deployments(ns: string): DeploymentJson[] {
  return kubectlJson<{items: DeploymentJson[]}>(['get', 'deployments', '-n', ns]).items
}

function imageOf(d: DeploymentJson): string {
  return d.spec.template.spec.containers.find((c) => c.name === 'srs')!.image
}

async function edgeSetup(prefix: string): Promise<{name: string; remove: () => void}> {
  const ns = createNamespace(prefix)
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
  kubectl(['scale', '-n', ns.name, 'deployment/srs-edge-deploy', '--replicas', '3'])
  await eventually('3 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 3, {timeoutMs: 90_000})
  await eventually('edge rollout complete', () => {
    const d = kubectlJson<{status: {updatedReplicas?: number; replicas?: number; availableReplicas?: number}}>(['get', 'deployment', 'srs-edge-deploy', '-n', ns.name])
    return d.status.availableReplicas === 3 && d.status.replicas === 3
  })
  return ns
}

describe('canary 25 % → 75 % → promote on srs-edge-deploy (3 pods)', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = await edgeSetup('canary')
  })
  afterAll(() => ns?.remove())

  test('capacity never drops below 3; the end state is one Deployment at v4.0.6, verified, with history', async () => {
    const c25 = await withCapacityWatch(ns.name, ['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '25', '-o', 'json'])
    expect(c25.r.code).toBe(0)
    const r25 = JSON.parse(c25.r.stdout)
    expect(r25.split).toEqual({total: 3, canary: 1, stable: 2, requestedWeight: 25, effectiveWeight: 33.3})
    expect(r25.verified).toEqual([expect.objectContaining({version: '4.0.6', verdict: 'match'})])
    expect(c25.min).toBeGreaterThanOrEqual(3)
    const canary = deployments(ns.name).find((d) => d.metadata.name === 'srs-edge-deploy-canary')!
    expect(imageOf(canary)).toBe('ossrs/srs:v4.0.6')
    expect(canary.metadata.annotations).toMatchObject({'srs.kubectl.io/canary-of': 'srs-edge-deploy', 'srs.kubectl.io/requested-weight': '25', 'srs.kubectl.io/total-replicas': '3'})
    // the canary keeps every label the Service selects on, so status sees two tracks behind it
    const st = JSON.parse((await srs(['status', '-n', ns.name, '-o', 'json'])).stdout)
    expect(st.groups[0]).toMatchObject({service: 'srs-edge-service', requestedWeight: 25})
    expect(st.groups[0].tracks.map((t: {workload: string; role: string; pods: number}) => [t.workload, t.role, t.pods])).toEqual([
      ['srs-edge-deploy', 'stable', 2],
      ['srs-edge-deploy-canary', 'canary', 1],
    ])

    const c75 = await withCapacityWatch(ns.name, ['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '75'])
    expect(c75.r.code).toBe(0)
    expect(c75.r.stdout).toContain('weight: requested 75%, effective 66.7% (2 canary + 1 stable of 3 pods)')
    expect(c75.min).toBeGreaterThanOrEqual(3)

    const p = await withCapacityWatch(ns.name, ['promote', 'srs-edge-deploy', '-n', ns.name, '-o', 'json'])
    expect(p.r.code).toBe(0)
    expect(p.min).toBeGreaterThanOrEqual(3)
    expect(p.samples).toBeGreaterThan(3)
    const promoted = JSON.parse(p.r.stdout)
    expect(promoted.verified).toHaveLength(3)
    for (const v of promoted.verified) expect(v).toMatchObject({version: '4.0.6', verdict: 'match'})
    const left = deployments(ns.name).filter((d) => d.metadata.name.startsWith('srs-edge'))
    expect(left.map((d) => [d.metadata.name, imageOf(d), d.spec.replicas])).toEqual([['srs-edge-deploy', 'ossrs/srs:v4.0.6', 3]])
    // our bookkeeping is gone; the user's strategy is back
    expect(Object.keys(left[0]!.metadata.annotations ?? {}).filter((k) => k.startsWith('srs.kubectl.io/'))).toEqual([])
    const history = kubectl(['rollout', 'history', '-n', ns.name, 'deployment/srs-edge-deploy'])
    expect(history).toMatch(/2\s+kubectl srs promote srs-edge-deploy: image ossrs\/srs:v4.0.6/)
    const pods = JSON.parse((await srs(['status', 'srs-edge-deploy', '-n', ns.name, '-o', 'json'])).stdout).workloads[0].pods
    expect(pods.map((x: {srs: {version: string}}) => x.srs.version)).toEqual(['4.0.6', '4.0.6', '4.0.6'])

    // rollback after promote: back to the previous image, verified; kubectl agrees
    const rb = await withCapacityWatch(ns.name, ['rollback', 'srs-edge-deploy', '-n', ns.name, '-o', 'json'])
    expect(rb.r.code).toBe(0)
    expect(rb.min).toBeGreaterThanOrEqual(3)
    const undone = JSON.parse(rb.r.stdout)
    expect(undone).toMatchObject({action: 'undo', image: 'ossrs/srs:v4.0.5', revision: 1})
    for (const v of undone.verified) expect(v).toMatchObject({version: '4.0.5', verdict: 'match'})
    expect(imageOf(deployments(ns.name).find((d) => d.metadata.name === 'srs-edge-deploy')!)).toBe('ossrs/srs:v4.0.5')
    expect(kubectl(['rollout', 'history', '-n', ns.name, 'deployment/srs-edge-deploy'])).toMatch(/^3\s+<none>$/m)
    const hist = await srs(['rollback', 'srs-edge-deploy', '-n', ns.name, '--history'])
    expect(hist.stdout).toMatch(/2\s+ossrs\/srs:v4.0.6\s+kubectl srs promote/)
    expect(hist.stdout).toMatch(/3 \(current\)\s+ossrs\/srs:v4.0.5/)
  })
})

describe('rollback during a canary, interruption, draining and refusals', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = await edgeSetup('abort')
  })
  afterAll(() => ns?.remove())

  test('rollback during a canary restores the stable split and removes the canary', async () => {
    expect((await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '50'])).code).toBe(0)
    const rb = await withCapacityWatch(ns.name, ['rollback', 'srs-edge-deploy', '-n', ns.name, '-o', 'json'])
    expect(rb.r.code).toBe(0)
    expect(rb.min).toBeGreaterThanOrEqual(3)
    expect(JSON.parse(rb.r.stdout)).toMatchObject({action: 'abort-canary', image: 'ossrs/srs:v4.0.5'})
    const ds = deployments(ns.name).filter((d) => d.metadata.name.startsWith('srs-edge'))
    expect(ds.map((d) => [d.metadata.name, imageOf(d), d.spec.replicas])).toEqual([['srs-edge-deploy', 'ossrs/srs:v4.0.5', 3]])
  })

  test('killed with SIGKILL after the canary scale-up and before the stable scale-down: a re-run converges, and so does rollback', async () => {
    // steps: 1 create canary, 2 scale canary up, 3 scale stable down
    const killed = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34'], {env: {KUBECTL_SRS_STOP_AFTER_STEP: '2', KUBECTL_SRS_STOP_SIGNAL: 'KILL'}})
    expect(killed.code).not.toBe(0)
    let ds = deployments(ns.name)
    expect(ds.find((d) => d.metadata.name === 'srs-edge-deploy')!.spec.replicas).toBe(3)
    expect(ds.find((d) => d.metadata.name === 'srs-edge-deploy-canary')!.spec.replicas).toBe(1)
    const again = await withCapacityWatch(ns.name, ['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34', '-o', 'json'])
    expect(again.r.code).toBe(0)
    expect(again.min).toBeGreaterThanOrEqual(3)
    ds = deployments(ns.name)
    expect(ds.find((d) => d.metadata.name === 'srs-edge-deploy')!.spec.replicas).toBe(2)
    expect(ds.find((d) => d.metadata.name === 'srs-edge-deploy-canary')!.spec.replicas).toBe(1)
    // interrupted again at the same point, then rolled back: nothing orphaned
    expect((await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '67'], {env: {KUBECTL_SRS_STOP_AFTER_STEP: '1', KUBECTL_SRS_STOP_SIGNAL: 'KILL'}})).code).not.toBe(0)
    const rb = await withCapacityWatch(ns.name, ['rollback', 'srs-edge-deploy', '-n', ns.name])
    expect(rb.r.code).toBe(0)
    expect(rb.min).toBeGreaterThanOrEqual(3)
    ds = deployments(ns.name).filter((d) => d.metadata.name.startsWith('srs-edge'))
    expect(ds.map((d) => [d.metadata.name, d.spec.replicas])).toEqual([['srs-edge-deploy', 3]])
    await eventually('no canary pods left', () => kubectl(['get', 'pods', '-n', ns.name, '-l', 'srs.kubectl.io/track=canary', '-o', 'name']).trim() === '')
  })

  test('a stable pod with open connections stays Terminating (draining) until they close, and the command shows it', async () => {
    const pods = kubectl(['get', 'pods', '-n', ns.name, '-l', 'app=srs-edge', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').filter(Boolean)
    for (const p of pods) kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', p, 'sim.srs.test/connections=5'])
    await eventually('connections visible', async () => JSON.parse((await srs(['status', 'srs-edge-deploy', '-n', ns.name, '-o', 'json'])).stdout).summary.connections === 15)
    const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34', '--timeout', '20s'])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/still draining 5 viewers/)
    const draining = kubectlJson<{items: {metadata: {name: string; deletionTimestamp?: string; annotations?: Record<string, string>}}[]}>(['get', 'pods', '-n', ns.name, '-l', 'app=srs-edge']).items.filter(
      (p) => p.metadata.deletionTimestamp,
    )
    expect(draining).toHaveLength(1)
    expect(draining[0]!.metadata.annotations?.['srs.kubectl.io/last-connections']).toBe('5')
    const st = await srs(['status', 'srs-edge-deploy', '-n', ns.name])
    expect(st.stdout).toContain(`pod ${draining[0]!.metadata.name} is terminating, draining 5 viewers`)
    // the clients leave: the pod finishes its graceful quit and goes
    kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', draining[0]!.metadata.name, 'sim.srs.test/connections=0'])
    await eventually(
      'drained pod gone',
      () => {
        const r2 = spawnSync('kubectl', ['get', 'pod', '-n', ns.name, draining[0]!.metadata.name], {env: {...process.env, KUBECONFIG}, encoding: 'utf8'})
        return r2.status !== 0 && /NotFound/.test(r2.stderr)
      },
      {timeoutMs: 30_000},
    )
    expect((await srs(['rollback', 'srs-edge-deploy', '-n', ns.name])).code).toBe(0)
  })

  test('refusals change nothing: bad tag, bad percent, a second canary, an HPA, WebRTC without affinity', async () => {
    const snapshot = () => JSON.stringify(deployments(ns.name).map((d) => [d.metadata.name, d.metadata.resourceVersion]))
    const before = snapshot()
    const cases: [string[], number, RegExp][] = [
      [['--to', 'v4.0.6;rm -rf /', '--percent', '25'], 2, /invalid value for --to/],
      [['--to', 'v4.0.6', '--percent', '150'], 2, /invalid value for --percent/],
      [['--to', 'v4.0.6', '--percent', '-5'], 2, /--percent/],
      [['--to', 'v4.0.6', '--percent', 'abc'], 2, /invalid value for --percent/],
      [['--to', 'v4.0.6'], 2, /--percent/],
      [['--percent', '25'], 2, /missing --to or --image/],
      [['--to', 'v4.0.6', '--image', 'ossrs/srs:6', '--percent', '25'], 2, /cannot be used together/],
    ]
    for (const [args, code, msg] of cases) {
      const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, ...args])
      expect({args, code: r.code}).toEqual({args, code})
      expect(r.stderr).toMatch(msg)
    }
    expect(snapshot()).toBe(before)

    // a canary of another version is running: refused unless --force
    expect((await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34'])).code).toBe(0)
    const mid = snapshot()
    const second = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.7', '--percent', '34'])
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/a canary of ossrs\/srs:v4.0.6 is already running/)
    expect(snapshot()).toBe(mid)
    expect((await srs(['rollback', 'srs-edge-deploy', '-n', ns.name])).code).toBe(0)

    // an HPA on the workload
    kubectl(['autoscale', 'deployment', 'srs-edge-deploy', '-n', ns.name, '--min', '3', '--max', '6', '--cpu-percent', '80'])
    const hpaBefore = snapshot()
    const hpa = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34'])
    expect(hpa.code).toBe(1)
    expect(hpa.stderr).toMatch(/HorizontalPodAutoscaler srs-edge-deploy scales Deployment srs-edge-deploy/)
    expect(snapshot()).toBe(hpaBefore)
    kubectl(['delete', 'hpa', 'srs-edge-deploy', '-n', ns.name])

    // WebRTC on, Service without session affinity
    const conf = kubectlJson<{data: Record<string, string>}>(['get', 'configmap', 'srs-edge-config', '-n', ns.name]).data['srs.conf']!
    const rtc = conf.replace('daemon              off;', 'daemon              off;\nrtc_server {\n    enabled on;\n}').replace('vhost __defaultVhost__ {', 'vhost __defaultVhost__ {\n    rtc {\n        enabled on;\n    }')
    kubectl(['create', 'configmap', 'srs-edge-config', '-n', ns.name, `--from-literal=srs.conf=${rtc}`, '--dry-run=client', '-o', 'yaml'])
    spawnSync('kubectl', ['apply', '-n', ns.name, '-f', '-'], {
      input: kubectl(['create', 'configmap', 'srs-edge-config', '-n', ns.name, `--from-literal=srs.conf=${rtc}`, '--dry-run=client', '-o', 'yaml']),
      env: {...process.env, KUBECONFIG},
    })
    const rtcBefore = snapshot()
    const webrtc = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34'])
    expect(webrtc.code).toBe(1)
    expect(webrtc.stderr).toMatch(/WebRTC is enabled in srs-edge-config and Service srs-edge-service has no session affinity/)
    expect(webrtc.stderr).toMatch(/sessionAffinity: ClientIP/)
    expect(snapshot()).toBe(rtcBefore)
  })
})

describe('canary and promote on the srs-origin StatefulSet through the partition', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = createNamespace('sts')
    kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml')])
    await eventually('origins ready', () => kubectlJson<{status: {readyReplicas?: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns.name]).status.readyReplicas === 3, {timeoutMs: 90_000})
  })
  afterAll(() => ns?.remove())

  test('the highest ordinal runs the canary, promote moves all; the origin ConfigMap is untouched', async () => {
    const cmBefore = kubectlJson<{metadata: {resourceVersion: string}; data: Record<string, string>}>(['get', 'configmap', 'srs-origin-config', '-n', ns.name])
    const c = await srs(['canary', 'srs-origin', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34', '-o', 'json'])
    expect(c.code).toBe(0)
    const res = JSON.parse(c.stdout)
    expect(res.split).toMatchObject({total: 3, canary: 1, stable: 2})
    expect(res.verified).toEqual([expect.objectContaining({pod: 'srs-origin-2', version: '4.0.6', verdict: 'match'})])
    const sts = kubectlJson<{spec: {updateStrategy: {rollingUpdate: {partition: number}}}}>(['get', 'statefulset', 'srs-origin', '-n', ns.name])
    expect(sts.spec.updateStrategy.rollingUpdate.partition).toBe(2)
    const images = () =>
      Object.fromEntries(kubectlJson<{items: {metadata: {name: string}; spec: {containers: {image: string}[]}}[]}>(['get', 'pods', '-n', ns.name, '-l', 'app=srs-origin']).items.map((p) => [p.metadata.name, p.spec.containers[0]!.image]))
    expect(images()).toEqual({'srs-origin-0': 'ossrs/srs:3', 'srs-origin-1': 'ossrs/srs:3', 'srs-origin-2': 'ossrs/srs:v4.0.6'})
    const p = await srs(['promote', 'srs-origin', '-n', ns.name, '-o', 'json'])
    expect(p.code).toBe(0)
    expect(JSON.parse(p.stdout).verified.map((v: {verdict: string}) => v.verdict)).toEqual(['match', 'match', 'match'])
    await eventually('all origins on v4.0.6', () => Object.values(images()).every((i) => i === 'ossrs/srs:v4.0.6') && Object.keys(images()).length === 3)
    const cmAfter = kubectlJson<{metadata: {resourceVersion: string}; data: Record<string, string>}>(['get', 'configmap', 'srs-origin-config', '-n', ns.name])
    expect(cmAfter.metadata.resourceVersion).toBe(cmBefore.metadata.resourceVersion)
    expect(cmAfter.data).toEqual(cmBefore.data)
    expect(kubectl(['get', 'controllerrevisions', '-n', ns.name, '-o', 'name']).trim().split('\n').length).toBeGreaterThanOrEqual(2)
  })
})

describe('pods that cannot drain, and --dry-run', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = await edgeSetup('nodrain')
  })
  afterAll(() => ns?.remove())

  test('--dry-run prints the canary Deployment and the patches as YAML and changes nothing', async () => {
    const before = JSON.stringify(deployments(ns.name).map((d) => [d.metadata.name, d.metadata.resourceVersion]))
    const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34', '--dry-run', '-o', 'yaml'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('dryRun: true')
    expect(r.stdout).toMatch(/kind: Deployment\n\s+metadata:\n\s+name: srs-edge-deploy-canary/)
    expect(r.stdout).toContain('image: ossrs/srs:v4.0.6')
    expect(r.stdout).toContain('srs.kubectl.io/track: canary')
    expect(r.stdout).toContain('patch: deployment/srs-edge-deploy')
    expect(JSON.stringify(deployments(ns.name).map((d) => [d.metadata.name, d.metadata.resourceVersion]))).toBe(before)
  })

  test('SRS 5 cannot drain: the canary says how many connections would be cut and needs --yes', async () => {
    kubectl(['set', 'image', '-n', ns.name, 'deployment/srs-edge-deploy', 'srs=ossrs/srs:v5.0.213'])
    kubectl(['rollout', 'status', '-n', ns.name, 'deployment/srs-edge-deploy', '--timeout', '90s'])
    await eventually('old pods gone', () => kubectlJson<{items: unknown[]}>(['get', 'pods', '-n', ns.name, '-l', 'app=srs-edge']).items.length === 3)
    const pods = kubectl(['get', 'pods', '-n', ns.name, '-l', 'app=srs-edge', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').filter(Boolean)
    pods.forEach((p, i) => kubectl(['annotate', '--overwrite', '-n', ns.name, 'pod', p, `sim.srs.test/connections=${(i + 1) * 10}`]))
    await new Promise((r) => setTimeout(r, 1500))
    const before = JSON.stringify(deployments(ns.name).map((d) => [d.metadata.name, d.metadata.resourceVersion]))
    const refused = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v6.0.155', '--percent', '34'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/takes away 1 pod\(s\) that cannot drain \(SRS 5.x has no working graceful quit.*\): up to 30 connections would be cut/)
    expect(refused.stderr).toContain('--yes')
    expect(JSON.stringify(deployments(ns.name).map((d) => [d.metadata.name, d.metadata.resourceVersion]))).toBe(before)
    const yes = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v6.0.155', '--percent', '34', '--yes', '-o', 'json'])
    expect(yes.code).toBe(0)
    expect(JSON.parse(yes.stdout).warnings[0]).toMatch(/up to 30 connections would be cut/)
  })
})

describe('--dry-run after a --percent 0 canary', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = await edgeSetup('dry0')
  })
  afterAll(() => ns?.remove())

  test('the plan sets the canary image, and so does the printed patch (plain YAML, no aliases)', async () => {
    const zero = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '0'])
    expect({code: zero.code, stderr: zero.stderr}).toEqual({code: 0, stderr: ''})
    const canary = deployments(ns.name).find((d) => d.metadata.name === 'srs-edge-deploy-canary')!
    expect([imageOf(canary), canary.spec.replicas]).toEqual(['ossrs/srs:v4.0.6', 0])
    const before = JSON.stringify(deployments(ns.name).map((d) => [d.metadata.name, d.metadata.resourceVersion]))

    const r = await srs(['canary', 'srs-edge-deploy', '-n', ns.name, '--image', 'ossrs/srs:v6.0.155', '--percent', '50', '--dry-run', '-o', 'yaml'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect(r.stdout).not.toMatch(/(^|\s)[&*][A-Za-z0-9_-]+/m)
    const plan = parse(r.stdout) as {steps: {description: string}[]; split: {canary: number}; objects: {patch?: string; type?: string; body?: {spec: {replicas: number; template?: unknown}}}[]}
    expect(plan.steps.map((s) => s.description)).toContain('set the image of srs-edge-deploy-canary')
    const patch = plan.objects.find((o) => o.patch === 'deployment/srs-edge-deploy-canary')!
    expect(patch.body!.spec.replicas).toBe(plan.split.canary)
    // what the printed patch makes of the canary Deployment, asked of the apiserver without applying
    const patched = JSON.parse(kubectl(['patch', '-n', ns.name, 'deployment/srs-edge-deploy-canary', '--type', patch.type!, '-p', JSON.stringify(patch.body), '--dry-run=server', '-o', 'json'])) as DeploymentJson
    expect(imageOf(patched)).toBe('ossrs/srs:v6.0.155')
    expect(JSON.stringify(deployments(ns.name).map((d) => [d.metadata.name, d.metadata.resourceVersion]))).toBe(before)
  })

  test('SIGTERM in the middle of a canary stops it as Ctrl-C does: dead by TERM after the step, the same command again finishes it', async () => {
    const args = ['srs', 'canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34', '-o', 'json']
    // the test hook sends the real signal right after step 1 (the canary scaled up), before the stable shrinks
    const stopped = spawnSync('kubectl', args, {
      env: {...process.env, PATH: `${path.join(ROOT, 'bin')}:${process.env.PATH}`, KUBECONFIG, KUBECTL_SRS_STOP_AFTER_STEP: '1', KUBECTL_SRS_STOP_SIGNAL: 'TERM'},
      encoding: 'utf8',
      timeout: 120_000,
    })
    expect({status: stopped.status, signal: stopped.signal}).toEqual({status: null, signal: 'SIGTERM'})
    const mid = deployments(ns.name)
    expect(mid.find((d) => d.metadata.name === 'srs-edge-deploy-canary')!.spec.replicas).toBe(1)
    expect(mid.find((d) => d.metadata.name === 'srs-edge-deploy')!.spec.replicas).toBe(3)
    const again = await srs(args.slice(1))
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout).split).toMatchObject({total: 3, canary: 1, stable: 2})
    const end = deployments(ns.name)
    expect(end.find((d) => d.metadata.name === 'srs-edge-deploy')!.spec.replicas).toBe(2)
  })
})

describe('a new pod whose SRS still reports the old version', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = await edgeSetup('stale-version')
  })
  afterAll(() => ns?.remove())

  test('is never called verified: canary times out with exit 3 naming the version it reports, the stable keeps its pods, rollback cleans up', async () => {
    // The template annotation makes every pod's SRS answer 4.0.5, whatever its image: the stable
    // pods (v4.0.5) rightly, the canary pods (v4.0.6) as a server that was never replaced would.
    kubectl(['patch', '-n', ns.name, 'deployment/srs-edge-deploy', '--type', 'merge', '-p', JSON.stringify({spec: {template: {metadata: {annotations: {'sim.srs.test/report-version': '4.0.5'}}}}})])
    kubectl(['rollout', 'status', '-n', ns.name, 'deployment/srs-edge-deploy', '--timeout', '90s'])
    await eventually('3 edges after the template change', () => readyEndpoints(ns.name, 'srs-edge-service') === 3, {timeoutMs: 90_000})
    await eventually('old pods gone', () => kubectlJson<{items: unknown[]}>(['get', 'pods', '-n', ns.name, '-l', 'app=srs-edge']).items.length === 3)
    const c = await withCapacityWatch(ns.name, ['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v4.0.6', '--percent', '34', '--timeout', '15s', '-o', 'json'])
    expect(c.r.code).toBe(3)
    expect(c.r.stdout).toBe('')
    expect(c.r.stderr).toMatch(/timed out waiting for .*reports 4\.0\.5/)
    expect(c.min).toBeGreaterThanOrEqual(3)
    const stable = deployments(ns.name).find((d) => d.metadata.name === 'srs-edge-deploy')!
    expect(stable.spec.replicas).toBe(3)
    const status = await srs(['status', '-n', ns.name, '-o', 'json'])
    const warnings = (JSON.parse(status.stdout) as {warnings: {message: string}[]}).warnings.map((w) => w.message).join('\n')
    expect(warnings).toMatch(/v4\.0\.6.*4\.0\.5|4\.0\.5.*v4\.0\.6/)
    const back = await withCapacityWatch(ns.name, ['rollback', 'srs-edge-deploy', '-n', ns.name, '-o', 'json'])
    expect(back.r.code).toBe(0)
    expect(back.min).toBeGreaterThanOrEqual(3)
    expect(
      deployments(ns.name)
        .map((d) => d.metadata.name)
        .filter((n) => n.startsWith('srs-edge')),
    ).toEqual(['srs-edge-deploy'])
  })
})
