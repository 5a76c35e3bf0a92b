/**
 * One pod's SRS, as status, canary verification and reload checks see it: version, process
 * identity, load and traffic, from versions + summaries + streams + clients.
 */
import pLimit from 'p-limit'
import {listSrsClients, listSrsStreams, querySrsSummaries, querySrsVersions, type SrsListOptions, type SrsStream, type SrsSummary, type SrsVersion} from './endpoints.js'
import {succeeded, type SrsResult} from './result.js'
import type {SrsTransport} from './transport.js'

export interface PodSrsInfo {
  version: SrsVersion
  /** Top-level `server`: survives restarts. */
  serverId?: string
  /** Top-level `service` (SRS 5/6): random per process start. */
  serviceId?: string
  /** Top-level `pid` (SRS 5/6). */
  pid?: number
  summary: SrsSummary
  streams: SrsStream[]
  /** Streams with an active publisher (on an edge: streams being pulled for players). */
  streamsPublished: number
  /** Length of the clients list: publishers and players, without HTTP API connections. */
  clients: number
  /** Sum of the streams' kbps.recv_30s. */
  recvKbps: number
  /** Sum of the streams' kbps.send_30s. */
  sendKbps: number
}

export async function collectPodSrsInfo(transport: SrsTransport, opts: SrsListOptions): Promise<SrsResult<PodSrsInfo>> {
  const [version, summary, streams, clients] = await Promise.all([
    querySrsVersions(transport, opts),
    querySrsSummaries(transport, opts),
    listSrsStreams(transport, opts),
    listSrsClients(transport, opts),
  ])
  // The first failure, in a fixed order, so the same trouble always reads the same way.
  if (!version.ok) return version
  if (!summary.ok) return summary
  if (!streams.ok) return streams
  if (!clients.ok) return clients
  const {envelope} = version.value
  const info: PodSrsInfo = {
    version: {version: version.value.version, major: version.value.major, minor: version.value.minor, revision: version.value.revision},
    summary: withoutEnvelope(summary.value),
    streams: streams.value.streams,
    streamsPublished: streams.value.streams.filter((s) => s.publishing).length,
    clients: clients.value.clients.length,
    recvKbps: sum(streams.value.streams.map((s) => s.recvKbps)),
    sendKbps: sum(streams.value.streams.map((s) => s.sendKbps)),
  }
  if (envelope.server !== undefined) info.serverId = envelope.server
  if (envelope.service !== undefined) info.serviceId = envelope.service
  if (envelope.pid !== undefined) info.pid = envelope.pid
  return succeeded(info)
}

/**
 * Whether SRS restarted between two snapshots of the same pod. SRS 5/6 change `service` on every
 * start; SRS 4 has no such field (and runs as pid 1 in its container), so a falling uptime is the
 * only sign there.
 */
export function srsRestartedBetween(before: PodSrsInfo, after: PodSrsInfo): boolean {
  if (before.serviceId !== undefined && after.serviceId !== undefined) return before.serviceId !== after.serviceId
  if (before.pid !== undefined && after.pid !== undefined && before.pid !== after.pid) return true
  return after.summary.uptimeSeconds < before.summary.uptimeSeconds
}

/** Snapshots of many pods at once, at most `concurrency` in flight; one slow pod costs one timeout. */
export async function collectSrsInfoForPods<T>(
  targets: readonly T[],
  transportFor: (target: T) => SrsTransport,
  opts: SrsListOptions & {concurrency?: number},
): Promise<Array<{target: T; result: SrsResult<PodSrsInfo>}>> {
  const limit = pLimit(Math.max(1, opts.concurrency ?? 8))
  return Promise.all(targets.map((target) => limit(async () => ({target, result: await collectPodSrsInfo(transportFor(target), opts)}))))
}

function withoutEnvelope<T extends {envelope: unknown}>(value: T): Omit<T, 'envelope'> {
  const {envelope: _envelope, ...rest} = value
  return rest
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}
