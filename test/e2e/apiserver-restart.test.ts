/**
 * kube-apiserver restarted while a canary waits for its pods (`cluster.sh restart-apiserver`).
 * The rest of the e2e suite shares one cluster, so this file starts a second one of its own
 * (its own network namespace, host port and state folder, the same binaries) and restarts only
 * that one's apiserver: nobody else's requests fail.
 *
 * Short outage: the wait polls through it, reconnects and the canary finishes, verified.
 * Outage longer than --timeout: exit 3 naming the unreachable API, never a success; the state
 * left is the step the canary was waiting on, and running the same command again converges.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {eventually, ROOT, run, srs, type RunResult} from '../helpers/cli.js'

const STATE = path.join(ROOT, '.cluster-restart-test')
const env = {
  SRS_K8S_NETNS: `${process.env.SRS_K8S_NETNS ?? 'srsk8s'}-rs`,
  SRS_K8S_PORT: String(Number(process.env.SRS_K8S_PORT ?? 16443) + 1000),
  SRS_K8S_STATE: STATE,
}
const KUBECONFIG = path.join(STATE, 'kubeconfig')
const CLUSTER = path.join(ROOT, 'test/cluster/cluster.sh')

function cluster(args: string[]): Promise<RunResult> {
  return run('bash', [CLUSTER, ...args], {env, timeoutMs: 300_000})
}

function kubectl(args: string[], input?: string): string {
  const r = spawnSync('kubectl', args, {env: {...process.env, KUBECONFIG}, input, encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

function deployments(ns: string): Record<string, {replicas: number; ready: number; image: string}> {
  const list = JSON.parse(kubectl(['get', 'deployments', '-n', ns, '-o', 'json'])) as {
    items: {metadata: {name: string}; spec: {replicas: number; template: {spec: {containers: {image: string}[]}}}; status: {readyReplicas?: number}}[]
  }
  return Object.fromEntries(list.items.map((d) => [d.metadata.name, {replicas: d.spec.replicas, ready: d.status.readyReplicas ?? 0, image: d.spec.template.spec.containers[0]!.image}]))
}

function canary(ns: string, extra: string[] = []): Promise<RunResult> {
  return srs(['canary', 'srs-edge-deploy', '-n', ns, '--to', 'v4.0.6', '--percent', '50', '-o', 'json', '-v', ...extra], {env: {KUBECONFIG}, timeoutMs: 300_000})
}

/** Resolves once the canary Deployment exists: the command is then in its wait. */
function canaryCreated(ns: string): Promise<unknown> {
  return eventually('the canary Deployment created', () => 'srs-edge-deploy-canary' in deployments(ns), {timeoutMs: 120_000, intervalMs: 200})
}

/**
 * The end state: one stable and one canary pod, each Ready. Read from the Deployments' status,
 * which the controller-manager updates after the command returns (the command checks the pods
 * themselves); after an apiserver restart its informers take a moment to catch up.
 */
async function settled(ns: string): Promise<void> {
  const want = {
    'srs-edge-deploy': {replicas: 1, ready: 1, image: 'ossrs/srs:v4.0.5'},
    'srs-edge-deploy-canary': {replicas: 1, ready: 1, image: 'ossrs/srs:v4.0.6'},
  }
  await eventually(`${ns}: one stable and one canary pod, Ready`, () => JSON.stringify(deployments(ns)) === JSON.stringify(want), {timeoutMs: 60_000, intervalMs: 500}).catch(() => undefined)
  expect(deployments(ns)).toEqual(want)
}

beforeAll(async () => {
  // The binaries the first cluster built (global setup), not a second build.
  rmSync(STATE, {recursive: true, force: true})
  mkdirSync(STATE, {recursive: true})
  symlinkSync(path.join(ROOT, '.cluster/bin'), path.join(STATE, 'bin'))
  const up = await cluster(['up'])
  if (up.code !== 0) throw new Error(`second cluster did not start: ${up.stderr}`)
  // Every SRS pod starts 15 s after it is created, so the canary's wait lasts long enough for a restart.
  const topology = readFileSync(path.join(ROOT, 'test/topologies/edge-cluster.yaml'), 'utf8').replace(/^( {4}metadata:\n {6}labels:)/m, '    metadata:\n      annotations:\n        sim.srs.test/start-delay-ms: "15000"\n      labels:')
  if (!topology.includes('start-delay-ms')) throw new Error('edge-cluster.yaml: pod template metadata not found')
  for (const ns of ['short', 'long']) {
    kubectl(['create', 'namespace', ns])
    kubectl(['apply', '-n', ns, '-f', '-'], topology)
  }
  await eventually('both edge Deployments ready', () => ['short', 'long'].every((ns) => deployments(ns)['srs-edge-deploy']?.ready === 2), {timeoutMs: 150_000, intervalMs: 1000})
}, 420_000)

afterAll(async () => {
  await cluster(['down'])
  rmSync(STATE, {recursive: true, force: true})
}, 120_000)

describe('kube-apiserver restarted during canary --wait', () => {
  test('down 3 s while the canary pod starts: the wait reconnects and the canary finishes, verified', async () => {
    const command = canary('short', ['--timeout', '3m'])
    await canaryCreated('short')
    const restart = await cluster(['restart-apiserver', '3'])
    expect({code: restart.code, stderr: restart.stderr}).toEqual({code: 0, stderr: expect.stringMatching(/kube-apiserver ready again/)})
    const r = await command
    // The outage was seen by the wait, and survived.
    expect(r.stderr).toMatch(/^I the Kubernetes API does not answer \(.*\); still waiting for canary srs-edge-deploy-canary$/m)
    expect(r.stderr).toMatch(/^I the Kubernetes API answers again; canary srs-edge-deploy-canary continues$/m)
    expect(r.stderr).not.toMatch(/^error:/m)
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout) as {verified: {pod: string; verdict: string; version: string}[]; split: unknown}
    expect(result.verified).toEqual([expect.objectContaining({verdict: 'match', version: '4.0.6'})])
    await settled('short')
  }, 240_000)

  test('down longer than --timeout: exit 3 naming the API, never success; the same command again converges', async () => {
    const command = canary('long', ['--timeout', '25s'])
    await canaryCreated('long')
    const restart = cluster(['restart-apiserver', '45'])
    const r = await command
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^error: timed out waiting for canary srs-edge-deploy-canary: the Kubernetes API did not answer \(.+\)$/m)
    expect(r.stderr).toMatch(/^hint: .*run the same command again to continue/m)
    expect((await restart).code).toBe(0)
    // Left as the step being waited on: the canary Deployment made, the stable one not yet scaled down.
    expect(deployments('long')['srs-edge-deploy']?.replicas).toBe(2)
    const again = await canary('long', ['--timeout', '3m'])
    expect({code: again.code, errors: again.stderr.split('\n').filter((l) => l.startsWith('error'))}).toEqual({code: 0, errors: []})
    await settled('long')
  }, 360_000)
})
