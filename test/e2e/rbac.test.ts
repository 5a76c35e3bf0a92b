/**
 * docs/rbac.yaml, tested for real: ServiceAccounts bound only to its ClusterRole (through a
 * RoleBinding) or to its namespaced Role run the commands on the guide's topology; copies of the
 * Role with one rule taken out make the matching command fail with a message naming the verb and
 * the resource that were refused.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parseAllDocuments, stringify} from 'yaml'
import {createNamespace, eventually, kubectl, kubectlJson, ROOT, serviceAccountKubeconfig, srs, type RunResult} from '../helpers/cli.js'

interface Rule {
  apiGroups: string[]
  resources: string[]
  verbs: string[]
  resourceNames?: string[]
}
interface RbacObject {
  apiVersion: string
  kind: 'ClusterRole' | 'Role'
  metadata: {name: string; namespace?: string; labels?: Record<string, string>}
  rules: Rule[]
}

const TOPO = path.join(ROOT, 'test/topologies')
const docs = parseAllDocuments(readFileSync(path.join(ROOT, 'docs/rbac.yaml'), 'utf8')).map((d) => d.toJS() as RbacObject)
const clusterRole = docs.find((d) => d.kind === 'ClusterRole')!
const role = docs.find((d) => d.kind === 'Role' && d.metadata.name === 'kubectl-srs')!
const apiSecretRole = docs.find((d) => d.kind === 'Role' && d.metadata.name === 'kubectl-srs-api-secret')!

let dir: string
let ns: {name: string; remove: () => void}
let clusterRoleName: string
const kubeconfigs = new Map<string, string>()

/** A ServiceAccount bound only to `roleRef`, and a kubeconfig that authenticates as it. */
function userBoundTo(sa: string, roleRef: {kind: 'Role' | 'ClusterRole'; name: string}): string {
  return serviceAccountKubeconfig(ns.name, sa, [roleRef], path.join(dir, `kubeconfig-${sa}`))
}

/** The namespaced Role, optionally without one verb of one resource. */
function applyRole(name: string, without?: {resource: string; verb: string}): void {
  const rules = role.rules
    .map((r) => {
      if (!without || !r.resources.includes(without.resource) || !r.verbs.includes(without.verb)) return r
      // Split the rule so only that (resource, verb) pair goes away.
      const others = r.resources.filter((x) => x !== without.resource)
      const keep: Rule[] = []
      if (others.length) keep.push({...r, resources: others})
      const verbs = r.verbs.filter((v) => v !== without.verb)
      if (verbs.length) keep.push({...r, resources: [without.resource], verbs})
      return keep
    })
    .flat()
  kubectl(['apply', '-f', '-'], stringify({...role, metadata: {...role.metadata, name, namespace: ns.name}, rules}))
}

function as(sa: string, args: string[]): Promise<RunResult> {
  return srs([...args, '--kubeconfig', kubeconfigs.get(sa)!])
}

function json<T>(r: RunResult): T {
  expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: expect.any(String)})
  return JSON.parse(r.stdout) as T
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'srs-rbac-'))
  ns = createNamespace('rbac')
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'pvc.yaml'), '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
  // The ClusterRole is cluster-wide: a name of its own per run, removed after.
  clusterRoleName = `kubectl-srs-${ns.name}`
  kubectl(['apply', '-f', '-'], stringify({...clusterRole, metadata: {...clusterRole.metadata, name: clusterRoleName}}))
  applyRole('kubectl-srs')
  kubeconfigs.set('via-clusterrole', userBoundTo('via-clusterrole', {kind: 'ClusterRole', name: clusterRoleName}))
  kubeconfigs.set('via-role', userBoundTo('via-role', {kind: 'Role', name: 'kubectl-srs'}))
  await eventually(
    'origin and edge pods answering',
    async () => {
      const r = await srs(['status', '-n', ns.name, '-o', 'json'])
      return r.code === 0 && (JSON.parse(r.stdout) as {summary: {podsAnswered: number}}).summary.podsAnswered === 5
    },
    {timeoutMs: 100_000},
  )
}, 150_000)

afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
  ns?.remove()
  if (clusterRoleName) kubectl(['delete', 'clusterrole', clusterRoleName, '--ignore-not-found'])
})

describe('docs/rbac.yaml', () => {
  test('the ClusterRole and the Role grant the same rules, pods/proxy get included', () => {
    expect(clusterRole.rules).toEqual(role.rules)
    expect(role.rules).toContainEqual({apiGroups: [''], resources: ['pods/proxy'], verbs: ['get']})
    expect(role.rules).toContainEqual({apiGroups: [''], resources: ['pods/portforward'], verbs: ['get', 'create']})
    // Secrets only through the separate Role for --api-secret: get, on named Secrets.
    expect(apiSecretRole.rules).toEqual([{apiGroups: [''], resources: ['secrets'], resourceNames: ['srs-api-auth'], verbs: ['get']}])
    // Least privilege: no wildcards, no secrets, nothing cluster-scoped.
    const all = role.rules.flatMap((r) => [...r.apiGroups, ...r.resources, ...r.verbs])
    expect(all).not.toContain('*')
    expect(role.rules.flatMap((r) => r.resources)).not.toEqual(expect.arrayContaining(['secrets']))
    expect(role.rules.flatMap((r) => r.resources)).not.toEqual(expect.arrayContaining(['nodes']))
  })

  for (const sa of ['via-clusterrole', 'via-role']) {
    describe(`a user bound only to it (${sa})`, () => {
      test('status: every pod answers through pods/proxy', async () => {
        const report = json<{summary: {podsAnswered: number}; workloads: {name: string}[]; warnings: unknown[]}>(await as(sa, ['status', '-o', 'json']))
        expect(report.summary.podsAnswered).toBe(5)
        expect(report.workloads.map((w) => w.name).sort()).toEqual(['srs-edge-deploy', 'srs-origin'])
        const one = await as(sa, ['status', 'srs-edge-deploy'])
        expect(one.code).toBe(0)
      })

      test('streams', async () => {
        const doc = json<{streams: unknown[]}>(await as(sa, ['streams', '-o', 'json']))
        expect(Array.isArray(doc.streams)).toBe(true)
      })

      test('doctor reads NetworkPolicies and CronJobs too (no rule skipped for lack of rights)', async () => {
        const r = await as(sa, ['doctor', '-o', 'json'])
        expect(r.stderr).not.toMatch(/forbidden/i)
        expect(r.stdout).not.toMatch(/forbidden|cannot list/i)
        JSON.parse(r.stdout)
      })

      test('canary --dry-run, rollback --history, sync-origins --check', async () => {
        const canary = await as(sa, ['canary', 'srs-edge-deploy', '--to', 'v4.0.6', '--percent', '50', '--dry-run'])
        expect({code: canary.code, stderr: canary.stderr}).toEqual({code: 0, stderr: ''})
        for (const w of ['srs-edge-deploy', 'srs-origin']) {
          const hist = await as(sa, ['rollback', w, '--history'])
          expect({w, code: hist.code, stderr: hist.stderr}).toEqual({w, code: 0, stderr: ''})
        }
        const check = await as(sa, ['sync-origins', '--check'])
        expect(check.stderr).not.toMatch(/forbidden/)
        expect([0, 3]).toContain(check.code)
        const cleanupStatus = await as(sa, ['cleanup', '--status'])
        expect({code: cleanupStatus.code, stderr: cleanupStatus.stderr}).toEqual({code: 0, stderr: ''})
      })
    })
  }
})

