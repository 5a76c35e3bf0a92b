/**
 * The docs check: every `kubectl srs` command the project shows (each command's --help examples,
 * from oclif.manifest.json, and the command lines in the code fences of README.md and docs/*.md)
 * is run against the local cluster, as a user would type it (through bash, with the plugin on
 * PATH), on the SRS guide's objects from test/topologies. A command must exit as the text says (0
 * unless the text gives another code; never a usage error) and print what the text shows.
 *
 * Names are the guide's own (srs-edge-deploy, srs-origin, pvc-nas...), so only what NAMES lists is
 * changed. Each scenario gets its own namespace, which is also its kubeconfig context's namespace
 * ("the current namespace" of the examples without -n); changing commands run in a sensible order.
 * An example that is neither in a scenario nor in NOT_RUN fails the first test.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import Ajv2020 from 'ajv/dist/2020.js'
import {spawn} from 'node:child_process'
import {accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse, parseAllDocuments, stringify} from 'yaml'
import {allExamples, type DocExample} from '../helpers/doc-examples.js'
import {BIN, createNamespace, eventually, KUBECONFIG, kubectl, kubectlJson, readyEndpoints, ROOT, type RunResult} from '../helpers/cli.js'
import {withApiAuth, withReload} from '../helpers/topologies.js'

const TOPO = path.join(ROOT, 'test/topologies')
const topology = (file: string) => readFileSync(path.join(TOPO, file), 'utf8')
const API_USER = 'admin'
const API_PASSWORD = 'docs-check-pw'

/**
 * What the examples name that the test cannot use as written. Workloads, claims and the Secret
 * keep the guide's / the text's names: the scenarios apply objects of those names.
 */
const NAMES = {
  /** `-n live` → the scenario's namespace (also the context's namespace for examples without -n) */
  namespace: 'live',
  /** synopsis placeholders → a workload of the edge scenario; optional [...] parts are left out */
  placeholders: {WORKLOAD: 'srs-edge-deploy', 'APP/NAME': 'live/livestream'} as Record<string, string>,
  /** `rollback srs-origin --to-revision 3`: the origin scenario has revisions 1 (guide) and 2 (canary) */
  revisions: {'3': '1'} as Record<string, string>,
  /** zsh's first fpath folder (the examples run in bash, where it is unset) → a folder of the test */
  shell: {'${fpath[1]}': '$HOME/zfunc'} as Record<string, string>,
}

/** Examples deliberately not run, each with why. */
const NOT_RUN: Record<string, string> = {
  'kubectl srs kick 5gfs24q1 894k2kvy --yes': 'SRS client ids are random per process: these ids exist on no pod (the kick by id is run in test/e2e/clients.test.ts)',
}

interface Ctx {
  ns: string
  kubeconfig: string
  /** HOME and working folder of the commands: holds ./srs-api-password */
  dir: string
}

interface Step {
  /** the example's text, exactly as allExamples() gives it */
  example: string
  /** the exit code the text gives (default 0); a function when the text makes it depend on the output */
  exit?: number | ((r: RunResult, ctx: Ctx) => number | Promise<number>)
  /** lines, headers or fields the text shows in the output */
  shows?: (string | RegExp)[]
  /** what the text says the command does, checked on the cluster after it ran */
  check?: (r: RunResult, ctx: Ctx) => void | Promise<void>
  /** a precondition the text states (e.g. "after kubectl scale ..."), made true before the run */
  before?: (ctx: Ctx) => void | Promise<void>
  /** --watch: interrupted (Ctrl-C) once the output matches */
  interruptWhen?: RegExp
  timeoutMs?: number
}

const EXAMPLES = allExamples(ROOT)
const byText = new Map(EXAMPLES.map((e) => [e.text, e]))

/** The example's text with NAMES applied. */
function adapt(text: string, ns: string): string {
  let out = text
  for (const [from, to] of Object.entries(NAMES.shell)) out = out.replaceAll(from, to)
  // synopsis: optional parts go, placeholders get names
  while (/\s*\[[^[\]]*\](\.\.\.)?/.test(out)) out = out.replace(/\s*\[[^[\]]*\](\.\.\.)?/, '')
  out = out.replaceAll(/\b[A-Z][A-Z_/]*[A-Z]\b/g, (m) => NAMES.placeholders[m] ?? m)
  out = out.replaceAll(new RegExp(`(^|\\s)(-n|--namespace)(\\s+|=)${NAMES.namespace}(?=\\s|$)`, 'g'), `$1$2$3${ns}`)
  out = out.replaceAll(/(--to-revision(?:\s+|=))(\d+)/g, (m, flag: string, rev: string) => `${flag}${NAMES.revisions[rev] ?? rev}`)
  return out
}

