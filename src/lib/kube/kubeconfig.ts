/**
 * Kubeconfig resolution with kubectl's rules, kept free of @kubernetes/client-node so that
 * flag handling and `--help` stay fast and the rules are unit-testable:
 *  - --kubeconfig names exactly one file, which must exist;
 *  - otherwise KUBECONFIG lists files (":"-separated; ";" on Windows), missing ones are skipped,
 *    and the first file that defines a cluster/user/context name, or current-context, wins;
 *  - otherwise ~/.kube/config;
 *  - with no file at all, in-cluster configuration is used when KUBERNETES_SERVICE_HOST is set;
 *  - --context, --cluster, --user and --namespace override what the context says;
 *  - relative file paths inside a kubeconfig are relative to the file that holds them, and so is
 *    an exec plugin's command when it has a path separator (a bare name is looked up on PATH);
 *  - YAML 1.1 scalars, as Go's YAML reads them (`insecure-skip-tls-verify: yes` is true);
 *  - --as, --as-group and --as-uid replace the user entry's as, as-groups and as-uid;
 *  - what kubectl refuses (client-go's validation, its TLS rules) is refused with kubectl's words.
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
  /** Impersonation (kubectl --as, --as-group, --as-uid): replaces the user entry's. */
  as?: string
  asGroups?: string[]
  asUid?: string
}

type Obj = Record<string, unknown>
interface Named {
  name: string
  obj: Obj
  file: string
}

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
    return [
      ...new Set(
        list
          .split(sep)
          .filter((p) => p !== '')
          .map((p) => path.resolve(p)),
      ),
    ].filter((p) => existsSync(p))
  }
  const home = env.HOME ?? homedir()
  const def = path.join(home, '.kube', 'config')
  return existsSync(def) ? [def] : []
}

