/**
 * Kubeconfig resolution with kubectl's rules, kept free of @kubernetes/client-node so that
 * flag handling and `--help` stay fast and the rules are unit-testable:
 *  - --kubeconfig names exactly one file, which must exist;
 *  - otherwise KUBECONFIG lists files (":"-separated; ";" on Windows), missing ones are skipped,
 *    and the first file that defines a cluster/user/context name, or current-context, wins;
 *  - otherwise ~/.kube/config;
 *  - with no file at all, in-cluster configuration is used when KUBERNETES_SERVICE_HOST is set;
 *  - --context, --cluster, --user and --namespace override what the context says;
 *  - relative file paths inside a kubeconfig are relative to the file that holds them.
 */
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'
import {parse as parseYaml, stringify as stringifyYaml} from 'yaml'
import {SrsError, UsageError} from '../errors.js'

export interface KubeconfigFlags {
  kubeconfig?: string
  context?: string
  cluster?: string
  user?: string
  namespace?: string
}

type Obj = Record<string, unknown>
interface Named {name: string; obj: Obj; file: string}

export interface ResolvedKubeconfig {
  source: 'kubeconfig' | 'in-cluster'
  files: string[]
  contextName: string
  clusterName: string
  userName: string
  /** The namespace commands act on: --namespace, else the context's, else "default". */
  namespace: string
  server: string
  /** The cluster and user entries as the kubeconfig writes them, with absolute file paths. */
  cluster: Record<string, unknown>
  user: Record<string, unknown>
  /** A single-context kubeconfig with absolute paths, ready for client-node's loadFromString. */
  toYaml(): string
}

const PATH_FIELDS: Record<'cluster' | 'user', string[]> = {
  cluster: ['certificate-authority'],
  user: ['client-certificate', 'client-key', 'tokenFile'],
}

const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'

export function kubeconfigFiles(flags: KubeconfigFlags, env: NodeJS.ProcessEnv = process.env): string[] {
  if (flags.kubeconfig !== undefined) {
    if (flags.kubeconfig.trim() === '') throw new UsageError('--kubeconfig is empty', 'give the path of a kubeconfig file')
    const file = path.resolve(flags.kubeconfig)
    if (!existsSync(file)) {
      throw new UsageError(`invalid value for --kubeconfig: kubeconfig file ${flags.kubeconfig} does not exist`, 'give the path of a readable kubeconfig file')
    }
    return [file]
  }
  const list = env.KUBECONFIG
  if (list !== undefined && list !== '') {
    const sep = process.platform === 'win32' ? ';' : ':'
    return [...new Set(list.split(sep).filter((p) => p !== '').map((p) => path.resolve(p)))].filter((p) => existsSync(p))
  }
  const home = env.HOME ?? homedir()
  const def = path.join(home, '.kube', 'config')
  return existsSync(def) ? [def] : []
}

