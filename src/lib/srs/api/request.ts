/**
 * One GET against the SRS HTTP API, classified: a parsed JSON object whose `code` is 0, or an
 * SrsFailure. Pod-level trouble never throws; errors that concern the whole cluster (apiserver
 * unreachable, RBAC) do, because no per-pod answer can fix them.
 */
import {TimeoutError} from '../../errors.js'
import {describeSrsCode, failed, succeeded, type SrsFailure, type SrsResult} from './result.js'
import {SrsTransportError, type SrsHttpAnswer, type SrsTransport} from './transport.js'

/** The fields SRS puts at the top of every answer. v4 sends only `server`. */
export interface SrsEnvelope {
  /** Server id; survives restarts (stored next to the pid file), e.g. "vid-p571b73". */
  server?: string
  /** Random per process start (SRS 5/6): a new value means SRS restarted. */
  service?: string
  /** OS pid of SRS (SRS 5/6; sent as a string). */
  pid?: number
}

export interface SrsJsonAnswer {
  /** The path that was asked, for failure messages of the caller. */
  path: string
  envelope: SrsEnvelope
  body: Record<string, unknown>
}

export interface SrsRequestOptions {
  timeoutMs: number
}

export async function requestSrsJson(transport: SrsTransport, path: string, opts: SrsRequestOptions & {method?: 'GET' | 'DELETE'}): Promise<SrsResult<SrsJsonAnswer>> {
  const delivered = await deliver(transport, path, opts.timeoutMs, opts.method)
  if (!delivered.ok) return delivered
  return classifyAnswer(path, delivered.value)
}

async function deliver(transport: SrsTransport, path: string, timeoutMs: number, method?: 'GET' | 'DELETE'): Promise<SrsResult<SrsHttpAnswer>> {
  let timer: NodeJS.Timeout | undefined
  // The transport is asked to respect the timeout; this race makes sure a transport that does
  // not (or a proxy that hangs) still cannot hold a whole status page hostage.
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  try {
    const answer = await Promise.race([transport(path, method ? {timeoutMs, method} : {timeoutMs}), deadline])
    if (answer === 'timeout') return failed({reason: 'timeout', path, message: `SRS API did not answer within ${timeoutMs} ms`})
    return succeeded(answer)
  } catch (error) {
    if (error instanceof SrsTransportError) return failed({reason: error.reason, path, message: error.message})
    if (error instanceof TimeoutError) return failed({reason: 'timeout', path, message: `SRS API did not answer within ${timeoutMs} ms`})
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/** Gateway codes the apiserver uses, with a v1 Status body, when it cannot dial the pod. */
const PROXY_DIAL_FAILURES = new Set([502, 503, 504])

function classifyAnswer(path: string, answer: SrsHttpAnswer): SrsResult<SrsJsonAnswer> {
  const fail = (f: Omit<SrsFailure, 'path'>): SrsResult<SrsJsonAnswer> => failed({path, ...f})
  const {status} = answer
  if (status === 401) {
    return fail({
      reason: 'unauthorized',
      httpStatus: 401,
      message: 'SRS API answered HTTP 401: http_api auth is enabled, and the Kubernetes pod proxy does not pass credentials through (kubernetes issue 38775)',
    })
  }
  if (status < 200 || status >= 300) {
    const dialError = PROXY_DIAL_FAILURES.has(status) ? kubeStatusMessage(answer.body) : undefined
    if (dialError !== undefined) {
      return fail({reason: 'refused', httpStatus: status, message: `cannot connect to the SRS API port: ${dialError}`})
    }
    return fail({reason: `http-${status}`, httpStatus: status, message: `SRS API answered HTTP ${status}${redirectTarget(answer)}`})
  }
  const parsed = parseJson(answer.body)
  if (parsed.kind === 'truncated') {
    return fail({reason: 'truncated-json', httpStatus: status, message: `SRS API answer ended before the JSON was complete (${answer.body.length} bytes)`})
  }
  if (parsed.kind === 'invalid') {
    const what = answer.body.trim() === '' ? 'an empty body' : `something that is not JSON (${answer.contentType || 'no content type'})`
    return fail({reason: 'not-json', httpStatus: status, message: `SRS API answered ${what}`})
  }
  const body = parsed.value
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail({reason: 'unexpected-json', httpStatus: status, message: 'SRS API answered JSON that is not an object'})
  }
  const record = body as Record<string, unknown>
  const code = record.code
  if (typeof code !== 'number') {
    return fail({reason: 'unexpected-json', httpStatus: status, message: 'SRS API answered JSON without a numeric "code"'})
  }
  if (code !== 0) {
    return fail({reason: 'srs-error', httpStatus: status, srsCode: code, message: `SRS API answered error code ${describeSrsCode(code)}`})
  }
  return succeeded({path, envelope: readEnvelope(record), body: record})
}

function readEnvelope(body: Record<string, unknown>): SrsEnvelope {
  const envelope: SrsEnvelope = {}
  if (typeof body.server === 'string') envelope.server = body.server
  if (typeof body.service === 'string') envelope.service = body.service
  const pid = typeof body.pid === 'string' ? Number(body.pid) : body.pid
  if (typeof pid === 'number' && Number.isInteger(pid)) envelope.pid = pid
  return envelope
}

/** The message of a v1 Status body (the apiserver's own answer), or undefined if the body is not one. */
function kubeStatusMessage(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as {kind?: unknown; apiVersion?: unknown; message?: unknown}
    if (status.kind !== 'Status' || status.apiVersion !== 'v1') return undefined
    return typeof status.message === 'string' && status.message ? status.message : 'the apiserver could not reach the pod'
  } catch {
    return undefined
  }
}

function redirectTarget(answer: SrsHttpAnswer): string {
  // SRS explains its redirects in a text/plain body: "Redirect to /api/v1/streams/".
  if (answer.status < 300 || answer.status >= 400) return ''
  const match = /^Redirect to (\S+)/.exec(answer.body.trim())
  return match ? ` (redirect to ${match[1]})` : ''
}

type ParsedJson = {kind: 'ok'; value: unknown} | {kind: 'truncated'} | {kind: 'invalid'}

function parseJson(text: string): ParsedJson {
  try {
    return {kind: 'ok', value: JSON.parse(text)}
  } catch {
    return looksCutShort(text) ? {kind: 'truncated'} : {kind: 'invalid'}
  }
}

/**
 * True when the text opens like a JSON object or array and runs out while a string, object or
 * array is still open: the signature of an answer cut mid-transfer, as opposed to a body that was
 * never JSON (an HTML error page, Prometheus text, "Not Found").
 */
function looksCutShort(text: string): boolean {
  const trimmed = text.trimStart()
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return false
  let depth = 0
  let inString = false
  let escaped = false
  for (const ch of trimmed) {
    if (inString) {
      if (escaped) escaped = false
      else if (ch === '\\') escaped = true
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') inString = true
    else if (ch === '{' || ch === '[') depth++
    else if (ch === '}' || ch === ']') {
      depth--
      // Closed completely: whatever made the parse fail is not a missing tail.
      if (depth === 0) return false
    }
  }
  return inString || depth > 0
}
