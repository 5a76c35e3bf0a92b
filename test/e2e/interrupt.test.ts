/**
 * The interruption matrix (issue #12, item 1): canary, promote, rollback, add-origin and
 * remove-origin, each stopped with SIGINT and with SIGKILL after every step of its own plan
 * (KUBECTL_SRS_STOP_AFTER_STEP=k, KUBECTL_SRS_STOP_SIGNAL=INT|KILL), then run again. Each case
 * asserts: ready endpoints behind the Services never below the start, no orphan Deployments,
 * ReplicaSets or Jobs, every ConfigMap parses and is, as a whole text, either what it was or the
 * intended result; after the re-run the cluster is in the intended state.
 *
 * Three groups run concurrently, each in its own namespace reused from case to case: canary +
 * rollback, promote, add-origin + remove-origin.
 */
import {afterAll, describe, expect, test} from '@jest/globals'
import path from 'node:path'
import type {OriginChangeResult} from '../../src/lib/origin/result.js'
import {parseSrsConf} from '../../src/lib/srs/conf/index.js'
import {createNamespace, eventually, kubectl, kubectlJson, ROOT, run, srs, type RunResult} from '../helpers/cli.js'
import {withReload} from '../helpers/topologies.js'

const TOPO = path.join(ROOT, 'test/topologies')
const SIGNALS = ['INT', 'KILL'] as const
type Sig = (typeof SIGNALS)[number]
const namespaces: {remove: () => void}[] = []
afterAll(() => namespaces.forEach((n) => n.remove()))

/** Every (signal, step) pair for a plan of n steps. */
function matrix(n: number): {sig: Sig; k: number}[] {
  return SIGNALS.flatMap((sig) => Array.from({length: n}, (_, i) => ({sig, k: i + 1})))
}

const started = Date.now()
/** One line per finished case on stderr, so a slow or stuck run shows where it is. */
function progress(what: string): void {
  process.stderr.write(`[interrupt ${Math.round((Date.now() - started) / 1000)}s] ${what}\n`)
}

const stopEnv = (sig: Sig, k: number) => ({KUBECTL_SRS_STOP_AFTER_STEP: String(k), KUBECTL_SRS_STOP_SIGNAL: sig})

/** Ready, not terminating endpoints per Service of a namespace, read without blocking the event loop. */
async function readyEndpoints(ns: string): Promise<Map<string, number> | undefined> {
  const r = await run('kubectl', ['get', 'endpointslices', '-n', ns, '-o', 'json'])
  if (r.code !== 0) return undefined
  const slices = JSON.parse(r.stdout) as {items: {metadata: {labels?: Record<string, string>}; endpoints?: {conditions?: {ready?: boolean; terminating?: boolean}}[]}[]}
  const out = new Map<string, number>()
  for (const s of slices.items) {
    const svc = s.metadata.labels?.['kubernetes.io/service-name']
    if (!svc) continue
    const n = (s.endpoints ?? []).filter((e) => e.conditions?.ready === true && !e.conditions.terminating).length
    out.set(svc, (out.get(svc) ?? 0) + n)
  }
  return out
}

/** Runs fn while sampling the ready endpoints of the services; returns the lowest count seen per service. */
async function watched<T>(ns: string, services: string[], fn: () => Promise<T>): Promise<{value: T; min: Record<string, number>}> {
  const min: Record<string, number> = Object.fromEntries(services.map((s) => [s, Number.POSITIVE_INFINITY]))
  let running = true
  const sampler = (async () => {
    while (running) {
      const counts = await readyEndpoints(ns)
      if (counts) for (const s of services) min[s] = Math.min(min[s]!, counts.get(s) ?? 0)
      await new Promise((r) => setTimeout(r, 300))
    }
  })()
  try {
    return {value: await fn(), min}
  } finally {
    running = false
    await sampler
  }
}

interface Meta {
  name: string
  uid: string
  annotations?: Record<string, string>
  ownerReferences?: {kind: string; uid: string; controller?: boolean}[]
}
interface DeploymentJson {
  metadata: Meta
  spec: {replicas: number; strategy?: object; template: {spec: {containers: {name: string; image: string}[]}}}
}

