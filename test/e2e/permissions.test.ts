/**
 * `status -A` with partial permissions, for real: ServiceAccounts that may read one namespace only
 * (docs/rbac.yaml's Role bound there), with and without the right to list namespaces. The
 * cluster-wide lists are refused (403); status falls back to what the user may see, shows it,
 * and says after the tables and in -o json what it could not list, as whom and where; exit 3.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse, parseAllDocuments, stringify} from 'yaml'
import type {StatusReport} from '../../src/lib/status/report.js'
import {createNamespace, eventually, KUBECONFIG, kubectl, ROOT, srs, type RunResult} from '../helpers/cli.js'

const rbacDocs = parseAllDocuments(readFileSync(path.join(ROOT, 'docs/rbac.yaml'), 'utf8')).map((d) => d.toJS() as {kind: string; metadata: {name: string}; rules: unknown[]})
const role = rbacDocs.find((d) => d.kind === 'Role')!
const namespacesRole = rbacDocs.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'kubectl-srs-namespaces')!
const FIVE = ['configmaps', 'deployments.apps', 'pods', 'services', 'statefulsets.apps']

let dir: string
let mine: {name: string; remove: () => void}
let other: {name: string; remove: () => void}
let listNamespaces: string

/** A ServiceAccount of `ns` with docs/rbac.yaml's Role bound in `ns` only, and a kubeconfig whose context namespace is `contextNs`. */
function user(sa: string, ns: string, contextNs: string): {file: string; identity: string} {
  kubectl(['create', 'serviceaccount', sa, '-n', ns])
  kubectl(['create', 'rolebinding', `${sa}-binding`, '-n', ns, '--role=kubectl-srs', `--serviceaccount=${ns}:${sa}`])
  const token = kubectl(['create', 'token', sa, '-n', ns, '--duration', '1h']).trim()
  const doc = parse(readFileSync(KUBECONFIG, 'utf8')) as {users: {name: string; user: Record<string, unknown>}[]; contexts: {context: {namespace?: string}}[]}
  doc.users = doc.users.map((u) => ({name: u.name, user: {token}}))
  for (const c of doc.contexts) c.context.namespace = contextNs
  const file = path.join(dir, `kubeconfig-${sa}`)
  writeFileSync(file, stringify(doc))
  return {file, identity: `system:serviceaccount:${ns}:${sa}`}
}

function status(u: {file: string}, args: string[]): Promise<RunResult> {
  return srs(['status', ...args, '--kubeconfig', u.file])
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'srs-perms-'))
  mine = createNamespace('perm-mine')
  other = createNamespace('perm-other')
  for (const ns of [mine, other]) {
    kubectl(['apply', '-n', ns.name, '-f', path.join(ROOT, 'test/topologies/single-origin.yaml')])
    kubectl(['apply', '-n', ns.name, '-f', '-'], stringify({...role, metadata: {name: 'kubectl-srs', namespace: ns.name}}))
  }
  listNamespaces = `perm-list-namespaces-${mine.name}`
  // docs/rbac.yaml's ClusterRole for listing namespaces, under a name of this run's own
  kubectl(['apply', '-f', '-'], stringify({...namespacesRole, metadata: {...namespacesRole.metadata, name: listNamespaces}}))
  await eventually(
    'the SRS pod of both namespaces answering',
    async () => {
      const r = await srs(['status', '-A', '-o', 'json'])
      const report = JSON.parse(r.stdout) as StatusReport
      return [mine.name, other.name].every((ns) => report.workloads.some((w) => w.namespace === ns && w.pods.some((p) => p.srs)))
    },
    {timeoutMs: 90_000},
  )
}, 120_000)

afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
  mine?.remove()
  other?.remove()
  if (listNamespaces) kubectl(['delete', 'clusterrole', listNamespaces, '--ignore-not-found'])
})

