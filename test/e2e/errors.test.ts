/**
 * The errors users meet, end to end: one line naming the problem, a hint, no stack trace, and
 * the documented exit code. Against the local control plane with real RBAC.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse, stringify} from 'yaml'
import {createNamespace, KUBECONFIG, kubectl, ROOT, run, srs} from '../helpers/cli.js'

let dir: string
let ns: {name: string; remove: () => void}

/** A copy of the cluster's kubeconfig with the user's token replaced (or the server moved). */
function kubeconfigWith(change: (doc: {clusters: {cluster: {server: string}}[]; users: {user: Record<string, unknown>}[]}) => void): string {
  const doc = parse(readFileSync(KUBECONFIG, 'utf8'))
  change(doc)
  const file = path.join(dir, `kc-${Math.random().toString(36).slice(2)}`)
  writeFileSync(file, stringify(doc))
  return file
}

function expectOneError(stderr: string, message: RegExp): void {
  const lines = stderr.trim().split('\n')
  expect(lines[0]).toMatch(/^error: /)
  expect(lines[0]).toMatch(message)
  expect(lines[1]).toMatch(/^hint: /)
  expect(lines).toHaveLength(2)
  expect(stderr).not.toMatch(/\n\s+at /)
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'srs-errors-'))
  ns = createNamespace('errors')
})
afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
  ns?.remove()
})

describe('kubectl finds the plugin', () => {
  test('kubectl plugin list shows kubectl-srs; kubectl srs --help lists the six commands', async () => {
    const list = await run('kubectl', ['plugin', 'list'])
    expect(list.stdout).toMatch(/\/bin\/kubectl-srs$/m)
    const help = await srs(['--help'])
    expect(help.code).toBe(0)
    for (const c of ['status', 'canary', 'promote', 'rollback', 'add-origin', 'cleanup']) expect(help.stdout).toMatch(new RegExp(`^  ${c}\\s`, 'm'))
    expect(help.stdout).toContain('$ kubectl srs [COMMAND]')
  })

  test('every command has help that reads "kubectl srs <command>" with examples', async () => {
    for (const c of ['status', 'canary', 'promote', 'rollback', 'add-origin', 'cleanup']) {
      const help = await srs([c, '--help'])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain(`$ kubectl srs ${c}`)
      expect(help.stdout).toContain('EXAMPLES')
      expect((help.stdout.match(/\$ kubectl srs /g) ?? []).length).toBeGreaterThanOrEqual(3)
    }
  })
})

