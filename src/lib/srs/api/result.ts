/** What every SRS API call gives back: the data, or a reason the pod could not provide it. */

export type SrsFailureReason =
  /** No answer within the per-pod timeout. */
  | 'timeout'
  /** The apiserver could not connect to the pod's port (listeners closed while draining, not started yet, wrong port). */
  | 'refused'
  /** The pod is gone. */
  | 'unreachable'
  /** HTTP 401: http_api auth is on (SRS 5/6), and the pod proxy cannot pass credentials through. */
  | 'unauthorized'
  /** HTTP 401 through a port-forward with credentials: the username or password is wrong. */
  | 'credentials-rejected'
  /** Any other non-2xx answer of the SRS API itself, e.g. "http-500", or "http-302" for a redirect. */
  | `http-${number}`
  | 'not-json'
  /** The body starts as JSON but stops before it is complete (connection cut mid-answer). */
  | 'truncated-json'
  /** Valid JSON without the fields this endpoint must have (e.g. SRS's fallback index for an unknown path). */
  | 'unexpected-json'
  /** HTTP 200 with a non-zero `code`; the code is kept in `srsCode`. */
  | 'srs-error'

export interface SrsFailure {
  reason: SrsFailureReason
  /** One sentence a user can read, e.g. "SRS API answered HTTP 500". */
  message: string
  /** The API path that was asked, e.g. "/api/v1/streams/?start=0&count=100". */
  path: string
  httpStatus?: number
  srsCode?: number
}

export type SrsResult<T> = {ok: true; value: T} | {ok: false; failure: SrsFailure}

export function succeeded<T>(value: T): SrsResult<T> {
  return {ok: true, value}
}

export function failed<T>(failure: SrsFailure): SrsResult<T> {
  return {ok: false, failure}
}

/** Meanings of the SRS error codes the plugin can run into (from SRS's error table). */
const SRS_ERROR_CODES: Readonly<Record<number, string>> = {
  100: 'test error',
  1023: 'configuration is invalid',
  1060: 'raw API call not supported by this SRS',
  1061: 'raw API disabled in http_api.raw_api',
  1090: 'Prometheus exporter disabled',
  2048: 'stream not found',
  2049: 'client not found',
}

export function describeSrsCode(code: number): string {
  const meaning = SRS_ERROR_CODES[code]
  return meaning ? `${code} (${meaning})` : String(code)
}
