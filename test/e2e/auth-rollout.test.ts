/**
 * canary, promote, rollback, add-origin and doctor on SRS whose http_api has basic auth on
 * (podsim enforces it on SRS 5.0.152+ / 6.0.40+ as SRS does). The pod proxy drops the
 * Authorization header (kubernetes issue 38775), so versions, connections and reloads are read
 * through a port-forward with the credentials of the workload's own srs.conf, of --api-secret or
 * of --api-user/--api-password-file; a 401 stops a command with what to pass, before it changes
 * anything (or, for a canary whose new pods are the first to refuse, before it takes any away).
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {DoctorReport} from '../../src/lib/doctor/index.js'
import type {OriginChangeResult} from '../../src/lib/origin/result.js'
import type {StatusReport} from '../../src/lib/status/report.js'
import {createNamespace, eventually, kubectl, kubectlJson, readyEndpoints, ROOT, srs, withCapacityWatch} from '../helpers/cli.js'
import {withApiAuth, withReload} from '../helpers/topologies.js'

const TOPO = path.join(ROOT, 'test/topologies')
/** In srs.conf: the workload's own credentials. */
const PASSWORD = 'edge-pw-3b1f9c'
/** In Secret srs-api-wrong, with the user ops. */
const WRONG = 'not-it-77d0'
const SECRETS = `apiVersion: v1
kind: Secret
metadata: {name: srs-api-wrong}
stringData: {username: ops, password: ${WRONG}}
---
apiVersion: v1
kind: Secret
metadata: {name: srs-api-auth}
stringData: {username: admin, password: ${PASSWORD}}`

/** Neither password, nor either as it would travel in a Basic Authorization header. */
function expectNoPassword(...outputs: string[]): void {
  const secrets = [PASSWORD, WRONG, ...['admin', 'ops'].flatMap((u) => [PASSWORD, WRONG].map((p) => Buffer.from(`${u}:${p}`).toString('base64')))]
  for (const out of outputs) for (const s of secrets) expect(out).not.toContain(s)
}

interface DeploymentJson {
  metadata: {name: string; resourceVersion: string}
  spec: {replicas: number; template: {spec: {containers: {name: string; image: string}[]}}}
}

function deployments(ns: string): DeploymentJson[] {
  return kubectlJson<{items: DeploymentJson[]}>(['get', 'deployments', '-n', ns]).items
}

function edges(ns: string): [string, string, number][] {
  return deployments(ns)
    .filter((d) => d.metadata.name.startsWith('srs-edge'))
    .map((d) => [d.metadata.name, d.spec.template.spec.containers.find((c) => c.name === 'srs')!.image, d.spec.replicas])
}

/** name@resourceVersion of every Deployment, StatefulSet and ConfigMap: equal before and after means nothing changed. */
function snapshot(ns: string): string[] {
  return kubectlJson<{items: {kind: string; metadata: {name: string; resourceVersion: string}}[]}>(['get', 'deployments,statefulsets,configmaps', '-n', ns])
    .items.map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`)
    .sort()
}

/** The guide's edge Deployment (2 pods behind srs-edge-service, graceful quit) at `image`, with auth in its srs.conf. */
function edgeTopology(image: string): string {
  return withApiAuth(readFileSync(path.join(TOPO, 'edge-cluster.yaml'), 'utf8').replace('ossrs/srs:v4.0.5', image), 'admin', PASSWORD)
}

async function edgeNamespace(prefix: string, yaml: string, pods: number): Promise<{name: string; remove: () => void}> {
  const ns = createNamespace(prefix)
  kubectl(['apply', '-n', ns.name, '-f', '-'], yaml)
  await eventually('2 edges behind srs-edge-service', () => readyEndpoints(ns.name, 'srs-edge-service') === 2, {timeoutMs: 90_000})
  await eventually(
    `${pods} pods Ready`,
    () => {
      const list = kubectlJson<{items: {status: {conditions?: {type: string; status: string}[]}}[]}>(['get', 'pods', '-n', ns.name]).items
      return list.length === pods && list.every((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    },
    {timeoutMs: 90_000},
  )
  return ns
}

describe('canary and promote of an edge Deployment whose SRS 6 has http_api auth on', () => {
  let ns: {name: string; remove: () => void}
  // srs-hidden: auth on in its srs.conf, username and password from a Secret through env
  // (valueFrom), which kubectl-srs does not read: it has no credentials unless given some.
  const hidden = `apiVersion: v1
kind: ConfigMap
metadata: {name: srs-hidden-config}
data:
  srs.conf: |
    listen 1935;
    daemon off;
    force_grace_quit on;
    http_api { enabled on; listen 1985; auth { enabled on; } }
    vhost __defaultVhost__ { }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: srs-hidden}