/** Runs the adapted example through bash, as typed into a shell: the plugin on PATH, the scenario's kubeconfig. */
function runText(text: string, ctx: Ctx, opts: {timeoutMs?: number; interruptWhen?: RegExp} = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -u -o pipefail\n${text}`], {
      cwd: ctx.dir,
      detached: true, // its own process group: Ctrl-C reaches kubectl-srs as in a terminal
      env: {...process.env, PATH: `${BIN}:${process.env.PATH}`, KUBECONFIG: ctx.kubeconfig, HOME: ctx.dir, NO_COLOR: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let interrupted = false
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (opts.interruptWhen && !interrupted && opts.interruptWhen.test(stdout)) {
        interrupted = true
        process.kill(-child.pid!, 'SIGINT')
      }
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), opts.timeoutMs ?? 240_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code: code ?? (signal ? 128 : 1), stdout, stderr})
    })
  })
}

function describeRun(e: DocExample, text: string, r: RunResult): string {
  return `${e.text}\n  (shown in ${e.sources.join(', ')}; run as: ${text})\n  exit ${r.code}\n  stdout: ${r.stdout.slice(0, 3000)}\n  stderr: ${r.stderr.slice(0, 3000)}`
}

/** One test per step, in order, all in the scenario's namespace. */
function scenario(name: string, setup: (ctx: Ctx) => Promise<void>, steps: Step[]): void {
  describe(name, () => {
    const ctx = {} as Ctx
    let remove = () => {}
    beforeAll(async () => {
      const ns = createNamespace(`docs-${/^[a-z]+/.exec(name)![0]}`)
      remove = ns.remove
      ctx.ns = ns.name
      ctx.dir = mkdtempSync(path.join(tmpdir(), 'srs-docs-'))
      writeFileSync(path.join(ctx.dir, 'srs-api-password'), `${API_PASSWORD}\n`)
      const doc = parse(readFileSync(KUBECONFIG, 'utf8')) as {contexts: {context: {namespace?: string}}[]}
      for (const c of doc.contexts) c.context.namespace = ns.name
      ctx.kubeconfig = path.join(ctx.dir, 'kubeconfig')
      writeFileSync(ctx.kubeconfig, stringify(doc))
      kubectl(['create', 'secret', 'generic', 'srs-api-auth', '-n', ns.name, `--from-literal=username=${API_USER}`, `--from-literal=password=${API_PASSWORD}`])
      await setup(ctx)
    }, 240_000)
    afterAll(() => {
      // the local cluster runs no pvc-protection controller: pvc-nas would keep its namespace Terminating
      if (ctx.ns) for (const pvc of kubectl(['get', 'pvc', '-n', ctx.ns, '-o', 'name']).split('\n').filter(Boolean)) kubectl(['patch', '-n', ctx.ns, pvc, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])
      remove()
      if (ctx.dir) rmSync(ctx.dir, {recursive: true, force: true})
    })
    for (const step of steps) {
      test(
        step.example,
        async () => {
          const example = byText.get(step.example)
          if (!example) throw new Error(`"${step.example}" is no longer shown anywhere: update the scenario`)
          await step.before?.(ctx)
          const text = adapt(example.text, ctx.ns)
          const r = await runText(text, ctx, {timeoutMs: step.timeoutMs, interruptWhen: step.interruptWhen})
          const what = describeRun(example, text, r)
          expect({code: r.code, what}).not.toEqual({code: 2, what})
          const exit = typeof step.exit === 'function' ? await step.exit(r, ctx) : (step.exit ?? 0)
          expect({code: r.code, what}).toEqual({code: exit, what})
          for (const s of step.shows ?? []) {
            if (typeof s === 'string') expect({output: r.stdout.includes(s), s, what}).toEqual({output: true, s, what})
            else expect({output: s.test(r.stdout), s: String(s), what}).toEqual({output: true, s: String(s), what})
          }
          await step.check?.(r, ctx)
        },
        (step.timeoutMs ?? 240_000) + 30_000,
      )
    }
  })
}

// ---------------------------------------------------------------------------------------------
// helpers for the checks

interface Dep {
  metadata: {name: string; annotations?: Record<string, string>}
  spec: {replicas: number; template: {spec: {containers: {name: string; image: string}[]}}}
}
const srsImage = (d: Dep) => d.spec.template.spec.containers.find((c) => c.name === 'srs')!.image
/** SRS edge Deployments of the namespace: name → [image, replicas] */
function edges(ns: string): Record<string, [string, number]> {
  const out: Record<string, [string, number]> = {}
  for (const d of kubectlJson<{items: Dep[]}>(['get', 'deployments', '-n', ns]).items) {
    if (d.metadata.name.startsWith('srs-edge-deploy')) out[d.metadata.name] = [srsImage(d), d.spec.replicas]
  }
  return out
}
function originReplicas(ns: string): number {
  return kubectlJson<{spec: {replicas: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).spec.replicas
}
function confText(ns: string, cm: string): string {
  return kubectlJson<{data: Record<string, string>}>(['get', 'configmap', cm, '-n', ns]).data['srs.conf']!
}
/** The origin hosts a config's list names (`coworkers` or edge `origin`). */
function listed(ns: string, cm: string, directive: 'coworkers' | 'origin'): string[] {
  const m = new RegExp(`^\\s*${directive}\\s+([^;]*);`, 'm').exec(confText(ns, cm))
  return m ? m[1]!.trim().split(/\s+/) : []
}
function snapshot(ns: string): string {
  const items = kubectlJson<{items: {kind: string; metadata: {name: string; resourceVersion: string}}[]}>(['get', 'deployments,statefulsets,configmaps,services,cronjobs', '-n', ns]).items
  return items
    .map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`)
    .sort()
    .join('\n')
}
let before = ''
const remember = (ctx: Ctx) => void (before = snapshot(ctx.ns))
const unchanged = (_r: RunResult, ctx: Ctx) => expect(snapshot(ctx.ns)).toBe(before)

/** The documented doctor exit: 3 when a finding is at or above --fail-on (summary.failed), else 0. */
async function doctorExit(text: string, ctx: Ctx): Promise<number> {
  const json = await runText(`${adapt(text, ctx.ns).replaceAll(/\s+-o\s+\w+/g, '')} -o json`, ctx)
  return (JSON.parse(json.stdout) as {summary: {failed: boolean}}).summary.failed ? 3 : 0
}

