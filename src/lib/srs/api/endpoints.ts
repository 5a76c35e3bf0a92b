/**
 * One function per SRS HTTP API endpoint the plugin uses, each returning typed data or an
 * SrsFailure. Field names are ours (camelCase, units spelled out); comments name the SRS JSON
 * path each comes from, so the two can be matched against SRS's documentation.
 */
import {failed, succeeded, type SrsResult} from './result.js'
import {requestSrsJson, type SrsEnvelope, type SrsJsonAnswer, type SrsRequestOptions} from './request.js'
import type {SrsTransport} from './transport.js'

export type WithEnvelope<T> = T & {envelope: SrsEnvelope}

export interface SrsVersion {
  /** data.version, e.g. "6.0.155". */
  version: string
  major: number
  minor: number
  revision: number
}

export interface SrsSummary {
  /** data.self.version */
  version: string
  /** data.self.pid (1 in a container whose entrypoint is SRS). */
  pid: number
  ppid: number
  argv: string
  cwd: string
  /** data.self.srs_uptime: seconds since SRS started. */
  uptimeSeconds: number
  /** data.self.cpu_percent */
  cpuPercent: number
  /** data.self.mem_kbyte */
  memKbyte: number
  /** data.self.mem_percent */
  memPercent: number
  /**
   * data.system.conn_srs: the connections SRS serves, sampled. Measured on real SRS in a cluster:
   * it counts open HTTP API connections too (the pod proxy's), so it is not a viewer count; use
   * the clients list (countViewers) for that.
   */
  connections: number
  /** data.system.srs_recv_bytes */
  recvBytes: number
  /** data.system.srs_send_bytes */
  sendBytes: number
  /** data.now_ms */
  sampledAtMs: number
}

export interface SrsVideoInfo {
  codec: string
  profile: string
  level: string
  width: number
  height: number
}

export interface SrsAudioInfo {
  codec: string
  sampleRate: number
  channels: number
  profile: string
}

export interface SrsStream {
  /** Random per process, e.g. "vid-5913868". */
  id: string
  name: string
  app: string
  /** streams[].vhost: the vhost *id*, not its name. */
  vhostId: string
  /** "/live/livestream" (SRS 5/6 only). */
  url?: string
  /** SRS 5/6 only. */
  tcUrl?: string
  /** streams[].clients: counts the publisher too. */
  clients: number
  frames: number
  sendBytes: number
  recvBytes: number
  /** kbps.recv_30s: 30 s window, reads 0 for about the first 30 s of a stream. */
  recvKbps: number
  /** kbps.send_30s */
  sendKbps: number
  /** publish.active. On an edge it is true as soon as a player waits, even if the origin is unreachable. */
  publishing: boolean
  /** publish.cid: the publisher's client id, "" when none. */
  publisherClientId: string
  liveMs: number
  /** null until SRS has seen the codec. */
  video: SrsVideoInfo | null
  audio: SrsAudioInfo | null
}

export interface SrsClient {
  /** 8 characters, equal to the log context id. */
  id: string
  vhostId: string
  streamId: string
  ip: string
  /** e.g. "fmle-publish", "rtmp-play", "flv-play" (v4 reports HTTP-FLV players as "rtmp-play"). */
  type: string
  publishing: boolean
  aliveSeconds: number
  url: string
  tcUrl: string
  pageUrl: string
  /** "livestream", "livestream.flv" (SRS 5/6 only). */
  name?: string
  /** SRS 5/6 only. */
  sendBytes?: number
  recvBytes?: number
  recvKbps: number
  sendKbps: number
}

export interface SrsVhost {
  id: string
  name: string
  enabled: boolean
  clients: number
  streams: number
  sendBytes: number
  recvBytes: number
  recvKbps: number
  sendKbps: number
  hlsEnabled?: boolean
}

/** data.state of rpc=reload-fetch. */
export type SrsReloadState = 'applied' | 'parse-failed' | 'none' | 'unknown'

export interface SrsReloadResult {
  state: SrsReloadState
  /** data.state as SRS sent it: 90 applied, 10 parse failed, 0 no reload yet. */
  stateCode: number
  /** data.err: 0, or the SRS error code of the failed reload (1023 = invalid config). */
  errorCode: number
  /** data.msg: "Success" or SRS's description of what failed. */
  message: string
  /** data.rid: changes with every reload, so a caller can tell a new result from an old one. */
  reloadId: string
}

export interface SrsClusterQuery {
  vhost: string
  app: string
  stream: string
  /** The client host SRS should assume; SRS falls back to its own public address without it. */
  ip?: string
  /** host:apiport of the asking origin, as origins send it to each other. */
  coworker?: string
}

