/**
 * The commands that change SRS workloads (canary, promote, rollback, the origin commands) rely on
 * SRS's own API to verify versions and confirm reloads. With http_api auth on, SRS answers 401 to
 * a request without credentials (the apiserver pod proxy drops them, kubernetes issue 38775) or
 * with wrong ones, and no amount of waiting changes that. So such an answer stops the command at
 * once, saying what to pass; asked before the first write, it stops the command before anything
 * changed.
 */
import {SrsError} from '../../errors.js'
import type {Pod} from '../../kube/types.js'
import type {SrsApiCredentials} from './credentials.js'
import {querySrsVersions} from './endpoints.js'
import type {SrsFailure} from './result.js'
import type {PodTransports} from './transport.js'

const PASS_CREDENTIALS = '--api-secret NAME (a Secret with keys username and password) or --api-user USER --api-password-file FILE'

export interface SrsAuthContext {
  pod: string
  /** As kubectl names it: "deployment/srs-edge-deploy". */
  workload: string
  credentials?: SrsApiCredentials
  /** What the run has done so far and how to go on; ends the hint ("nothing was changed"). */
  state: string
}

/**
 * The error for an SRS API failure that no retry can fix: a 401 with no credentials to send, or
 * credentials SRS rejected. Undefined for every other failure (those are the waits' business).
 * Names the user and where the credentials came from, never the password.
 */
export function srsAuthError(failure: Pick<SrsFailure, 'reason'>, ctx: SrsAuthContext): SrsError | undefined {
  if (failure.reason === 'unauthorized') {
    return new SrsError(
      `SRS API of pod ${ctx.pod} (${ctx.workload}) answered 401: http_api auth is on and no credentials for it were given or found in the workload's srs.conf or env (the apiserver pod proxy drops the Authorization header, kubernetes issue 38775)`,
      {reason: 'Unauthorized', hint: `pass ${PASS_CREDENTIALS}; ${ctx.state}`},
    )
  }
  if (failure.reason === 'credentials-rejected') {
    const who = ctx.credentials ? `user "${ctx.credentials.username}" (credentials from ${ctx.credentials.from})` : 'the credentials'
    return new SrsError(`SRS API of pod ${ctx.pod} (${ctx.workload}) rejected ${who}: HTTP 401 through a port-forward`, {
      reason: 'CredentialsRejected',
      hint: `check them against http_api.auth in the workload's srs.conf or its SRS_HTTP_API_AUTH_* env and pass the right ones with ${PASS_CREDENTIALS}; ${ctx.state}`,
    })
  }
  return undefined
}

/**
 * The pods a check before the first write asks: one Ready pod (not terminating, with an IP) per
 * image of the SRS container. Pods of one template answer alike; a canary's other image may not.
 */
export function probePods(pods: readonly Pod[], container: string): Pod[] {
  const byImage = new Map<string, Pod>()
  for (const p of [...pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
    if (p.metadata.deletionTimestamp || !ready || !p.status?.podIP) continue
    const image = p.spec.containers.find((c) => c.name === container)?.image ?? ''
    if (!byImage.has(image)) byImage.set(image, p)
  }
  return [...byImage.values()]
}

export interface SrsAccessProbe {
  pod: string
  port: number
  workload: string
  credentials?: SrsApiCredentials
}

/**
 * Asks each probe's SRS API for its version and throws the auth error of the first that refuses
 * (in probe order). Other failures (a pod starting, a slow answer) do not stop anything here.
 */
export async function checkSrsApiAccess(transports: PodTransports, probes: readonly SrsAccessProbe[], opts: {timeoutMs: number}): Promise<void> {
  const refusals = await Promise.all(
    probes.map(async (p) => {
      const r = await querySrsVersions(transports.of(p.pod, p.port, p.credentials), {timeoutMs: opts.timeoutMs})
      return r.ok ? undefined : srsAuthError(r.failure, {...p, state: 'nothing was changed'})
    }),
  )
  const refused = refusals.find((e) => e !== undefined)
  if (refused) throw refused
}

/** What a 401 through the pod proxy means, and the way around it. */
export const UNAUTHORIZED_MESSAGE =
  'SRS API answered 401: http_api auth is on, and the apiserver pod proxy drops the Authorization header (kubernetes issue 38775); ' +
  'give the credentials with --api-secret NAME or --api-user USER --api-password-file FILE to reach it through a port-forward'
