/**
 * Exit codes of every kubectl-srs command (documented in the README):
 * 0 success, 1 the operation failed, 2 usage error, 3 degraded or timed out.
 */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Degraded: 3,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** An error a user will read: one line of message, an optional hint line, and an exit code. */
export class SrsError extends Error {
  readonly exitCode: ExitCode
  readonly hint?: string
  /** Machine-readable reason, e.g. "NotFound", "Forbidden"; part of the -o json error output. */
  readonly reason: string

  constructor(message: string, opts: {exitCode?: ExitCode; hint?: string; reason?: string; cause?: unknown} = {}) {
    super(message, opts.cause === undefined ? undefined : {cause: opts.cause})
    this.name = 'SrsError'
    this.exitCode = opts.exitCode ?? ExitCode.Failed
    this.hint = opts.hint
    this.reason = opts.reason ?? 'Failed'
  }
}

/** Bad flags or arguments: exit 2, nothing was changed. */
export class UsageError extends SrsError {
  constructor(message: string, hint?: string) {
    super(message, {exitCode: ExitCode.Usage, hint, reason: 'Usage'})
    this.name = 'UsageError'
  }
}

/** Something did not finish in time (rollout wait, request timeout): exit 3. */
export class TimeoutError extends SrsError {
  constructor(message: string, hint?: string) {
    super(message, {exitCode: ExitCode.Degraded, hint, reason: 'Timeout'})
    this.name = 'TimeoutError'
  }
}

/** Failures talking to the Kubernetes API, mapped from HTTP status codes by src/lib/kube. */
export class KubeApiError extends SrsError {
  readonly status: number
  /** On a 403: who was refused what (the identity as the apiserver named it). */
  readonly refused?: Refusal
  constructor(message: string, opts: {status: number; reason: string; hint?: string; cause?: unknown; refused?: Refusal; exitCode?: ExitCode}) {
    super(message, {exitCode: opts.exitCode ?? ExitCode.Failed, hint: opts.hint, reason: opts.reason, cause: opts.cause})
    this.name = 'KubeApiError'
    this.status = opts.status
    this.refused = opts.refused
  }
}

/** A request the apiserver refused (403): the identity, the verb, the resource and the namespace (none: cluster scope). */
export interface Refusal {
  user: string
  verb: string
  resource: string
  namespace?: string
}

export function isForbidden(err: unknown): err is KubeApiError & {refused: Refusal} {
  return err instanceof KubeApiError && err.status === 403 && err.refused !== undefined
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404
}

export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409
}