describe('status -A as a user who may read one namespace', () => {
  test('without the right to list namespaces: the context namespace is shown, the refusals are named, exit 3', async () => {
    const u = user('one-ns', mine.name, mine.name)
    const r = await status(u, ['-A', '-o', 'json'])
    // said on stderr, not only in the JSON: this is not every namespace
    const warning = `warning: cannot list namespaces (user "${u.identity}" may not list namespaces): showing only the kubeconfig context's namespace "${mine.name}", not every namespace; a ClusterRoleBinding to ClusterRole kubectl-srs-namespaces (docs/rbac.yaml) lets status -A find the namespaces you may read, or pass -n NAMESPACE\n`
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 3, stderr: warning})
    const report = JSON.parse(r.stdout) as StatusReport
    expect(report.workloads.map((w) => `${w.namespace}/${w.name}`)).toEqual([`${mine.name}/srs-deploy`])
    expect(report.summary.podsAnswered).toBe(1)
    expect(report.warnings.filter((w) => w.kind === 'namespaces-not-listed')).toEqual([{kind: 'namespaces-not-listed', namespace: mine.name, message: warning.slice('warning: '.length, -1)}])
    expect(report.access).toEqual({
      complete: false,
      listedBy: 'context-namespace',
      namespacesRead: [mine.name],
      denied: expect.arrayContaining([...FIVE.map((resource) => ({user: u.identity, verb: 'list', resource, namespaces: null})), {user: u.identity, verb: 'list', resource: 'namespaces', namespaces: null}]),
    })
    expect(report.access.denied).toHaveLength(6)

    const table = await status(u, ['-A'])
    expect({code: table.code, stderr: table.stderr}).toEqual({code: 3, stderr: warning})
    const lines = table.stdout.split('\n')
    // The workload first, then what was not shown, after the tables.
    const workloadRow = lines.findIndex((l) => l.startsWith(`${mine.name} `) && l.includes('deployment/srs-deploy'))
    const notShown = lines.indexOf('Not shown (permission denied):')
    expect(workloadRow).toBeGreaterThanOrEqual(0)
    expect(notShown).toBeGreaterThan(workloadRow)
    expect(table.stdout).not.toContain(other.name)
    expect(lines.slice(notShown + 1)).toEqual([
      `  ! user "${u.identity}" cannot list deployments.apps, statefulsets.apps, pods, configmaps, services across all namespaces`,
      `  ! user "${u.identity}" cannot list namespaces at the cluster scope`,
      `  read instead only the kubeconfig context's namespace: ${mine.name} (-n NAMESPACE reads another)`,
      '',
    ])
  })

  test('allowed to list namespaces (ClusterRole kubectl-srs-namespaces): every namespace is tried, the readable one shown, the others named as refused', async () => {
    const u = user('lister', mine.name, mine.name)
    kubectl(['create', 'clusterrolebinding', `${listNamespaces}-lister`, `--clusterrole=${listNamespaces}`, `--serviceaccount=${mine.name}:lister`])
    try {
      const r = await status(u, ['-A', '-o', 'json'])
      expect({code: r.code, stderr: r.stderr}).toEqual({code: 3, stderr: ''})
      const report = JSON.parse(r.stdout) as StatusReport
      expect(report.workloads.map((w) => `${w.namespace}/${w.name}`)).toEqual([`${mine.name}/srs-deploy`])
      expect(report.access.listedBy).toBe('namespace-list')
      expect(report.access.namespacesRead).toEqual(expect.arrayContaining([mine.name, other.name, 'default', 'kube-system']))
      const perNamespace = report.access.denied.filter((d) => d.namespaces !== null)
      expect(perNamespace.map((d) => d.resource).sort()).toEqual(FIVE)
      for (const d of perNamespace) {
        expect(d.user).toBe(u.identity)
        expect(d.namespaces).toContain(other.name)
        expect(d.namespaces).toContain('kube-system')
        expect(d.namespaces).not.toContain(mine.name)
      }
      expect(
        report.access.denied
          .filter((d) => d.namespaces === null)
          .map((d) => d.resource)
          .sort(),
      ).toEqual(FIVE)
      expect(report.access.denied.some((d) => d.resource === 'namespaces')).toBe(false)
      expect(report.warnings.some((w) => w.kind === 'namespaces-not-listed')).toBe(false)

      const table = await status(u, ['-A'])
      expect(table.code).toBe(3)
      // The text names the first namespaces and counts the rest ("and N more"): other tests' namespaces
      // may sort before this one, so it is either named or counted (the JSON above lists them all).
      const refused = new RegExp(`^  ! user "${u.identity}" cannot list deployments\\.apps, statefulsets\\.apps, pods, configmaps, services in namespaces (.+)$`, 'm').exec(table.stdout)
      expect(refused).not.toBeNull()
      const more = / and (\d+) more$/.exec(refused![1]!)
      const named = refused![1]!.replace(/ and \d+ more$/, '').split(', ')
      expect(named).not.toContain(mine.name)
      expect(named.includes(other.name) || (more !== null && Number(more[1]) > 0)).toBe(true)
      expect(table.stdout).toMatch(/^ {2}read instead one by one: namespaces /m)
    } finally {
      kubectl(['delete', 'clusterrolebinding', `${listNamespaces}-lister`, '--ignore-not-found'])
    }
  })

  test('a context namespace the user may not read either: nothing to show, exit 1 with the refusal', async () => {
    const u = user('elsewhere', mine.name, other.name)
    const r = await status(u, ['-A'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(new RegExp(`^error: forbidden: user "system:serviceaccount:${mine.name}:elsewhere" cannot list [a-z.]+$`, 'm'))
  })

  test('without -A nothing changes: the own namespace is complete, exit 0, access complete', async () => {
    const u = user('plain', mine.name, mine.name)
    const r = await status(u, ['-o', 'json'])
    expect({code: r.code, stderr: r.stderr}).toEqual({code: 0, stderr: ''})
    expect((JSON.parse(r.stdout) as StatusReport).access).toEqual({complete: true, listedBy: 'namespace', namespacesRead: null, denied: []})
  })
})
