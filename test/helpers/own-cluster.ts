/**
 * A local cluster of one test file (or the real-SRS suite) beside the shared one: its own network
 * namespace, a free host port and a temporary state folder whose bin/ is the shared cluster's
 * (built by then), so nothing is built twice and the shared cluster never goes away under other
 * tests. No jest imports: the real-SRS suite runs outside jest.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {createServer} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {ROOT} from './cli.js'

const CLUSTER_SH = path.join(ROOT, 'test/cluster/cluster.sh')
const MAIN_STATE = process.env.SRS_K8S_STATE ?? path.join(ROOT, '.cluster')

/** A TCP port nothing listens on now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address() as {port: number}
      srv.close(() => resolve(port))
    })
  })
}

/** kubectl with this kubeconfig; throws with its stderr when it fails. */
export function kubectlWith(kubeconfig: string): (args: string[], input?: string) => string {
  return (args, input) => {
    const r = spawnSync('kubectl', args, {env: {...process.env, KUBECONFIG: kubeconfig}, input, encoding: 'utf8', maxBuffer: 64 << 20})
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`)
    return r.stdout
  }
}

export interface OwnCluster {
  /** The network namespace its pods live in. */
  netns: string
  state: string
  kubeconfig: string
  /** What cluster.sh runs with (SRS_K8S_NETNS, SRS_K8S_PORT, SRS_K8S_STATE, SRS_K8S_REAL_SRS). */
  env: NodeJS.ProcessEnv
  kubectl: (args: string[], input?: string) => string
  /** Starts it and waits until it is ready. */
  up: () => void
  /** Stops it and removes its state; safe to call more than once, and before up. */
  down: () => void
}

/**
 * The state folder and environment of a cluster named `$SRS_K8S_NETNS-<suffix>`, not started yet
 * (so a caller's cleanup can stop a start that is interrupted). `realSrs`: SRS_K8S_REAL_SRS.
 */
export async function ownCluster(suffix: string, realSrs: string): Promise<OwnCluster> {
  const netns = `${process.env.SRS_K8S_NETNS ?? 'srsk8s'}-${suffix}`
  const state = mkdtempSync(path.join(os.tmpdir(), `srs-${suffix}-cluster-`))
  symlinkSync(path.join(MAIN_STATE, 'bin'), path.join(state, 'bin'))
  const env = {...process.env, SRS_K8S_NETNS: netns, SRS_K8S_PORT: String(await freePort()), SRS_K8S_STATE: state, SRS_K8S_REAL_SRS: realSrs}
  const kubeconfig = path.join(state, 'kubeconfig')
  let gone = false
  return {
    netns,
    state,
    kubeconfig,
    env,
    kubectl: kubectlWith(kubeconfig),
    up: () => execFileSync('bash', [CLUSTER_SH, 'up'], {env, stdio: ['ignore', 'ignore', 'inherit']}),
    down: () => {
      if (gone) return
      gone = true
      try {
        execFileSync('bash', [CLUSTER_SH, 'down'], {env, stdio: ['ignore', 'ignore', 'inherit']})
      } finally {
        rmSync(state, {recursive: true, force: true})
      }
    },
  }
}
