/** One refresh of `top`: status's collection (the same requests, once per pod), then the model. */
import type {KubeClient} from '../kube/client.js'
import {parseProgressiveState, type ProgressiveCanaryState} from '../rollout/progressive-state.js'
import type {Topology} from '../srs/topology.js'
import {collectStatusWithTopologies, type StatusOptions} from '../status/collect.js'
import type {StatusReport} from '../status/report.js'
import {LAST_CONNECTIONS_ANNOTATION, ROLLOUT_ANNOTATION} from '../vocabulary.js'
import type {TopFrame} from './frame.js'
import {buildTopFrame, type TopHistory, type TopObservation} from './model.js'

/** A refresh function that keeps the history (and status's previous report, for restarts) between calls. */
export function topRefresher(kube: KubeClient, opts: StatusOptions, samples?: number): () => Promise<{frame: TopFrame; report: StatusReport}> {
  let history: TopHistory = new Map()
  let previous: StatusReport | undefined
  return async () => {
    const {report, topologies} = await collectStatusWithTopologies(kube, opts, previous)
    const built = buildTopFrame(observationOf(report, topologies), history, {samples})
    history = built.history
    previous = report
    return {frame: built.frame, report}
  }
}

/** What top reads beside the report: progressive canary state on workloads, last viewer counts on terminating pods. */
export function observationOf(report: StatusReport, topologies: readonly Topology[]): TopObservation {
  const progressive = new Map<string, ProgressiveCanaryState>()
  const lastViewers = new Map<string, number>()
  for (const t of topologies) {
    for (const w of t.workloads) {
      const state = parseProgressiveState(w.annotations[ROLLOUT_ANNOTATION.progressive])
      if (state) progressive.set(`${t.namespace}/${w.name}`, state)
      for (const p of w.pods) {
        const last = p.metadata.deletionTimestamp ? p.metadata.annotations?.[LAST_CONNECTIONS_ANNOTATION] : undefined
        if (last !== undefined && /^\d+$/.test(last)) lastViewers.set(`${t.namespace}/${p.metadata.name}`, Number(last))
      }
    }
  }
  return {report, progressive, lastViewers}
}
