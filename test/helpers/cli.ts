/** Runs the built plugin and kubectl as a user would, for end-to-end tests. */
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parse, stringify} from 'yaml'

export const ROOT = path.resolve(import.meta.dirname, '../..')
export const KUBECONFIG = path.join(ROOT, '.cluster/kubeconfig')
export const BIN = path.join(ROOT, 'bin')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** `kubectl srs ARGS` through the real kubectl plugin mechanism (bin/ on PATH). */
export function srs(args: string[], opts: {env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string} = {}): Promise<RunResult> {
  return run('kubectl', ['srs', ...args], opts)
}

export function run(cmd: string, args: string[], opts: {env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string} = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: {...process.env, PATH: `${BIN}:${process.env.PATH}`, KUBECONFIG, NO_COLOR: '1', ...opts.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code: code ?? (signal ? 128 : 1), stdout, stderr})
    })
    child.stdin.end(opts.input ?? '')
  })
}

/** kubectl against the local cluster; throws with its stderr when it fails. */
export function kubectl(args: string[], input?: string): string {
  const r = spawnSync('kubectl', args, {env: {...process.env, KUBECONFIG}, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

export function kubectlJson<T = unknown>(args: string[]): T {
  return JSON.parse(kubectl([...args, '-o', 'json'])) as T
}

/** A fresh namespace for one test file; deleted by the returned cleanup. */
export function createNamespace(prefix: string): {name: string; remove: () => void} {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase()
  kubectl(['create', 'namespace', name])
  return {name, remove: () => void spawnSync('kubectl', ['delete', 'namespace', name, '--wait=false'], {env: {...process.env, KUBECONFIG}})}
}

type Falsy = undefined | null | false
/** Polls fn until it returns something other than undefined/null/false (or throws no more), then returns it. */
export async function eventually<T>(what: string, fn: () => T | Falsy | Promise<T | Falsy>, opts: {timeoutMs?: number; intervalMs?: number} = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false && v !== null) return v
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 300))
  }
}

/**
 * A ServiceAccount in `namespace` bound (RoleBindings in that namespace) only to `roleRefs`,
 * and a kubeconfig file that authenticates as it, written to `file`.
 */
export function serviceAccountKubeconfig(namespace: string, sa: string, roleRefs: {kind: 'Role' | 'ClusterRole'; name: string}[], file: string): string {
  kubectl(['create', 'serviceaccount', sa, '-n', namespace])
  for (const [i, ref] of roleRefs.entries()) {
    kubectl(['create', 'rolebinding', `${sa}-binding${i ? `-${i}` : ''}`, '-n', namespace, `--${ref.kind === 'Role' ? 'role' : 'clusterrole'}=${ref.name}`, `--serviceaccount=${namespace}:${sa}`])
  }
  const token = kubectl(['create', 'token', sa, '-n', namespace, '--duration', '1h']).trim()
  const doc = parse(readFileSync(KUBECONFIG, 'utf8')) as {users: {name: string; user: Record<string, unknown>}[]; contexts: {context: {namespace?: string}}[]}
  doc.users = doc.users.map((u) => ({name: u.name, user: {token}}))
  for (const c of doc.contexts) c.context.namespace = namespace
  writeFileSync(file, stringify(doc))
  return file
}

/** Ready endpoints behind a Service, from its EndpointSlices (what kube-proxy would route to). */
export function readyEndpoints(ns: string, service: string): number {
  const r = spawnSync('kubectl', ['get', 'endpointslices', '-n', ns, '-l', `kubernetes.io/service-name=${service}`, '-o', 'json'], {env: {...process.env, KUBECONFIG}, encoding: 'utf8'})
  if (r.status !== 0) return -1
  const slices = JSON.parse(r.stdout) as {items: {endpoints?: {conditions?: {ready?: boolean; terminating?: boolean}}[]}[]}
  return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true && !e.conditions.terminating).length
}

/** Runs a plugin command while sampling the Ready endpoints of srs-edge-service; returns the result and the lowest count seen. */
export async function withCapacityWatch(ns: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{r: RunResult; min: number; samples: number}> {
  let min = Number.POSITIVE_INFINITY
  let samples = 0
  let running = true
  const sampler = (async () => {
    while (running) {
      const n = readyEndpoints(ns, 'srs-edge-service')
      if (n >= 0) {
        min = Math.min(min, n)
        samples++
      }
      await new Promise((res) => setTimeout(res, 150))
    }
  })()
  const r = await srs(args, {env})
  running = false
  await sampler
  return {r, min, samples}
}

/**
 * podsim's own view of a pod's simulated SRS (its control endpoint, inside the cluster's network
 * namespace): for tests that must look at a pod without asking its SRS API, since every answer
 * through the apiserver pod proxy leaves an idle connection on the pod that holds up its graceful
 * quit for SRS's idle timeout (~15 s), as on real SRS.
 */
export function podsimPod(ns: string, pod: string): {state: string; connections: number; httpConnections: number} | undefined {
  const netns = process.env.SRS_K8S_NETNS ?? 'srsk8s'
  const r = spawnSync('ip', ['netns', 'exec', netns, 'curl', '-sf', `http://127.0.0.1:19850/pods/${ns}/${pod}`], {encoding: 'utf8'})
  return r.status === 0 ? (JSON.parse(r.stdout) as {state: string; connections: number; httpConnections: number}) : undefined
}