function loadFile(file: string): Obj {
  let doc: unknown
  try {
    doc = parseYaml(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new SrsError(`kubeconfig file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {
      reason: 'KubeconfigInvalid',
      hint: 'fix the file or point --kubeconfig / KUBECONFIG at another one',
    })
  }
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SrsError(`kubeconfig file ${file} is not a kubeconfig (expected a YAML mapping)`, {reason: 'KubeconfigInvalid'})
  }
  return doc as Obj
}

/** Makes relative paths in a cluster/user entry absolute against the directory of its file. */
function absolutize(obj: Obj, kind: 'cluster' | 'user', file: string): Obj {
  const out: Obj = {...obj}
  for (const key of PATH_FIELDS[kind]) {
    const v = out[key]
    if (typeof v === 'string' && v !== '' && !path.isAbsolute(v)) out[key] = path.resolve(path.dirname(file), v)
  }
  return out
}

function collect(docs: {file: string; doc: Obj}[], listKey: string, itemKey: string): Map<string, Named> {
  const out = new Map<string, Named>()
  for (const {file, doc} of docs) {
    const list = doc[listKey]
    if (!Array.isArray(list)) continue
    for (const entry of list as Obj[]) {
      if (!entry || typeof entry.name !== 'string') continue
      // kubectl: the first file that defines a name wins
      if (!out.has(entry.name)) out.set(entry.name, {name: entry.name, obj: (entry[itemKey] as Obj) ?? {}, file})
    }
  }
  return out
}

export function resolveKubeconfig(flags: KubeconfigFlags, env: NodeJS.ProcessEnv = process.env): ResolvedKubeconfig {
  for (const key of ['context', 'cluster', 'user', 'namespace'] as const) {
    if (flags[key] !== undefined && flags[key].trim() === '') {
      throw new UsageError(`--${key} is empty`, `give a ${key} name or leave the flag out`)
    }
  }
  const files = kubeconfigFiles(flags, env)
  if (files.length === 0) {
    if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) return inCluster(flags, env)
    throw new SrsError('no kubeconfig found and not running inside a cluster', {
      reason: 'KubeconfigNotFound',
      hint: 'set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config',
    })
  }
  const docs = files.map((file) => ({file, doc: loadFile(file)}))
  const clusters = collect(docs, 'clusters', 'cluster')
  const users = collect(docs, 'users', 'user')
  const contexts = collect(docs, 'contexts', 'context')
  const current = docs.map((d) => d.doc['current-context']).find((c) => typeof c === 'string' && c !== '') as string | undefined

  const contextName = flags.context ?? current
  let ctx: Obj = {}
  if (contextName !== undefined) {
    const found = contexts.get(contextName)
    if (!found) {
      const known = [...contexts.keys()]
      const hint = known.length ? `known contexts: ${known.join(', ')}` : 'the kubeconfig defines no contexts'
      const message = `context "${contextName}" does not exist in ${files.join(', ')}`
      // A name given with --context is bad input (exit 2); a current-context naming nothing is a broken kubeconfig.
      if (flags.context !== undefined) throw new UsageError(`invalid value for --context: ${message}`, hint)
      throw new SrsError(message, {reason: 'ContextNotFound', hint})
    }
    ctx = found.obj
  } else if (!flags.cluster) {
    throw new SrsError(`no current context is set in ${files.join(', ')}`, {
      reason: 'ContextNotFound',
      hint: 'pass --context NAME or run `kubectl config use-context NAME`',
    })
  }
  const clusterName = flags.cluster ?? (ctx.cluster as string | undefined)
  const userName = flags.user ?? (ctx.user as string | undefined) ?? ''
  const cluster = clusterName === undefined ? undefined : clusters.get(clusterName)
  if (flags.cluster !== undefined && !cluster) {
    throw new UsageError(`invalid value for --cluster: cluster "${flags.cluster}" does not exist in ${files.join(', ')}`, `known clusters: ${[...clusters.keys()].join(', ') || 'none'}`)
  }
  if (!clusterName || !cluster) {
    throw new SrsError(
      clusterName ? `cluster "${clusterName}" does not exist in ${files.join(', ')}` : `context "${contextName}" names no cluster`,
      {reason: 'ClusterNotFound', hint: `known clusters: ${[...clusters.keys()].join(', ') || 'none'}`},
    )
  }
  const user = userName ? users.get(userName) : undefined
  if (userName && !user && flags.user) {
    throw new UsageError(`invalid value for --user: user "${userName}" does not exist in ${files.join(', ')}`, `known users: ${[...users.keys()].join(', ') || 'none'}`)
  }
  const ctxNamespace = typeof ctx.namespace === 'string' && ctx.namespace !== '' ? ctx.namespace : undefined
  const namespace = flags.namespace ?? ctxNamespace ?? 'default'
  const clusterObj = absolutize(cluster.obj, 'cluster', cluster.file)
  const userObj = user ? absolutize(user.obj, 'user', user.file) : {}
  const name = contextName ?? 'kubectl-srs'
  return {
    source: 'kubeconfig',
    files,
    contextName: name,
    clusterName,
    userName,
    namespace,
    server: String(clusterObj.server ?? ''),
    cluster: clusterObj,
    user: userObj,
    toYaml: () =>
      stringifyYaml({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: clusterName, cluster: clusterObj}],
        users: [{name: userName || 'anonymous', user: userObj}],
        contexts: [{name, context: {cluster: clusterName, user: userName || 'anonymous', namespace}}],
        'current-context': name,
      }),
  }
}

function inCluster(flags: KubeconfigFlags, env: NodeJS.ProcessEnv): ResolvedKubeconfig {
  const host = env.KUBERNETES_SERVICE_HOST!
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT}`
  let namespace = flags.namespace
  if (namespace === undefined) {
    try {
      namespace = readFileSync(path.join(IN_CLUSTER_DIR, 'namespace'), 'utf8').trim() || 'default'
    } catch {
      namespace = 'default'
    }
  }
  const ns = namespace
  return {
    source: 'in-cluster',
    files: [],
    contextName: 'in-cluster',
    clusterName: 'in-cluster',
    userName: 'serviceaccount',
    namespace: ns,
    server,
    cluster: {server, 'certificate-authority': path.join(IN_CLUSTER_DIR, 'ca.crt')},
    user: {tokenFile: path.join(IN_CLUSTER_DIR, 'token')},
    toYaml: () =>
      stringifyYaml({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: 'in-cluster', cluster: {server, 'certificate-authority': path.join(IN_CLUSTER_DIR, 'ca.crt')}}],
        users: [{name: 'serviceaccount', user: {tokenFile: path.join(IN_CLUSTER_DIR, 'token')}}],
        contexts: [{name: 'in-cluster', context: {cluster: 'in-cluster', user: 'serviceaccount', namespace: ns}}],
        'current-context': 'in-cluster',
      }),
  }
}