/** The keys of doctor.md's `-o json` document, read from its jsonc block. */
function doctorDocumentedShape(): unknown {
  const md = readFileSync(path.join(ROOT, 'docs/doctor.md'), 'utf8')
  const block = /```jsonc\n([\s\S]*?)```/.exec(md)![1]!
  return JSON.parse(block.replaceAll(/\s\/\/.*$/gm, ''))
}
/** Every key path of `shown` is in `actual` (arrays: the first element of each). */
function missingKeys(shown: unknown, actual: unknown, at = ''): string[] {
  if (Array.isArray(shown)) return shown.length && Array.isArray(actual) && actual.length ? missingKeys(shown[0], actual[0], `${at}[0]`) : []
  if (!shown || typeof shown !== 'object') return []
  if (!actual || typeof actual !== 'object') return [at || '.']
  return Object.entries(shown).flatMap(([k, v]) => (k in actual ? missingKeys(v, (actual as Record<string, unknown>)[k], `${at}.${k}`) : [`${at}.${k}`]))
}

const ajv = new Ajv2020.default({allErrors: true, strict: false})
const validateStatus = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'docs/status-schema.json'), 'utf8')) as object)

interface StatusJson {
  workloads: {namespace: string; name: string; apiAuth: {username: string; source: string} | null; pods: {name: string; terminating: boolean; error: unknown; apiRoute: string | null; srs: {version: string; connections: number} | null}[]}[]
  access: {complete: boolean}
}
interface TopJson {
  kind: string
  services: {namespace: string; tracks: {role: string; requestedWeight: number | null}[]}[]
  pods: {error: string | null}[]
}
/** status's documented exit: 3 when a pod that should answer did not, or access is incomplete. */
function statusExit(st: StatusJson): number {
  return st.workloads.some((w) => w.pods.some((p) => !p.terminating && p.error !== null)) || !st.access.complete ? 3 : 0
}
async function statusJson(text: string, ctx: Ctx): Promise<StatusJson> {
  return JSON.parse((await runText(`${adapt(text, ctx.ns)} -o json`, ctx)).stdout) as StatusJson
}

async function edgesReady(ns: string, n: number): Promise<void> {
  await eventually(`${n} edges behind srs-edge-service`, () => readyEndpoints(ns, 'srs-edge-service') === n, {timeoutMs: 120_000})
  await eventually(
    'edge rollout complete',
    () => {
      const d = kubectlJson<{status: {replicas?: number; availableReplicas?: number; updatedReplicas?: number}}>(['get', 'deployment', 'srs-edge-deploy', '-n', ns])
      return d.status.availableReplicas === n && d.status.replicas === n && d.status.updatedReplicas === n
    },
    {timeoutMs: 120_000},
  )
}
async function podsRunning(ns: string, n: number): Promise<void> {
  await eventually(`${n} pods Running`, () => kubectlJson<{items: {status: {phase: string}}[]}>(['get', 'pods', '-n', ns]).items.filter((p) => p.status.phase === 'Running').length >= n, {
    timeoutMs: 120_000,
  })
}

// ---------------------------------------------------------------------------------------------

test('every example of --help, README.md and docs/*.md is run by a scenario or listed in NOT_RUN with why', () => {
  expect(EXAMPLES.length).toBeGreaterThan(40) // the manifest was read: npm run build writes it
  const covered = new Set([...SCENARIO_EXAMPLES, ...Object.keys(NOT_RUN)])
  const unchecked = EXAMPLES.filter((e) => !covered.has(e.text)).map((e) => `${e.text}  (${e.sources.join(', ')})`)
  expect(unchecked).toEqual([])
  const stale = [...covered].filter((t) => !byText.has(t))
  expect(stale).toEqual([])
})

const SCENARIO_EXAMPLES: string[] = []
function scenarioOf(name: string, setup: (ctx: Ctx) => Promise<void>, steps: Step[]): void {
  SCENARIO_EXAMPLES.push(...steps.map((s) => s.example))
  scenario(name, setup, steps)
}

