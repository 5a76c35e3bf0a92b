/**
 * The pure half of `top`: a status observation plus the history kept across refreshes → one
 * frame and the next history. Linear in pods: one pass over the report, maps keyed by pod.
 */
import type {ProgressiveCanaryState} from '../rollout/progressive-state.js'
import type {StatusReport} from '../status/report.js'
import {TOP_API_VERSION, type TopCanaryProgress, type TopDrainingPod, type TopFrame, type TopPod, type TopService} from './frame.js'

/** What one refresh read: status's report, and what top needs from the objects beside it. */
export interface TopObservation {
  report: StatusReport
  /** Progressive canary state by workload ("namespace/name"), from the canary's annotation. */
  progressive: ReadonlyMap<string, ProgressiveCanaryState>
  /** Terminating pods ("namespace/pod"): the viewer count kubectl-srs canary wrote on them as it began the drain. */
  lastViewers: ReadonlyMap<string, number>
}

export interface PodHistory {
  viewers: number[]
  kbpsOut: number[]
}

/** Samples by pod ("namespace/pod"); only pods still present are carried to the next refresh. */
export type TopHistory = ReadonlyMap<string, PodHistory>

/** How many samples a sparkline keeps: 90 refreshes, three minutes at the default 2 s. */
export const HISTORY_SAMPLES = 90

export function buildTopFrame(observation: TopObservation, history: TopHistory, opts: {samples?: number} = {}): {frame: TopFrame; history: TopHistory} {
  const keep = Math.max(1, opts.samples ?? HISTORY_SAMPLES)
  const {report} = observation
  const next = new Map<string, PodHistory>()
  const trackOf = new Map<string, 'stable' | 'canary'>()
  for (const g of report.groups) for (const t of g.tracks) trackOf.set(`${g.namespace}/${t.workload}`, t.role)
  const viewersOf = new Map<string, number>()
  const pods: TopPod[] = []
  const draining: TopDrainingPod[] = []
  for (const w of report.workloads) {
    const workloadKey = `${w.namespace}/${w.name}`
    let viewers = 0
    for (const p of w.pods) {
      const key = `${w.namespace}/${p.name}`
      const before = history.get(key)
      if (p.terminating) {
        // As last read: top's own last sample, else the count the canary wrote before the drain.
        const last = before?.viewers.at(-1) ?? observation.lastViewers.get(key) ?? null
        draining.push({namespace: w.namespace, workload: w.name, name: p.name, viewers: last})
        if (before) next.set(key, before)
        continue
      }
      const h: PodHistory = p.srs ? {viewers: appendSample(before?.viewers, p.srs.viewers, keep), kbpsOut: appendSample(before?.kbpsOut, p.srs.kbpsOut, keep)} : (before ?? {viewers: [], kbpsOut: []})
      next.set(key, h)
      viewers += p.srs?.viewers ?? 0
      pods.push({
        namespace: w.namespace,
        workload: w.name,
        track: trackOf.get(workloadKey) ?? null,
        name: p.name,
        ready: p.ready,
        viewers: p.srs?.viewers ?? null,
        kbpsIn: p.srs?.kbpsIn ?? null,
        kbpsOut: p.srs?.kbpsOut ?? null,
        error: p.srs ? null : (p.error?.reason ?? 'not-queried'),
        history: {viewers: h.viewers, kbpsOut: h.kbpsOut},
      })
    }
    viewersOf.set(workloadKey, viewers)
  }
  const services: TopService[] = report.groups.map((g) => {
    const total = g.tracks.reduce((n, t) => n + (viewersOf.get(`${g.namespace}/${t.workload}`) ?? 0), 0)
    const tracks = g.tracks.map((t) => {
      const viewers = viewersOf.get(`${g.namespace}/${t.workload}`) ?? 0
      const requested = g.requestedWeight === null ? null : t.role === 'canary' ? g.requestedWeight : 100 - g.requestedWeight
      return {workload: t.workload, role: t.role, image: t.image, pods: t.pods, readyPods: t.readyPods, viewers, requestedWeight: requested, measuredWeight: total ? round1((100 * viewers) / total) : null}
    })
    // The canary's workload carries the state (a StatefulSet canary: the StatefulSet itself).
    const ordered = [...g.tracks].sort((a, b) => (a.role === b.role ? 0 : a.role === 'canary' ? -1 : 1))
    const state = ordered.map((t) => observation.progressive.get(`${g.namespace}/${t.workload}`)).find((s) => s !== undefined)
    return {namespace: g.namespace, service: g.service, tracks, canary: state ? canaryProgress(state) : null}
  })
  const answered = pods.filter((p) => p.viewers !== null)
  const frame: TopFrame = {
    apiVersion: TOP_API_VERSION,
    kind: 'SrsTop',
    context: report.context,
    generatedAt: report.generatedAt,
    namespaces: report.namespaces,
    services,
    pods,
    draining,
    warnings: report.warnings.filter((w) => w.kind !== 'draining').map((w) => w.message),
    summary: {
      pods: pods.length,
      podsAnswered: answered.length,
      viewers: answered.reduce((n, p) => n + p.viewers!, 0),
      kbpsOut: answered.reduce((n, p) => n + p.kbpsOut!, 0),
      draining: draining.length,
    },
  }
  return {frame, history: next}
}

function canaryProgress(s: ProgressiveCanaryState): TopCanaryProgress {
  const index = Math.min(Math.max(0, s.stepIndex), Math.max(0, s.steps.length - 1))
  return {
    step: index + 1,
    steps: s.steps.length,
    weight: s.steps[index] ?? 0,
    phase: s.phase,
    stepStartedAt: s.stepStartedAt,
    intervalSeconds: s.intervalSeconds,
    promote: s.promote,
    analysis: s.analysis,
  }
}

/** A new array with `value` appended, at most `keep` long (the oldest dropped). */
function appendSample(before: readonly number[] | undefined, value: number, keep: number): number[] {
  const out = before ? before.slice(Math.max(0, before.length + 1 - keep)) : []
  out.push(value)
  return out
}

function round1(x: number): number {
  return Math.round(x * 10) / 10
}
