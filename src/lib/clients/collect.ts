/**
 * Reads the clients of every SRS pod (clients list, every page past SRS's page of 10) and
 * turns them into one list across pods: what `clients` shows and what `kick` plans from.
 */
import pLimit from 'p-limit'
import type {KubeClient} from '../kube/client.js'
import type {Pod} from '../kube/types.js'
import {listSrsClients, listSrsStreams, type SrsClient} from '../srs/api/endpoints.js'
import type {SrsApiCredentials, SrsCredentialResolver} from '../srs/api/credentials.js'
import {podTransport} from '../srs/api/transport.js'
import {observeWorkloads} from '../srs/observe.js'
import {buildTopology} from '../srs/topology.js'
import {compareNamesNumerically} from '../status/name-order.js'
import {UNAUTHORIZED_MESSAGE} from '../status/pod-query.js'
import type {ClientDirection, ClientReport, ClientsResult, UnreachablePod} from './result.js'

export interface ClientsQuery {
  namespace: string
  /** A Deployment/StatefulSet name or a pod name; undefined: every SRS pod of the namespace. */
  target?: string
  /** app/name, or just the name. */
  stream?: string
  direction?: ClientDirection
  podTimeoutMs: number
  concurrency: number
  extraImages?: readonly string[]
  credentials?: SrsCredentialResolver
}

/** One SRS pod to ask, with what reaching its API takes. */
export interface ClientPod {
  namespace: string
  pod: string
  workload: string
  apiPort: number
  credentials?: SrsApiCredentials
}

export class TargetNotFound extends Error {}

/** The SRS pods the query covers (running, not terminating). Throws TargetNotFound for an unknown WORKLOAD|POD. */
export async function findClientPods(kube: KubeClient, q: Pick<ClientsQuery, 'namespace' | 'target' | 'extraImages' | 'credentials'>): Promise<ClientPod[]> {
  const observed = await observeWorkloads(kube, q.namespace)
  const out: ClientPod[] = []
  let matched = q.target === undefined
  for (const [ns, objs] of observed.byNamespace) {
    for (const w of buildTopology(ns, objs, {extraImages: q.extraImages}).workloads) {
      const byWorkload = q.target === undefined || q.target === w.name
      const pods = w.pods.filter((p: Pod) => byWorkload || p.metadata.name === q.target)
      if (q.target !== undefined && (byWorkload || pods.length > 0)) matched = true
      if (pods.length === 0) continue
      const credentials = await q.credentials?.forWorkload(w)
      if (credentials) await kube.preparePortForward()
      for (const p of pods) {
        if (!p.status?.podIP || p.metadata.deletionTimestamp) continue
        out.push({namespace: ns, pod: p.metadata.name, workload: w.name, apiPort: w.apiPort, ...(credentials ? {credentials} : {})})
      }
    }
  }
  if (!matched) throw new TargetNotFound(`no SRS workload or pod named "${q.target}" in namespace ${q.namespace}`)
  return out.sort((a, b) => compareNamesNumerically(a.pod, b.pod))
}

/** Every client of the pods, filtered by stream and direction, sorted by pod then id. */
export async function readClients(kube: KubeClient, pods: readonly ClientPod[], q: Pick<ClientsQuery, 'stream' | 'direction' | 'podTimeoutMs' | 'concurrency'>): Promise<ClientsResult> {
  const limit = pLimit(Math.max(1, q.concurrency))
  const clients: ClientReport[] = []
  const unreachable: UnreachablePod[] = []
  await Promise.all(
    pods.map((p) =>
      limit(async () => {
        const transport = podTransport(kube, p.namespace, p.pod, p.apiPort, p.credentials)
        const opts = {timeoutMs: q.podTimeoutMs, pageSize: 100}
        // Streams name the stream ids clients point at (a client's own url is the stream's on SRS 5/6 only).
        const [listed, streams] = await Promise.all([listSrsClients(transport, opts), listSrsStreams(transport, opts)])
        const failure = !listed.ok ? listed.failure : !streams.ok ? streams.failure : undefined
        if (failure || !listed.ok || !streams.ok) {
          unreachable.push({namespace: p.namespace, pod: p.pod, reason: failure!.reason, message: failure!.reason === 'unauthorized' ? UNAUTHORIZED_MESSAGE : failure!.message})
          return
        }
        const streamNames = new Map(streams.value.streams.map((s) => [s.id, `${s.app}/${s.name}`]))
        for (const c of listed.value.clients) {
          const r = toReport(p, c, streamNames)
          if (q.direction && r.direction !== q.direction) continue
          if (q.stream && !matchesStream(r.stream, q.stream)) continue
          clients.push(r)
        }
      }),
    ),
  )
  clients.sort((a, b) => compareNamesNumerically(a.pod, b.pod) || a.id.localeCompare(b.id))
  unreachable.sort((a, b) => compareNamesNumerically(a.pod, b.pod))
  return {apiVersion: 'kubectl-srs/v1alpha1', kind: 'SrsClients', clients, unreachable}
}

export function matchesStream(stream: string, wanted: string): boolean {
  return stream === wanted || (!wanted.includes('/') && stream.slice(stream.lastIndexOf('/') + 1) === wanted)
}

function toReport(p: ClientPod, c: SrsClient, streamNames: Map<string, string>): ClientReport {
  const direction: ClientDirection = c.publishing ? 'publish' : 'play'
  // url is "/live/livestream" (SRS 4 too); the streams list names it where url is missing.
  const fromUrl = c.url.replace(/^\//, '').replace(/\.flv$/, '')
  const stream = fromUrl || streamNames.get(c.streamId) || ''
  return {
    namespace: p.namespace,
    pod: p.pod,
    workload: p.workload,
    id: c.id,
    type: c.type,
    direction,
    ip: c.ip,
    stream,
    aliveSeconds: c.aliveSeconds,
    kbps: direction === 'publish' ? c.recvKbps : c.sendKbps,
  }
}