spec:
  replicas: 1
  selector: {matchLabels: {app: srs-hidden}}
  template:
    metadata: {labels: {app: srs-hidden}}
    spec:
      volumes: [{name: config, configMap: {name: srs-hidden-config}}]
      containers:
      - name: srs
        image: ossrs/srs:v6.0.155
        volumeMounts: [{name: config, mountPath: /usr/local/srs/conf}]
        env:
        - {name: SRS_HTTP_API_AUTH_USERNAME, valueFrom: {secretKeyRef: {name: srs-api-auth, key: username}}}
        - {name: SRS_HTTP_API_AUTH_PASSWORD, valueFrom: {secretKeyRef: {name: srs-api-auth, key: password}}}`
  beforeAll(async () => {
    ns = await edgeNamespace('authcan', [SECRETS, edgeTopology('ossrs/srs:v6.0.155'), hidden].join('\n---\n'), 3)
  }, 150_000)
  afterAll(() => ns?.remove())

  test('wrong --api-secret: refused before anything changes, naming the user and the Secret; no password in any output, -v included', async () => {
    const before = snapshot(ns.name)
    const c = await withCapacityWatch(ns.name, ['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v6.0.160', '--percent', '50', '--api-secret', 'srs-api-wrong', '-v'])
    expect(c.r.code).toBe(1)
    expect(c.r.stdout).toBe('')
    expect(c.r.stderr).toMatch(/^error: SRS API of pod srs-edge-deploy-[a-z0-9]+-[a-z0-9]+ \(deployment\/srs-edge-deploy\) rejected user "ops" \(credentials from Secret srs-api-wrong\): HTTP 401 through a port-forward$/m)
    expect(c.r.stderr).toMatch(/^hint: check them against http_api.auth .* pass the right ones with --api-secret NAME .* or --api-user USER --api-password-file FILE; nothing was changed$/m)
    // -v shows the requests, with their status, and no Authorization header
    expect(c.r.stderr).toMatch(/^I port-forward .*srs-edge-deploy-.*:1985 GET \/api\/v1\/versions 401 /m)
    expectNoPassword(c.r.stdout, c.r.stderr)
    expect(snapshot(ns.name)).toEqual(before)
    expect(edges(ns.name)).toEqual([['srs-edge-deploy', 'ossrs/srs:v6.0.155', 2]])
    expect(c.min).toBeGreaterThanOrEqual(2)
  })

  test('auth on and no credentials to be found: refused before anything changes, saying what to pass', async () => {
    const before = snapshot(ns.name)
    const r = await srs(['canary', 'srs-hidden', '-n', ns.name, '--to', 'v6.0.160', '--percent', '50', '--replicas', '2', '--timeout', '2m'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error: SRS API of pod srs-hidden-\S+ \(deployment\/srs-hidden\) answered 401: http_api auth is on and no credentials for it were given or found in the workload's srs.conf or env/m)
    expect(r.stderr).toMatch(/^hint: pass --api-secret NAME \(a Secret with keys username and password\) or --api-user USER --api-password-file FILE; nothing was changed$/m)
    expect(snapshot(ns.name)).toEqual(before)
    // the same with the Secret the pod reads its credentials from: the canary runs and is verified
    const ok = await srs(['canary', 'srs-hidden', '-n', ns.name, '--to', 'v6.0.160', '--percent', '50', '--replicas', '2', '--api-secret', 'srs-api-auth', '-o', 'json'])
    expect({code: ok.code, stderr: ok.stderr}).toEqual({code: 0, stderr: ''})
    expect(JSON.parse(ok.stdout).verified).toEqual([expect.objectContaining({version: '6.0.160', verdict: 'match'})])
    const back = await srs(['rollback', 'srs-hidden', '-n', ns.name, '--api-secret', 'srs-api-auth'])
    expect(back.code).toBe(0)
  })

  test("canary --percent 50 with the workload's own credentials: versions verified through the port-forward, no 401 through the pod proxy, capacity kept; promote finishes", async () => {
    const c = await withCapacityWatch(ns.name, ['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v6.0.160', '--percent', '50', '-o', 'json', '-v'])
    expect(c.r.code).toBe(0)
    const result = JSON.parse(c.r.stdout)
    expect(result.split).toMatchObject({total: 2, canary: 1, stable: 1})
    expect(result.verified).toEqual([expect.objectContaining({version: '6.0.160', verdict: 'match'})])
    expect(c.r.stderr).toMatch(/^I port-forward .*srs-edge-deploy-canary-\S+:1985 GET \/api\/v1\/versions 200 /m)
    // srs.conf says auth is on: the port-forward is the first route, so no pod answers 401 anywhere
    expect(c.r.stderr).not.toMatch(/\/proxy\/api\/v1\/\S* 401 /)
    expect(c.r.stderr).not.toMatch(/ 401 /)
    expectNoPassword(c.r.stdout, c.r.stderr)
    expect(c.min).toBeGreaterThanOrEqual(2)
    expect(edges(ns.name)).toEqual([
      ['srs-edge-deploy', 'ossrs/srs:v6.0.155', 1],
      ['srs-edge-deploy-canary', 'ossrs/srs:v6.0.160', 1],
    ])

    // status shows both tracks answering through the port-forward, with the workload's own credentials
    const st = JSON.parse((await srs(['status', '-n', ns.name, '-o', 'json'])).stdout) as StatusReport
    for (const name of ['srs-edge-deploy', 'srs-edge-deploy-canary']) {
      const w = st.workloads.find((x) => x.name === name)!
      expect(w.apiAuth).toEqual({username: 'admin', source: 'workload', from: 'ConfigMap srs-edge-config key srs.conf'})
      for (const p of w.pods) expect(p).toMatchObject({apiRoute: 'port-forward', error: null})
    }

    const p = await withCapacityWatch(ns.name, ['promote', 'srs-edge-deploy', '-n', ns.name, '-o', 'json'])
    expect(p.r.code).toBe(0)
    expect(p.min).toBeGreaterThanOrEqual(2)
    const promoted = JSON.parse(p.r.stdout)
    expect(promoted.verified.map((v: {version: string; verdict: string}) => [v.version, v.verdict])).toEqual([
      ['6.0.160', 'match'],
      ['6.0.160', 'match'],
    ])
    expect(edges(ns.name)).toEqual([['srs-edge-deploy', 'ossrs/srs:v6.0.160', 2]])
  })

  test('doctor does not report the pods as unreachable: it reads the objects and asks no SRS pod', async () => {
    const r = await srs(['doctor', '-n', ns.name, '-o', 'json', '-v'])
    expect([0, 3]).toContain(r.code)
    const report = JSON.parse(r.stdout) as DoctorReport
    expect(report.workloads.map((w) => w.name).sort()).toEqual(['srs-edge-deploy', 'srs-hidden'])
    expect(JSON.stringify(report.findings)).not.toMatch(/unreachable|did not answer|401|unauthori[sz]ed|credentials/i)
    expect(r.stderr).not.toMatch(/\/proxy\/|port-forward/)
    expectNoPassword(r.stdout, r.stderr)
  })
})

describe('a canary from SRS 4 (no http_api auth) to SRS 6, whose srs.conf turns auth on', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = await edgeNamespace('authup', [SECRETS, edgeTopology('ossrs/srs:v4.0.5')].join('\n---\n'), 2)
  }, 150_000)
  afterAll(() => ns?.remove())

  test('SRS 4 pods are asked through the pod proxy first, even with --api-secret: they ignore the auth block', async () => {
    const r = await srs(['status', '-n', ns.name, '-o', 'json', '--api-secret', 'srs-api-wrong'])
    expect(r.code).toBe(0)
    const w = (JSON.parse(r.stdout) as StatusReport).workloads[0]!
    expect(w.apiAuth).toEqual({username: 'ops', source: 'secret', from: 'Secret srs-api-wrong'})
    for (const p of w.pods) expect(p).toMatchObject({apiRoute: 'proxy', error: null, srs: {version: '4.0.5'}})
  })

  test('wrong --api-secret: the new pods are the first to refuse; the command stops there (exit 1), the stable is never scaled down, rollback cleans up', async () => {
    const c = await withCapacityWatch(ns.name, ['canary', 'srs-edge-deploy', '-n', ns.name, '--to', 'v6.0.160', '--percent', '50', '--api-secret', 'srs-api-wrong', '-v'])
    expect(c.r.code).toBe(1)
    expect(c.r.stdout).toBe('')
    expect(c.r.stderr).toMatch(/^error: SRS API of pod srs-edge-deploy-canary-\S+ \(deployment\/srs-edge-deploy\) rejected user "ops" \(credentials from Secret srs-api-wrong\): HTTP 401 through a port-forward$/m)
    expect(c.r.stderr).toMatch(
      /^hint: .*; the command stopped before taking any pod away, so serving capacity is as it was: run the same command again with credentials SRS accepts to go on, or `kubectl srs rollback` to undo what was applied$/m,
    )
    expect(c.r.stderr).not.toMatch(/timed out/)
    expectNoPassword(c.r.stdout, c.r.stderr)
    expect(c.min).toBeGreaterThanOrEqual(2)
    // the canary pod came up and was never verified; the stable keeps both pods
    expect(edges(ns.name)).toEqual([
      ['srs-edge-deploy', 'ossrs/srs:v4.0.5', 2],
      ['srs-edge-deploy-canary', 'ossrs/srs:v6.0.160', 1],
    ])
    // without flags the workload's own credentials reach the canary's SRS 6 pod: rollback removes it
    const back = await withCapacityWatch(ns.name, ['rollback', 'srs-edge-deploy', '-n', ns.name, '-o', 'json'])
    expect(back.r.code).toBe(0)
    expect(back.min).toBeGreaterThanOrEqual(2)
    expect(JSON.parse(back.r.stdout)).toMatchObject({action: 'abort-canary', image: 'ossrs/srs:v4.0.5'})
    expect(edges(ns.name)).toEqual([['srs-edge-deploy', 'ossrs/srs:v4.0.5', 2]])
  })
})

describe('add-origin on an origin StatefulSet whose SRS 6 has http_api auth on', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = createNamespace('authorig')
    const yaml = [SECRETS, ...['origin-cluster.yaml', 'edge-cluster.yaml'].map((f) => withApiAuth(withReload(f, {image: 'ossrs/srs:v6.0.155', inotify: true, allowReload: false}), 'admin', PASSWORD))].join('\n---\n')
    kubectl(['apply', '-n', ns.name, '-f', '-'], yaml)
    await eventually('5 SRS pods Running', () => kubectlJson<{items: {status: {phase: string}}[]}>(['get', 'pods', '-n', ns.name]).items.filter((p) => p.status.phase === 'Running').length >= 5, {timeoutMs: 120_000})
  }, 150_000)
  afterAll(() => ns?.remove())

  async function run(args: string[]): Promise<{code: number; result?: OriginChangeResult; stdout: string; stderr: string}> {
    const r = await srs([...args, '-o', 'json'], {timeoutMs: 240_000})
    let result: OriginChangeResult | undefined
    try {
      result = JSON.parse(r.stdout) as OriginChangeResult
    } catch {
      result = undefined
    }
    return {code: r.code, result, stdout: r.stdout, stderr: r.stderr}
  }

  test('wrong --api-secret: refused before the lease and the first write', async () => {
    const before = snapshot(ns.name)
    const r = await run(['add-origin', '-n', ns.name, '--api-secret', 'srs-api-wrong', '-v'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^error: SRS API of pod srs-(origin|edge-deploy)-\S+ \((statefulset\/srs-origin|deployment\/srs-edge-deploy)\) rejected user "ops" \(credentials from Secret srs-api-wrong\)/m)
    expect(r.stderr).toMatch(/; nothing was changed$/m)
    expectNoPassword(r.stdout, r.stderr)
    expect(snapshot(ns.name)).toEqual(before)
    const sts = kubectlJson<{metadata: {annotations?: Record<string, string>}; spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns.name])
    expect(sts.spec.replicas).toBe(3)
    expect(sts.metadata.annotations?.['srs.kubectl.io/origin-lease']).toBeUndefined()
  })

  test("the workload's own credentials: srs-origin-3 added, every pod confirms the reload through the port-forward", async () => {
    const r = await run(['add-origin', '-n', ns.name, '-v'])
    expect(r.code).toBe(0)
    expect(r.result).toMatchObject({outcome: 'applied', from: 3, to: 4, added: ['srs-origin-3.socs']})
    expect(r.result!.pods.map((p) => [p.pod.replace(/^srs-edge-deploy-.*$/, 'srs-edge-deploy-*'), p.state, p.method])).toEqual([
      ['srs-edge-deploy-*', 'applied', 'inotify'],
      ['srs-edge-deploy-*', 'applied', 'inotify'],
      ['srs-origin-0', 'applied', 'inotify'],
      ['srs-origin-1', 'applied', 'inotify'],
      ['srs-origin-2', 'applied', 'inotify'],
      ['srs-origin-3', 'applied', 'inotify'],
    ])
    expect(r.stderr).toMatch(/^I port-forward .*srs-origin-3:1985 GET \/api\/v1\/raw\?rpc=reload-fetch 200 /m)
    expect(r.stderr).not.toMatch(/ 401 /)
    expectNoPassword(r.stdout, r.stderr)
  })

  test('remove-origin with --api-secret: lists confirmed, the leaving origin checked for streams through the port-forward, then scaled down', async () => {
    const r = await run(['remove-origin', '-n', ns.name, '--api-secret', 'srs-api-auth', '-v'])
    expect(r.code).toBe(0)
    expect(r.result).toMatchObject({outcome: 'applied', from: 4, to: 3, removed: ['srs-origin-3.socs']})
    expect(r.result!.pods.every((p) => p.state === 'applied')).toBe(true)
    expect(r.stderr).toMatch(/^I port-forward .*srs-origin-3:1985 GET \/api\/v1\/streams\/\S* 200 /m)
    expect(r.stderr).not.toMatch(/ 401 /)
    expectNoPassword(r.stdout, r.stderr)
    expect(kubectlJson<{spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns.name]).spec.replicas).toBe(3)
  })
})
