/**
 * `kubectl srs kick`: find the SRS pods and read their clients (observe), choose the clients to
 * close (planKick), then, unless a dry run, have the caller approve the plan and close them
 * (executeKick), and build the result -o json prints.
 */
import {ExitCode, SrsError, UsageError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {SrsCredentialResolver, type SrsCredentialChoice} from '../srs/api/credentials.js'
import {findClientPods, readClients} from './collect.js'
import {executeKick, kickResult, planKick, type KickProgress, type KickRequest} from './kick.js'
import type {ClientReport, KickResult} from './result.js'

export interface KickRunOptions {
  namespace: string
  request: KickRequest
  dryRun: boolean
  /** Each pod's SRS API, and a closed client leaving its list. */
  timeoutMs: number
  concurrency: number
  extraImages?: readonly string[]
  apiCredentials?: SrsCredentialChoice
  /**
   * Asked with the clients to close before any is closed (not on a dry run): true goes on. The
   * command takes --yes or asks on a terminal.
   */
  approve: (clients: readonly ClientReport[]) => Promise<boolean>
  progress: KickProgress
}

export async function runKick(kube: KubeClient, opts: KickRunOptions): Promise<KickResult> {
  const pods = await findClientPods(kube, {namespace: opts.namespace, extraImages: opts.extraImages, credentials: new SrsCredentialResolver(kube, opts.apiCredentials)})
  const found = await readClients(kube, pods, {podTimeoutMs: opts.timeoutMs, concurrency: opts.concurrency})
  const plan = planKick(found.clients, opts.request)
  if (!plan.ok) {
    const notAsked = found.unreachable.length ? ` (${found.unreachable.length} pod(s) could not be asked: ${found.unreachable.map((u) => u.pod).join(', ')})` : ''
    throw new UsageError(plan.problem + notAsked, plan.hint)
  }
  if (opts.dryRun) {
    return kickResult(
      opts.request,
      true,
      plan.clients.map((c) => ({...c, outcome: 'planned' as const, message: ''})),
      found.unreachable,
    )
  }
  if (!(await opts.approve(plan.clients))) throw new SrsError('not confirmed: nothing closed', {reason: 'Refused'})
  const done = await executeKick(kube, pods, plan.clients, {timeoutMs: opts.timeoutMs, confirmMs: opts.timeoutMs}, opts.progress)
  const order = (c: {pod: string; id: string}) => plan.clients.findIndex((p) => p.pod === c.pod && p.id === c.id)
  return kickResult(
    opts.request,
    false,
    done.sort((a, b) => order(a) - order(b)),
    found.unreachable,
  )
}

/** 1 when a client could not be closed or is still connected, 3 when a pod could not be asked. */
export function kickExitCode(r: KickResult): ExitCode {
  if (r.summary.failed || r.summary.stillConnected) return ExitCode.Failed
  return r.unreachable.length ? ExitCode.Degraded : ExitCode.Ok
}
