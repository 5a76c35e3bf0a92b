/**
 * The bad-input table (docs/bad-input.md, cases in test/bad-input/cases.ts): every flag and
 * argument of every command given nonsense exits 2, names the flag and says what is accepted,
 * prints nothing on stdout, and changes nothing in a namespace holding the guide's origin and
 * edge clusters. The cases run through the built CLI in one process (test/bad-input/run-in-process.mjs,
 * hundreds of cases in seconds); one case per command also runs through `kubectl srs` itself.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {badInputCases, NAMESPACE, validOddCases, type Manifest} from '../bad-input/cases.js'
import {createNamespace, eventually, KUBECONFIG, kubectl, kubectlJson, ROOT, run, srs} from '../helpers/cli.js'

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as Manifest
const KINDS = 'deployments,statefulsets,replicasets,pods,configmaps,services,cronjobs,jobs,persistentvolumeclaims,horizontalpodautoscalers'

/** kind/name@resourceVersion of every object of the namespace, plus the namespace itself. */
function versions(ns: string): string[] {
  const list = kubectlJson<{items: {kind: string; metadata: {name: string; resourceVersion: string}}[]}>(['get', KINDS, '-n', ns])
  const self = kubectlJson<{metadata: {resourceVersion: string}}>(['get', 'namespace', ns])
  return [`Namespace/${ns}@${self.metadata.resourceVersion}`, ...list.items.map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`)].sort()
}

interface Outcome {
  code: number
  stdout: string
  stderr: string
}

async function runInProcess(argvs: string[][]): Promise<Outcome[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'srs-bad-input-'))
  try {
    const resultsFile = path.join(dir, 'results.json')
    const r = await run('node', [path.join(ROOT, 'test/bad-input/run-in-process.mjs'), resultsFile], {input: JSON.stringify(argvs), env: {KUBECONFIG}, timeoutMs: 600_000})
    if (r.code !== 0) throw new Error(`run-in-process failed (${r.code}): ${r.stderr}`)
    return JSON.parse(readFileSync(resultsFile, 'utf8')) as Outcome[]
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

describe('bad input: every flag of every command', () => {
  let ns: {name: string; remove: () => void}
  beforeAll(async () => {
    ns = createNamespace('badin')
    kubectl(['apply', '-n', ns.name, '-f', path.join(ROOT, 'test/topologies/origin-cluster.yaml'), '-f', path.join(ROOT, 'test/topologies/edge-cluster.yaml')])
    await eventually(
      'the SRS pods Ready',
      () => {
        const pods = kubectlJson<{items: {status: {conditions?: {type: string; status: string}[]}}[]}>(['get', 'pods', '-n', ns.name]).items
        return pods.length >= 6 && pods.every((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      },
      {timeoutMs: 120_000},
    )
    // settled: nothing changes on its own any more
    await eventually(
      'no object changing',
      async () => {
        const a = versions(ns.name).join()
        await new Promise((r) => setTimeout(r, 3000))
        return versions(ns.name).join() === a
      },
      {timeoutMs: 60_000},
    )
  }, 240_000)
  afterAll(() => ns?.remove())

  test('each case exits 2 naming the flag and what is accepted; nothing in the namespace changes', async () => {
    const cases = badInputCases(manifest)
    expect(cases.length).toBeGreaterThan(500)
    const before = versions(ns.name)
    const started = Date.now()
    const outcomes = await runInProcess(cases.map((c) => c.argv.map((a) => (a === NAMESPACE ? ns.name : a))))
    const seconds = (Date.now() - started) / 1000
    const wrong = cases.flatMap((c, i) => {
      const o = outcomes[i]!
      const problems = [
        o.code !== 2 && `exit ${o.code}`,
        !c.names.test(o.stderr) && `does not name ${c.target}`,
        !c.says.test(o.stderr) && `does not say what is accepted (${c.says})`,
        !/^error: .+\n/.test(o.stderr) && 'no "error: ..." line',
        o.stdout !== '' && 'printed on stdout',
      ].filter(Boolean)
      return problems.length ? [`${c.id} ${JSON.stringify(c.value)}: ${problems.join(', ')}: ${o.stderr.trim().split('\n')[0]}`] : []
    })
    expect(wrong).toEqual([])
    expect(versions(ns.name)).toEqual(before)
    process.stderr.write(`[bad-input] ${cases.length} cases in ${seconds.toFixed(1)}s, all exit 2, namespace unchanged\n`)
  }, 600_000)

  test('odd but valid values (--percent 0, --percent 25%) are accepted and, with --dry-run, change nothing', async () => {
    const cases = validOddCases(manifest)
    expect(cases.map((c) => c.id)).toEqual(expect.arrayContaining([expect.stringMatching(/^canary --percent=0 /), expect.stringMatching(/^canary --percent=25% /)]))
    const before = versions(ns.name)
    const outcomes = await runInProcess(cases.map((c) => c.argv.map((a) => (a === NAMESPACE ? ns.name : a))))
    expect(cases.map((c, i) => [c.id, outcomes[i]!.code, outcomes[i]!.stderr])).toEqual(cases.map((c) => [c.id, 0, '']))
    expect(versions(ns.name)).toEqual(before)
  }, 300_000)

  test('through kubectl itself, one case per command gives the same answer as in-process', async () => {
    const cases = badInputCases(manifest)
    const one = [...new Map(cases.filter((c) => c.value !== '').map((c) => [c.command, c])).values()]
    const before = versions(ns.name)
    const results = await Promise.all(one.map((c) => srs(c.argv.map((a) => (a === NAMESPACE ? ns.name : a)))))
    const inProcess = await runInProcess(one.map((c) => c.argv.map((a) => (a === NAMESPACE ? ns.name : a))))
    expect(one.map((c, i) => [c.id, results[i]!.code, results[i]!.stderr])).toEqual(one.map((c, i) => [c.id, 2, inProcess[i]!.stderr]))
    expect(versions(ns.name)).toEqual(before)
  }, 300_000)
})
