/**
 * canary --steps (issue 22): each step is a canary move, then an analysis of both tracks over
 * --interval; a failed check rolls back (exit 3) naming the check; Ctrl-C pauses and the same
 * command resumes the step. Every edge pod (both tracks) carries 3 simulated viewers from the
 * pod template; simulated viewers never leave by themselves, so the edges get a short grace
 * period: the viewers of a pod a move takes away are cut at its end, which the result says.
 */
import {afterAll, describe, expect, test} from '@jest/globals'
import {spawn, spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {BIN, createNamespace, eventually, KUBECONFIG, kubectl, kubectlJson, readyEndpoints, ROOT, srs, type RunResult} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')
const STATE = 'srs.kubectl.io/progressive'
const namespaces: {remove: () => void}[] = []
afterAll(() => namespaces.forEach((n) => n.remove()))

interface Check {
  name: string
  verdict: string
  canary?: string
  stable?: string
  applicable?: boolean
}
interface ProgressiveJson {
  outcome: string
  resumed: boolean
  stepsRun: {weight: number; index: number; analysis?: {verdict: string; samples: number; checks: Check[]}}[]
  failed?: Check[]
  rollback?: {action: string}
  promotion?: {action: string}
}
interface State {
  stepIndex: number
  phase: string
  samples?: number
}

/** Origins and 4 edges with 3 viewers each (pod template annotation, so canary pods get them too). */
async function edges(prefix: string): Promise<string> {
  const ns = createNamespace(prefix)
  namespaces.push(ns)
  const yaml = readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8')
    .replace('  replicas: 2', '  replicas: 4')
    .replace('terminationGracePeriodSeconds: 120', 'terminationGracePeriodSeconds: 4')
    .replace('  template:\n    metadata:\n', '  template:\n    metadata:\n      annotations:\n        sim.srs.test/connections: "3"\n        sim.srs.test/kbps: "800"\n')
  expect(yaml).toContain('sim.srs.test/connections: "3"')
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml')])
  kubectl(['apply', '-n', ns.name, '-f', '-'], yaml)
  await eventually('4 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 4, {timeoutMs: 90_000})
  return ns.name
}

function state(ns: string): State | undefined {
  const r = spawnSync('kubectl', ['get', 'deployment', 'srs-edge-deploy-canary', '-n', ns, '-o', 'json'], {env: {...process.env, KUBECONFIG}, encoding: 'utf8'})
  if (r.status !== 0) return undefined
  const raw = (JSON.parse(r.stdout) as {metadata: {annotations?: Record<string, string>}}).metadata.annotations?.[STATE]
  return raw ? (JSON.parse(raw) as State) : undefined
}

/** The step's analysis has taken its first sample (the viewers at the interval start). */
const analysing = (ns: string, stepIndex: number) =>
  eventually(
    `step ${stepIndex} analysing`,
    () => {
      const s = state(ns)
      return s?.phase === 'analysing' && s.stepIndex === stepIndex && (s.samples ?? 0) >= 1
    },
    {timeoutMs: 120_000},
  )

function canaryPods(ns: string): string[] {
  return kubectlJson<{items: {metadata: {name: string; deletionTimestamp?: string}}[]}>(['get', 'pods', '-n', ns, '-l', 'srs.kubectl.io/track=canary'])
    .items.filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name)
}

function stableImage(ns: string): string {
  return kubectlJson<{spec: {template: {spec: {containers: {image: string}[]}}}}>(['get', 'deployment', 'srs-edge-deploy', '-n', ns]).spec.template.spec.containers[0]!.image
}

const canaryGone = (ns: string) => spawnSync('kubectl', ['get', 'deployment', 'srs-edge-deploy-canary', '-n', ns], {env: {...process.env, KUBECONFIG}}).status !== 0

function parse(r: RunResult): ProgressiveJson {
  try {
    return JSON.parse(r.stdout) as ProgressiveJson
  } catch {
    throw new Error(`no JSON (exit ${r.code}): ${r.stderr}`)
  }
}

const progressive = (ns: string, extra: string[]) => ['canary', 'srs-edge-deploy', '-n', ns, '--to', 'v4.0.6', '-o', 'json', ...extra]

describe('canary --steps', () => {
  test('--steps 25,50 --interval 20s --promote walks both steps, analyses each, and promotes', async () => {
    const ns = await edges('prog-ok')
    const r = await srs(progressive(ns, ['--steps', '25,50', '--interval', '20s', '--promote']), {timeoutMs: 400_000})
    const res = parse(r)
    expect(res.outcome).toBe('promoted')
    expect(res.stepsRun.map((s) => [s.weight, s.analysis?.verdict])).toEqual([
      [25, 'pass'],
      [50, 'pass'],
    ])
    for (const s of res.stepsRun) {
      expect(s.analysis!.samples).toBeGreaterThanOrEqual(4)
      const retention = s.analysis!.checks.find((c) => c.name === 'viewer-retention')!
      expect(retention).toMatchObject({verdict: 'pass', canary: expect.stringMatching(/^100 %/), stable: expect.stringMatching(/^100 %/)})
      expect(retention.applicable).not.toBe(false)
    }
    expect(res.promotion?.action).toBe('promote')
    expect(stableImage(ns)).toBe('ossrs/srs:v4.0.6')
    expect(canaryGone(ns)).toBe(true)
    // Simulated viewers never leave, so the pods the moves took away cut theirs (exit 3 says so).
    expect(r.code).toBe(3)
  }, 500_000)

  test('a canary whose viewers leave faster than the stable is aborted and rolled back, exit 3, naming viewer-retention', async () => {
    const ns = await edges('prog-leave')
    const run = srs(progressive(ns, ['--steps', '50', '--interval', '20s']), {timeoutMs: 300_000})
    await analysing(ns, 0)
    // Close every viewer of the canary pods during the interval (the stable keeps all of its).
    for (const pod of canaryPods(ns)) {
      const list = JSON.parse(kubectl(['get', '--raw', `/api/v1/namespaces/${ns}/pods/${pod}:1985/proxy/api/v1/clients/`])) as {clients: {id: string}[]}
      expect(list.clients.length).toBe(3)
      // DELETE /api/v1/clients/{id} closes one client, as on real SRS (simulated clients do not come back).
      for (const c of list.clients) kubectl(['delete', '--raw', `/api/v1/namespaces/${ns}/pods/${pod}:1985/proxy/api/v1/clients/${c.id}`])
      await eventually(`${pod} has no viewers`, () => (JSON.parse(kubectl(['get', '--raw', `/api/v1/namespaces/${ns}/pods/${pod}:1985/proxy/api/v1/clients/`])) as {clients: unknown[]}).clients.length === 0)
    }
    const r = await run
    const res = parse(r)
    expect(r.code).toBe(3)
    expect(res.outcome).toBe('aborted')
    expect(res.failed?.map((c) => c.name)).toContain('viewer-retention')
    expect(res.failed!.find((c) => c.name === 'viewer-retention')).toMatchObject({canary: '0 % (0 of 6 viewers stayed)', stable: '100 % (6 of 6 viewers stayed)'})
    expect(res.rollback?.action).toBe('abort-canary')
    expect(canaryGone(ns)).toBe(true)
    expect(stableImage(ns)).toBe('ossrs/srs:v4.0.5')
  }, 400_000)

  test('a canary pod that restarts during the interval is aborted and rolled back, exit 3, naming restarts', async () => {
    const ns = await edges('prog-restart')
    const run = srs(progressive(ns, ['--steps', '25', '--interval', '20s', '--promote']), {timeoutMs: 300_000})
    await analysing(ns, 0)
    const [pod] = canaryPods(ns)
    const netns = process.env.SRS_K8S_NETNS ?? 'srsk8s'
    const sig = spawnSync('ip', ['netns', 'exec', netns, 'curl', '-sf', '-X', 'POST', `http://127.0.0.1:19850/pods/${ns}/${pod}/signal?sig=KILL`], {encoding: 'utf8'})
    expect(sig.status).toBe(0)
    const r = await run
    const res = parse(r)
    expect(r.code).toBe(3)
    expect(res.outcome).toBe('aborted')
    expect(res.failed?.map((c) => c.name)).toContain('restarts')
    expect(res.promotion).toBeUndefined()
    expect(canaryGone(ns)).toBe(true)
    expect(stableImage(ns)).toBe('ossrs/srs:v4.0.5')
  }, 400_000)

  test('SIGINT during an interval pauses at the current weight (exit 130); the same command resumes at that step', async () => {
    const ns = await edges('prog-int')
    const args = progressive(ns, ['--steps', '25,50', '--interval', '20s'])
    const child = spawn('kubectl', ['srs', ...args], {env: {...process.env, PATH: `${BIN}:${process.env.PATH}`, KUBECONFIG, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    await analysing(ns, 1)
    child.kill('SIGINT')
    const code = await exited
    expect(code).toBe(130)
    expect(JSON.parse(stdout)).toMatchObject({outcome: 'paused'})
    expect(state(ns)).toMatchObject({phase: 'paused', stepIndex: 1})
    expect(canaryPods(ns).length).toBe(2)
    const again = await srs(args, {timeoutMs: 300_000})
    const res = parse(again)
    expect(res.resumed).toBe(true)
    expect(res.stepsRun.map((s) => [s.index, s.weight, s.analysis?.verdict])).toEqual([[1, 50, 'pass']])
    expect(res.outcome).toBe('done')
    expect(state(ns)).toMatchObject({phase: 'done', stepIndex: 1})
    // rollback aborts: the canary and its state are gone.
    // The canary's pods leave with their (never-leaving) viewers cut: exit 3 says so.
    expect((await srs(['rollback', 'srs-edge-deploy', '-n', ns])).code).toBe(3)
    expect(canaryGone(ns)).toBe(true)
  }, 500_000)
})
