/**
 * Throttling answered by the real apiserver: API Priority and Fairness (on in test/cluster) with
 * a PriorityLevelConfiguration of no nominal concurrency and `limitResponse: Reject`, and two
 * FlowSchemas sending two ServiceAccounts of the test namespace to it: `op` runs kubectl srs,
 * `hog` keeps the level busy with LISTs at a future resourceVersion (the apiserver holds each
 * one about 3 s before answering 504), so every request of `op` that arrives meanwhile is
 * answered 429. The 429s are proven from the apiserver's own counter,
 * apiserver_flowcontrol_rejected_requests_total for op's FlowSchema, read as admin.
 *
 * Short throttling: status and canary retry with backoff and finish correctly. Throttling that
 * outlasts the retries: exit 3 with a message that says so, no report, nothing changed.
 * Only `op` and `hog` match these FlowSchemas; the rest of the suite is not throttled.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse, parseAllDocuments, stringify} from 'yaml'
import type {StatusReport} from '../../src/lib/status/report.js'
import {createNamespace, eventually, KUBECONFIG, kubectl, kubectlJson, ROOT, srs, type RunResult} from '../helpers/cli.js'

const role = parseAllDocuments(readFileSync(path.join(ROOT, 'docs/rbac.yaml'), 'utf8'))
  .map((d) => d.toJS() as {kind: string; metadata: {name: string}; rules: unknown[]})
  .find((d) => d.kind === 'Role')!

let dir: string
let ns: {name: string; remove: () => void}
let level: string
let opKubeconfig: string
let hogToken: string

function flowSchema(name: string, sa: string): object {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: {name},
    spec: {
      priorityLevelConfiguration: {name: level},
      matchingPrecedence: 500,
      distinguisherMethod: {type: 'ByUser'},
      rules: [
        {
          subjects: [{kind: 'ServiceAccount', serviceAccount: {name: sa, namespace: ns.name}}],
          resourceRules: [{verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true}],
          nonResourceRules: [{verbs: ['*'], nonResourceURLs: ['*']}],
        },
      ],
    },
  }
}

/** apiserver_flowcontrol_rejected_requests_total of one FlowSchema (all reasons), read as admin. */
function rejected(flowSchemaName: string): number {
  const metrics = kubectl(['get', '--raw', '/metrics'])
  let n = 0
  for (const line of metrics.split('\n')) {
    if (line.startsWith('apiserver_flowcontrol_rejected_requests_total{') && line.includes(`flow_schema="${flowSchemaName}"`)) n += Number(line.split(' ').pop())
  }
  return n
}

/**
 * Keeps the priority level busy until `stop` resolves: LISTs at a resourceVersion far in the
 * future, which the apiserver holds ~3 s before answering 504, back to back from three loops.
 */
async function hog(stop: Promise<unknown>): Promise<{requests: number}> {
  const server = new URL(parse(readFileSync(KUBECONFIG, 'utf8')).clusters[0].cluster.server as string)
  const ca = readFileSync(path.join(ROOT, '.cluster/pki/apiserver.crt'))
  const rv = Number(kubectlJson<{metadata: {resourceVersion: string}}>(['get', 'configmaps', '-n', ns.name]).metadata.resourceVersion) + 100_000_000
  const agent = new https.Agent({keepAlive: true, ca})
  let stopped = false
  void stop.then(() => (stopped = true))
  let requests = 0
  const once = () =>
    new Promise<number>((resolve) => {
      const req = https.request(new URL(`/api/v1/namespaces/${ns.name}/configmaps?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`, server), {agent, headers: {Authorization: `Bearer ${hogToken}`}}, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', () => resolve(0))
      req.end()
    })
  const loop = async () => {
    while (!stopped) {
      requests++
      // 429: another loop holds the level; try again soon so the level never stays free.
      if ((await once()) === 429) await new Promise((r) => setTimeout(r, 100))
    }
  }
  await Promise.all([loop(), loop(), loop()])
  agent.destroy()
  return {requests}
}

/**
 * Runs kubectl srs as `op` while the level is held: `short`, until the apiserver has rejected
 * op's first request (the hog's LISTs still in flight hold the level up to ~3 s more; the
 * command's retries then get through); otherwise until the command exits. Released at once, not
 * 2 s later as before: seeing the first 429 already takes a /metrics read or more, and on a loaded
 * machine the longer window made status exit 3 in one fresh-clone run (most likely a pod-proxy
 * request caught by it, whose retry after a 429 can outlast the per-pod timeout).
 */
async function throttled(args: string[], mode: 'short' | 'lasting'): Promise<RunResult & {rejected: number}> {
  const before = rejected(`${level}-op`)
  let release!: () => void
  const stop = new Promise<void>((r) => (release = r))
  const holding = hog(stop)
  await new Promise((r) => setTimeout(r, 500))
  const command = srs([...args, '--kubeconfig', opKubeconfig, '-v'], {timeoutMs: 240_000})
  if (mode === 'short') {
    void eventually('a first 429 for op', () => rejected(`${level}-op`) > before, {timeoutMs: 120_000, intervalMs: 200}).finally(release)
  }
  const r = await command
  release()
  await holding
  return {...r, rejected: rejected(`${level}-op`) - before}
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'srs-throttle-'))
  ns = createNamespace('throttle')
  level = `srs-throttle-${ns.name}`
  kubectl(['apply', '-n', ns.name, '-f', path.join(ROOT, 'test/topologies/edge-cluster.yaml')])
  kubectl(['apply', '-n', ns.name, '-f', '-'], stringify({...role, metadata: {name: 'kubectl-srs', namespace: ns.name}}))
  for (const sa of ['op', 'hog']) {
    kubectl(['create', 'serviceaccount', sa, '-n', ns.name])
    kubectl(['create', 'rolebinding', sa, '-n', ns.name, '--role=kubectl-srs', `--serviceaccount=${ns.name}:${sa}`])
  }
  hogToken = kubectl(['create', 'token', 'hog', '-n', ns.name, '--duration', '1h']).trim()
  const doc = parse(readFileSync(KUBECONFIG, 'utf8')) as {users: {name: string; user: Record<string, unknown>}[]; contexts: {context: {namespace?: string}}[]}
  doc.users = doc.users.map((u) => ({name: u.name, user: {token: kubectl(['create', 'token', 'op', '-n', ns.name, '--duration', '1h']).trim()}}))
  for (const c of doc.contexts) c.context.namespace = ns.name
  opKubeconfig = path.join(dir, 'kubeconfig-op')
  writeFileSync(opKubeconfig, stringify(doc))
  const objects = [
    {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'PriorityLevelConfiguration',
      metadata: {name: level},
      // No seats of its own, none lent or borrowed: one request at a time, the rest rejected.
      spec: {type: 'Limited', limited: {nominalConcurrencyShares: 0, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: {type: 'Reject'}}},
    },
    {...flowSchema(`${level}-op`, 'op')},
    {...flowSchema(`${level}-hog`, 'hog')},
  ]
  kubectl(['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'))
  await eventually(
    'the edge pods answering',
    async () => {
      const r = await srs(['status', '-n', ns.name, '-o', 'json'])
      return r.code === 0 && (JSON.parse(r.stdout) as StatusReport).summary.podsAnswered === 2
    },
    {timeoutMs: 90_000},
  )
}, 120_000)

afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
  if (level) kubectl(['delete', 'flowschema', `${level}-op`, `${level}-hog`, '--ignore-not-found'])
  if (level) kubectl(['delete', 'prioritylevelconfiguration', level, '--ignore-not-found'])
  ns?.remove()
})

const deployments = (): Record<string, number> => Object.fromEntries(kubectlJson<{items: {metadata: {name: string}; spec: {replicas: number}}[]}>(['get', 'deployments', '-n', ns.name]).items.map((d) => [d.metadata.name, d.spec.replicas]))

describe('429 from API Priority and Fairness', () => {
  test('short throttling: status retries with backoff and reports every pod, exit 0', async () => {
    const r = await throttled(['status', '-o', 'json'], 'short')
    expect(r.rejected).toBeGreaterThan(0)
    expect(r.stderr).toMatch(/HTTP 429, retrying in \d+ ms/)
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout) as StatusReport
    expect(report.summary).toMatchObject({workloads: 1, pods: 2, podsAnswered: 2, podsDegraded: 0})
  })

  test('throttling beyond the retries: status exits 3, says it was throttled, prints no report', async () => {
    const r = await throttled(['status', '-o', 'json'], 'lasting')
    expect(r.rejected).toBeGreaterThanOrEqual(6)
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(new RegExp(`^error: the API server at https://\\S+ is throttling user "\\S+": list \\S+ in namespace "${ns.name}" was answered 429 Too Many Requests 6 times over \\d+\\.\\d s$`, 'm'))
    expect(r.stderr).toMatch(/^hint: the refused request changed nothing; .*FlowSchema/m)
  })

  test('throttling beyond the retries: canary exits 3 and changes nothing', async () => {
    const before = deployments()
    const r = await throttled(['canary', 'srs-edge-deploy', '--to', 'v4.0.6', '--percent', '50'], 'lasting')
    expect(r.rejected).toBeGreaterThanOrEqual(6)
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/^error: the API server at \S+ is throttling .* 429 Too Many Requests 6 times/m)
    expect(deployments()).toEqual(before)
  })

  test('short throttling: canary retries and finishes, the canary verified', async () => {
    const r = await throttled(['canary', 'srs-edge-deploy', '--to', 'v4.0.6', '--percent', '50', '-o', 'json'], 'short')
    expect(r.rejected).toBeGreaterThan(0)
    expect(r.stderr).toMatch(/HTTP 429, retrying/)
    expect({code: r.code, stderr: r.stderr.split('\n').filter((l) => /^error/.test(l))}).toEqual({code: 0, stderr: []})
    expect(deployments()).toEqual({'srs-edge-deploy': 1, 'srs-edge-deploy-canary': 1})
    const result = JSON.parse(r.stdout) as {verified: {pod: string; verdict: string}[]}
    expect(result.verified.length).toBeGreaterThan(0)
    expect(result.verified.every((v) => v.verdict === 'match')).toBe(true)
  })
})
