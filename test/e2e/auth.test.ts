/**
 * SRS http_api basic auth end to end: the apiserver pod proxy drops the Authorization header
 * (kubernetes issue 38775), so pods whose SRS has auth on are reached through a real
 * port-forward (apiserver → podsim's kubelet streaming server → the simulated SRS) with the
 * credentials from flags, a Secret, or the workload's own srs.conf.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import Ajv2020 from 'ajv/dist/2020.js'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {StatusReport} from '../../src/lib/status/report.js'
import type {StreamsResult} from '../../src/lib/status/streams.js'
import {parseAllDocuments, stringify} from 'yaml'
import {createNamespace, eventually, kubectl, ROOT, serviceAccountKubeconfig, srs} from '../helpers/cli.js'

const PASSWORD = 'pw-7f3c9e1a'
let ns: {name: string; remove: () => void}
let dir: string

// srs-auth-conf: http_api.auth with its credentials in srs.conf (the workload's own).
// srs-auth-env: auth on in srs.conf, the username and password come from a Secret through
// SRS_HTTP_API_AUTH_* env (valueFrom): kubectl-srs cannot see them without --api-secret.
function workloads(): string {
  const conf = (auth: string) => `    listen 1935;
    daemon off;
    http_api {
        enabled on;
        listen 1985;
        auth { ${auth} }
    }
    http_server { enabled on; listen 8080; }
    vhost __defaultVhost__ { }`
  const deployment = (name: string, conns: string, env: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}, annotations: {sim.srs.test/connections: "${conns}"}}
    spec:
      volumes: [{name: config, configMap: {name: ${name}-config}}]
      containers:
      - name: srs
        image: ossrs/srs:v6.0.155
        ports: [{containerPort: 1935}, {containerPort: 1985}, {containerPort: 8080}]
        volumeMounts: [{name: config, mountPath: /usr/local/srs/conf}]
${env}`
  return `apiVersion: v1
kind: Secret
metadata: {name: srs-api-auth}
stringData: {username: ops, password: ${PASSWORD}}
---
apiVersion: v1
kind: Secret
metadata: {name: srs-api-wrong}
stringData: {username: ops, password: not-it}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: srs-auth-conf-config}
data:
  srs.conf: |
${conf('enabled on; username admin; password s3cret;')}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: srs-auth-env-config}
data:
  srs.conf: |
${conf('enabled on;')}
---
${deployment('srs-auth-conf', '4', '')}
---
${deployment(
  'srs-auth-env',
  '6',
  `        env:
        - {name: SRS_HTTP_API_AUTH_USERNAME, valueFrom: {secretKeyRef: {name: srs-api-auth, key: username}}}
        - {name: SRS_HTTP_API_AUTH_PASSWORD, valueFrom: {secretKeyRef: {name: srs-api-auth, key: password}}}`,
)}
`
}

async function status(args: string[]): Promise<{code: number; report: StatusReport; stderr: string; ms: number}> {
  const t0 = Date.now()
  const r = await srs(['status', '-n', ns.name, '-o', 'json', '--timeout', '20s', ...args])
  return {code: r.code, report: JSON.parse(r.stdout) as StatusReport, stderr: r.stderr, ms: Date.now() - t0}
}

function workload(report: StatusReport, name: string) {
  return report.workloads.find((w) => w.name === name)!
}

/** Established connections to the kubelet streaming port inside the cluster's namespace (apiserver → podsim). */
/** Port-forward sessions podsim (the kubelet) serves now. Not a count of TCP connections to the
 * kubelet port: the apiserver keeps idle keep-alive connections there after container-log reads. */
function kubeletPortForwards(): number {
  const netns = process.env.SRS_K8S_NETNS ?? 'srsk8s'
  const r = spawnSync('ip', ['netns', 'exec', netns, 'curl', '-sf', 'http://127.0.0.1:19850/portforwards'], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`podsim control endpoint: ${r.stderr}`)
  return (JSON.parse(r.stdout) as {open: number}).open
}

function portForwardProcesses(): string[] {
  const r = spawnSync('pgrep', ['-af', 'port-forward'], {encoding: 'utf8'})
  return r.stdout.split('\n').filter((l) => l.includes(ns.name))
}

beforeAll(async () => {
  ns = createNamespace('auth')
  dir = mkdtempSync(path.join(os.tmpdir(), 'srs-auth-'))
  kubectl(['apply', '-n', ns.name, '-f', '-'], workloads())
  await eventually(
    '4 pods running with IPs',
    () => {
      const pods = JSON.parse(kubectl(['get', 'pods', '-n', ns.name, '-o', 'json'])) as {items: {status: {phase?: string; podIP?: string}}[]}
      return pods.items.length === 4 && pods.items.every((p) => p.status.phase === 'Running' && p.status.podIP)
    },
    {timeoutMs: 90_000},
  )
}, 120_000)