describe('credentials', () => {
  test('an exec credential plugin works (client-node is loaded for it)', async () => {
    const token = (parse(readFileSync(KUBECONFIG, 'utf8')) as {users: {user: {token: string}}[]}).users[0]!.user.token
    const plugin = path.join(dir, 'cred-plugin.sh')
    writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`, {mode: 0o755})
    const kc = kubeconfigWith((d) => (d.users[0]!.user = {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never'}}))
    const r = await srs(['status', '--kubeconfig', kc, '-n', ns.name])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(`No SRS workloads found in namespace ${ns.name}.`)
  })
})

describe('errors users meet', () => {
  test('a kubeconfig path that does not exist is named (bad input: exit 2)', async () => {
    const r = await srs(['status', '--kubeconfig', '/nonexistent/kc'])
    expect(r.code).toBe(2)
    expectOneError(r.stderr, /kubeconfig file \/nonexistent\/kc does not exist/)
  })

  test('an unknown --context lists the known ones (bad input: exit 2)', async () => {
    const r = await srs(['status', '--context', 'nope'])
    expect(r.code).toBe(2)
    expectOneError(r.stderr, /context "nope" does not exist/)
    expect(r.stderr).toContain('hint: known contexts: srs-local')
  })

  test('an unreachable cluster names the server and the context', async () => {
    const kc = kubeconfigWith((d) => (d.clusters[0]!.cluster.server = 'https://127.0.0.1:1'))
    const r = await srs(['status', '--kubeconfig', kc])
    expect(r.code).toBe(1)
    expectOneError(r.stderr, /cannot reach the Kubernetes API at https:\/\/127.0.0.1:1 \(context "srs-local"\): connection refused \(ECONNREFUSED\)/)
  })

  test('401: rejected credentials', async () => {
    const kc = kubeconfigWith((d) => (d.users[0]!.user = {token: 'not-a-valid-token'}))
    const r = await srs(['status', '--kubeconfig', kc])
    expect(r.code).toBe(1)
    expectOneError(r.stderr, /unauthorized: the API server at https:\/\/127.0.0.1:\d+ rejected the credentials of user "admin"/)
  })

  test('403: names the verb, the resource and the namespace that were denied', async () => {
    kubectl(['create', 'serviceaccount', 'nobody', '-n', ns.name])
    const token = kubectl(['create', 'token', 'nobody', '-n', ns.name]).trim()
    const kc = kubeconfigWith((d) => (d.users[0]!.user = {token}))
    const r = await srs(['status', '--kubeconfig', kc, '-n', ns.name])
    expect(r.code).toBe(1)
    expectOneError(r.stderr, new RegExp(`forbidden: user "system:serviceaccount:${ns.name}:nobody" cannot list (deployments\\.apps|statefulsets\\.apps|pods|configmaps|services) in namespace "${ns.name}"`))
    expect(r.stderr).toMatch(/hint: ask a cluster admin for RBAC permission to list/)
  })

  test('404: a workload that does not exist is named with its namespace', async () => {
    const r = await srs(['status', 'srs-nothing', '-n', ns.name])
    expect(r.code).toBe(1)
    expectOneError(r.stderr, new RegExp(`no SRS Deployment or StatefulSet named "srs-nothing" in namespace "${ns.name}"`))
  })

  test('a request timeout is reported as such, exit 3', async () => {
    const r = await srs(['status', '--request-timeout', '1ms'])
    expect(r.code).toBe(3)
    expectOneError(r.stderr, /timed out after 1 ms/)
  })

  test('-v adds the stack trace', async () => {
    const r = await srs(['status', '--kubeconfig', '/nonexistent/kc', '-v'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/\n\s+at /)
  })

  test('piped stdin is never taken for an argument, nor printed, by any command that takes one', async () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {args: Record<string, {required?: boolean}>}>}
    const withOptionalArgs = Object.entries(manifest.commands)
      .filter(([, c]) => Object.values(c.args ?? {}).some((a) => !a.required))
      .map(([id]) => id)
    expect(withOptionalArgs).toEqual(expect.arrayContaining(['status', 'doctor', 'canary', 'promote', 'rollback', 'add-origin', 'remove-origin', 'sync-origins']))
    const extra: Record<string, string[]> = {canary: ['--to', 'v4.0.6', '--percent', '10'], 'add-origin': ['--dry-run'], 'remove-origin': ['--dry-run'], 'sync-origins': ['--check']}
    for (const command of withOptionalArgs) {
      const r = await srs([command, '-n', ns.name, ...(extra[command] ?? [])], {input: 'piped-s3cret\n'})
      // an empty namespace: every command finds no SRS workload, and never names "piped-s3cret" as the one it looked for;
      // kick, given no client id, has nothing to close: that usage error shows the piped text was not taken for an id
      const nothingGiven = command === 'kick'
      expect({command, leaked: `${r.stdout}${r.stderr}`.includes('piped-s3cret'), usageError: r.code === 2}).toEqual({command, leaked: false, usageError: nothingGiven})
      if (nothingGiven) expect(r.stderr).toContain('nothing to close: give client ids or --stream')
    }
    // a required argument is not read from stdin either: it is missing
    const completion = await srs(['completion'], {input: 'bash\n'})
    expect(completion.code).toBe(2)
    expect(completion.stdout).toBe('')
  })

  test('usage errors exit 2 and name the flag', async () => {
    for (const [args, flag] of [
      [['status', '--request-timeout', '5x'], '--request-timeout'],
      [['status', '--timeout', 'soon'], '--timeout'],
      [['status', '-o', 'xml'], '--output'],
      [['status', '-n', 'Bad_Namespace'], '--namespace'],
      [['status', '--concurrency', '0'], '--concurrency'],
      [['status', '--no-such-flag'], '--no-such-flag'],
    ] as const) {
      const r = await srs([...args])
      expect({args, code: r.code}).toEqual({args, code: 2})
      expect(r.stderr.split('\n')[0]).toContain(flag)
    }
  })
})