scenarioOf('plain: no SRS objects needed', async () => {}, [
  {example: 'kubectl srs --help', shows: ['USAGE', 'COMMANDS']},
  {
    example: 'kubectl srs --version',
    // the README shows the single executable's output, which carries Node.js 26.10.0; from a checkout it is this Node.js
    check: (r) => expect(r.stdout.trim()).toBe(byText.get('kubectl srs --version')!.notes[0]!.replace('node-v26.10.0', `node-${process.version}`)),
  },
  {
    example: 'source <(kubectl srs completion bash)',
    check: async (_r, ctx) => {
      const r = await runText('source <(kubectl srs completion bash) && complete -p kubectl-srs', ctx)
      expect(r.code).toBe(0)
    },
  },
  {
    example: 'kubectl srs completion zsh > "${fpath[1]}/_kubectl-srs"',
    before: (ctx) => void mkdirSync(path.join(ctx.dir, 'zfunc'), {recursive: true}),
    check: async (_r, ctx) => {
      expect(readFileSync(path.join(ctx.dir, 'zfunc/_kubectl-srs'), 'utf8')).toMatch(/^#compdef /)
    },
  },
  {
    example: 'kubectl srs completion fish > ~/.config/fish/completions/kubectl-srs.fish',
    before: (ctx) => void mkdirSync(path.join(ctx.dir, '.config/fish/completions'), {recursive: true}),
    check: (_r, ctx) => expect(readFileSync(path.join(ctx.dir, '.config/fish/completions/kubectl-srs.fish'), 'utf8')).toContain('complete -c kubectl'),
  },
  {
    example: 'kubectl srs completion kubectl > ~/.local/bin/kubectl_complete-srs && chmod +x ~/.local/bin/kubectl_complete-srs',
    before: (ctx) => void mkdirSync(path.join(ctx.dir, '.local/bin'), {recursive: true}),
    check: async (_r, ctx) => {
      const helper = path.join(ctx.dir, '.local/bin/kubectl_complete-srs')
      accessSync(helper, constants.X_OK)
      const r = await runText(`${helper} st`, ctx)
      expect(r.stdout.split('\n')).toEqual(expect.arrayContaining([expect.stringMatching(/^status/), expect.stringMatching(/^streams/)]))
    },
  },
])

/** status -o json of the same example: how the edge pods were reached, and with whose credentials */
async function edgeApiAccess(text: string, ctx: Ctx): Promise<{auth: unknown; routes: (string | null)[]}> {
  const st = await statusJson(text, ctx)
  const edge = st.workloads.find((w) => w.name === 'srs-edge-deploy')!
  return {auth: edge.apiAuth && {username: edge.apiAuth.username, source: edge.apiAuth.source}, routes: [...new Set(edge.pods.map((p) => p.apiRoute))]}
}

scenarioOf(
  'edge: the guide origin cluster, 4 edges with http_api auth in srs.conf, pvc-nas',
  async (ctx) => {
    const yaml = [topology('pvc.yaml'), topology('origin-cluster.yaml'), withApiAuth(topology('edge-cluster.yaml'), API_USER, API_PASSWORD)].join('\n---\n')
    kubectl(['apply', '-n', ctx.ns, '-f', '-'], yaml)
    kubectl(['scale', '-n', ctx.ns, 'deployment/srs-edge-deploy', '--replicas', '4'])
    await edgesReady(ctx.ns, 4)
    await podsRunning(ctx.ns, 3 + 1 + 4)
  },
  [
    {example: 'kubectl srs status', shows: ['srs-edge-deploy', 'srs-origin']},
    {example: 'kubectl srs status [WORKLOAD]', shows: ['srs-edge-deploy', 'srs-origin']},
    // "with pod IPs, server ids and CPU/memory"
    {example: 'kubectl srs status srs-edge-deploy -n live -o wide', shows: [/\bIP\s+SERVER\b.*\bCPU\s+MEM\b/, /10\.244\.\d+\.\d+/]},
    {
      example: 'kubectl srs status -A -o json',
      exit: (r) => statusExit(JSON.parse(r.stdout) as StatusJson),
      check: (r, ctx) => {
        const st = JSON.parse(r.stdout) as StatusJson
        expect(validateStatus(st) ? [] : validateStatus.errors).toEqual([])
        const ours = st.workloads.filter((w) => w.namespace === ctx.ns)
        expect(ours.map((w) => w.name).sort()).toEqual(['srs-edge-deploy', 'srs-origin'])
        expect(ours.flatMap((w) => w.pods).filter((p) => p.error !== null)).toEqual([])
      },
    },
    {
      example: 'kubectl srs streams',
      // a publisher on srs-origin-0 (podsim: connections without a stream list publish live/livestream)
      before: async (ctx) => {
        kubectl(['annotate', '--overwrite', '-n', ctx.ns, 'pod', 'srs-origin-0', 'sim.srs.test/connections=2'])
        await eventually('srs-origin-0 reports 2 connections', async () => {
          const st = await statusJson('kubectl srs status srs-origin', ctx)
          return st.workloads[0]?.pods.find((p) => p.name === 'srs-origin-0')?.srs?.connections === 2
        })
      },
      shows: ['live/livestream'],
    },
    {example: 'kubectl srs streams [--stream APP/NAME]', shows: ['live/livestream']},
    {example: 'kubectl srs streams --stream live/livestream -n live', shows: ['live/livestream', 'srs-origin-0']},
    {example: 'kubectl srs clients', shows: [/POD\s+CLIENT\s+TYPE\s+IP\s+STREAM\s+CONNECTED\s+KBPS/, 'fmle-publish', 'rtmp-play']},
    {example: 'kubectl srs clients [WORKLOAD]', shows: ['fmle-publish']},
    {
      example: 'kubectl srs clients --stream live/livestream --type publish -o json',
      check: (r) => {
        const res = JSON.parse(r.stdout) as {clients: {pod: string; type: string; stream: string}[]}
        expect(res.clients.map((c) => [c.pod, c.type, c.stream])).toEqual([['srs-origin-0', 'fmle-publish', 'live/livestream']])
      },
    },
    {example: 'kubectl srs clients srs-edge-deploy --type play', shows: ['No clients.']},
    {example: 'kubectl srs kick --stream live/livestream --dry-run', shows: ['Will close 2 client(s) on 1 pod(s) (srs-origin-0)', 'Dry run: nothing closed.']},
    {example: 'kubectl srs kick --stream APP/NAME --dry-run', shows: ['Dry run: nothing closed.']},
    {
      example: 'kubectl srs kick --stream live/livestream --publishers --yes',
      shows: ['1 closed of 1 client(s).', 'fmle-publish'],
      check: async (_r, ctx) => {
        const after = await runText('kubectl srs clients -o json', ctx)
        expect((JSON.parse(after.stdout) as {clients: {type: string}[]}).clients.map((c) => c.type)).toEqual(['rtmp-play'])
      },
    },
    {
      example: 'kubectl srs streams -A -o json',
      // documented: 3 when some SRS pods did not answer (anywhere in the cluster)
      exit: (r) => ((JSON.parse(r.stdout) as {unreachable: unknown[]}).unreachable.length ? 3 : 0),
      shows: ['live/livestream'],
    },
    {
      example: 'kubectl srs streams --api-secret srs-api-auth',
      shows: ['live/livestream'],
      check: (_r, ctx) => void kubectl(['annotate', '-n', ctx.ns, 'pod', 'srs-origin-0', 'sim.srs.test/connections-']),
    },
    {example: 'kubectl srs doctor -n live', exit: (_r, ctx) => doctorExit('kubectl srs doctor -n live', ctx), shows: [/SEVERITY\s+RULE\s+WORKLOAD\s+FOUND/]},
    {example: 'kubectl srs doctor srs-edge-deploy -n live --fail-on warning', exit: (_r, ctx) => doctorExit('kubectl srs doctor srs-edge-deploy -n live --fail-on warning', ctx)},
    {
      example: 'kubectl srs doctor -A -o json --skip network-policy',
      exit: (r) => ((JSON.parse(r.stdout) as {summary: {failed: boolean}}).summary.failed ? 3 : 0),
      check: (r, ctx) => {
        const report = JSON.parse(r.stdout) as {findings: {rule: string; namespace: string}[]; workloads: {namespace: string}[]}
        expect(missingKeys(doctorDocumentedShape(), report)).toEqual([])
        expect(report.findings.filter((f) => f.rule === 'network-policy')).toEqual([])
        expect(report.workloads.some((w) => w.namespace === ctx.ns)).toBe(true)
      },
    },
    {example: 'kubectl srs doctor [WORKLOAD]', exit: (_r, ctx) => doctorExit('kubectl srs doctor', ctx), shows: [/SEVERITY\s+RULE\s+WORKLOAD\s+FOUND/]},
    {
      example: 'kubectl srs doctor [WORKLOAD] [-n NS | -A] [-o table|json|yaml] [--fail-on warning|error] [--skip RULE]... [--drain-budget 60s] [-l SELECTOR] [--srs-image REPO]...',
      exit: (_r, ctx) => doctorExit('kubectl srs doctor', ctx),
    },
    {
      example: 'kubectl srs cleanup -n live',
      check: (_r, ctx) => expect(kubectlJson<{spec: {schedule: string}}>(['get', 'cronjob', 'srs-cleanup-pvc-nas', '-n', ctx.ns]).spec.schedule).toBe('15 1 * * *'),
    },
    {example: 'kubectl srs cleanup', check: (_r, ctx) => void kubectl(['get', 'cronjob', 'srs-cleanup-pvc-nas', '-n', ctx.ns])},
    {
      example: 'kubectl srs cleanup --pvc pvc-nas --older-than 6h --schedule "0 * * * *"',
      check: (_r, ctx) => expect(kubectlJson<{spec: {schedule: string}}>(['get', 'cronjob', 'srs-cleanup-pvc-nas', '-n', ctx.ns]).spec.schedule).toBe('0 * * * *'),
    },
    // "without installing or deleting anything": the CronJob stays as it was
    {example: 'kubectl srs cleanup --pvc pvc-nas --now --dry-run', before: remember, shows: ['(dry run: nothing deleted): Succeeded'], check: unchanged},
    {example: 'kubectl srs cleanup --now', shows: [/job \S+: Succeeded, exit code 0/]},
    {example: 'kubectl srs cleanup --status', shows: ['srs-cleanup-pvc-nas']},
    {
      example: 'kubectl srs cleanup --pvc pvc-nas --delete',
      check: (_r, ctx) => expect(kubectl(['get', 'cronjobs', '-n', ctx.ns, '-o', 'name']).trim()).toBe(''),
    },
    {
      example: 'kubectl srs canary srs-edge-deploy --image registry.example.com/ossrs/srs:6 --percent 50 --dry-run -o yaml',
      before: remember,
      check: (r, ctx) => {
        unchanged(r, ctx)
        expect(parseAllDocuments(r.stdout).every((d) => d.errors.length === 0)).toBe(true)
        expect(r.stdout).toContain('registry.example.com/ossrs/srs:6')
      },
    },
    {
      example: 'kubectl srs canary srs-edge-deploy --to v4.0.6 --percent 25',
      shows: ['weight: requested 25%, effective 25%'],
      check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 3], 'srs-edge-deploy-canary': ['ossrs/srs:v4.0.6', 1]}),
    },
    {example: 'kubectl srs status srs-edge-deploy --watch', interruptWhen: /srs-edge-deploy-canary/, shows: ['srs-edge-deploy-canary']},
    // top: not on a terminal here, so one frame; the canary at 25 % is behind srs-edge-service
    {example: 'kubectl srs top', shows: [/stable +srs-edge-deploy +[█░]+ +\d+ viewers +measured .* +requested 75%/, /canary +srs-edge-deploy-canary +[█░]+ +\d+ viewers +measured .* +requested 25%/]},
    {example: 'kubectl srs top [WORKLOAD]', shows: ['Service srs-edge-service', /srs-edge-deploy-canary-\S+ +canary +\d+ +[▁-█]+ /]},
    {example: 'kubectl srs top srs-edge-deploy --interval 5s', shows: ['Service srs-edge-service', /srs-edge-deploy-canary-\S+ +canary +\d+ +[▁-█]+ /]},
    {
      example: 'kubectl srs top -A -o json',
      exit: (r) => ((JSON.parse(r.stdout) as TopJson).pods.some((p) => p.error !== null) ? 3 : 0),
      check: (r, ctx) => {
        const f = JSON.parse(r.stdout) as TopJson
        expect(f.kind).toBe('SrsTop')
        expect(f.services.find((x) => x.namespace === ctx.ns)?.tracks.map((t) => [t.role, t.requestedWeight])).toEqual([
          ['stable', 75],
          ['canary', 25],
        ])
      },
    },
    {
      example: 'kubectl srs canary srs-edge-deploy --to v4.0.6 --percent 75',
      shows: ['weight: requested 75%, effective 75%'],
      check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 1], 'srs-edge-deploy-canary': ['ossrs/srs:v4.0.6', 3]}),
    },
    {example: 'kubectl srs promote srs-edge-deploy', check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.6', 4]})},
    {example: 'kubectl srs rollback srs-edge-deploy --history', shows: [/ossrs\/srs:v4\.0\.5/, /ossrs\/srs:v4\.0\.6\s+kubectl srs promote/]},
    {example: 'kubectl srs rollback srs-edge-deploy', check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 4]})},
    {
      example: 'kubectl srs canary srs-edge-deploy --to v4.0.6 --steps 25,50 --interval 20s --promote',
      shows: ['every step passed its analysis; promoted'],
      timeoutMs: 300_000,
      check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.6', 4]}),
    },
    {example: 'kubectl srs rollback srs-edge-deploy', check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 4]})},
    {
      example: 'kubectl srs canary srs-edge-deploy --to v4.0.6 --percent 50 --handoff-after 30s',
      shows: ['weight: requested 50%, effective 50%'],
      check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 2], 'srs-edge-deploy-canary': ['ossrs/srs:v4.0.6', 2]}),
    },
    {example: 'kubectl srs promote srs-edge-deploy --handoff-after 30s', check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.6', 4]})},
    {example: 'kubectl srs rollback srs-edge-deploy --handoff-after 30s', check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 4]})},
    {
      example: 'kubectl srs canary srs-edge-deploy --to v6.0.160 --percent 25 --api-secret srs-api-auth',
      // "versions verified": the canary pod, which enforces the auth block, answered with the Secret's credentials
      shows: [/versions verified through the SRS API: srs-edge-deploy-canary-\S+=6\.0\.160/],
      check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 3], 'srs-edge-deploy-canary': ['ossrs/srs:v6.0.160', 1]}),
    },
    {example: 'kubectl srs rollback WORKLOAD', check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 4]})},
    {
      example: 'kubectl srs canary WORKLOAD --to v4.0.6 --percent 25',
      check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 3], 'srs-edge-deploy-canary': ['ossrs/srs:v4.0.6', 1]}),
    },
    {example: 'kubectl srs promote srs-edge-deploy --api-secret srs-api-auth', check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.6', 4]})},
    {
      example: 'kubectl srs rollback srs-edge-deploy --api-user admin --api-password-file ./srs-api-password',
      check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 4]}),
    },
    {
      example: 'kubectl srs canary srs-edge-deploy --to v6.0.160 --percent 25 --api-secret srs-api-auth',
      check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v4.0.5', 3], 'srs-edge-deploy-canary': ['ossrs/srs:v6.0.160', 1]}),
    },
    {example: 'kubectl srs promote WORKLOAD', check: (_r, ctx) => expect(edges(ctx.ns)).toEqual({'srs-edge-deploy': ['ossrs/srs:v6.0.160', 4]})},
    // the edges now run SRS 6.0.160, which enforces the auth block of srs-edge-config (SRS 4 ignored it)
    {
      example: 'kubectl srs status --api-secret srs-api-auth',
      check: async (_r, ctx) => expect(await edgeApiAccess('kubectl srs status --api-secret srs-api-auth', ctx)).toEqual({auth: {username: API_USER, source: 'secret'}, routes: ['port-forward']}),
    },
    {
      example: 'kubectl srs status --api-user admin --api-password-file ./srs-api-password',
      check: async (_r, ctx) => expect(await edgeApiAccess('kubectl srs status --api-user admin --api-password-file ./srs-api-password', ctx)).toEqual({auth: {username: API_USER, source: 'flags'}, routes: ['port-forward']}),
    },
  ],
)

