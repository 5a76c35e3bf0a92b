/**
 * The only module that imports @kubernetes/client-node, and it does so lazily: the import costs
 * about 0.6 s, which `--help`, `--version` and flag errors must not pay.
 *
 * client-node is used only for auth-provider plugins (gcp, azure, oidc). Requests, watches and
 * port-forwards go through one small REST layer on node:https with a keep-alive agent: that gives
 * one place for proxies, credentials and impersonation, timeouts, retries on 429, content types
 * of patches, pod-proxy paths with query strings (the generated client percent-encodes them), and
 * error mapping to messages that name the verb and the object.
 */
import {readFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import tls from 'node:tls'
import {Duplex, PassThrough} from 'node:stream'
import {ExitCode, KubeApiError, SrsError, TimeoutError} from '../errors.js'
import {ExecCredentialCache, type ExecCredential} from './exec-credential.js'
import {H2Connection} from './h2.js'
import {HeldStreamClosed, httpOverHeldStream} from './held-http.js'
import {PortForwardSocket, upgradeHeaders} from './portforward.js'
import {proxyFor, ProxyError, tunnel} from './proxy.js'
import type {ResolvedKubeconfig} from './kubeconfig.js'
import {qualifiedName, resourcePath, type ResourceType} from './resources.js'

export type PatchType = 'merge' | 'strategic' | 'json'
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
}

export interface ListOptions {
  /** undefined: the client's namespace; null: all namespaces. */
  namespace?: string | null
  labelSelector?: string
  fieldSelector?: string
}

export interface KubeList<T> {
  items: T[]
  resourceVersion: string
}

/** A held connection to a pod's port (openPodApiSession). */
export interface PodApiSession {
  request(path: string, opts: {timeoutMs: number; headers?: Record<string, string>; method?: string}): Promise<ProxyResponse>
  close(): void
}

export interface ProxyResponse {
  status: number
  contentType: string
  body: string
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: T
}

/** What the rest of kubectl-srs knows of Kubernetes. */
export interface KubeClient {
  readonly namespace: string
  readonly contextName: string
  readonly server: string
  get<T>(res: ResourceType, name: string, namespace?: string): Promise<T>
  /** get, or undefined when the object does not exist. */
  find<T>(res: ResourceType, name: string, namespace?: string): Promise<T | undefined>
  list<T>(res: ResourceType, opts?: ListOptions): Promise<KubeList<T>>
  create<T>(res: ResourceType, body: object, namespace?: string, opts?: {dryRun?: boolean}): Promise<T>
  replace<T>(res: ResourceType, name: string, body: object, namespace?: string): Promise<T>
  patch<T>(res: ResourceType, name: string, patch: unknown, type: PatchType, namespace?: string, opts?: {subresource?: string; fieldManager?: string}): Promise<T>
  delete(res: ResourceType, name: string, namespace?: string, opts?: {propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; gracePeriodSeconds?: number}): Promise<void>
  /** GET through the apiserver pod proxy; answers of the pod itself come back as they are. */
  podProxy(namespace: string, pod: string, port: number, path: string, opts?: {timeoutMs?: number; method?: string}): Promise<ProxyResponse>
  /**
   * One HTTP GET to a pod's port through a port-forward (pods/portforward), for what the pod
   * proxy cannot carry: the apiserver drops the Authorization header of proxied requests
   * (kubernetes issue 38775). The forward lives for this request only; nothing listens locally.
   */
  podPortForwardGet(namespace: string, pod: string, port: number, path: string, opts: {timeoutMs: number; headers?: Record<string, string>; method?: string}): Promise<ProxyResponse>
  /**
   * One port-forward connection to a pod's port, held open for several HTTP/1.1 requests
   * (keep-alive) until close(): a connection opened before a pod starts terminating outlives
   * the listener SRS closes ~1 s into its graceful quit, so it can still reach that SRS.
   * It is itself a connection SRS waits for: the caller closes it on every path.
   */
  openPodApiSession(namespace: string, pod: string, port: number, opts: {timeoutMs: number}): Promise<PodApiSession>
  /**
   * Readies what podPortForwardGet needs before the first pod's timeout starts. Port-forwards
   * now load nothing (websockets on this client's own connections), so this costs nothing; it
   * stays so that callers need not know that.
   */
  preparePortForward(): Promise<void>
  /** A container's log as text (pods/log): a Job's output, or SRS's console log (sinceSeconds: only the last seconds). */
  podLogs(namespace: string, pod: string, container?: string, opts?: {sinceSeconds?: number}): Promise<string>
  /** Streams watch events until the callback returns false, the timeout passes or the server ends the watch. */
  watch<T>(res: ResourceType, opts: ListOptions & {resourceVersion?: string; timeoutMs: number}, onEvent: (e: WatchEvent<T>) => boolean | void): Promise<void>
  close(): void
}

export interface KubeClientOptions {
  requestTimeoutMs: number
  verbose?: (line: string) => void
  /**
   * Requests (not watches) over one HTTP/2 connection. On for static credentials unless
   * DISABLE_HTTP2 is set (client-go's switch); off where client-node builds the transport
   * (proxy-url, exec plugins), whose agent HTTP/2 would bypass.
   */
  http2?: boolean
}

interface RequestSpec {
  method: string
  path: string
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  contentType?: string
  timeoutMs?: number
  /** For error messages: what was asked, e.g. {verb: 'get', resource: 'deployments.apps', namespace, name}. */
  what: {verb: string; resource: string; namespace?: string; name?: string}
  /** Return non-2xx answers instead of throwing (pod proxy). */
  raw?: boolean
}