export interface SrsClusterOrigin {
  ip: string
  /** The origin's RTMP listen port. */
  port: number
  vhost: string
  /** host:port of its HTTP API. */
  api: string
  routers: string[]
}

export interface SrsListOptions extends SrsRequestOptions {
  /** Items asked per page; SRS raises anything below 10 to 10. Default 100. */
  pageSize?: number
}

/** SRS takes the larger of 10 and `count`. */
const SRS_MIN_PAGE = 10
const DEFAULT_PAGE_SIZE = 100
/** A guard against a server that ignores `start` and keeps sending full pages. */
const MAX_PAGES = 1000

export async function querySrsVersions(transport: SrsTransport, opts: SrsRequestOptions): Promise<SrsResult<WithEnvelope<SrsVersion>>> {
  return withBody(await requestSrsJson(transport, '/api/v1/versions', opts), 'data.version', (body) => {
    const data = recordAt(body, 'data')
    if (!data || typeof data.version !== 'string') return undefined
    return {version: data.version, major: numberAt(data, 'major'), minor: numberAt(data, 'minor'), revision: numberAt(data, 'revision')}
  })
}

export async function querySrsSummaries(transport: SrsTransport, opts: SrsRequestOptions): Promise<SrsResult<WithEnvelope<SrsSummary>>> {
  return withBody(await requestSrsJson(transport, '/api/v1/summaries', opts), 'data.self and data.system', (body) => {
    const data = recordAt(body, 'data')
    const self = data && recordAt(data, 'self')
    const system = data && recordAt(data, 'system')
    if (!data || !self || !system) return undefined
    return {
      version: stringAt(self, 'version'),
      pid: numberAt(self, 'pid'),
      ppid: numberAt(self, 'ppid'),
      argv: stringAt(self, 'argv'),
      cwd: stringAt(self, 'cwd'),
      uptimeSeconds: numberAt(self, 'srs_uptime'),
      cpuPercent: numberAt(self, 'cpu_percent'),
      memKbyte: numberAt(self, 'mem_kbyte'),
      memPercent: numberAt(self, 'mem_percent'),
      connections: numberAt(system, 'conn_srs'),
      recvBytes: numberAt(system, 'srs_recv_bytes'),
      sendBytes: numberAt(system, 'srs_send_bytes'),
      sampledAtMs: numberAt(data, 'now_ms'),
    }
  })
}

/** All streams, page by page. Always the trailing-slash path: without it SRS answers 302. */
export async function listSrsStreams(transport: SrsTransport, opts: SrsListOptions): Promise<SrsResult<WithEnvelope<{streams: SrsStream[]}>>> {
  const listed = await listPaged(transport, '/api/v1/streams/', 'streams', opts)
  if (!listed.ok) return listed
  return succeeded({envelope: listed.value.envelope, streams: listed.value.items.map(toStream)})
}

/** All clients, page by page (trailing slash, as for streams). */
export async function listSrsClients(transport: SrsTransport, opts: SrsListOptions): Promise<SrsResult<WithEnvelope<{clients: SrsClient[]}>>> {
  const listed = await listPaged(transport, '/api/v1/clients/', 'clients', opts)
  if (!listed.ok) return listed
  return succeeded({envelope: listed.value.envelope, clients: listed.value.items.map(toClient)})
}

/** The number of viewers among clients: players and publishers (the list holds no HTTP API connections, unlike conn_srs). */
export function countViewers(clients: readonly SrsClient[]): {viewers: number; players: number; publishers: number} {
  const publishers = clients.filter((c) => c.publishing).length
  return {viewers: clients.length, players: clients.length - publishers, publishers}
}

/**
 * Closes one client (DELETE /api/v1/clients/{id}; SRS 4, 5 and 6): SRS drops its connection, a
 * player may reconnect (to any pod behind the Service), a closed publisher unpublishes. An id
 * SRS does not know answers srs-error 2049.
 */
export async function kickSrsClient(transport: SrsTransport, clientId: string, opts: SrsRequestOptions): Promise<SrsResult<{envelope: SrsEnvelope}>> {
  const answer = await requestSrsJson(transport, `/api/v1/clients/${encodeURIComponent(clientId)}`, {...opts, method: 'DELETE'})
  return answer.ok ? succeeded({envelope: answer.value.envelope}) : answer
}