const deployments = (ns: string) => kubectlJson<{items: DeploymentJson[]}>(['get', 'deployments', '-n', ns]).items
const imageOf = (d: DeploymentJson) => d.spec.template.spec.containers.find((c) => c.name === 'srs')?.image

/**
 * No orphans: the Deployments are among `allowed` (and include every name of `required`), every
 * ReplicaSet is owned by a live Deployment, no Job exists. Garbage collection of a deleted
 * Deployment's ReplicaSets takes a moment, so this is polled.
 */
async function noOrphans(what: string, ns: string, allowed: string[], required: string[]): Promise<void> {
  let last = ''
  await eventually(
    `${what}: no orphans`,
    () => {
      const deps = deployments(ns)
      const names = deps.map((d) => d.metadata.name)
      const uids = new Set(deps.map((d) => d.metadata.uid))
      const rs = kubectlJson<{items: {metadata: Meta}[]}>(['get', 'replicasets', '-n', ns]).items
      const orphanRs = rs.filter((r) => !r.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && uids.has(o.uid))).map((r) => r.metadata.name)
      const jobs = kubectlJson<{items: {metadata: Meta}[]}>(['get', 'jobs', '-n', ns]).items.map((j) => j.metadata.name)
      const extra = names.filter((n) => !allowed.includes(n))
      const missing = required.filter((n) => !names.includes(n))
      last = JSON.stringify({extra, missing, orphanRs, jobs})
      return extra.length + missing.length + orphanRs.length + jobs.length === 0
    },
    {timeoutMs: 30_000},
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${last}`)
  })
}

const confText = (ns: string, cm: string) => kubectlJson<{data: Record<string, string>}>(['get', 'configmap', cm, '-n', ns]).data['srs.conf']!

/** Every ConfigMap named parses with the repo's parser and is, as a whole text, one of the texts allowed for it. */
function configsAreOneOf(what: string, ns: string, allowed: Record<string, string[]>): void {
  for (const [cm, texts] of Object.entries(allowed)) {
    const text = confText(ns, cm)
    expect({case: what, configMap: cm, parses: (() => (parseSrsConf(text), true))()}).toEqual({case: what, configMap: cm, parses: true})
    const which = texts.indexOf(text)
    if (which < 0) throw new Error(`${what}: ${cm} is neither of the ${texts.length} allowed texts; it is:\n${text}`)
  }
}

function expectStopped(what: string, r: RunResult, k: number): void {
  expect({case: what, stopped: r.code !== 0 && r.stderr.includes(`stopped after step ${k}`)}).toEqual({case: what, stopped: true})
}

async function edgeNamespace(prefix: string): Promise<string> {
  const ns = createNamespace(prefix)
  namespaces.push(ns)
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
  kubectl(['scale', '-n', ns.name, 'deployment/srs-edge-deploy', '--replicas', '3'])
  await eventually('3 edges behind srs-edge-service', async () => (await readyEndpoints(ns.name))?.get('srs-edge-service') === 3, {timeoutMs: 90_000})
  await eventually('edge rollout complete', () => {
    const d = kubectlJson<{status: {replicas?: number; availableReplicas?: number}}>(['get', 'deployment', 'srs-edge-deploy', '-n', ns.name])
    return d.status.availableReplicas === 3 && d.status.replicas === 3
  })
  return ns.name
}

const EDGE_DEPLOYMENTS = ['nginx-origin-deploy', 'srs-edge-deploy']
const CANARY = 'srs-edge-deploy-canary'

/** srs-edge-deploy alone, at `image` on 3 pods, none of our annotations left, the user's strategy as it was. */
function expectStable(what: string, ns: string, image: string, strategy: object | undefined): void {
  const d = deployments(ns).filter((x) => x.metadata.name.startsWith('srs-edge'))
  expect({case: what, edges: d.map((x) => [x.metadata.name, imageOf(x), x.spec.replicas])}).toEqual({case: what, edges: [['srs-edge-deploy', image, 3]]})
  const ours = Object.keys(d[0]!.metadata.annotations ?? {}).filter((a) => a.startsWith('srs.kubectl.io/'))
  expect({case: what, annotations: ours, strategy: d[0]!.spec.strategy}).toEqual({case: what, annotations: [], strategy})
}

/** The 34 % split of 3 pods: 2 stable at `stable`, 1 canary at `canary`. */
function expectCanary(what: string, ns: string, stable: string, canary: string): void {
  const d = deployments(ns).filter((x) => x.metadata.name.startsWith('srs-edge'))
  expect({case: what, edges: d.map((x) => [x.metadata.name, imageOf(x), x.spec.replicas])}).toEqual({
    case: what,
    edges: [
      ['srs-edge-deploy', stable, 2],
      [CANARY, canary, 1],
    ],
  })
}

const tag = (v: string) => `ossrs/srs:${v}`
const EDGE_CMS = ['srs-edge-config', 'srs-origin-config']

describe('interrupted at every step boundary, then run again', () => {
  test.concurrent(
    'canary and rollback (abort) of srs-edge-deploy',
    async () => {
      const ns = await edgeNamespace('intr-cr')
      const strategy = deployments(ns).find((d) => d.metadata.name === 'srs-edge-deploy')!.spec.strategy
      const configs = Object.fromEntries(EDGE_CMS.map((cm) => [cm, [confText(ns, cm)]]))
      const stable = tag('v4.0.5')
      const canaryArgs = ['canary', 'srs-edge-deploy', '-n', ns, '--to', 'v4.0.6', '--percent', '34']
      const rollbackArgs = ['rollback', 'srs-edge-deploy', '-n', ns, '-o', 'json']
      // the number of steps comes from each command's own plan
      const planned = JSON.parse((await srs([...canaryArgs, '--dry-run', '-o', 'json'])).stdout) as {steps: unknown[]}
      expect((await srs(canaryArgs)).code).toBe(0)
      const ref = await srs(rollbackArgs)
      expect(ref.code).toBe(0)
      const rollbackSteps = (JSON.parse(ref.stdout) as {steps: unknown[]}).steps.length
      expectStable('reference rollback', ns, stable, strategy)
      const canaryCases = matrix(planned.steps.length)
      const rollbackCases = matrix(rollbackSteps)
      expect(canaryCases.length).toBeGreaterThanOrEqual(6)
      expect(rollbackCases.length).toBeGreaterThanOrEqual(4)

      for (let i = 0; i < Math.max(canaryCases.length, rollbackCases.length); i++) {
        const c = canaryCases[i]
        const name = c ? `canary stopped by SIG${c.sig} after step ${c.k}/${planned.steps.length}` : 'canary (setting up a rollback case)'
        const up = await watched(ns, ['srs-edge-service'], async () => {
          if (c) {
            expectStopped(name, await srs(canaryArgs, {env: stopEnv(c.sig, c.k)}), c.k)
            configsAreOneOf(name, ns, configs)
            await noOrphans(name, ns, [...EDGE_DEPLOYMENTS, CANARY], EDGE_DEPLOYMENTS)
          }
          return srs(canaryArgs)
        })
        expect({case: name, rerun: up.value.code, stderr: up.value.stderr, min: up.min['srs-edge-service']! >= 3}).toEqual({case: name, rerun: 0, stderr: '', min: true})
        expectCanary(name, ns, stable, tag('v4.0.6'))

        const r = rollbackCases[i]
        const rname = r ? `rollback stopped by SIG${r.sig} after step ${r.k}/${rollbackSteps}` : `rollback after ${name}`
        const down = await watched(ns, ['srs-edge-service'], async () => {
          if (r) {
            expectStopped(rname, await srs(rollbackArgs, {env: stopEnv(r.sig, r.k)}), r.k)
            configsAreOneOf(rname, ns, configs)
            await noOrphans(rname, ns, [...EDGE_DEPLOYMENTS, CANARY], EDGE_DEPLOYMENTS)
            // Stopped after its last step, the abort is complete: another rollback would be a new
            // request (undo the previous upgrade), so the state itself is what is checked.
            if (r.k === rollbackSteps) return undefined
          }
          return srs(rollbackArgs)
        })
        if (down.value) expect({case: rname, rerun: down.value.code, stderr: down.value.stderr}).toEqual({case: rname, rerun: 0, stderr: ''})
        expect({case: rname, min: down.min['srs-edge-service']! >= 3}).toEqual({case: rname, min: true})
        await eventually(`${rname}: canary pods gone`, () => kubectl(['get', 'pods', '-n', ns, '-l', 'srs.kubectl.io/track=canary', '-o', 'name']).trim() === '')
        expectStable(rname, ns, stable, strategy)
        await noOrphans(rname, ns, EDGE_DEPLOYMENTS, EDGE_DEPLOYMENTS)
        configsAreOneOf(rname, ns, configs)
        progress(`${name}; ${rname}: converged`)
      }
    },
    1_800_000,
  )

  test.concurrent(
    'promote of srs-edge-deploy',
    async () => {
      const ns = await edgeNamespace('intr-pr')
      const strategy = deployments(ns).find((d) => d.metadata.name === 'srs-edge-deploy')!.spec.strategy
      const configs = Object.fromEntries(EDGE_CMS.map((cm) => [cm, [confText(ns, cm)]]))
      const versions = ['v4.0.5', 'v4.0.6']
      const canary = (to: string) => srs(['canary', 'srs-edge-deploy', '-n', ns, '--to', to, '--percent', '34'])
      const promoteArgs = ['promote', 'srs-edge-deploy', '-n', ns, '-o', 'json']
      expect((await canary('v4.0.6')).code).toBe(0)
      const ref = await srs(promoteArgs)
      expect(ref.code).toBe(0)
      const steps = (JSON.parse(ref.stdout) as {steps: unknown[]}).steps.length
      expectStable('reference promote', ns, tag('v4.0.6'), strategy)
      const cases = matrix(steps)
      expect(cases.length).toBeGreaterThanOrEqual(6)
      let cur = 1
      for (const {sig, k} of cases) {
        const next = 1 - cur
        const name = `promote ${versions[cur]} → ${versions[next]} stopped by SIG${sig} after step ${k}/${steps}`
        expect({case: name, canary: (await canary(versions[next]!)).code}).toEqual({case: name, canary: 0})
        const w = await watched(ns, ['srs-edge-service'], async () => {
          expectStopped(name, await srs(promoteArgs, {env: stopEnv(sig, k)}), k)
          configsAreOneOf(name, ns, configs)
          await noOrphans(name, ns, [...EDGE_DEPLOYMENTS, CANARY], EDGE_DEPLOYMENTS)
          return srs(promoteArgs)
        })
        expect({case: name, min: w.min['srs-edge-service']! >= 3}).toEqual({case: name, min: true})
        if (k === steps) {
          // everything was done: running it again finds no canary, says so and changes nothing
          expect({case: name, rerun: w.value.code, msg: /has no canary to promote/.test(w.value.stderr)}).toEqual({case: name, rerun: 1, msg: true})
        } else {
          expect({case: name, rerun: w.value.code, stderr: w.value.stderr}).toEqual({case: name, rerun: 0, stderr: ''})
          const verified = (JSON.parse(w.value.stdout) as {verified: {verdict: string}[]}).verified
          expect({case: name, verified: verified.map((v) => v.verdict)}).toEqual({case: name, verified: ['match', 'match', 'match']})
        }
        expectStable(name, ns, tag(versions[next]!), strategy)
        await noOrphans(name, ns, EDGE_DEPLOYMENTS, EDGE_DEPLOYMENTS)
        configsAreOneOf(name, ns, configs)
        cur = next
        progress(`${name}: converged`)
      }
    },
    1_800_000,
  )

  test.concurrent(
    'add-origin and remove-origin on the srs-origin StatefulSet',
    async () => {
      const nsObj = createNamespace('intr-org')
      namespaces.push(nsObj)
      const ns = nsObj.name
      const yaml = [withReload('origin-cluster.yaml', {image: 'ossrs/srs:v6.0.155', inotify: true, allowReload: false}), withReload('edge-cluster.yaml', {image: 'ossrs/srs:v6.0.155', inotify: true, allowReload: false})].join('\n---\n')
      kubectl(['apply', '-n', ns, '-f', '-'], yaml)
      await eventually(
        '3 origins and 2 edges ready',
        async () => {
          const c = await readyEndpoints(ns)
          return c?.get('socs') === 3 && c.get('srs-edge-service') === 2
        },
        {timeoutMs: 90_000},
      )
      const base = {origin: confText(ns, 'srs-origin-config'), edge: confText(ns, 'srs-edge-config')}
      const hosts = (n: number, port = '') => Array.from({length: n}, (_, i) => `srs-origin-${i}.socs${port}`).join(' ')
      // the intended texts for n origins: the guide's texts with only the two lists changed
      const intended = (n: number) => ({
        'srs-origin-config': base.origin.replace(hosts(3, ':1985'), hosts(n, ':1985')),
        'srs-edge-config': base.edge.replace(hosts(3), hosts(n)),
      })
      expect(intended(3)).toEqual({'srs-origin-config': base.origin, 'srs-edge-config': base.edge})
      const originArgs = (op: 'add' | 'remove') => [`${op}-origin`, 'srs-origin', '-n', ns, '-o', 'json']
      const replicas = () => kubectlJson<{spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).spec.replicas
      let n = 3

      for (const op of ['add', 'remove'] as const) {
        const plan = JSON.parse((await srs([...originArgs(op), '--dry-run'])).stdout) as OriginChangeResult
        const cases = matrix(plan.plan.length)
        expect(cases.length).toBeGreaterThanOrEqual(6)
        for (const {sig, k} of cases) {
          const to = op === 'add' ? n + 1 : n - 1
          const name = `${op}-origin ${n} → ${to} stopped by SIG${sig} after step ${k}/${plan.plan.length}`
          const [from, target] = [intended(n), intended(to)]
          const w = await watched(ns, ['srs-edge-service', 'socs'], async () => {
            expectStopped(name, await srs(originArgs(op), {env: stopEnv(sig, k), timeoutMs: 240_000}), k)
            configsAreOneOf(name, ns, {'srs-origin-config': [from['srs-origin-config'], target['srs-origin-config']], 'srs-edge-config': [from['srs-edge-config'], target['srs-edge-config']]})
            await noOrphans(name, ns, ['srs-edge-deploy', 'nginx-origin-deploy'], ['srs-edge-deploy', 'nginx-origin-deploy'])
            return srs(originArgs(op), {timeoutMs: 240_000})
          })
          let result: OriginChangeResult | undefined
          try {
            result = JSON.parse(w.value.stdout) as OriginChangeResult
          } catch {
            throw new Error(`${name}: the re-run printed no JSON (exit ${w.value.code}): ${w.value.stderr}`)
          }
          // the re-run finishes the interrupted run's target: one origin more (or less), not two
          expect({case: name, rerun: w.value.code, outcome: result.outcome, to: result.to, replicas: replicas()}).toEqual({case: name, rerun: 0, outcome: 'applied', to, replicas: to})
          expect({case: name, edges: w.min['srs-edge-service']! >= 2, origins: w.min.socs! >= Math.min(n, to)}).toEqual({case: name, edges: true, origins: true})
          configsAreOneOf(name, ns, {'srs-origin-config': [target['srs-origin-config']], 'srs-edge-config': [target['srs-edge-config']]})
          await noOrphans(name, ns, ['srs-edge-deploy', 'nginx-origin-deploy'], ['srs-edge-deploy', 'nginx-origin-deploy'])
          const lease = kubectlJson<{metadata: Meta}>(['get', 'statefulset', 'srs-origin', '-n', ns]).metadata.annotations?.['srs.kubectl.io/origin-lease']
          expect({case: name, lease}).toEqual({case: name, lease: undefined})
          n = to
          progress(`${name}: converged`)
        }
      }
    },
    1_800_000,
  )
})
