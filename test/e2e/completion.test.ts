/**
 * Shell completion end to end: kubectl itself running bin/kubectl_complete-srs for
 * `kubectl srs <TAB>` (kubectl __complete is what its shell scripts call), the helper run the
 * way kubectl runs it, the helper `kubectl srs completion kubectl` prints, and the bash script.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {BIN, createNamespace, kubectl, ROOT, run, srs, type RunResult} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')
let ns: {name: string; remove: () => void}
let dir: string

/** Candidates (without descriptions) and the directive of one answer. */
function parseAnswer(r: RunResult): {values: string[]; descriptions: Record<string, string>; directive: number} {
  const lines = r.stdout.split('\n').filter((l) => l !== '')
  const last = lines.pop() ?? ''
  expect(last).toMatch(/^:\d+$/)
  const descriptions: Record<string, string> = {}
  const values = lines.map((l) => {
    const [v, d] = l.split('\t')
    if (d) descriptions[v!] = d
    return v!
  })
  return {values, descriptions, directive: Number(last.slice(1))}
}

/** As kubectl runs it: the words after "srs", the last one being completed. */
function helper(words: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return run(path.join(BIN, 'kubectl_complete-srs'), words, {env, timeoutMs: 20_000})
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'srs-completion-'))
  ns = createNamespace('completion')
  // Workload names need the objects only, not running pods.
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
})
afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
  ns?.remove()
})

describe('kubectl srs <TAB> through kubectl', () => {
  test('kubectl finds kubectl_complete-srs on PATH and offers the commands', async () => {
    const r = await run('kubectl', ['__complete', 'srs', ''])
    expect(r.stderr).toContain(`About to call: ${path.join(BIN, 'kubectl_complete-srs')}`)
    const a = parseAnswer(r)
    expect(a.values).toEqual(expect.arrayContaining(['status', 'streams', 'doctor', 'canary', 'promote', 'rollback', 'add-origin', 'remove-origin', 'sync-origins', 'reload', 'completion']))
    expect(a.descriptions.status).toMatch(/^Show every SRS workload/)
    expect(a.directive).toBe(4)
  })

  test('workload names come from the cluster: SRS Deployments and StatefulSets of the -n namespace only', async () => {
    const r = await run('kubectl', ['__complete', 'srs', 'rollback', '-n', ns.name, ''])
    const a = parseAnswer(r)
    // nginx-origin-deploy has an SRS image that only copies files: not an SRS workload
    expect(a.values).toEqual(['srs-edge-deploy', 'srs-origin'])
    expect(a.directive).toBe(4)
    const prefix = parseAnswer(await run('kubectl', ['__complete', 'srs', 'status', '--namespace', ns.name, 'srs-e']))
    expect(prefix.values).toEqual(['srs-edge-deploy'])
  })
})