afterAll(() => {
  ns?.remove()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

describe('SRS http_api auth', () => {
  test('without credentials: the pods that need them carry the 401 reason and what to do, exit 3; the workload with its own credentials answers', async () => {
    const {code, report} = await status([])
    expect(code).toBe(3)
    const env = workload(report, 'srs-auth-env')
    expect(env.apiAuth).toBeNull()
    for (const p of env.pods) {
      expect(p.srs).toBeNull()
      expect(p.apiRoute).toBe('proxy')
      expect(p.error?.reason).toBe('unauthorized')
      expect(p.error?.message).toMatch(/401.*kubernetes issue 38775.*--api-secret NAME or --api-user USER --api-password-file FILE/)
    }
    // The credentials in srs-auth-conf's own srs.conf are used: through a port-forward, with no flag.
    const own = workload(report, 'srs-auth-conf')
    expect(own.apiAuth).toEqual({username: 'admin', source: 'workload', from: 'ConfigMap srs-auth-conf-config key srs.conf'})
    for (const p of own.pods) expect(p).toMatchObject({apiRoute: 'port-forward', error: null, srs: {version: '6.0.155', connections: 4}})
    expect(
      report.warnings
        .filter((w) => w.kind === 'unreachable')
        .map((w) => w.pod)
        .sort(),
    ).toEqual(env.pods.map((p) => p.name).sort())
  }, 120_000)

  test('--api-secret: the pods answer through a port-forward with version and connections, exit 0, JSON per the schema', async () => {
    const {code, report, stderr} = await status(['srs-auth-env', '--api-secret', 'srs-api-auth'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const w = workload(report, 'srs-auth-env')
    expect(w.apiAuth).toEqual({username: 'ops', source: 'secret', from: 'Secret srs-api-auth'})
    for (const p of w.pods) expect(p).toMatchObject({apiRoute: 'port-forward', error: null, srs: {version: '6.0.155', versionCheck: 'match', connections: 6}})
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'docs/status-schema.json'), 'utf8')) as object
    const validate = new Ajv2020.default({allErrors: true, strict: false}).compile(schema)
    expect(validate(report) ? true : validate.errors).toBe(true)
  }, 120_000)

  test("given credentials win over the workload's own: srs-auth-conf rejects the Secret's password", async () => {
    const {code, report} = await status(['srs-auth-conf', '--api-secret', 'srs-api-auth'])
    expect(code).toBe(3)
    for (const p of workload(report, 'srs-auth-conf').pods) expect(p.error?.reason).toBe('credentials-rejected')
  }, 120_000)

  test('--api-user with --api-password-file: version and connections shown; the table says it too; the password is printed nowhere, not even with -v', async () => {
    const file = path.join(dir, 'password')
    writeFileSync(file, `${PASSWORD}\n`)
    const {code, report} = await status(['srs-auth-env', '--api-user', 'ops', '--api-password-file', file])
    expect(code).toBe(0)
    const w = workload(report, 'srs-auth-env')
    expect(w.apiAuth).toEqual({username: 'ops', source: 'flags', from: '--api-user/--api-password-file'})
    expect(w.pods.map((p) => [p.apiRoute, p.srs?.connections])).toEqual([
      ['port-forward', 6],
      ['port-forward', 6],
    ])
    const table = await srs(['status', 'srs-auth-env', '-n', ns.name, '-v', '--timeout', '20s', '--api-user', 'ops', '--api-password-file', file])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/6\.0\.155\s+6\s/)
    expect(table.stderr).toMatch(/port-forward .*srs-auth-env-.*:1985 GET \/api\/v1\/summaries 200/)
    const b64 = Buffer.from(`ops:${PASSWORD}`).toString('base64')
    for (const out of [table.stdout, table.stderr, JSON.stringify(report)]) {
      expect(out).not.toContain(PASSWORD)
      expect(out).not.toContain(b64)
    }
  }, 120_000)

  test('wrong password: each pod says its credentials were rejected and by whom, exit 3; streams says the same', async () => {
    const {code, report} = await status(['srs-auth-env', '--api-secret', 'srs-api-wrong'])
    expect(code).toBe(3)
    for (const p of workload(report, 'srs-auth-env').pods) {
      expect(p.srs).toBeNull()
      expect(p.apiRoute).toBe('port-forward')
      expect(p.error).toEqual({
        reason: 'credentials-rejected',
        message: 'SRS API rejected user "ops" (credentials from Secret srs-api-wrong): HTTP 401 through a port-forward; check them against http_api.auth of the pod\'s srs.conf',
      })
    }
    const streams = await srs(['streams', '-n', ns.name, '-o', 'json', '--timeout', '20s', '--api-secret', 'srs-api-wrong'])
    expect(streams.code).toBe(3)
    const doc = JSON.parse(streams.stdout) as StreamsResult
    expect(doc.unreachable.filter((u) => u.reason === 'credentials-rejected').length).toBe(4)
    const right = await srs(['streams', '-n', ns.name, '-o', 'json', '--timeout', '20s', '--api-secret', 'srs-api-auth'])
    const ok = JSON.parse(right.stdout) as StreamsResult
    // srs-auth-env's pods now answer: 6 connections each on live/livestream.
    expect(
      ok.streams
        .find((s) => s.stream === 'live/livestream')
        ?.pods.filter((p) => p.workload === 'srs-auth-env')
        .map((p) => p.clients),
    ).toEqual([6, 6])
  }, 120_000)

  test('bad credential flags or Secret: exit 2 with what is wrong and what to do', async () => {
    const cases: [string[], RegExp][] = [
      [['--api-user', 'ops'], /--api-user needs --api-password-file/],
      [['--api-password-file', '/nonexistent'], /--api-password-file needs --api-user/],
      [['--api-user', 'ops', '--api-password-file', path.join(dir, 'missing')], /cannot read --api-password-file .*missing: ENOENT/],
      [['--api-secret', 'srs-api-auth', '--api-user', 'ops'], /--api-secret cannot be used with --api-user/],
      [['--api-secret', 'nope'], /--api-secret: Secret "nope" not found in namespace/],
    ]
    for (const [args, message] of cases) {
      const r = await srs(['status', '-n', ns.name, ...args])
      expect({args, code: r.code}).toEqual({args, code: 2})
      expect(r.stderr).toMatch(message)
      expect(r.stderr).toMatch(/hint: /)
    }
  }, 120_000)

  test('docs/rbac.yaml: its Role plus the --api-secret Role are enough; without either rule the command names what was refused', async () => {
    const docs = parseAllDocuments(readFileSync(path.join(ROOT, 'docs/rbac.yaml'), 'utf8')).map((d) => d.toJS() as {kind: string; metadata: {name: string}; rules: {resources: string[]; verbs: string[]}[]})
    const apply = (name: string, from: string, drop?: string) => {
      const doc = docs.find((d) => d.kind === 'Role' && d.metadata.name === from)!
      const rules = doc.rules.filter((r) => !(drop && r.resources.includes(drop)))
      kubectl(['apply', '-f', '-'], stringify({...doc, metadata: {...doc.metadata, name, namespace: ns.name}, rules}))
    }
    apply('srs', 'kubectl-srs')
    apply('srs-secret', 'kubectl-srs-api-secret')
    apply('srs-no-forward', 'kubectl-srs', 'pods/portforward')
    const user = (sa: string, roles: string[]) =>
      serviceAccountKubeconfig(
        ns.name,
        sa,
        roles.map((name) => ({kind: 'Role' as const, name})),
        path.join(dir, `kubeconfig-${sa}`),
      )
    const args = ['status', 'srs-auth-env', '-o', 'json', '--timeout', '20s', '--api-secret', 'srs-api-auth', '--kubeconfig']
    const ok = await srs([...args, user('full', ['srs', 'srs-secret'])])
    expect({code: ok.code, stderr: ok.stderr}).toEqual({code: 0, stderr: ''})
    const noSecret = await srs([...args, user('no-secret', ['srs'])])
    expect(noSecret.code).toBe(1)
    expect(noSecret.stderr).toMatch(new RegExp(`^error: forbidden: user "system:serviceaccount:${ns.name}:no-secret" cannot get secrets "srs-api-auth" in namespace "${ns.name}"$`, 'm'))
    const noForward = await srs([...args, user('no-forward', ['srs-no-forward', 'srs-secret'])])
    expect(noForward.code).toBe(1)
    expect(noForward.stderr).toMatch(new RegExp(`^error: forbidden: user "system:serviceaccount:${ns.name}:no-forward" cannot create pods/portforward "srs-auth-env-[a-z0-9-]+" in namespace "${ns.name}"`, 'm'))
    expect(noForward.stderr).toMatch(/^hint: ask a cluster admin for RBAC permission to get and create pods\/portforward/m)
  }, 180_000)

  test('no port-forward process or stream is left behind', async () => {
    await status(['--api-secret', 'srs-api-auth'])
    expect(portForwardProcesses()).toEqual([])
    await eventually('the apiserver closed every port-forward session to the kubelet', () => kubeletPortForwards() === 0, {timeoutMs: 10_000})
  }, 60_000)
})