describe('one rule less: the command that needs it names the verb and the resource', () => {
  const cases: {resource: string; verb: string; args: string[]; message: (sa: string) => RegExp}[] = [
    {
      resource: 'pods/proxy',
      verb: 'get',
      args: ['status'],
      message: (user) => new RegExp(`^error: forbidden: user "${user}" cannot get pods/proxy "srs-[a-z0-9-]+" in namespace "${ns.name}"$`, 'm'),
    },
    {
      resource: 'configmaps',
      verb: 'list',
      args: ['status'],
      message: (user) => new RegExp(`^error: forbidden: user "${user}" cannot list configmaps in namespace "${ns.name}"$`, 'm'),
    },
    {
      resource: 'controllerrevisions',
      verb: 'list',
      args: ['rollback', 'srs-origin', '--history'],
      message: (user) => new RegExp(`^error: forbidden: user "${user}" cannot list controllerrevisions\\.apps in namespace "${ns.name}"$`, 'm'),
    },
  ]
  for (const c of cases) {
    test(`without ${c.verb} ${c.resource}: kubectl srs ${c.args.join(' ')} fails and says so`, async () => {
      const sa = `no-${c.verb}-${c.resource.replace(/\W/g, '-')}`
      applyRole(sa, {resource: c.resource, verb: c.verb})
      kubeconfigs.set(sa, userBoundTo(sa, {kind: 'Role', name: sa}))
      const r = await as(sa, c.args)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(c.message(`system:serviceaccount:${ns.name}:${sa}`))
      expect(r.stderr).toMatch(new RegExp(`^hint: ask a cluster admin for RBAC permission to ${c.verb} `, 'm'))
      expect(r.stderr).not.toMatch(/\n\s+at /)
    })
  }
})

