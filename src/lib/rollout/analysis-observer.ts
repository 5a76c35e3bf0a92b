/**
 * Samples both tracks of a canary for the analysis: each pod's readiness and restartCount from
 * Kubernetes, and from its SRS API (through the executor's port-forward, which closes with each
 * answer, so no connection is left on a pod) its summaries, version and clients.
 */
import type {Pod} from '../kube/types.js'
import {listSrsClients, querySrsSummaries, querySrsVersions} from '../srs/api/endpoints.js'
import {matchSrsVersionToImage} from '../srs/api/version-match.js'
import {settledKbps, type AnalysisSample, type PodSample, type SrsReading, type Track} from './analysis.js'
import type {RolloutExecutor} from './executor.js'

export interface ObservedTracks {
  stableSelector: string
  canarySelector: string
  /** The SRS container. */
  container: string
  podTimeoutMs: number
}

export async function sampleTracks(exec: RolloutExecutor, t: ObservedTracks, now: () => number = Date.now): Promise<AnalysisSample> {
  const [stable, canary] = await Promise.all([exec.livePods(t.stableSelector), exec.livePods(t.canarySelector)])
  const pods = await Promise.all([...stable.map((p) => samplePod(exec, p, 'stable', t)), ...canary.map((p) => samplePod(exec, p, 'canary', t))])
  return {atMs: now(), pods}
}

async function samplePod(exec: RolloutExecutor, pod: Pod, track: Track, t: ObservedTracks): Promise<PodSample> {
  const status = pod.status?.containerStatuses?.find((c) => c.name === t.container)
  const base: PodSample = {
    pod: pod.metadata.name,
    uid: pod.metadata.uid ?? '',
    track,
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    restartCount: status?.restartCount ?? 0,
  }
  const transport = await exec.srsTransport(pod.metadata.name)
  const opts = {timeoutMs: t.podTimeoutMs}
  // One request at a time per pod: each port-forward closes with its answer.
  const summaries = await querySrsSummaries(transport, opts)
  if (!summaries.ok) return {...base, apiError: summaries.failure.message}
  const versions = await querySrsVersions(transport, opts)
  if (!versions.ok) return {...base, apiError: versions.failure.message}
  const clients = await listSrsClients(transport, {...opts, pageSize: 100})
  if (!clients.ok) return {...base, apiError: clients.failure.message}
  const image = pod.spec.containers.find((c) => c.name === t.container)?.image ?? ''
  const verdict = matchSrsVersionToImage(image, versions.value.version).verdict
  const settled = settledKbps(clients.value.clients)
  const srs: SrsReading = {
    service: summaries.value.envelope.service,
    uptimeSeconds: summaries.value.uptimeSeconds,
    version: versions.value.version,
    versionVerdict: verdict,
    clientIds: clients.value.clients.map((c) => c.id),
    sendKbps: clients.value.clients.reduce((s, c) => s + c.sendKbps, 0),
    settledViewers: settled.viewers,
    settledSendKbps: settled.sendKbps,
    cpuPercent: summaries.value.cpuPercent,
    memKbyte: summaries.value.memKbyte,
  }
  return {...base, srs}
}