/** srs-origin's template image, partition and the images its pods run */
function originState(ns: string): {image: string; partition: number; pods: string[]} {
  const sts = kubectlJson<{spec: {template: Dep['spec']['template']; updateStrategy?: {rollingUpdate?: {partition?: number}}}}>(['get', 'statefulset', 'srs-origin', '-n', ns])
  const pods = kubectlJson<{items: {metadata: {name: string; deletionTimestamp?: string}; spec: {containers: {name: string; image: string}[]}}[]}>(['get', 'pods', '-n', ns, '-l', 'app=srs-origin'])
    .items.filter((p) => !p.metadata.deletionTimestamp)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
  return {
    image: srsImage({spec: {template: sts.spec.template}} as Dep),
    partition: sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0,
    pods: pods.map((p) => `${p.metadata.name}=${p.spec.containers.find((c) => c.name === 'srs')!.image}`),
  }
}
/** kubectl scale statefulset/srs-origin, then wait until exactly n origin pods run */
async function scaleOrigins(ns: string, n: number): Promise<void> {
  kubectl(['scale', '-n', ns, 'statefulset/srs-origin', '--replicas', String(n)])
  await eventually(`${n} origins running`, () => originState(ns).pods.length === n && kubectlJson<{status: {readyReplicas?: number}}>(['get', 'statefulset', 'srs-origin', '-n', ns]).status.readyReplicas === n, {timeoutMs: 120_000})
}
/** replicas, coworkers and the edge origin list agree on n origins */
function originsAre(ns: string, n: number): void {
  const hosts = Array.from({length: n}, (_, i) => `srs-origin-${i}.socs`)
  expect({replicas: originReplicas(ns), coworkers: listed(ns, 'srs-origin-config', 'coworkers'), origins: listed(ns, 'srs-edge-config', 'origin')}).toEqual({
    replicas: n,
    coworkers: hosts.map((h) => `${h}:1985`),
    origins: hosts,
  })
}

