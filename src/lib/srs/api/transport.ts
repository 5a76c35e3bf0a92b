/**
 * The one thing the SRS API client needs from the outside world: "GET this path, give up after
 * this long". Keeping it this narrow lets the client run against captured fixtures in unit tests
 * and against the apiserver pod proxy in real use.
 */
import {KubeApiError, TimeoutError} from '../../errors.js'
import type {KubeClient} from '../../kube/client.js'

export interface SrsHttpAnswer {
  status: number
  contentType: string
  body: string
}

/** GET `path` (which may carry a query string) on one SRS HTTP API endpoint. */
export type SrsTransport = (path: string, opts: {timeoutMs: number}) => Promise<SrsHttpAnswer>

/** Why a transport could not deliver an answer from the pod at all. */
export type SrsTransportFailureReason = 'timeout' | 'refused' | 'unreachable'

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

/** A transport that reaches one pod's SRS API port through the apiserver pod proxy. */
export function podTransport(kube: Pick<KubeClient, 'podProxy'>, namespace: string, pod: string, port: number): SrsTransport {
  return async (path, {timeoutMs}) => {
    try {
      return await kube.podProxy(namespace, pod, port, path, {timeoutMs})
    } catch (error) {
      if (error instanceof TimeoutError) throw new SrsTransportError('timeout', `pod ${pod} did not answer on port ${port} within ${timeoutMs} ms`)
      // The pod went away between listing and asking (deleted, evicted, replaced in a rollout).
      if (error instanceof KubeApiError && error.status === 404) throw new SrsTransportError('unreachable', `pod ${pod} no longer exists`)
      throw error
    }
  }
}
