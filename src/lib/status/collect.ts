import {KubeApiError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {observeWorkloads} from '../srs/observe.js'
import {buildTopology, type Topology} from '../srs/topology.js'
import {authReport, type SrsApiAuthReport, type SrsCredentialResolver} from '../srs/api/credentials.js'
import {queryPods, type PodTarget} from './pod-query.js'
import {buildStatusReport, type StatusReport} from './report.js'

export interface StatusOptions {
  /** A namespace, or null for all namespaces. */
  namespace: string | null
  workload?: string
  labelSelector?: string
  extraImages?: readonly string[]
  /** Per-pod SRS API timeout. */
  podTimeoutMs: number
  concurrency: number
  /** SRS API credentials per workload (flags, --api-secret, or the workload's own). */
  credentials?: SrsCredentialResolver
}

/** observe → model → query every pod → report. */
export async function collectStatus(kube: KubeClient, opts: StatusOptions, previous?: StatusReport): Promise<StatusReport> {
  return (await collectStatusWithTopologies(kube, opts, previous)).report
}

/** The same, with the topologies the report was built from (top reads annotations from them). */
export async function collectStatusWithTopologies(kube: KubeClient, opts: StatusOptions, previous?: StatusReport): Promise<{report: StatusReport; topologies: Topology[]}> {
  const observed = await observeWorkloads(kube, opts.namespace, opts.labelSelector, {partial: true})
  let topologies: Topology[] = [...observed.byNamespace.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([ns, objs]) => buildTopology(ns, objs, {extraImages: opts.extraImages}))
  if (opts.workload) {
    topologies = topologies
      .map((t) => {
        // The named workload comes with the other tracks of its group (its canary), so weights add up.
        const groups = t.groups.filter((g) => g.tracks.some((x) => x.workload === opts.workload))
        const names = new Set([opts.workload!, ...groups.flatMap((g) => g.tracks.map((x) => x.workload))])
        return {...t, workloads: t.workloads.filter((w) => names.has(w.name)), groups, drift: t.drift.filter((d) => names.has(d.workload))}
      })
      .filter((t) => t.workloads.length > 0)
    if (topologies.length === 0) {
      const where = opts.namespace !== null ? `in namespace "${opts.namespace}"` : observed.access.complete ? 'in any namespace' : `in the namespaces this user may read (${(observed.access.namespacesRead ?? []).join(', ')})`
      throw new KubeApiError(`no SRS Deployment or StatefulSet named "${opts.workload}" ${where}`, {
        status: 404,
        reason: 'NotFound',
        hint: 'run `kubectl srs status` without a name to list the SRS workloads, or pass -n NAMESPACE',
      })
    }
  }
  const auth = new Map<string, SrsApiAuthReport>()
  const targets: PodTarget[] = []
  for (const t of topologies) {
    for (const w of t.workloads) {
      const credentials = await opts.credentials?.forWorkload(w)
      const shown = authReport(credentials)
      if (shown) auth.set(`${t.namespace}/${w.name}`, shown)
      for (const pod of w.pods) targets.push({namespace: t.namespace, pod, port: w.apiPort, credentials})
    }
  }
  if (targets.some((t) => t.credentials)) await kube.preparePortForward()
  const answers = await queryPods(kube, targets, {timeoutMs: opts.podTimeoutMs, concurrency: opts.concurrency})
  const report = buildStatusReport(kube.contextName, topologies, answers, new Date(), previous, observed.access, auth)
  // An empty namespace still names itself ("No SRS workloads found in namespace live.").
  if (report.namespaces.length === 0 && opts.namespace !== null) report.namespaces = [opts.namespace]
  return {report, topologies}
}
