/**
 * The cluster-wide stream view SRS's own API does not give: every stream on every SRS pod,
 * which origin pod has its publisher, which edges pull it, and clients and kbps per pod.
 */
import pLimit from 'p-limit'
import type {KubeClient} from '../kube/client.js'
import {listSrsStreams} from '../srs/api/endpoints.js'
import type {SrsCredentialResolver} from '../srs/api/credentials.js'
import {podTransport} from '../srs/api/transport.js'
import {observeWorkloads} from '../srs/observe.js'
import {UNAUTHORIZED_MESSAGE} from '../srs/api/access.js'
import {compareNamesNumerically} from '../util.js'
import {buildTopology, type WorkloadRole} from '../srs/topology.js'

export interface StreamOnPod {
  pod: string
  workload: string
  role: WorkloadRole
  /** On an origin: the publisher is here. On an edge: SRS pulls it from an origin for its players. */
  publishing: boolean
  clients: number
  kbpsIn: number
  kbpsOut: number
}

export interface StreamReport {
  namespace: string
  /** app/stream, e.g. live/livestream. */
  stream: string
  /** Origin pods that have the publisher. */
  publishedOn: string[]
  clients: number
  kbpsIn: number
  kbpsOut: number
  pods: StreamOnPod[]
}

export interface StreamsResult {
  apiVersion: 'kubectl-srs/v1alpha1'
  kind: 'SrsStreams'
  streams: StreamReport[]
  /** Pods that could not be asked, with the reason. */
  unreachable: {namespace: string; pod: string; reason: string; message: string}[]
}

export async function collectStreams(
  kube: KubeClient,
  opts: {namespace: string | null; stream?: string; podTimeoutMs: number; concurrency: number; extraImages?: readonly string[]; credentials?: SrsCredentialResolver},
): Promise<StreamsResult> {
  const observed = await observeWorkloads(kube, opts.namespace)
  const limit = pLimit(opts.concurrency)
  const byKey = new Map<string, StreamReport>()
  const unreachable: StreamsResult['unreachable'] = []
  const jobs: Promise<void>[] = []
  for (const [ns, objs] of observed.byNamespace) {
    for (const w of buildTopology(ns, objs, {extraImages: opts.extraImages}).workloads) {
      const credentials = await opts.credentials?.forWorkload(w)
      if (credentials) await kube.preparePortForward()
      for (const pod of w.pods) {
        if (!pod.status?.podIP || pod.metadata.deletionTimestamp) continue
        jobs.push(
          limit(async () => {
            const res = await listSrsStreams(podTransport(kube, ns, pod.metadata.name, w.apiPort, credentials), {timeoutMs: opts.podTimeoutMs, pageSize: 100})
            if (!res.ok) {
              const message = res.failure.reason === 'unauthorized' ? UNAUTHORIZED_MESSAGE : res.failure.message
              unreachable.push({namespace: ns, pod: pod.metadata.name, reason: res.failure.reason, message})
              return
            }
            for (const s of res.value.streams) {
              const name = `${s.app}/${s.name}`
              if (opts.stream && opts.stream !== name && opts.stream !== s.name) continue
              const key = `${ns}/${name}`
              let r = byKey.get(key)
              if (!r) byKey.set(key, (r = {namespace: ns, stream: name, publishedOn: [], clients: 0, kbpsIn: 0, kbpsOut: 0, pods: []}))
              const onPod: StreamOnPod = {pod: pod.metadata.name, workload: w.name, role: w.role, publishing: s.publishing, clients: s.clients, kbpsIn: s.recvKbps, kbpsOut: s.sendKbps}
              r.pods.push(onPod)
              if (s.publishing && w.role !== 'edge') r.publishedOn.push(pod.metadata.name)
            }
          }),
        )
      }
    }
  }
  await Promise.all(jobs)
  const streams = [...byKey.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.stream.localeCompare(b.stream))
  for (const r of streams) {
    r.pods.sort((a, b) => compareNamesNumerically(a.pod, b.pod))
    r.publishedOn.sort()
    r.clients = r.pods.reduce((n, p) => n + p.clients, 0)
    r.kbpsIn = r.pods.reduce((n, p) => n + p.kbpsIn, 0)
    r.kbpsOut = r.pods.reduce((n, p) => n + p.kbpsOut, 0)
  }
  unreachable.sort((a, b) => a.pod.localeCompare(b.pod))
  return {apiVersion: 'kubectl-srs/v1alpha1', kind: 'SrsStreams', streams, unreachable}
}