function loadFile(file: string): Obj {
  let doc: unknown
  try {
    // Go's YAML reader (sigs.k8s.io/yaml) is YAML 1.1: yes/no/on/off are booleans there.
    doc = parseYaml(readFileSync(file, 'utf8'), {version: '1.1'})
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
  // client-go resolves an exec command against the kubeconfig's folder only when it names a path.
  const exec = out.exec as Obj | undefined
  if (kind === 'user' && exec && typeof exec.command === 'string' && exec.command.includes('/') && !path.isAbsolute(exec.command)) {
    out.exec = {...exec, command: path.resolve(path.dirname(file), exec.command)}
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
    throw new SrsError(clusterName ? `cluster "${clusterName}" does not exist in ${files.join(', ')}` : `context "${contextName}" names no cluster`, {
      reason: 'ClusterNotFound',
      hint: `known clusters: ${[...clusters.keys()].join(', ') || 'none'}`,
    })
  }
  const user = userName ? users.get(userName) : undefined
  if (userName && !user && flags.user) {
    throw new UsageError(`invalid value for --user: user "${userName}" does not exist in ${files.join(', ')}`, `known users: ${[...users.keys()].join(', ') || 'none'}`)
  }
  const ctxNamespace = typeof ctx.namespace === 'string' && ctx.namespace !== '' ? ctx.namespace : undefined
  const namespace = flags.namespace ?? ctxNamespace ?? 'default'
  const clusterObj = absolutize(cluster.obj, 'cluster', cluster.file)
  const userObj = user ? absolutize(user.obj, 'user', user.file) : {}
  if (flags.as === undefined && !nonEmpty(userObj.as) && (flags.asGroups?.length || flags.asUid !== undefined)) {
    throw new UsageError(`requesting uid, groups or user-extra for ${userName || 'anonymous'} without impersonating a user`, 'add --as USER: --as-group and --as-uid qualify the user impersonated')
  }
  if (flags.as !== undefined) userObj.as = flags.as
  if (flags.asGroups?.length) userObj['as-groups'] = flags.asGroups
  if (flags.asUid !== undefined) userObj['as-uid'] = flags.asUid
  validate(clusterName, clusterObj, userName || 'anonymous', userObj)
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

const EXEC_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']
const INTERACTIVE_MODES = ['Never', 'IfAvailable', 'Always']

function nonEmpty(v: unknown): boolean {
  return (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0) || (typeof v === 'object' && v !== null && Object.keys(v).length > 0)
}

/**
 * What kubectl refuses before any request: client-go's clientcmd validation and the TLS
 * rules of its REST config, with their words (kubectl prints them as "Error in configuration").
 */
function validate(clusterName: string, cluster: Obj, userName: string, user: Obj): void {
  const refuse = (reason: string, hint: string): never => {
    throw new SrsError(reason, {reason: 'KubeconfigInvalid', hint})
  }
  const where = `cluster "${clusterName}" and user "${userName}" of your kubeconfig`
  if (nonEmpty(cluster['certificate-authority']) && nonEmpty(cluster['certificate-authority-data'])) {
    refuse(`certificate-authority-data and certificate-authority are both specified for ${clusterName}. certificate-authority-data will override.`, `keep one of the two in cluster "${clusterName}" (kubectl refuses this kubeconfig too)`)
  }
  const proxyUrl = cluster['proxy-url']
  if (typeof proxyUrl === 'string' && proxyUrl !== '') {
    let scheme: string
    try {
      scheme = new URL(proxyUrl).protocol.replace(/:$/, '')
    } catch {
      scheme = ''
    }
    if (!['http', 'https', 'socks5'].includes(scheme)) {
      refuse(`invalid 'proxy-url' "${proxyUrl}" for cluster "${clusterName}": unsupported scheme "${scheme}", must be http, https, or socks5`, `fix proxy-url of cluster "${clusterName}" in your kubeconfig`)
    }
  }
  for (const [file, data, name] of [
    ['client-certificate', 'client-certificate-data', 'client-cert'],
    ['client-key', 'client-key-data', 'client-key'],
  ] as const) {
    if (nonEmpty(user[file]) && nonEmpty(user[data])) {
      refuse(`${name}-data and ${name} are both specified for ${userName}. ${name}-data will override.`, `keep one of the two in user "${userName}" (kubectl refuses this kubeconfig too)`)
    }
  }
  const hasCert = nonEmpty(user['client-certificate']) || nonEmpty(user['client-certificate-data'])
  const hasKey = nonEmpty(user['client-key']) || nonEmpty(user['client-key-data'])
  if (hasCert && !hasKey) refuse(`client-key-data or client-key must be specified for ${userName} to use the clientCert authentication method.`, `add the client key to user "${userName}"`)
  if (hasKey && !hasCert) refuse(`client-cert-data or client-cert must be specified for ${userName} to use the clientCert authentication method.`, `add the client certificate to user "${userName}"`)
  const exec = user.exec as Obj | undefined
  if (exec !== undefined && exec !== null) {
    const execHint = `fix the exec section of user "${userName}" in your kubeconfig`
    if (!nonEmpty(exec.command)) refuse(`command must be specified for ${userName} to use exec authentication plugin`, execHint)
    if (!nonEmpty(exec.apiVersion)) refuse(`apiVersion must be specified for ${userName} to use exec authentication plugin`, execHint)
    for (const v of Array.isArray(exec.env) ? (exec.env as Obj[]) : []) {
      if (!nonEmpty(v?.name)) refuse(`env variable name must be specified for ${userName} to use exec authentication plugin`, execHint)
    }
    const mode = exec.interactiveMode
    if (mode === undefined || mode === '') {
      if (exec.apiVersion === 'client.authentication.k8s.io/v1') refuse(`interactiveMode must be specified for ${userName} to use exec authentication plugin`, `${execHint}: add interactiveMode: Never (or IfAvailable, Always)`)
    } else if (!INTERACTIVE_MODES.includes(String(mode))) {
      refuse(`invalid interactiveMode for ${userName}: "${String(mode)}"`, `${execHint}: interactiveMode is one of ${INTERACTIVE_MODES.join(', ')}`)
    }
    if (!EXEC_VERSIONS.includes(String(exec.apiVersion))) {
      refuse(`exec plugin: invalid apiVersion "${String(exec.apiVersion)}"`, `${execHint}: apiVersion is one of ${EXEC_VERSIONS.join(', ')}`)
    }
  }
  if (!nonEmpty(user.as) && (nonEmpty(user['as-groups']) || nonEmpty(user['as-user-extra']) || nonEmpty(user['as-uid']))) {
    refuse(`requesting uid, groups or user-extra for ${userName} without impersonating a user`, 'name the user to impersonate too (--as, or as: in the kubeconfig)')
  }
  if (cluster['insecure-skip-tls-verify'] === true && (nonEmpty(cluster['certificate-authority']) || nonEmpty(cluster['certificate-authority-data']))) {
    refuse('specifying a root certificates file with the insecure flag is not allowed', `remove insecure-skip-tls-verify or the certificate authority of ${where}`)
  }
}
