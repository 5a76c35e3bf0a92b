/**
 * Asks every SRS pod's HTTP API, through the apiserver pod proxy, in parallel under a
 * concurrency limit and with a timeout per pod, for what status shows. Two requests per pod:
 * summaries (version, pid, uptime, connections, CPU, memory) and the streams list (published
 * streams, clients, kbps) — versions would only repeat summaries' data.self.version.
 */
import pLimit from 'p-limit'
import type {KubeClient} from '../kube/client.js'
import type {Pod} from '../kube/types.js'
import {countViewers, listSrsClients, listSrsStreams, querySrsSummaries} from '../srs/api/endpoints.js'
import type {SrsApiCredentials} from '../srs/api/credentials.js'
import {podTransport, type SrsRoute} from '../srs/api/transport.js'
import {UNAUTHORIZED_MESSAGE} from '../srs/api/access.js'
import {LAST_CONNECTIONS_ANNOTATION} from '../vocabulary.js'

export interface PodSrsStatus {
  info?: {
    version: string
    serverId?: string
    serviceId?: string
    pid?: number
    uptimeSeconds: number
    /** summaries conn_srs: every connection SRS serves, HTTP API connections included. */
    connections: number
    /** Players and publishers, from the clients list (paged): what a drain waits for. */
    viewers: number
    players: number
    publishers: number
    streams: number
    streamsPublished: number
    clients: number
    kbpsIn: number
    kbpsOut: number
    cpuPercent: number
    memKbyte: number
  }
  error: {reason: string; message: string} | null
  /** How the SRS API was reached; absent when it was not asked (no pod IP). */
  route?: SrsRoute
  /** For a terminating pod: the last connection count kubectl-srs read before it began to drain. */
  lastConnections?: number
}

export interface PodTarget {
  namespace: string
  pod: Pod
  port: number
  /** SRS API credentials for this pod's workload, used through a port-forward when SRS answers 401. */
  credentials?: SrsApiCredentials
}

/** The per-pod message for a 401 through the pod proxy, saying what to do. */
export async function queryPods(kube: KubeClient, targets: PodTarget[], opts: {timeoutMs: number; concurrency: number}): Promise<Map<string, PodSrsStatus>> {
  const limit = pLimit(Math.max(1, opts.concurrency))
  const out = new Map<string, PodSrsStatus>()
  await Promise.all(
    targets.map((t) =>
      limit(async () => {
        out.set(`${t.namespace}/${t.pod.metadata.name}`, await queryPod(kube, t, opts.timeoutMs))
      }),
    ),
  )
  return out
}

async function queryPod(kube: KubeClient, t: PodTarget, timeoutMs: number): Promise<PodSrsStatus> {
  const last = t.pod.metadata.annotations?.[LAST_CONNECTIONS_ANNOTATION]
  const lastConnections = last !== undefined && /^\d+$/.test(last) ? Number(last) : undefined
  if (!t.pod.status?.podIP) {
    return {error: {reason: 'not-running', message: `pod is ${t.pod.status?.phase ?? 'Pending'} and has no IP yet`}, lastConnections}
  }
  if (t.pod.metadata.deletionTimestamp) {
    // Not asked: a draining SRS serves what comes on a connection it already has, and the
    // apiserver keeps its pod-proxy connection open and reuses it, so every read (status --watch
    // reads every few seconds) would keep the quit waiting until the grace period kills the pod.
    return {error: {reason: 'draining', message: 'pod is terminating: its SRS is not asked while it drains'}, lastConnections}
  }
  const transport = podTransport(kube, t.namespace, t.pod.metadata.name, t.port, t.credentials)
  // One deadline for the whole pod, so a slow pod costs one timeout, not two.
  const deadline = Date.now() + timeoutMs
  const [summary, streams, clients] = await Promise.all([
    querySrsSummaries(transport, {timeoutMs}),
    listSrsStreams(transport, {timeoutMs: Math.max(1, deadline - Date.now()), pageSize: 100}),
    listSrsClients(transport, {timeoutMs: Math.max(1, deadline - Date.now()), pageSize: 100}),
  ])
  const failure = !summary.ok ? summary.failure : !streams.ok ? streams.failure : !clients.ok ? clients.failure : undefined
  if (failure || !summary.ok || !streams.ok || !clients.ok) {
    const reason = failure!.reason
    const message = failure!.reason === 'unauthorized' ? UNAUTHORIZED_MESSAGE : failure!.reason === 'credentials-rejected' ? `${failure!.message}; check them against http_api.auth of the pod's srs.conf` : failure!.message
    return {error: {reason, message}, route: transport.route, lastConnections}
  }
  const s = summary.value
  const list = streams.value.streams
  return {
    info: {
      version: s.version,
      serverId: s.envelope.server,
      serviceId: s.envelope.service,
      pid: s.envelope.pid ?? s.pid,
      uptimeSeconds: s.uptimeSeconds,
      connections: s.connections,
      ...countViewers(clients.value.clients),
      streams: list.length,
      streamsPublished: list.filter((x) => x.publishing).length,
      clients: list.reduce((n, x) => n + x.clients, 0),
      kbpsIn: list.reduce((n, x) => n + x.recvKbps, 0),
      kbpsOut: list.reduce((n, x) => n + x.sendKbps, 0),
      cpuPercent: s.cpuPercent,
      memKbyte: s.memKbyte,
    },
    error: null,
    route: transport.route,
    lastConnections,
  }
}