interface RawAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * Creates a client for the resolved kubeconfig. Static credentials (token, token file, client
 * certificate, basic auth), exec plugins, impersonation and proxies are handled here directly;
 * only auth-provider plugins (gcp, azure, oidc) go through client-node, loaded only then — its
 * import alone costs 0.6 s idle and several seconds on a busy machine.
 */
export async function createKubeClient(config: ResolvedKubeconfig, opts: KubeClientOptions): Promise<KubeClient> {
  if (!config.server) throw new SrsError(`no server found for cluster "${config.clusterName}"`, {reason: 'KubeconfigInvalid', hint: `set server in cluster "${config.clusterName}" of your kubeconfig`})
  const base = new URL(config.server)
  const proxy = proxyFor(base, config.cluster)
  // One HTTP/2 connection unless a proxy tunnels each connection (DISABLE_HTTP2: client-go's switch).
  const http2 = opts.http2 ?? (process.env.DISABLE_HTTP2 === undefined && !proxy)
  if (config.user['auth-provider'] !== undefined) {
    const {kc} = await clientNodeConfig(config)
    const httpsOpts: https.RequestOptions = {}
    try {
      await kc.applyToHTTPSOptions(httpsOpts)
    } catch (error) {
      throw new SrsError(`cannot get credentials for user "${config.userName}" of context "${config.contextName}": ${(error as Error).message}`, {
        reason: 'Unauthorized',
        hint: 'check the auth-provider of the user entry in your kubeconfig',
      })
    }
    const tlsOpts = staticCredentials(config)!
    tlsOpts.headers = {...(httpsOpts.headers as Record<string, string>), ...impersonationHeaders(config.user)}
    return new RestKubeClient(config, config.server, tlsOpts, {...opts, http2: false}, {proxy})
  }
  const tlsOpts = staticCredentials(config)!
  const exec = config.user.exec as Record<string, unknown> | undefined
  let execCache: ExecCredentialCache | undefined
  if (exec) {
    execCache = new ExecCredentialCache(exec, {userName: config.userName, contextName: config.contextName, cluster: config.cluster})
    const first = await execCache.get()
    // A certificate from the plugin is part of the TLS set-up; a token goes on each request.
    if (first.clientCertificateData && first.clientKeyData) {
      tlsOpts.cert = Buffer.from(first.clientCertificateData)
      tlsOpts.key = Buffer.from(first.clientKeyData)
    }
  }
  return new RestKubeClient(config, config.server, tlsOpts, {...opts, http2}, {proxy, execCache})
}

const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/

/**
 * TLS options and headers from a kubeconfig's cluster and user entries, with client-go's
 * precedence: data over files, tokenFile over token (re-read per client, as kubectl reads it per
 * run), impersonation headers from as / as-groups / as-uid / as-user-extra.
 */
export function staticCredentials(config: ResolvedKubeconfig): https.RequestOptions | undefined {
  const c = config.cluster
  const u = config.user
  if (!config.server) return undefined
  const read = (file: unknown, data: unknown): Buffer | undefined => {
    if (typeof data === 'string' && data) return Buffer.from(data, 'base64')
    if (typeof file === 'string' && file) {
      try {
        return readFileSync(file)
      } catch (error) {
        throw new SrsError(`cannot read ${file} named in kubeconfig context "${config.contextName}": ${(error as Error).message}`, {reason: 'KubeconfigInvalid', hint: 'fix the path in your kubeconfig'})
      }
    }
    return undefined
  }
  const opts: https.RequestOptions = {headers: {}}
  const ca = read(c['certificate-authority'], c['certificate-authority-data'])
  if (ca) opts.ca = ca
  if (c['insecure-skip-tls-verify'] === true) opts.rejectUnauthorized = false
  if (typeof c['tls-server-name'] === 'string' && c['tls-server-name'] !== '') opts.servername = c['tls-server-name']
  const cert = read(u['client-certificate'], u['client-certificate-data'])
  const key = read(u['client-key'], u['client-key-data'])
  if (key && ENCRYPTED_KEY.test(key.toString('latin1'))) {
    const where = typeof u['client-key'] === 'string' && !u['client-key-data'] ? `client key ${u['client-key']}` : 'client-key-data'
    throw new SrsError(`tls: failed to parse private key: the ${where} of user "${config.userName}" is encrypted, and kubeconfigs carry no passphrase (kubectl refuses it too)`, {
      reason: 'KubeconfigInvalid',
      hint: 'decrypt the key (openssl pkey -in KEY -out KEY.plain) and point client-key at the result',
    })
  }
  if (cert) opts.cert = cert
  if (key) opts.key = key
  let token: string | undefined
  if (typeof u.tokenFile === 'string' && u.tokenFile !== '') token = read(u.tokenFile, undefined)?.toString('utf8').trim()
  if (!token && typeof u.token === 'string' && u.token !== '') token = u.token
  const headers = opts.headers as Record<string, string | string[]>
  if (token) headers.Authorization = `Bearer ${token}`
  if (typeof u.username === 'string' && typeof u.password === 'string') opts.auth = `${u.username}:${u.password}`
  Object.assign(headers, impersonationHeaders(u))
  return opts
}