export async function listSrsVhosts(transport: SrsTransport, opts: SrsRequestOptions): Promise<SrsResult<WithEnvelope<{vhosts: SrsVhost[]}>>> {
  return withBody(await requestSrsJson(transport, '/api/v1/vhosts/', opts), 'vhosts[]', (body) => {
    const vhosts = body.vhosts
    if (!Array.isArray(vhosts)) return undefined
    return {vhosts: vhosts.map((item) => toVhost(asRecord(item)))}
  })
}

/**
 * Asks SRS to reload its config (rpc=reload; needs http_api.raw_api.allow_reload). SRS answers
 * at once; whether the reload worked is only known from fetchSrsReloadResult (SRS 5/6) or from
 * behaviour.
 */
export async function requestSrsReload(transport: SrsTransport, opts: SrsRequestOptions): Promise<SrsResult<{envelope: SrsEnvelope}>> {
  const answer = await requestSrsJson(transport, '/api/v1/raw?rpc=reload', opts)
  return answer.ok ? succeeded({envelope: answer.value.envelope}) : answer
}

/** The result of the last reload (rpc=reload-fetch, SRS 5/6). SRS 4 answers srs-error 1060. */
export async function fetchSrsReloadResult(transport: SrsTransport, opts: SrsRequestOptions): Promise<SrsResult<WithEnvelope<SrsReloadResult>>> {
  const answer = await requestSrsJson(transport, '/api/v1/raw?rpc=reload-fetch', opts)
  if (!answer.ok && answer.failure.srsCode === 1060) {
    return failed({...answer.failure, message: 'SRS API does not support rpc=reload-fetch (code 1060; SRS 4 has no reload result)'})
  }
  return withBody(answer, 'data.state', (body) => {
    const data = recordAt(body, 'data')
    if (!data || typeof data.state !== 'number') return undefined
    return {
      state: reloadState(data.state),
      stateCode: data.state,
      errorCode: numberAt(data, 'err'),
      message: stringAt(data, 'msg'),
      reloadId: stringAt(data, 'rid'),
    }
  })
}

