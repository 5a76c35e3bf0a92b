/**
 * `kick`: a pure plan (which clients on which pods) from the clients read across pods, then an
 * executor that closes them through the SRS API (DELETE /api/v1/clients/{id}) and confirms each
 * is gone from its pod's clients list, reporting through the progress interface it is given.
 */
import type {KubeClient} from '../kube/client.js'
import {kickSrsClient, listSrsClients} from '../srs/api/endpoints.js'
import {podTransport} from '../srs/api/transport.js'
import {sleep} from '../util.js'
import type {ClientPod} from './collect.js'
import {matchesStream} from './collect.js'
import type {ClientReport, KickResult, KickedClient, UnreachablePod} from './result.js'

export interface KickRequest {
  /** CLIENT_ID or POD/CLIENT_ID (SRS ids are unique within one process only). */
  clientIds: string[]
  stream?: string
  publishersOnly: boolean
}

export type KickPlan = {ok: true; clients: ClientReport[]} | {ok: false; problem: string; hint: string}

/** Which clients to close. Every id must name exactly one client; a stream must have some. */
export function planKick(found: readonly ClientReport[], req: KickRequest): KickPlan {
  if (req.stream !== undefined) {
    const clients = found.filter((c) => matchesStream(c.stream, req.stream!) && (!req.publishersOnly || c.direction === 'publish'))
    if (clients.length === 0) {
      return {ok: false, problem: `no ${req.publishersOnly ? 'publisher' : 'client'} of stream ${req.stream} on any SRS pod asked`, hint: 'list them with kubectl srs clients --stream ' + req.stream}
    }
    return {ok: true, clients}
  }
  const clients: ClientReport[] = []
  for (const asked of req.clientIds) {
    const slash = asked.indexOf('/')
    const pod = slash >= 0 ? asked.slice(0, slash) : undefined
    const id = slash >= 0 ? asked.slice(slash + 1) : asked
    const hits = found.filter((c) => c.id === id && (pod === undefined || c.pod === pod))
    if (hits.length === 0) return {ok: false, problem: `no client with id ${asked} on any SRS pod asked`, hint: 'list the clients and their ids with kubectl srs clients'}
    if (hits.length > 1) {
      return {ok: false, problem: `client id ${id} is on more than one pod (${hits.map((h) => h.pod).join(', ')})`, hint: `name the pod: POD/${id}, e.g. ${hits[0]!.pod}/${id}`}
    }
    if (!clients.includes(hits[0]!)) clients.push(hits[0]!)
  }
  return {ok: true, clients}
}

export interface KickProgress {
  closing(c: ClientReport): void
  done(c: KickedClient): void
}

export interface KickOptions {
  timeoutMs: number
  /** How long to wait for a closed client to leave its pod's list. */
  confirmMs: number
}

/** Closes the planned clients, one pod at a time in parallel across pods, and confirms each is gone. */
export async function executeKick(kube: KubeClient, pods: readonly ClientPod[], clients: readonly ClientReport[], opts: KickOptions, progress: KickProgress): Promise<KickedClient[]> {
  const byPod = new Map<string, ClientReport[]>()
  for (const c of clients) byPod.set(`${c.namespace}/${c.pod}`, [...(byPod.get(`${c.namespace}/${c.pod}`) ?? []), c])
  const out: KickedClient[] = []
  await Promise.all(
    [...byPod.entries()].map(async ([key, list]) => {
      const p = pods.find((x) => `${x.namespace}/${x.pod}` === key)!
      const transport = podTransport(kube, p.namespace, p.pod, p.apiPort, p.credentials)
      const closed: ClientReport[] = []
      for (const c of list) {
        progress.closing(c)
        const answer = await kickSrsClient(transport, c.id, {timeoutMs: opts.timeoutMs})
        if (answer.ok) closed.push(c)
        else if (answer.failure.srsCode === 2049) report({...c, outcome: 'gone-already', message: 'SRS no longer knew this client (code 2049)'})
        else report({...c, outcome: 'failed', message: answer.failure.message})
      }
      // Confirm: each closed id leaves the pod's clients list.
      const deadline = Date.now() + opts.confirmMs
      let left = closed
      let lastError = ''
      while (left.length) {
        const listed = await listSrsClients(transport, {timeoutMs: opts.timeoutMs, pageSize: 100})
        if (listed.ok) {
          const ids = new Set(listed.value.clients.map((x) => x.id))
          for (const c of left.filter((x) => !ids.has(x.id))) report({...c, outcome: 'closed', message: ''})
          left = left.filter((x) => ids.has(x.id))
        } else lastError = listed.failure.message
        if (!left.length || Date.now() >= deadline) break
        await sleep(250)
      }
      for (const c of left) {
        report({...c, outcome: 'still-connected', message: lastError ? `could not check its pod: ${lastError}` : `SRS accepted the close but still listed the client after ${Math.round(opts.confirmMs / 1000)}s`})
      }
    }),
  )
  return out

  function report(k: KickedClient): void {
    out.push(k)
    progress.done(k)
  }
}

export function kickResult(req: KickRequest, dryRun: boolean, clients: KickedClient[], unreachable: UnreachablePod[]): KickResult {
  const count = (o: KickedClient['outcome']) => clients.filter((c) => c.outcome === o).length
  return {
    apiVersion: 'kubectl-srs/v1alpha1',
    kind: 'SrsKick',
    dryRun,
    request: {clientIds: req.clientIds, stream: req.stream ?? null, publishersOnly: req.publishersOnly},
    clients,
    unreachable,
    summary: {planned: clients.length, closed: count('closed'), goneAlready: count('gone-already'), stillConnected: count('still-connected'), failed: count('failed')},
  }
}