/** client-go's impersonation headers; extra keys are percent-encoded as it does. */
export function impersonationHeaders(user: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  if (typeof user.as !== 'string' || user.as === '') return out
  out['Impersonate-User'] = user.as
  if (typeof user['as-uid'] === 'string' && user['as-uid'] !== '') out['Impersonate-Uid'] = user['as-uid']
  const groups = Array.isArray(user['as-groups']) ? (user['as-groups'] as unknown[]).map(String) : []
  if (groups.length) out['Impersonate-Group'] = groups
  const extra = (user['as-user-extra'] ?? {}) as Record<string, unknown>
  for (const [k, v] of Object.entries(extra)) {
    const values = (Array.isArray(v) ? v : [v]).map(String)
    if (values.length) out[`Impersonate-Extra-${encodeURIComponent(k)}`] = values
  }
  return out
}

/** A keep-alive agent whose connections go through the proxy (CONNECT or SOCKS5), TLS inside. */
function proxiedAgent(proxy: URL, base: URL, tlsOpts: https.AgentOptions, timeoutMs: number): http.Agent {
  const secure = base.protocol === 'https:'
  const Base = secure ? https.Agent : http.Agent
  class ProxiedAgent extends Base {
    override createConnection(_options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | undefined {
      const host = base.hostname.replace(/^\[|\]$/g, '')
      const port = Number(base.port || (secure ? 443 : 80))
      const fail = (err: Error) => callback?.(err, undefined as unknown as Duplex)
      const {ca, cert, key, pfx, passphrase, rejectUnauthorized, servername} = tlsOpts
      tunnel(proxy, host, port, timeoutMs, {ca, cert, key, pfx, passphrase, rejectUnauthorized, servername}).then((raw) => {
        if (!secure) return callback?.(null, raw)
        const s = tls.connect({...tlsOpts, socket: raw, host, servername: tlsOpts.servername ?? (net.isIP(host) ? undefined : host)})
        s.once('secureConnect', () => callback?.(null, s))
        s.once('error', fail)
      }, fail)
      return undefined
    }
  }
  return new ProxiedAgent({...tlsOpts, keepAlive: true, maxSockets: 64})
}

class RestKubeClient implements KubeClient {
  readonly namespace: string
  readonly contextName: string
  readonly server: string
  private readonly base: URL
  private readonly agent: http.Agent
  private readonly headers: Record<string, string | string[]>
  private readonly h2: H2Connection | undefined
  private readonly proxy: URL | undefined
  private readonly execCache: ExecCredentialCache | undefined

  constructor(
    private readonly config: ResolvedKubeconfig,
    server: string,
    tls: https.RequestOptions,
    private readonly opts: KubeClientOptions,
    route: {proxy?: URL; execCache?: ExecCredentialCache} = {},
  ) {
    this.namespace = config.namespace
    this.contextName = config.contextName
    this.server = server
    this.base = new URL(server)
    this.proxy = route.proxy
    this.execCache = route.execCache
    const agentOpts = {keepAlive: true, maxSockets: 64}
    const tlsAgentOpts: https.AgentOptions = {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      pfx: tls.pfx,
      passphrase: tls.passphrase,
      servername: tls.servername,
      rejectUnauthorized: tls.rejectUnauthorized,
    }
    this.agent = this.proxy ? proxiedAgent(this.proxy, this.base, tlsAgentOpts, opts.requestTimeoutMs) : this.base.protocol === 'http:' ? new http.Agent(agentOpts) : new https.Agent({...agentOpts, ...tlsAgentOpts})
    this.headers = {}
    for (const [k, v] of Object.entries(tls.headers ?? {})) if (v !== undefined) this.headers[k] = Array.isArray(v) ? v.map(String) : String(v)
    if (tls.auth) this.headers.Authorization = `Basic ${Buffer.from(tls.auth).toString('base64')}`
    this.h2 = opts.http2 && !this.proxy && this.base.protocol === 'https:' ? new H2Connection(this.base.origin, tls) : undefined
  }

  /** The headers of a request: the exec plugin's current token (run again once expired). */
  private async requestHeaders(): Promise<{headers: Record<string, string | string[]>; cred?: ExecCredential}> {
    if (!this.execCache) return {headers: this.headers}
    const cred = await this.execCache.get()
    return {headers: cred.token ? {...this.headers, Authorization: `Bearer ${cred.token}`} : this.headers, cred}
  }

  close(): void {
    this.agent.destroy()
    this.h2?.close()
  }

  private ns(res: ResourceType, namespace?: string): string | undefined {
    return res.namespaced ? (namespace ?? this.namespace) : undefined
  }

  async get<T>(res: ResourceType, name: string, namespace?: string): Promise<T> {
    const ns = this.ns(res, namespace)
    return this.json<T>({method: 'GET', path: resourcePath(res, ns, name), what: {verb: 'get', resource: qualifiedName(res), namespace: ns, name}})
  }

  async find<T>(res: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get<T>(res, name, namespace)
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined
      throw error
    }
  }

  async list<T>(res: ResourceType, opts: ListOptions = {}): Promise<KubeList<T>> {
    const ns = opts.namespace === null ? undefined : this.ns(res, opts.namespace)
    const items: T[] = []
    let cont: string | undefined
    let resourceVersion = ''
    // Walk pages so huge namespaces never come back as one giant response.
    do {
      const page = await this.json<{items?: T[]; metadata?: {continue?: string; resourceVersion?: string}}>({
        method: 'GET',
        path: resourcePath(res, ns),
        query: {labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: 500, continue: cont},
        what: {verb: 'list', resource: qualifiedName(res), namespace: ns},
      })
      items.push(...(page.items ?? []))
      cont = page.metadata?.continue || undefined
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion
    } while (cont)
    return {items, resourceVersion}
  }

  async create<T>(res: ResourceType, body: object, namespace?: string, opts: {dryRun?: boolean} = {}): Promise<T> {
    const ns = this.ns(res, namespace)
    const name = (body as {metadata?: {name?: string}}).metadata?.name
    return this.json<T>({
      method: 'POST',
      path: resourcePath(res, ns),
      query: {dryRun: opts.dryRun ? 'All' : undefined, fieldManager: 'kubectl-srs'},
      body,
      what: {verb: 'create', resource: qualifiedName(res), namespace: ns, name},
    })
  }

  async replace<T>(res: ResourceType, name: string, body: object, namespace?: string): Promise<T> {
    const ns = this.ns(res, namespace)
    return this.json<T>({
      method: 'PUT',
      path: resourcePath(res, ns, name),
      query: {fieldManager: 'kubectl-srs'},
      body,
      what: {verb: 'update', resource: qualifiedName(res), namespace: ns, name},
    })
  }

  async patch<T>(res: ResourceType, name: string, patch: unknown, type: PatchType, namespace?: string, opts: {subresource?: string; fieldManager?: string} = {}): Promise<T> {
    const ns = this.ns(res, namespace)
    return this.json<T>({
      method: 'PATCH',
      path: resourcePath(res, ns, name, opts.subresource),
      query: {fieldManager: opts.fieldManager ?? 'kubectl-srs'},
      body: patch,
      contentType: PATCH_CONTENT_TYPE[type],
      what: {verb: 'patch', resource: qualifiedName(res) + (opts.subresource ? `/${opts.subresource}` : ''), namespace: ns, name},
    })
  }

  async delete(res: ResourceType, name: string, namespace?: string, opts: {propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; gracePeriodSeconds?: number} = {}): Promise<void> {
    const ns = this.ns(res, namespace)
    await this.json({
      method: 'DELETE',
      path: resourcePath(res, ns, name),
      body: {kind: 'DeleteOptions', apiVersion: 'v1', ...opts},
      what: {verb: 'delete', resource: qualifiedName(res), namespace: ns, name},
    })
  }

  async podProxy(namespace: string, pod: string, port: number, path: string, opts: {timeoutMs?: number; method?: string} = {}): Promise<ProxyResponse> {
    const [p, q] = path.split('?', 2) as [string, string | undefined]
    const full = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${port}/proxy/${p.replace(/^\//, '')}${q ? `?${q}` : ''}`
    const ans = await this.request({
      method: opts.method ?? 'GET',
      path: full,
      timeoutMs: opts.timeoutMs,
      raw: true,
      what: {verb: 'get', resource: 'pods/proxy', namespace, name: pod},
    })
    // The apiserver's own refusals (RBAC, missing pod) come as a v1 Status; the pod's answers do not.
    if (ans.status >= 400 && isKubeStatus(ans)) {
      if (ans.status === 401 || ans.status === 403 || ans.status === 404) throw this.apiError(ans, {verb: 'get', resource: 'pods/proxy', namespace, name: pod})
    }
    return {status: ans.status, contentType: String(ans.headers['content-type'] ?? ''), body: ans.body}
  }

  private portForwarder?: Promise<PortForwarder>

  /**
   * Port-forwards are websockets (v4.channel.k8s.io) opened on this client's own connection path
   * (openPortForward) rather than a `kubectl port-forward` child: no local port, no process to
   * reap, and the proxy, TLS settings, credentials and impersonation headers of every other
   * request. Node's HTTP client runs over the forwarded stream itself (createConnection), so
   * SRS's answer is parsed as any HTTP answer and the forward closes when the answer is complete.
   * Nothing is loaded for it any more; the method stays for callers that prepare ahead.
   */
  async preparePortForward(): Promise<void> {
    this.portForwarder ??= Promise.resolve(this.newPortForwarder())
    await this.portForwarder
  }

  private newPortForwarder(): PortForwarder {
    return {portForward: (namespace, pod, ports, output, err, input) => this.openPortForward(namespace, pod, ports[0]!, output, err, input)}
  }

  /**
   * The upgrade request goes through this.agent (direct, or the proxy tunnel of proxiedAgent),
   * with the request headers (token, exec credential, impersonation) and the server's path
   * prefix. A refusal comes with the apiserver's Status, so a 403 names the identity refused.
   */
  private async openPortForward(namespace: string, pod: string, port: number, output: NodeJS.WritableStream, errors: NodeJS.WritableStream | null, input: NodeJS.ReadableStream, execRetried = false): Promise<PortForwardSocket> {
    const what = {verb: 'create', resource: 'pods/portforward', namespace, name: pod}
    const {headers, cred} = await this.requestHeaders()
    const upgrade = upgradeHeaders()
    const url = this.url(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`, {ports: port})
    const started = Date.now()
    const outcome = await new Promise<{socket: net.Socket; head: Buffer} | RawAnswer>((resolve, reject) => {
      const req = this.transport().request(url, {method: 'GET', agent: this.agent, headers: {...headers, ...upgrade.headers}})
      req.on('upgrade', (resp: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
        if (resp.headers['sec-websocket-accept'] !== upgrade.accept) {
          socket.destroy()
          reject(this.networkError(new Error('the websocket upgrade was answered with a wrong Sec-WebSocket-Accept'), what))
          return
        }
        // The upgrade's request timeout must not end an idle forward later on.
        socket.setTimeout(0)
        resolve({socket, head})
      })
      req.on('response', (resp) => {
        const chunks: Buffer[] = []
        resp.on('data', (c: Buffer) => chunks.push(c))
        resp.on('end', () => resolve({status: resp.statusCode ?? 0, headers: resp.headers, body: Buffer.concat(chunks).toString('utf8')}))
        resp.on('error', (err) => reject(this.networkError(err, what)))
      })
      if (this.opts.requestTimeoutMs > 0) req.setTimeout(this.opts.requestTimeoutMs, () => req.destroy(Object.assign(new Error('timed out'), {code: 'ETIMEDOUT'})))
      req.on('error', (err) => reject(this.networkError(err, what)))
      req.end()
    })
    if ('status' in outcome) {
      this.opts.verbose?.(`GET ${url.pathname}${url.search} ${outcome.status} ${Date.now() - started}ms (port-forward upgrade refused)`)
      // client-go runs the exec plugin again once when its credential is rejected.
      if (outcome.status === 401 && cred && this.execCache && !execRetried) {
        this.execCache.invalidate(cred)
        return this.openPortForward(namespace, pod, port, output, errors, input, true)
      }
      throw this.portForwardError(outcome, what)
    }
    this.opts.verbose?.(`GET ${url.pathname}${url.search} 101 ${Date.now() - started}ms (port-forward)`)
    return new PortForwardSocket(outcome.socket, outcome.head, output, errors, input)
  }

  async podPortForwardGet(namespace: string, pod: string, port: number, path: string, opts: {timeoutMs: number; headers?: Record<string, string>; method?: string}): Promise<ProxyResponse> {
    const what = {verb: 'create', resource: 'pods/portforward', namespace, name: pod}
    this.portForwarder ??= Promise.resolve(this.newPortForwarder())
    const forwarder = await this.portForwarder
    const started = Date.now()
    const toPod = new PassThrough()
    const fromPod = new PassThrough()
    const errors: Buffer[] = []
    const errStream = new PassThrough()
    errStream.on('data', (c: Buffer) => errors.push(c))
    const socket = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        toPod.write(chunk, cb)
      },
    })
    fromPod.on('data', (c: Buffer) => socket.push(c))
    let ws: {close(): void; on?(ev: string, f: () => void): void} | undefined
    let finished = false
    const cleanup = () => {
      finished = true
      toPod.end()
      ws?.close()
      socket.destroy()
    }
    const timeout = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(this.timeoutError({method: 'GET', path, what}, opts.timeoutMs)), opts.timeoutMs)
      t.unref()
    })
    const exchange = (async (): Promise<ProxyResponse> => {
      const opened = (await forwarder.portForward(namespace, pod, [port], fromPod, errStream, toPod)) as typeof ws
      ws = opened
      // A forward that opens after the timeout is closed at once.
      if (finished) opened?.close()
      ws?.on?.('close', () => socket.push(null))
      return await new Promise<ProxyResponse>((resolve, reject) => {
        const req = http.request({method: opts.method ?? 'GET', path, host: 'localhost', port, headers: {...opts.headers, Host: `localhost:${port}`, Connection: 'close'}, createConnection: () => socket}, (resp) => {
          const chunks: Buffer[] = []
          resp.on('data', (c: Buffer) => chunks.push(c))
          resp.on('end', () => resolve({status: resp.statusCode ?? 0, contentType: String(resp.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8')}))
          resp.on('error', reject)
        })
        req.on('error', () => {
          const said = Buffer.concat(errors).toString('utf8').trim()
          reject(new PortForwardRefused(said || `the port-forward to ${pod}:${port} closed before SRS answered`))
        })
        req.end()
      })
    })()
    try {
      const ans = await Promise.race([exchange, timeout])
      this.opts.verbose?.(`port-forward ${namespace}/${pod}:${port} ${opts.method ?? 'GET'} ${path} ${ans.status} ${Date.now() - started}ms`)
      return ans
    } finally {
      cleanup()
    }
  }

  async openPodApiSession(namespace: string, pod: string, port: number, opts: {timeoutMs: number}): Promise<PodApiSession> {
    const what = {verb: 'create', resource: 'pods/portforward', namespace, name: pod}
    this.portForwarder ??= Promise.resolve(this.newPortForwarder())
    const forwarder = await this.portForwarder
    const toPod = new PassThrough()
    const fromPod = new PassThrough()
    const errors: Buffer[] = []
    const errStream = new PassThrough()
    errStream.on('data', (c: Buffer) => errors.push(c))
    let ws: {close(): void; on?(ev: string, f: () => void): void} | undefined
    let closed = false
    const close = () => {
      closed = true
      toPod.end()
      ws?.close()
      fromPod.destroy()
    }
    const opening = forwarder.portForward(namespace, pod, [port], fromPod, errStream, toPod)
    const timer = setTimeout(close, opts.timeoutMs)
    try {
      ws = (await opening) as typeof ws
    } finally {
      clearTimeout(timer)
    }
    if (closed) {
      ws?.close()
      throw this.timeoutError({method: 'GET', path: `(port-forward ${pod}:${port})`, what}, opts.timeoutMs)
    }
    ws?.on?.('close', () => fromPod.end())
    const held = httpOverHeldStream(toPod, fromPod, {
      port,
      describe: `${pod}:${port}`,
      onTimeout: (path, timeoutMs) => {
        // out of step: nothing more can be asked on it, and it holds the pod's quit
        close()
        return this.timeoutError({method: 'GET', path, what}, timeoutMs)
      },
    })
    const request = async (path: string, r: {timeoutMs: number; headers?: Record<string, string>; method?: string}): Promise<ProxyResponse> => {
      const started = Date.now()
      try {
        const answer = await held.request(path, r)
        this.opts.verbose?.(`held port-forward ${namespace}/${pod}:${port} ${r.method ?? 'GET'} ${path} ${answer.status} ${Date.now() - started}ms`)
        return answer
      } catch (error) {
        if (!(error instanceof HeldStreamClosed)) throw error
        const said = Buffer.concat(errors).toString('utf8').trim()
        throw new PortForwardRefused(said || error.message)
      }
    }
    return {request, close}
  }

  private portForwardError(ans: RawAnswer, what: RequestSpec['what']): KubeApiError {
    const err = this.apiError(ans, what)
    if (ans.status !== 403 || err.refused?.verb === 'impersonate') return err
    return new KubeApiError(err.message, {
      status: 403,
      reason: 'Forbidden',
      refused: err.refused,
      hint: `ask a cluster admin for RBAC permission to get and create pods/portforward in namespace "${what.namespace}" (docs/rbac.yaml lists what kubectl-srs needs), or leave out the SRS API credentials`,
    })
  }

  async podLogs(namespace: string, pod: string, container?: string, opts: {sinceSeconds?: number} = {}): Promise<string> {
    const ans = await this.request({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
      query: {container, sinceSeconds: opts.sinceSeconds},
      what: {verb: 'get', resource: 'pods/log', namespace, name: pod},
    })
    return ans.body
  }

  async watch<T>(res: ResourceType, opts: ListOptions & {resourceVersion?: string; timeoutMs: number}, onEvent: (e: WatchEvent<T>) => boolean | void): Promise<void> {
    const ns = opts.namespace === null ? undefined : this.ns(res, opts.namespace)
    const url = this.url(resourcePath(res, ns), {
      watch: 1,
      allowWatchBookmarks: true,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
      timeoutSeconds: Math.max(1, Math.ceil(opts.timeoutMs / 1000)),
    })
    const what = {verb: 'watch', resource: qualifiedName(res), namespace: ns}
    const {headers} = await this.requestHeaders()
    await new Promise<void>((resolve, reject) => {
      const req = this.transport().request(url, {method: 'GET', agent: this.agent, headers: {...headers, Accept: 'application/json'}}, (resp) => {
        if ((resp.statusCode ?? 0) >= 400) {
          let body = ''
          resp.setEncoding('utf8')
          resp.on('data', (c: string) => (body += c))
          resp.on('end', () => reject(this.apiError({status: resp.statusCode ?? 0, headers: resp.headers, body}, what)))
          return
        }
        let buf = ''
        resp.setEncoding('utf8')
        resp.on('data', (chunk: string) => {
          buf += chunk
          let nl: number
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim()
            buf = buf.slice(nl + 1)
            if (!line) continue
            let ev: WatchEvent<T>
            try {
              ev = JSON.parse(line) as WatchEvent<T>
            } catch {
              continue
            }
            if (onEvent(ev) === false) {
              req.destroy()
              resolve()
              return
            }
          }
        })
        resp.on('end', () => resolve())
        resp.on('error', () => resolve())
      })
      req.setTimeout(opts.timeoutMs + 5000, () => req.destroy())
      req.on('error', (err) => (req.destroyed ? resolve() : reject(this.networkError(err, what))))
      req.end()
    })
  }

  private transport(): typeof https | typeof http {
    return this.base.protocol === 'http:' ? http : https
  }

  private url(path: string, query?: RequestSpec['query']): URL {
    return new URL(this.target(path, query), this.base)
  }

  /**
   * Path and query for a request, under the server URL's own path (Rancher-style
   * https://host/k8s/clusters/c-x). A string, not a URL object: status builds 2000 of these, and
   * parsing each into a URL only for HTTP/2 to take its path back out was measurable.
   */
  private target(path: string, query?: RequestSpec['query']): string {
    let search: URLSearchParams | undefined
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== '') (search ??= new URLSearchParams()).set(k, String(v))
    }
    const base = this.base.pathname.replace(/\/$/, '') + path
    return search ? `${base}${base.includes('?') ? '&' : '?'}${search.toString()}` : base
  }

  private async json<T>(spec: RequestSpec): Promise<T> {
    const ans = await this.request(spec)
    if (!ans.body) return undefined as T
    try {
      return JSON.parse(ans.body) as T
    } catch {
      throw new KubeApiError(`the Kubernetes API at ${this.server} answered ${spec.what.verb} ${spec.what.resource} with something that is not JSON`, {
        status: ans.status,
        reason: 'BadResponse',
      })
    }
  }

  private async request(spec: RequestSpec): Promise<RawAnswer> {
    const maxAttempts = 6
    const started = Date.now()
    let execRetried = false
    for (let attempt = 1; ; attempt++) {
      const {headers, cred} = await this.requestHeaders()
      const ans = await this.once(spec, headers)
      // client-go runs the exec plugin again once when its credential is rejected.
      if (ans.status === 401 && cred && this.execCache && !execRetried) {
        execRetried = true
        this.execCache.invalidate(cred)
        continue
      }
      // Throttling (429: API Priority and Fairness rejected it, nothing was done) and apiserver
      // restarts answering 503 on reads: back off and retry.
      const retriable = ans.status === 429 || (ans.status === 503 && spec.method === 'GET' && !spec.raw)
      if (retriable && attempt < maxAttempts) {
        const after = Number(ans.headers['retry-after'])
        const delay = Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 10_000) : Math.min(200 * 2 ** attempt, 5000)
        this.opts.verbose?.(`${spec.method} ${spec.path}: HTTP ${ans.status}, retrying in ${delay} ms`)
        await new Promise((r) => setTimeout(r, delay))
        continue
      }
      if (ans.status === 429) throw this.throttled(spec.what, attempt, Date.now() - started)
      if (ans.status >= 400 && !spec.raw) throw this.apiError(ans, spec.what)
      return ans
    }
  }

  /** Still 429 after every retry: exit 3, like any other wait that ran out; the refused request did nothing. */
  private throttled(what: RequestSpec['what'], attempts: number, ms: number): KubeApiError {
    const where = what.namespace ? ` in namespace "${what.namespace}"` : ''
    const user = this.config.userName ? `user "${this.config.userName}"` : 'this user'
    return new KubeApiError(
      `the API server at ${this.server} is throttling ${user}: ${what.verb} ${what.resource}${what.name ? ` "${what.name}"` : ''}${where} was answered 429 Too Many Requests ${attempts} times over ${(ms / 1000).toFixed(1)} s`,
      {
        status: 429,
        reason: 'Throttled',
        exitCode: ExitCode.Degraded,
        hint: 'the refused request changed nothing; run the same command again later, or ask a cluster admin about the API Priority and Fairness limits (FlowSchema, PriorityLevelConfiguration) that match this user',
      },
    )
  }

  private once(spec: RequestSpec, credentialHeaders: Record<string, string | string[]>): Promise<RawAnswer> {
    const target = this.target(spec.path, spec.query)
    const body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body))
    const timeoutMs = spec.timeoutMs ?? this.opts.requestTimeoutMs
    const headers: Record<string, string | string[]> = {...credentialHeaders, Accept: 'application/json, */*'}
    if (body) {
      headers['Content-Type'] = spec.contentType ?? 'application/json'
      headers['Content-Length'] = String(body.length)
    }
    const started = Date.now()
    if (this.h2 && !this.h2.unsupported) {
      const h2 = this.h2
      return h2.request(spec.method, target, headers, body, timeoutMs).then(
        (ans) => {
          this.opts.verbose?.(`${spec.method} ${target} ${ans.status} ${Date.now() - started}ms (h2)`)
          return ans
        },
        (err: Error & {code?: string; timedOut?: boolean}) => {
          if (h2.unsupported) return this.once(spec, credentialHeaders)
          throw err.timedOut ? this.timeoutError(spec, timeoutMs) : this.networkError(err, spec.what)
        },
      )
    }
    const url = new URL(target, this.base)
    return new Promise<RawAnswer>((resolve, reject) => {
      let timedOut = false
      const req = this.transport().request(url, {method: spec.method, agent: this.agent, headers}, (resp) => {
        const chunks: Buffer[] = []
        resp.on('data', (c: Buffer) => chunks.push(c))
        resp.on('end', () => {
          clearTimeout(timer)
          const ans = {status: resp.statusCode ?? 0, headers: resp.headers, body: Buffer.concat(chunks).toString('utf8')}
          this.opts.verbose?.(`${spec.method} ${url.pathname}${url.search} ${ans.status} ${Date.now() - started}ms`)
          resolve(ans)
        })
        resp.on('error', (err) => {
          clearTimeout(timer)
          reject(timedOut ? this.timeoutError(spec, timeoutMs) : this.networkError(err, spec.what))
        })
      })
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              timedOut = true
              req.destroy()
            }, timeoutMs)
          : undefined
      req.on('error', (err) => {
        clearTimeout(timer)
        reject(timedOut ? this.timeoutError(spec, timeoutMs) : this.networkError(err, spec.what))
      })
      if (body) req.write(body)
      req.end()
    })
  }

  private timeoutError(spec: RequestSpec, ms: number): TimeoutError {
    const w = spec.what
    return new TimeoutError(
      `${w.verb} ${w.resource}${w.name ? ` "${w.name}"` : ''} timed out after ${ms} ms (context "${this.contextName}", ${this.server})`,
      spec.what.resource === 'pods/proxy' ? 'the pod did not answer in time' : 'the API server is slow or unreachable; raise --request-timeout or check the cluster',
    )
  }

  /**
   * A connection that failed, named by its real cause: the proxy, the server's certificate, or
   * the server itself. kubectl's words for certificates ("x509: certificate signed by unknown
   * authority") are kept, so a search for them finds the same fixes.
   */
  private networkError(err: Error & {code?: string; reason?: string}, what: RequestSpec['what']): SrsError {
    const doing = `while trying to ${what.verb} ${what.resource}`
    const at = `the Kubernetes API at ${this.server} (context "${this.contextName}")`
    if (err instanceof ProxyError) {
      return new SrsError(`cannot reach ${at} through ${err.message}`, {
        exitCode: ExitCode.Failed,
        reason: 'ProxyFailed',
        hint: `check the proxy: proxy-url of cluster "${this.config.clusterName}" in the kubeconfig, else HTTPS_PROXY / NO_PROXY (${doing})`,
        cause: err,
      })
    }
    const code = err.code ?? ''
    const untrusted = ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']
    const certHint = `the server's certificate is not the one this kubeconfig trusts: check certificate-authority(-data) and tls-server-name of cluster "${this.config.clusterName}" (${doing})`
    if (untrusted.includes(code)) {
      return new SrsError(`cannot verify ${at}: tls: failed to verify certificate: x509: certificate signed by unknown authority (${code})`, {exitCode: ExitCode.Failed, reason: 'CertificateInvalid', hint: certHint, cause: err})
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return new SrsError(`cannot verify ${at}: tls: failed to verify certificate: x509: ${err.reason ?? err.message}`, {exitCode: ExitCode.Failed, reason: 'CertificateInvalid', hint: certHint, cause: err})
    }
    if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
      return new SrsError(`cannot verify ${at}: tls: failed to verify certificate: x509: certificate has expired or is not yet valid (${code})`, {
        exitCode: ExitCode.Failed,
        reason: 'CertificateInvalid',
        hint: `check the clock of this machine and the server's certificate (${doing})`,
        cause: err,
      })
    }
    if (/^ERR_OSSL|^ERR_SSL|SSL routines|alert/i.test(`${code} ${err.message}`)) {
      return new SrsError(`TLS with ${at} failed: ${err.message}`, {
        exitCode: ExitCode.Failed,
        reason: 'TLSFailed',
        hint: `check the client certificate and key of user "${this.config.userName}" and the cluster's certificate-authority (${doing})`,
        cause: err,
      })
    }
    const words = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? `no such host ${this.base.hostname}` : code || err.message
    return new SrsError(`cannot reach ${at}: ${words}${code && words !== code ? ` (${code})` : ''}`, {
      exitCode: ExitCode.Failed,
      reason: 'Unreachable',
      hint: `is the cluster running? Check --context and --kubeconfig (${doing})`,
      cause: err,
    })
  }

  private apiError(ans: RawAnswer, what: RequestSpec['what']): KubeApiError {
    let status: {message?: string; reason?: string} = {}
    try {
      status = JSON.parse(ans.body) as typeof status
    } catch {
      // not a v1.Status: keep the HTTP code only
    }
    const where = what.namespace ? ` in namespace "${what.namespace}"` : ''
    const obj = `${what.resource}${what.name ? ` "${what.name}"` : ''}`
    const user = this.config.userName ? `user "${this.config.userName}"` : 'this user'
    switch (ans.status) {
      case 401:
        return new KubeApiError(`unauthorized: the API server at ${this.server} rejected the credentials of ${user} (context "${this.contextName}")`, {
          status: 401,
          reason: 'Unauthorized',
          hint: 'refresh your credentials (token, certificate or exec plugin) and try again',
        })
      case 403: {
        // The apiserver names the authenticated identity (e.g. a service account), which can
        // differ from the kubeconfig's user entry name.
        const who = /User "([^"]+)"/.exec(status.message ?? '')?.[1]
        // Impersonation refused is not a missing read permission: say which one it is.
        if (/cannot impersonate/.test(status.message ?? '')) {
          return new KubeApiError(`forbidden: ${status.message}`, {
            status: 403,
            reason: 'Forbidden',
            refused: {user: who ?? (this.config.userName || 'unknown'), verb: 'impersonate', resource: 'users', namespace: undefined},
            hint: 'ask a cluster admin for RBAC permission to impersonate, or drop --as / --as-group / --as-uid and the as fields of the kubeconfig user',
          })
        }
        return new KubeApiError(`forbidden: ${who ? `user "${who}"` : user} cannot ${what.verb} ${obj}${where}`, {
          status: 403,
          reason: 'Forbidden',
          refused: {user: who ?? (this.config.userName || 'unknown'), verb: what.verb, resource: what.resource, namespace: what.namespace},
          hint: `ask a cluster admin for RBAC permission to ${what.verb} ${what.resource}${where} (docs/rbac.yaml lists what kubectl-srs needs)`,
        })
      }
      case 404:
        return new KubeApiError(`${obj} not found${where}`, {
          status: 404,
          reason: 'NotFound',
          hint: what.namespace ? 'check the name and the namespace (-n NAMESPACE)' : 'check the name',
        })
      case 409:
        return new KubeApiError(`conflict on ${obj}${where}: ${status.message ?? 'it was changed by someone else'}`, {status: 409, reason: 'Conflict'})
      default:
        return new KubeApiError(`${what.verb} ${obj}${where} failed: ${status.message ?? `HTTP ${ans.status}`}`, {
          status: ans.status,
          reason: status.reason ?? `HTTP${ans.status}`,
        })
    }
  }
}

/** The pod's port did not take the forwarded connection (nothing listens, pod gone); carries kubelet's words. */
export class PortForwardRefused extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PortForwardRefused'
  }
}

interface PortForwarder {
  portForward(namespace: string, pod: string, ports: number[], output: NodeJS.WritableStream, err: NodeJS.WritableStream | null, input: NodeJS.ReadableStream): Promise<unknown>
}

/** client-node, imported on first use, with the resolved kubeconfig loaded. */
async function clientNodeConfig(config: ResolvedKubeconfig) {
  const k8s = await import('@kubernetes/client-node')
  const kc = new k8s.KubeConfig()
  try {
    kc.loadFromString(config.toYaml())
  } catch (error) {
    throw new SrsError(`cannot load kubeconfig for context "${config.contextName}": ${(error as Error).message}`, {reason: 'KubeconfigInvalid'})
  }
  return {k8s, kc}
}

function isKubeStatus(ans: RawAnswer): boolean {
  if (!String(ans.headers['content-type'] ?? '').includes('json')) return false
  try {
    const s = JSON.parse(ans.body) as {kind?: string; apiVersion?: string}
    return s.kind === 'Status' && s.apiVersion === 'v1'
  } catch {
    return false
  }
}