/** Where the origin cluster says a stream is (the query origins send to their coworkers). */
export async function querySrsClusters(transport: SrsTransport, query: SrsClusterQuery, opts: SrsRequestOptions): Promise<SrsResult<WithEnvelope<{origin: SrsClusterOrigin | null}>>> {
  const params: Array<[string, string | undefined]> = [
    ['vhost', query.vhost],
    ['ip', query.ip],
    ['app', query.app],
    ['stream', query.stream],
    ['coworker', query.coworker],
  ]
  // Same order and form as origins use between themselves; the colon of host:port stays as is.
  const search = params
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v).replaceAll('%3A', ':')}`)
    .join('&')
  return withBody(await requestSrsJson(transport, `/api/v1/clusters?${search}`, opts), 'data.origin', (body) => {
    const data = recordAt(body, 'data')
    if (!data || !('origin' in data)) return undefined
    const origin = data.origin === null ? null : asRecord(data.origin)
    return {
      origin: origin && {
        ip: stringAt(origin, 'ip'),
        port: numberAt(origin, 'port'),
        vhost: stringAt(origin, 'vhost'),
        api: stringAt(origin, 'api'),
        routers: Array.isArray(origin.routers) ? origin.routers.filter((r): r is string => typeof r === 'string') : [],
      },
    }
  })
}

function reloadState(code: number): SrsReloadState {
  if (code === 90) return 'applied'
  if (code === 10) return 'parse-failed'
  if (code === 0) return 'none'
  return 'unknown'
}

async function listPaged(transport: SrsTransport, basePath: string, key: 'streams' | 'clients', opts: SrsListOptions): Promise<SrsResult<{envelope: SrsEnvelope; items: Record<string, unknown>[]}>> {
  // Compare against what SRS will really send per page, not what we asked for.
  const count = Math.max(SRS_MIN_PAGE, Math.floor(opts.pageSize ?? DEFAULT_PAGE_SIZE))
  const items: Record<string, unknown>[] = []
  const seen = new Set<string>()
  let envelope: SrsEnvelope = {}
  for (let page = 0, start = 0; page < MAX_PAGES; page++) {
    const path = `${basePath}?start=${start}&count=${count}`
    const answer = await requestSrsJson(transport, path, opts)
    if (!answer.ok) return answer
    const list = answer.value.body[key]
    if (!Array.isArray(list)) {
      return failed({reason: 'unexpected-json', path, httpStatus: 200, message: `SRS API answered JSON without ${key}[]`})
    }
    envelope = answer.value.envelope
    let added = 0
    for (const raw of list) {
      const item = asRecord(raw)
      const id = stringAt(item, 'id')
      // Items move between pages when clients come and go; count each once.
      if (id && seen.has(id)) continue
      if (id) seen.add(id)
      items.push(item)
      added++
    }
    if (list.length < count || added === 0) break
    start += list.length
  }
  return succeeded({envelope, items})
}

function toStream(s: Record<string, unknown>): SrsStream {
  const kbps = recordAt(s, 'kbps') ?? {}
  const publish = recordAt(s, 'publish') ?? {}
  const video = recordAt(s, 'video')
  const audio = recordAt(s, 'audio')
  const stream: SrsStream = {
    id: stringAt(s, 'id'),
    name: stringAt(s, 'name'),
    app: stringAt(s, 'app'),
    vhostId: stringAt(s, 'vhost'),
    clients: numberAt(s, 'clients'),
    frames: numberAt(s, 'frames'),
    sendBytes: numberAt(s, 'send_bytes'),
    recvBytes: numberAt(s, 'recv_bytes'),
    recvKbps: numberAt(kbps, 'recv_30s'),
    sendKbps: numberAt(kbps, 'send_30s'),
    publishing: publish.active === true,
    publisherClientId: stringAt(publish, 'cid'),
    liveMs: numberAt(s, 'live_ms'),
    video: video
      ? {
          codec: stringAt(video, 'codec'),
          profile: stringAt(video, 'profile'),
          level: stringAt(video, 'level'),
          width: numberAt(video, 'width'),
          height: numberAt(video, 'height'),
        }
      : null,
    audio: audio ? {codec: stringAt(audio, 'codec'), sampleRate: numberAt(audio, 'sample_rate'), channels: numberAt(audio, 'channel'), profile: stringAt(audio, 'profile')} : null,
  }
  if (typeof s.url === 'string') stream.url = s.url
  if (typeof s.tcUrl === 'string') stream.tcUrl = s.tcUrl
  return stream
}

function toClient(c: Record<string, unknown>): SrsClient {
  const kbps = recordAt(c, 'kbps') ?? {}
  const client: SrsClient = {
    id: stringAt(c, 'id'),
    vhostId: stringAt(c, 'vhost'),
    streamId: stringAt(c, 'stream'),
    ip: stringAt(c, 'ip'),
    type: stringAt(c, 'type'),
    publishing: c.publish === true,
    aliveSeconds: numberAt(c, 'alive'),
    url: stringAt(c, 'url'),
    tcUrl: stringAt(c, 'tcUrl'),
    pageUrl: stringAt(c, 'pageUrl'),
    recvKbps: numberAt(kbps, 'recv_30s'),
    sendKbps: numberAt(kbps, 'send_30s'),
  }
  if (typeof c.name === 'string') client.name = c.name
  if (typeof c.send_bytes === 'number') client.sendBytes = c.send_bytes
  if (typeof c.recv_bytes === 'number') client.recvBytes = c.recv_bytes
  return client
}

function toVhost(v: Record<string, unknown>): SrsVhost {
  const kbps = recordAt(v, 'kbps') ?? {}
  const hls = recordAt(v, 'hls')
  const vhost: SrsVhost = {
    id: stringAt(v, 'id'),
    name: stringAt(v, 'name'),
    enabled: v.enabled === true,
    clients: numberAt(v, 'clients'),
    streams: numberAt(v, 'streams'),
    sendBytes: numberAt(v, 'send_bytes'),
    recvBytes: numberAt(v, 'recv_bytes'),
    recvKbps: numberAt(kbps, 'recv_30s'),
    sendKbps: numberAt(kbps, 'send_30s'),
  }
  if (hls && typeof hls.enabled === 'boolean') vhost.hlsEnabled = hls.enabled
  return vhost
}

/** Turns a classified answer into typed data, or unexpected-json when the body lacks `required`. */
function withBody<T>(answer: SrsResult<SrsJsonAnswer>, required: string, read: (body: Record<string, unknown>) => T | undefined): SrsResult<WithEnvelope<T>> {
  if (!answer.ok) return answer
  const value = read(answer.value.body)
  if (value === undefined) {
    // Typical cause: SRS serves its nearest index document for paths it does not know.
    return failed({reason: 'unexpected-json', httpStatus: 200, path: answer.value.path, message: `SRS API answered JSON without ${required}`})
  }
  return succeeded({...value, envelope: answer.value.envelope})
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

function recordAt(obj: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const value = obj[key]
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

function numberAt(obj: Record<string, unknown>, key: string): number {
  const value = obj[key]
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

function stringAt(obj: Record<string, unknown>, key: string): string {
  const value = obj[key]
  return typeof value === 'string' ? value : ''
}
