/**
 * The one thing the SRS API client needs from the outside world: "GET this path, give up after
 * this long". Keeping it this narrow lets the client run against captured fixtures in unit tests
 * and against the apiserver pod proxy in real use.
 */
import {KubeApiError, TimeoutError} from '../../errors.js'
import {PortForwardRefused, type KubeClient, type PodApiSession} from '../../kube/client.js'
import type {SrsApiCredentials} from './credentials.js'

export interface SrsHttpAnswer {
  status: number
  contentType: string
  body: string
}

/** GET `path` (which may carry a query string) on one SRS HTTP API endpoint; `method` DELETE closes a client. */
export type SrsTransport = (path: string, opts: {timeoutMs: number; method?: 'GET' | 'DELETE'}) => Promise<SrsHttpAnswer>

/** Why a transport could not deliver an answer from the pod at all. */
export type SrsTransportFailureReason = 'timeout' | 'refused' | 'unreachable' | 'credentials-rejected'

/**
 * Thrown by a transport for pod-level delivery failures; the client turns it into a failure
 * result. Anything else a transport throws (bad credentials, RBAC, apiserver down) concerns the
 * whole cluster, not one pod, and is left to propagate.
 */
export class SrsTransportError extends Error {
  constructor(
    readonly reason: SrsTransportFailureReason,
    message: string,
  ) {
    super(message)
    this.name = 'SrsTransportError'
  }
}

/** How a pod transport reached SRS: the apiserver pod proxy, or a port-forward with credentials. */
export type SrsRoute = 'proxy' | 'port-forward'

export interface PodTransport extends SrsTransport {
  /** The route of the last request. */
  readonly route: SrsRoute
}

/**
 * Which route a command's pod reads start on. `proxy`: the apiserver pod proxy, for commands
 * that take no pod away (status, clients). `leave-nothing-open`: a port-forward whose stream ends
 * with the answer, for commands that remove pods (rollouts). The proxy keeps its connection to
 * the pod open in the apiserver's pool after the answer (measured: ~15 s, until SRS's idle
 * timeout closes it; a `Connection: close` from the client does not pass the proxy), and SRS
 * counts that connection: a pod asked through the proxy and then removed waits for it before
 * its graceful quit ends.
 */
export type PodRoutePolicy = 'proxy' | 'leave-nothing-open'

/**
 * A transport that reaches one pod's SRS API port. With the `proxy` policy it starts on the
 * apiserver pod proxy; with credentials, a 401 from the proxy (http_api auth on; the proxy drops
 * Authorization, kubernetes issue 38775) switches this pod to a port-forward that carries them;
 * the proxy stays the route for every pod that does not ask for credentials. When the workload's
 * own config says auth is on (credentials.authOnInConfig), the proxy could only answer 401: the
 * port-forward comes first. With `leave-nothing-open` the port-forward comes first for every pod;
 * a user refused port-forwards (RBAC 403) without credentials to carry is served by the proxy
 * instead (a quit held up ~15 s beats no answer).
 */
export function podTransport(
  kube: Pick<KubeClient, 'podProxy'> & Partial<Pick<KubeClient, 'podPortForwardGet'>>,
  namespace: string,
  pod: string,
  port: number,
  credentials?: SrsApiCredentials,
  policy: PodRoutePolicy = 'proxy',
): PodTransport {
  let route: SrsRoute = (credentials?.authOnInConfig || policy === 'leave-nothing-open') && kube.podPortForwardGet ? 'port-forward' : 'proxy'
  const forward = async (path: string, timeoutMs: number, method?: string): Promise<SrsHttpAnswer> => {
    route = 'port-forward'
    const headers = basicAuth(credentials)
    const answer = await kube.podPortForwardGet!(namespace, pod, port, path, {timeoutMs, headers, ...(method ? {method} : {})})
    if (answer.status === 401 && credentials) {
      throw new SrsTransportError('credentials-rejected', `SRS API rejected user "${credentials.username}" (credentials from ${credentials.from}): HTTP 401 through a port-forward`)
    }
    return answer
  }
  const transport = async (path: string, {timeoutMs, method}: {timeoutMs: number; method?: 'GET' | 'DELETE'}): Promise<SrsHttpAnswer> => {
    const deadline = Date.now() + timeoutMs
    try {
      if (route === 'port-forward') {
        try {
          return await forward(path, timeoutMs, method)
        } catch (error) {
          if (credentials || !(error instanceof KubeApiError && error.status === 403)) throw error
          route = 'proxy'
          return await kube.podProxy(namespace, pod, port, path, {timeoutMs: Math.max(1, deadline - Date.now()), ...(method ? {method} : {})})
        }
      }
      const answer = await kube.podProxy(namespace, pod, port, path, {timeoutMs, ...(method ? {method} : {})})
      if (answer.status !== 401 || !credentials || !kube.podPortForwardGet) return answer
      return await forward(path, Math.max(1, deadline - Date.now()), method)
    } catch (error) {
      if (error instanceof TimeoutError) throw new SrsTransportError('timeout', `pod ${pod} did not answer on port ${port} within ${timeoutMs} ms`)
      // The pod went away between listing and asking (deleted, evicted, replaced in a rollout).
      if (error instanceof KubeApiError && error.status === 404) throw new SrsTransportError('unreachable', `pod ${pod} no longer exists`)
      if (error instanceof PortForwardRefused) throw new SrsTransportError('refused', `cannot connect to port ${port} through a port-forward: ${error.message}`)
      throw error
    }
  }
  return Object.defineProperty(transport, 'route', {get: () => route}) as PodTransport
}

/** The Authorization header SRS's http_api auth takes (none without credentials). */
function basicAuth(credentials?: SrsApiCredentials): Record<string, string> {
  return credentials ? {Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`} : {}
}

/**
 * A transport over a held session (KubeClient.openPodApiSession): every request goes over the
 * one connection opened before the pod started its graceful quit, with the workload's credentials.
 */
export function sessionTransport(session: PodApiSession, pod: string, port: number, credentials?: SrsApiCredentials): SrsTransport {
  const headers = basicAuth(credentials)
  return async (path, {timeoutMs, method}) => {
    try {
      return await session.request(path, {timeoutMs, headers, ...(method ? {method} : {})})
    } catch (error) {
      if (error instanceof TimeoutError) throw new SrsTransportError('timeout', `pod ${pod} did not answer on its held connection to port ${port} within ${timeoutMs} ms`)
      if (error instanceof PortForwardRefused) throw new SrsTransportError('refused', `the held connection to ${pod}:${port} is gone: ${error.message}`)
      throw error
    }
  }
}

/**
 * The transports of one command that asks the same pods again and again (rollout waits, reload
 * confirmation): a pod found to need the port-forward keeps it, instead of paying a 401 through
 * the pod proxy on every poll.
 */
export class PodTransports {
  private readonly byPod = new Map<string, PodTransport>()

  constructor(
    private readonly kube: Pick<KubeClient, 'podProxy'> & Partial<Pick<KubeClient, 'podPortForwardGet'>>,
    private readonly namespace: string,
    private readonly policy: PodRoutePolicy = 'proxy',
  ) {}

  /** A pod belongs to one workload, so it is always asked with the same credentials. */
  of(pod: string, port: number, credentials?: SrsApiCredentials): PodTransport {
    const key = `${pod}:${port}`
    let transport = this.byPod.get(key)
    if (!transport) {
      transport = podTransport(this.kube, this.namespace, pod, port, credentials, this.policy)
      this.byPod.set(key, transport)
    }
    return transport
  }
}