describe('kubectl_complete-srs run as kubectl runs it', () => {
  test('commands by prefix, with descriptions', async () => {
    const a = parseAnswer(await helper(['st']))
    expect(a.values).toEqual(['status', 'streams'])
    expect(a.directive).toBe(4)
  })

  test('flags of the command and the global ones; values of -o; contexts from the kubeconfig', async () => {
    const flags = parseAnswer(await helper(['status', '--']))
    expect(flags.values).toEqual(expect.arrayContaining(['--output', '--watch', '--namespace', '--context', '--kubeconfig', '--all-namespaces']))
    expect(flags.values).not.toContain('--percent')
    expect(parseAnswer(await helper(['canary', '--per'])).values).toEqual(['--percent'])
    expect(parseAnswer(await helper(['status', '-o', ''])).values).toEqual(['table', 'wide', 'json', 'yaml'])
    expect(parseAnswer(await helper(['status', '--output=j'])).values).toEqual(['--output=json'])
    expect(parseAnswer(await helper(['status', '--context', ''])).values).toContain('srs-local')
    // a path: left to the shell's file completion
    expect(parseAnswer(await helper(['status', '--kubeconfig', ''])).directive).toBe(0)
    expect(parseAnswer(await helper(['completion', ''])).values).toEqual(['bash', 'zsh', 'fish', 'kubectl'])
  })

  test('clients: SRS workload names and the --type values; kick: its flags', async () => {
    expect(parseAnswer(await helper(['-n', ns.name, 'clients', ''])).values).toEqual(['srs-edge-deploy', 'srs-origin'])
    expect(parseAnswer(await helper(['clients', '--type', ''])).values).toEqual(['play', 'publish'])
    expect(parseAnswer(await helper(['kick', '--'])).values).toEqual(expect.arrayContaining(['--stream', '--publishers', '--yes', '--dry-run', '--output']))
  })

  test('workload names after flags given before the command, and "__complete" first as cobra callers send it', async () => {
    expect(parseAnswer(await helper(['-n', ns.name, 'promote', ''])).values).toEqual(['srs-edge-deploy', 'srs-origin'])
    expect(parseAnswer(await helper(['__complete', 'canary', `--namespace=${ns.name}`, 'srs-o'])).values).toEqual(['srs-origin'])
  })

  test('quiet on errors: a kubeconfig that does not exist, an unknown context, an unreachable server', async () => {
    for (const words of [
      ['status', '--kubeconfig', '/nonexistent/kc', ''],
      ['status', '--context', 'no-such-context', ''],
    ]) {
      const r = await helper(words)
      expect({words, code: r.code, stdout: r.stdout, stderr: r.stderr}).toEqual({words, code: 0, stdout: ':4\n', stderr: ''})
    }
    writeFileSync(path.join(dir, 'unreachable'), kubectl(['config', 'view', '--raw']).replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'))
    const started = Date.now()
    const r = await helper(['status', '--kubeconfig', path.join(dir, 'unreachable'), ''])
    expect({code: r.code, stdout: r.stdout, stderr: r.stderr}).toEqual({code: 0, stdout: ':4\n', stderr: ''})
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})

describe('kubectl srs completion', () => {
  test('bash: the script completes kubectl-srs commands, flag values and workloads', async () => {
    const script = await srs(['completion', 'bash'])
    expect(script.code).toBe(0)
    const file = path.join(dir, 'kubectl-srs.bash')
    writeFileSync(file, script.stdout)
    // What bash hands the function: COMP_WORDS split at "=" as COMP_WORDBREAKS does.
    const probe = (line: string, words: string[]): Promise<RunResult> =>
      run('bash', [
        '-c',
        `source ${file}; COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _kubectl_srs_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ])
    expect((await probe('kubectl-srs st', ['kubectl-srs', 'st'])).stdout).toBe('status\nstreams\n')
    expect((await probe('kubectl-srs status --output=j', ['kubectl-srs', 'status', '--output', '=', 'j'])).stdout).toBe('json\n')
    expect((await probe(`kubectl-srs rollback -n ${ns.name} `, ['kubectl-srs', 'rollback', '-n', ns.name, ''])).stdout).toBe('srs-edge-deploy\nsrs-origin\n')
  })

  test('zsh and fish print their scripts; an unknown shell is a usage error', async () => {
    const zsh = await srs(['completion', 'zsh'])
    expect(zsh.stdout).toMatch(/^#compdef kubectl-srs\n/)
    expect(zsh.stdout).toContain('kubectl-srs completion __complete "${(@)words[2,CURRENT]}"')
    const fish = await srs(['completion', 'fish'])
    expect(fish.stdout).toContain("complete -c kubectl-srs -f -a '(__kubectl_srs_complete)'")
    const bad = await srs(['completion', 'tcsh'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/tcsh/)
  })

  test('one SHELL: a second argument is a usage error, and help says SHELL', async () => {
    for (const args of [
      ['bash', 'zsh'],
      ['bash', 'nonsense'],
    ]) {
      const r = await srs(['completion', ...args])
      expect({args, code: r.code, stdout: r.stdout}).toEqual({args, code: 2, stdout: ''})
      expect(r.stderr).toMatch(new RegExp(`^error: .*${args[1]}\n`))
    }
    const help = await srs(['completion', '--help'])
    expect(help.stdout).toContain('$ kubectl srs completion SHELL\n')
    expect(help.stdout).not.toContain('SHELL...')
  })

  test('kubectl: the printed helper, put first on PATH, is what kubectl runs for kubectl srs <TAB>', async () => {
    const helperFile = path.join(dir, 'kubectl_complete-srs')
    writeFileSync(helperFile, (await srs(['completion', 'kubectl'])).stdout)
    chmodSync(helperFile, 0o755)
    const r = await run('kubectl', ['__complete', 'srs', 'status', '-n', ns.name, ''], {env: {PATH: `${dir}:${BIN}:${process.env.PATH}`}})
    expect(r.stderr).toContain(`About to call: ${helperFile}`)
    expect(parseAnswer(r).values).toEqual(['srs-edge-deploy', 'srs-origin'])
  })
})