// SRS 6 with inotify_auto_reload on, so that SRS can confirm each list edit (the guide's ossrs/srs:3
// cannot report a reload: every origin command would end "pending", exit 3, as docs/origins.md says)
const reloading = (file: string) => withReload(file, {image: 'ossrs/srs:v6.0.155', inotify: true, allowReload: false})

scenarioOf(
  'origin: the guide origin StatefulSet and edges (SRS 6, inotify reload)',
  async (ctx) => {
    kubectl(['apply', '-n', ctx.ns, '-f', '-'], [topology('pvc.yaml'), reloading('origin-cluster.yaml'), reloading('edge-cluster.yaml')].join('\n---\n'))
    await edgesReady(ctx.ns, 2)
    await podsRunning(ctx.ns, 3 + 1 + 2)
  },
  [
    {
      example: 'kubectl srs add-origin srs-origin --count 2 --dry-run -o yaml',
      before: remember,
      shows: ['srs-origin-3.socs', 'srs-origin-4.socs'],
      check: (r, ctx) => {
        unchanged(r, ctx)
        expect(parseAllDocuments(r.stdout).every((d) => d.errors.length === 0)).toBe(true)
      },
    },
    {example: 'kubectl srs remove-origin --dry-run', before: remember, shows: ['srs-origin-2'], check: unchanged},
    {
      example: 'kubectl srs canary srs-origin --to v4.0.6 --percent 34',
      check: (_r, ctx) =>
        expect(originState(ctx.ns)).toEqual({
          image: 'ossrs/srs:v4.0.6',
          partition: 2,
          pods: ['srs-origin-0=ossrs/srs:v6.0.155', 'srs-origin-1=ossrs/srs:v6.0.155', 'srs-origin-2=ossrs/srs:v4.0.6'],
        }),
    },
    {
      example: 'kubectl srs promote srs-origin -n live --timeout 10m',
      check: (_r, ctx) => expect(originState(ctx.ns)).toEqual({image: 'ossrs/srs:v4.0.6', partition: 0, pods: ['srs-origin-0=ossrs/srs:v4.0.6', 'srs-origin-1=ossrs/srs:v4.0.6', 'srs-origin-2=ossrs/srs:v4.0.6']}),
    },
    {
      example: 'kubectl srs rollback srs-origin --to-revision 3',
      check: (_r, ctx) => expect(originState(ctx.ns)).toEqual({image: 'ossrs/srs:v6.0.155', partition: 0, pods: ['srs-origin-0=ossrs/srs:v6.0.155', 'srs-origin-1=ossrs/srs:v6.0.155', 'srs-origin-2=ossrs/srs:v6.0.155']}),
    },
    {example: 'kubectl srs add-origin -n live', check: (_r, ctx) => originsAre(ctx.ns, 4)},
    {example: 'kubectl srs remove-origin -n live', check: (_r, ctx) => originsAre(ctx.ns, 3)},
    {example: 'kubectl srs add-origin [WORKLOAD]', check: (_r, ctx) => originsAre(ctx.ns, 4)},
    {example: 'kubectl srs remove-origin [WORKLOAD]', check: (_r, ctx) => originsAre(ctx.ns, 3)},
    {example: 'kubectl srs add-origin -n live --api-secret srs-api-auth', check: (_r, ctx) => originsAre(ctx.ns, 4)},
    {example: 'kubectl srs remove-origin -n live --api-secret srs-api-auth', check: (_r, ctx) => originsAre(ctx.ns, 3)},
    {
      example: 'kubectl srs sync-origins --check -o json',
      // the example's own precondition: "After kubectl scale statefulset/srs-origin --replicas 4"
      before: (ctx) => scaleOrigins(ctx.ns, 4),
      exit: 3,
      check: (r, ctx) => {
        expect(JSON.parse(r.stdout)).toBeTruthy()
        expect(listed(ctx.ns, 'srs-origin-config', 'coworkers')).toHaveLength(3)
      },
    },
    {example: 'kubectl srs sync-origins [--check]', check: (_r, ctx) => originsAre(ctx.ns, 4)},
    // each sync example after a kubectl scale, as the help says: a sync with nothing to change waits
    // for reloads that cannot come until --timeout (exit 3)
    {example: 'kubectl srs sync-origins -n live', before: (ctx) => scaleOrigins(ctx.ns, 3), check: (_r, ctx) => originsAre(ctx.ns, 3)},
    {example: 'kubectl srs sync-origins -n live --api-secret srs-api-auth', before: (ctx) => scaleOrigins(ctx.ns, 4), check: (_r, ctx) => originsAre(ctx.ns, 4)},
    {example: 'kubectl srs remove-origin srs-origin --count 2 --force', check: (_r, ctx) => originsAre(ctx.ns, 2)},
  ],
)