describe('the write rules: a user bound only to the Role changes things', () => {
  test('canary, promote, rollback of the edge Deployment', async () => {
    for (const args of [
      ['canary', 'srs-edge-deploy', '--to', 'v4.0.6', '--percent', '50'],
      ['promote', 'srs-edge-deploy'],
      ['rollback', 'srs-edge-deploy'],
    ]) {
      const r = await as('via-role', args)
      expect({args, code: r.code, stderr: r.stderr}).toEqual({args, code: 0, stderr: ''})
    }
    const image = kubectl(['get', 'deployment', 'srs-edge-deploy', '-n', ns.name, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])
    expect(image).toBe('ossrs/srs:v4.0.5')
  })

  test('add-origin, remove-origin, sync-origins write their objects and lists (--no-wait: SRS 3 cannot confirm a reload)', async () => {
    const replicas = (): string => kubectl(['get', 'statefulset', 'srs-origin', '-n', ns.name, '-o', 'jsonpath={.spec.replicas}'])
    for (const [args, after] of [
      [['add-origin', '--no-wait'], '4'],
      // --force: remove even though SRS 3 pods cannot confirm the shortened lists
      [['remove-origin', '--no-wait', '--force'], '3'],
      [['sync-origins', '--no-wait'], '3'],
    ] as const) {
      const r = await as('via-role', [...args])
      expect(r.stderr).not.toMatch(/forbidden/)
      // 3: written, waiting for SRS to load the lists, which this topology's SRS 3 does only on restart
      expect({args, code: [0, 3].includes(r.code), replicas: replicas()}).toEqual({args, code: true, replicas: after})
    }
  })

  test('reload: Deployment pods replaced behind surge pods (patch deployments and pods), StatefulSet pods restarted (delete pods)', async () => {
    for (const cm of ['srs-edge-config', 'srs-origin-config']) {
      const text = kubectlJson<{data: Record<string, string>}>(['get', 'configmap', cm, '-n', ns.name]).data['srs.conf']!
      kubectl(['patch', 'configmap', cm, '-n', ns.name, '--type', 'merge', '-p', JSON.stringify({data: {'srs.conf': `${text}\n# reload ${Date.now()}`}})])
    }
    for (const w of ['srs-edge-deploy', 'srs-origin']) {
      const r = await as('via-role', ['reload', w, '-o', 'json'])
      expect({w, code: r.code, stderr: r.stderr}).toEqual({w, code: 0, stderr: ''})
      expect((JSON.parse(r.stdout) as {pods: {outcome: string}[]}).pods.every((p) => p.outcome === 'restarted' || p.outcome === 'up-to-date')).toBe(true)
    }
  })

  test('cleanup: install the CronJob, run it once as a dry run, --status, --delete', async () => {
    const install = await as('via-role', ['cleanup', '--pvc', 'pvc-nas'])
    expect({code: install.code, forbidden: /forbidden/.test(install.stderr)}).toEqual({code: 0, forbidden: false})
    expect(kubectl(['get', 'cronjobs.v1.batch', '-n', ns.name, '-o', 'name'])).toMatch(/cronjob\.batch\//)
    const now = await as('via-role', ['cleanup', '--pvc', 'pvc-nas', '--now', '--dry-run', '-o', 'json'])
    expect({code: now.code, forbidden: /forbidden/.test(now.stderr + now.stdout)}).toEqual({code: 0, forbidden: false})
    expect((await as('via-role', ['cleanup', '--status'])).code).toBe(0)
    const del = await as('via-role', ['cleanup', '--delete', '--pvc', 'pvc-nas'])
    expect({code: del.code, stderr: del.stderr}).toEqual({code: 0, stderr: expect.not.stringMatching(/forbidden/)})
    expect(kubectl(['get', 'cronjobs.v1.batch', '-n', ns.name, '-o', 'name'])).toBe('')
  })

  test('without watch pods: canary and rollback still wait for their pods (they poll instead) and finish', async () => {
    const sa = 'no-watch-pods'
    applyRole(sa, {resource: 'pods', verb: 'watch'})
    kubeconfigs.set(sa, userBoundTo(sa, {kind: 'Role', name: sa}))
    // The refusal is real: this user may list pods but not watch them.
    const canWatch = spawnSync('kubectl', ['auth', 'can-i', 'watch', 'pods', '-n', ns.name, '--kubeconfig', kubeconfigs.get(sa)!], {encoding: 'utf8'})
    expect(canWatch.stdout.trim()).toBe('no')
    const canary = await as(sa, ['canary', 'srs-edge-deploy', '--to', 'v4.0.6', '--percent', '50', '-o', 'json'])
    expect({code: canary.code, stderr: canary.stderr}).toEqual({code: 0, stderr: ''})
    // Finished means waited for: the canary's pods are Ready and the stable is down to its share.
    const wanted = Number(kubectl(['get', 'deployment', 'srs-edge-deploy-canary', '-n', ns.name, '-o', 'jsonpath={.spec.replicas}']))
    const readyCanaryPods = kubectl(['get', 'pods', '-n', ns.name, '-l', 'srs.kubectl.io/track=canary', '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'])
    expect(wanted).toBeGreaterThan(0)
    expect(readyCanaryPods.split('\n').filter((x) => x === 'True')).toHaveLength(wanted)
    const rollback = await as(sa, ['rollback', 'srs-edge-deploy'])
    expect({code: rollback.code, stderr: rollback.stderr}).toEqual({code: 0, stderr: ''})
    expect(kubectl(['get', 'deployments', '-n', ns.name, '-o', 'name'])).not.toContain('srs-edge-deploy-canary')
  })

  test('without patch deployments.apps: canary stops at its first write and names it', async () => {
    const sa = 'no-patch-deployments'
    applyRole(sa, {resource: 'deployments', verb: 'patch'})
    kubeconfigs.set(sa, userBoundTo(sa, {kind: 'Role', name: sa}))
    const r = await as(sa, ['canary', 'srs-edge-deploy', '--to', 'v4.0.6', '--percent', '50'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^error: forbidden: user "system:serviceaccount:${ns.name}:${sa}" cannot patch deployments\\.apps "srs-edge-deploy" in namespace "${ns.name}"$`, 'm'))
    expect(kubectl(['get', 'deployments', '-n', ns.name, '-o', 'name'])).not.toContain('srs-edge-deploy-canary')
  })
})