/** An edit of the ConfigMap's text (max_connections 1000 ↔ 1001), as an operator's change would be. */
function editConfig(ns: string, cm: string): void {
  const text = confText(ns, cm)
  const next = text.includes('max_connections     1000;') ? text.replace('max_connections     1000;', 'max_connections     1001;') : text.replace('max_connections     1001;', 'max_connections     1000;')
  kubectl(['patch', 'configmap', cm, '-n', ns, '--type', 'merge', '-p', JSON.stringify({data: {'srs.conf': next}})])
}
/** Every running pod of the workload started after its ConfigMap changed: each runs the current text. */
function loadedNow(ns: string, prefix: string, cm: string): void {
  const text = confText(ns, cm)
  const pods = kubectlJson<{items: {metadata: {name: string; deletionTimestamp?: string}}[]}>(['get', 'pods', '-n', ns]).items.filter((p) => !p.metadata.deletionTimestamp && p.metadata.name.startsWith(prefix))
  expect(pods.length).toBeGreaterThan(0)
  for (const p of pods) expect(readFileSync(path.join(ROOT, '.cluster/podsim/pods', ns, p.metadata.name, 'loaded.conf'), 'utf8')).toBe(text)
}

// The guide's topology exactly as written: SRS 3 origins and SRS 4 edges with neither inotify nor
// the raw API, so reloads are restarts.
scenarioOf(
  'reload: the guide topology as written',
  async (ctx) => {
    kubectl(['apply', '-n', ctx.ns, '-f', '-'], [topology('pvc.yaml'), topology('origin-cluster.yaml'), topology('edge-cluster.yaml')].join('\n---\n'))
    await edgesReady(ctx.ns, 2)
    await podsRunning(ctx.ns, 3 + 1 + 2)
  },
  [
    {
      example: 'kubectl srs reload srs-edge-deploy --dry-run -o json',
      before: (ctx) => {
        editConfig(ctx.ns, 'srs-edge-config')
        remember(ctx)
      },
      check: (r, ctx) => {
        unchanged(r, ctx)
        expect((JSON.parse(r.stdout) as {plan: {kind: string}[]}).plan.map((s) => s.kind)).toEqual(['replace', 'replace'])
      },
    },
    {example: 'kubectl srs reload srs-edge-deploy -n live --dry-run', shows: ['plan:', 'then remove']},
    {example: 'kubectl srs reload [WORKLOAD]', shows: ['restarted'], check: (_r, ctx) => loadedNow(ctx.ns, 'srs-edge-deploy', 'srs-edge-config')},
    {example: 'kubectl srs reload srs-edge-deploy --max-unavailable 2', before: (ctx) => editConfig(ctx.ns, 'srs-edge-config'), shows: ['restarted'], check: (_r, ctx) => loadedNow(ctx.ns, 'srs-edge-deploy', 'srs-edge-config')},
    {
      example: 'kubectl srs reload srs-edge-deploy --handoff-after 30s',
      before: (ctx) => editConfig(ctx.ns, 'srs-edge-config'),
      shows: ['restarted'],
      check: (_r, ctx) => loadedNow(ctx.ns, 'srs-edge-deploy', 'srs-edge-config'),
    },
    {example: 'kubectl srs reload srs-origin --yes', before: (ctx) => editConfig(ctx.ns, 'srs-origin-config'), shows: ['restarted'], check: (_r, ctx) => loadedNow(ctx.ns, 'srs-origin', 'srs-origin-config')},
    {
      example: 'kubectl srs reload -n live',
      before: (ctx) => {
        editConfig(ctx.ns, 'srs-origin-config')
        editConfig(ctx.ns, 'srs-edge-config')
      },
      shows: ['restarted'],
      check: (_r, ctx) => {
        loadedNow(ctx.ns, 'srs-origin', 'srs-origin-config')
        loadedNow(ctx.ns, 'srs-edge-deploy', 'srs-edge-config')
      },
    },
    {
      example: 'kubectl srs add-origin -n live --restart',
      check: (_r, ctx) => {
        originsAre(ctx.ns, 4)
        loadedNow(ctx.ns, 'srs-origin', 'srs-origin-config')
        loadedNow(ctx.ns, 'srs-edge-deploy', 'srs-edge-config')
      },
    },
    {
      example: 'kubectl srs remove-origin -n live --restart --yes',
      check: (_r, ctx) => {
        originsAre(ctx.ns, 3)
        loadedNow(ctx.ns, 'srs-edge-deploy', 'srs-edge-config')
      },
    },
  ],
)

scenarioOf(
  'deployments: the guide origins as Deployments (SRS 6, inotify reload)',
  async (ctx) => {
    kubectl(['apply', '-n', ctx.ns, '-f', '-'], reloading('origins-as-deployments.yaml'))
    await podsRunning(ctx.ns, 3)
  },
  [
    {
      example: 'kubectl srs add-origin srs-origin-0-deploy -n live --timeout 10m',
      check: (_r, ctx) => {
        expect(kubectl(['get', 'deployment/srs-origin-3-deploy', 'service/srs-origin-3-socs', '-n', ctx.ns, '-o', 'name']).trim().split('\n')).toEqual(['deployment.apps/srs-origin-3-deploy', 'service/srs-origin-3-socs'])
        expect(listed(ctx.ns, 'srs-origin-config', 'coworkers')).toEqual([0, 1, 2, 3].map((i) => `srs-origin-${i}-socs:1985`))
      },
    },
  ],
)
