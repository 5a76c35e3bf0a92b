/**
 * The analysis between the steps of a progressive canary: pure verdicts on samples of both
 * tracks' pods (what the observer read from Kubernetes and from each pod's SRS API). Health
 * checks (ready, restarts, version, api) fail at the first sample that breaks them; the
 * comparisons with the stable track (viewer retention, kbps, CPU and memory per viewer) are
 * judged over the whole interval.
 */
import type {AnalysisCheck} from './progressive-state.js'

export type Track = 'stable' | 'canary'

/** What the SRS API of one pod said in one sample. */
export interface SrsReading {
  /** Random per SRS start (SRS 5/6; absent on 4). */
  service?: string
  uptimeSeconds: number
  version: string
  /** The version against the pod's image tag (matchSrsVersionToImage). */
  versionVerdict: 'match' | 'mismatch' | 'unverifiable'
  clientIds: string[]
  /** The sum of the clients' send kbps (SRS's 30 s average). */
  sendKbps: number
  /**
   * Viewers connected for at least SRS's kbps window (KBPS_SETTLED_SECONDS) and the sum of their
   * send kbps: a newer client reads 0 kbps until its window fills, so only these say what a
   * viewer is sent.
   */
  settledViewers: number
  settledSendKbps: number
  cpuPercent: number
  memKbyte: number
}

export interface PodSample {
  pod: string
  uid: string
  track: Track
  ready: boolean
  /** The SRS container's restartCount. */
  restartCount: number
  /** undefined: the API did not answer (`apiError` says why). */
  srs?: SrsReading
  apiError?: string
}

export interface AnalysisSample {
  atMs: number
  pods: PodSample[]
}

export interface AnalysisThresholds {
  /** Percentage points the canary's viewer retention may be below the stable's. */
  maxRetentionDrop: number
  /** Percent the canary's kbps sent per viewer may be below the stable's. */
  maxKbpsDrop: number
  /** Percent a canary pod's CPU may be above a stable pod's at the canary's viewers per pod (loadCostCheck). */
  maxCpuIncrease: number
  /** Percent a canary pod's memory may be above a stable pod's at the canary's viewers per pod (loadCostCheck). */
  maxMemoryIncrease: number
}

/** SRS's cpu_percent of an idle pod moves by hundredths: a CPU difference below one point per pod is noise. */
export const CPU_NOISE_PERCENT = 1

/**
 * SRS's client kbps (`kbps.send_30s`) is a 30 s window that its timer refreshes: it reads 0 until
 * the first refresh after 30 s (measured on SRS 4.0.271: 0 at 30.8 s, 386 at 31.6 s; a viewer of
 * about 31 s on 6.0.157 still read 0). Older than this, a viewer's figure is SRS's measure.
 */
export const KBPS_SETTLED_SECONDS = 40

/** The viewers whose kbps SRS has measured (connected for KBPS_SETTLED_SECONDS) and the sum of their send kbps. */
export function settledKbps(clients: readonly {aliveSeconds: number; sendKbps: number}[]): {viewers: number; sendKbps: number} {
  const settled = clients.filter((c) => c.aliveSeconds >= KBPS_SETTLED_SECONDS)
  return {viewers: settled.length, sendKbps: settled.reduce((s, c) => s + c.sendKbps, 0)}
}

export const DEFAULT_THRESHOLDS: AnalysisThresholds = {maxRetentionDrop: 20, maxKbpsDrop: 50, maxCpuIncrease: 100, maxMemoryIncrease: 100}

const pass = (name: string, canary: string, stable: string, detail: string): AnalysisCheck => ({name, verdict: 'pass', canary, stable, detail})
const fail = (name: string, canary: string, stable: string, detail: string): AnalysisCheck => ({name, verdict: 'fail', canary, stable, detail})

/** The health checks over the samples so far; `expectedCanaryPods` is the step's canary size. */
export function healthChecks(samples: AnalysisSample[], expectedCanaryPods: number): AnalysisCheck[] {
  return [readyCheck(samples, expectedCanaryPods), restartsCheck(samples), versionCheck(samples), apiCheck(samples)]
}

/** The comparisons with the stable track, from the first sample (the interval start) to the last. */
export function comparisonChecks(samples: AnalysisSample[], th: AnalysisThresholds): AnalysisCheck[] {
  return [
    retentionCheck(samples, th),
    kbpsCheck(samples, th),
    loadCostCheck(
      'cpu-per-viewer',
      'CPU',
      samples,
      th.maxCpuIncrease,
      CPU_NOISE_PERCENT,
      (r) => r.cpuPercent,
      (v) => `${round(v, 3)} %CPU`,
    ),
    loadCostCheck(
      'memory-per-viewer',
      'memory',
      samples,
      th.maxMemoryIncrease,
      0,
      (r) => r.memKbyte,
      (v) => `${round(v, 0)} KB`,
    ),
  ]
}

/** Every check, and whether the step may go on. */
export function analyse(samples: AnalysisSample[], expectedCanaryPods: number, th: AnalysisThresholds): {checks: AnalysisCheck[]; failed: AnalysisCheck[]} {
  const checks = [...healthChecks(samples, expectedCanaryPods), ...comparisonChecks(samples, th)]
  return {checks, failed: checks.filter((c) => c.verdict === 'fail')}
}

const onTrack = (s: AnalysisSample, track: Track) => s.pods.filter((p) => p.track === track)

function readyCheck(samples: AnalysisSample[], expected: number): AnalysisCheck {
  const last = samples.at(-1)
  const figure = (s: AnalysisSample | undefined, track: Track) => (s ? `${onTrack(s, track).filter((p) => p.ready).length}/${onTrack(s, track).length} Ready` : 'not sampled')
  for (const s of samples) {
    const canary = onTrack(s, 'canary')
    const notReady = canary.filter((p) => !p.ready).map((p) => p.pod)
    if (notReady.length || canary.length < expected) {
      const why = notReady.length ? `not Ready: ${notReady.join(', ')}` : `${canary.length} canary pod(s) where the step runs ${expected}`
      return fail('ready', figure(s, 'canary'), figure(s, 'stable'), `${why} at ${new Date(s.atMs).toISOString()}`)
    }
  }
  return pass('ready', figure(last, 'canary'), figure(last, 'stable'), `every canary pod Ready in ${samples.length} sample(s)`)
}

/** Restarts of a track's pods: restartCount up, a new SRS `service` id, SRS uptime going back, or a pod replaced. */
function restartsOf(samples: AnalysisSample[], track: Track): string[] {
  const first = new Map<string, PodSample>()
  const prev = new Map<string, PodSample>()
  const restarted = new Set<string>()
  for (const s of samples) {
    const seen = new Set<string>()
    for (const p of onTrack(s, track)) {
      seen.add(p.pod)
      if (!first.has(p.pod)) first.set(p.pod, p)
      const before = prev.get(p.pod)
      if (before) {
        const serviceChanged = before.srs?.service !== undefined && p.srs?.service !== undefined && before.srs.service !== p.srs.service
        const uptimeBack = before.srs && p.srs && p.srs.uptimeSeconds + 1 < before.srs.uptimeSeconds
        if (p.uid !== before.uid || p.restartCount > before.restartCount || serviceChanged || uptimeBack) restarted.add(p.pod)
      }
      if (p.srs || !before) prev.set(p.pod, p.srs ? p : {...p, srs: before?.srs})
    }
    // A pod of the first sample that is gone was replaced (a Deployment's new pod has a new name).
    for (const name of first.keys()) if (!seen.has(name)) restarted.add(name)
  }
  return [...restarted]
}

function restartsCheck(samples: AnalysisSample[]): AnalysisCheck {
  const canary = restartsOf(samples, 'canary')
  const stable = restartsOf(samples, 'stable')
  const figure = (pods: string[]) => (pods.length ? `${pods.length} restarted (${pods.join(', ')})` : '0 restarts')
  if (canary.length) return fail('restarts', figure(canary), figure(stable), `canary SRS restarted during the interval (restartCount, SRS service id or uptime): ${canary.join(', ')}`)
  return pass('restarts', figure(canary), figure(stable), 'no canary SRS restarted')
}

function versionCheck(samples: AnalysisSample[]): AnalysisCheck {
  const versions = (track: Track) => [...new Set(samples.flatMap((s) => onTrack(s, track)).flatMap((p) => (p.srs ? [p.srs.version] : [])))].join(', ') || 'unknown'
  const wrong = samples.flatMap((s) => onTrack(s, 'canary')).filter((p) => p.srs?.versionVerdict === 'mismatch')
  if (wrong.length) return fail('version', versions('canary'), versions('stable'), `${[...new Set(wrong.map((p) => `${p.pod} reports ${p.srs!.version}`))].join(', ')}, not the canary image's version`)
  const unverifiable = samples.some((s) => onTrack(s, 'canary').some((p) => p.srs?.versionVerdict === 'unverifiable'))
  return pass('version', versions('canary'), versions('stable'), unverifiable ? "the canary image's tag names no version: readiness only" : "every canary pod reports its image's version")
}

/** A canary pod whose SRS API failed two samples in a row fails; one miss is tolerated (a slow answer). */
function apiCheck(samples: AnalysisSample[]): AnalysisCheck {
  const answered = (track: Track) => {
    const all = samples.flatMap((s) => onTrack(s, track))
    return `${all.filter((p) => p.srs).length}/${all.length} answers`
  }
  const misses = new Map<string, number>()
  for (const s of samples) {
    for (const p of onTrack(s, 'canary')) {
      const n = p.srs ? 0 : (misses.get(p.pod) ?? 0) + 1
      misses.set(p.pod, n)
      if (n >= 2) return fail('api', answered('canary'), answered('stable'), `${p.pod}'s SRS API did not answer two samples in a row (${p.apiError ?? 'no answer'})`)
    }
  }
  return pass('api', answered('canary'), answered('stable'), 'every canary SRS API answered')
}

/** Share of the track's viewers (client ids) at the first sample still connected to that track at the last. */
export function retention(samples: AnalysisSample[], track: Track): {start: number; kept: number} | undefined {
  const first = samples[0]
  const last = samples.at(-1)
  if (!first || !last) return undefined
  const start = new Set(onTrack(first, track).flatMap((p) => p.srs?.clientIds ?? []))
  const end = new Set(onTrack(last, track).flatMap((p) => p.srs?.clientIds ?? []))
  return {start: start.size, kept: [...start].filter((id) => end.has(id)).length}
}

function retentionCheck(samples: AnalysisSample[], th: AnalysisThresholds): AnalysisCheck {
  const canary = retention(samples, 'canary')
  const stable = retention(samples, 'stable')
  const pct = (r: {start: number; kept: number}) => (100 * r.kept) / r.start
  const figure = (r: {start: number; kept: number} | undefined) => (r && r.start ? `${round(pct(r), 1)} % (${r.kept} of ${r.start} viewers stayed)` : 'no viewers')
  if (!canary?.start || !stable?.start) return {...pass('viewer-retention', figure(canary), figure(stable), `not applicable: no viewers on the ${canary?.start ? 'stable' : 'canary'} track at the interval start`), applicable: false}
  const drop = pct(stable) - pct(canary)
  if (drop > th.maxRetentionDrop) return fail('viewer-retention', figure(canary), figure(stable), `canary kept ${round(drop, 1)} points fewer of its viewers than the stable (--max-retention-drop ${th.maxRetentionDrop})`)
  return pass('viewer-retention', figure(canary), figure(stable), `within ${th.maxRetentionDrop} points of the stable`)
}

/** Sum of a reading over the track's answering pods and sum of their viewers (`viewersOf`: every client), over every sample. */
function perViewer(samples: AnalysisSample[], track: Track, value: (r: SrsReading) => number, viewersOf: (r: SrsReading) => number = (r) => r.clientIds.length): number | undefined {
  let total = 0
  let viewers = 0
  for (const s of samples) {
    for (const p of onTrack(s, track)) {
      if (!p.srs) continue
      total += value(p.srs)
      viewers += viewersOf(p.srs)
    }
  }
  return viewers ? total / viewers : undefined
}

/** Per viewer connected for SRS's whole kbps window: a canary's viewers are mostly new, and a new one reads 0 kbps. */
function kbpsCheck(samples: AnalysisSample[], th: AnalysisThresholds): AnalysisCheck {
  const settled = (track: Track) =>
    perViewer(
      samples,
      track,
      (r) => r.settledSendKbps,
      (r) => r.settledViewers,
    )
  const canary = settled('canary')
  const stable = settled('stable')
  const figure = (v: number | undefined) => (v === undefined ? `no viewer connected ${KBPS_SETTLED_SECONDS} s` : `${round(v, 0)} kbps/viewer`)
  if (canary === undefined || stable === undefined || stable === 0)
    return {
      ...pass(
        'kbps-per-viewer',
        figure(canary),
        figure(stable),
        `not applicable: ${stable === 0 ? 'the stable sends 0 kbps' : `no viewer connected ${KBPS_SETTLED_SECONDS} s (SRS's kbps window and its refresh) on the ${canary === undefined ? 'canary' : 'stable'} track`}`,
      ),
      applicable: false,
    }
  const drop = (100 * (stable - canary)) / stable
  if (drop > th.maxKbpsDrop) return fail('kbps-per-viewer', figure(canary), figure(stable), `canary sends ${round(drop, 1)} % less per viewer than the stable (--max-kbps-drop ${th.maxKbpsDrop})`)
  return pass('kbps-per-viewer', figure(canary), figure(stable), `within ${th.maxKbpsDrop} % of the stable`)
}

/** Per pod and sample: the reading's mean and the viewers' mean over the track's answering pods. */
function perPod(samples: AnalysisSample[], track: Track, value: (r: SrsReading) => number): {cost: number; viewers: number} | undefined {
  let cost = 0
  let viewers = 0
  let n = 0
  for (const s of samples) {
    for (const p of onTrack(s, track)) {
      if (!p.srs) continue
      cost += value(p.srs)
      viewers += p.srs.clientIds.length
      n++
    }
  }
  return n ? {cost: cost / n, viewers: viewers / n} : undefined
}

/**
 * CPU or memory of a canary pod against a stable pod carrying its load. Per viewer alone
 * misjudges real SRS: a pod's own cost (pulling the stream, the process itself: ~40 MB, a tenth
 * of a percent of CPU) dominates at a few viewers, and a canary holds fewer viewers per pod than
 * the stable, so a healthy canary with 1 viewer on 2 pods read 5 times the stable's memory per
 * viewer. So the canary pod may cost what a stable pod costs, and proportionally more when it
 * carries more viewers per pod; `noise` is an absolute difference below which nothing is judged
 * (SRS's cpu_percent moves by hundredths at idle).
 */
function loadCostCheck(name: string, what: string, samples: AnalysisSample[], maxIncrease: number, noise: number, value: (r: SrsReading) => number, format: (v: number) => string): AnalysisCheck {
  const canary = perPod(samples, 'canary', value)
  const stable = perPod(samples, 'stable', value)
  const figure = (v: {cost: number; viewers: number} | undefined) => (v === undefined ? 'no answer' : `${format(v.cost)}/pod at ${round(v.viewers, 1)} viewers/pod`)
  const flag = `--max-${name === 'cpu-per-viewer' ? 'cpu' : 'memory'}-increase`
  if (canary === undefined || stable === undefined || stable.cost === 0)
    return {...pass(name, figure(canary), figure(stable), `not applicable: ${stable?.cost === 0 ? `the stable reports no ${what}` : 'no answer from a track'}`), applicable: false}
  const load = stable.viewers > 0 ? Math.max(1, canary.viewers / stable.viewers) : 1
  const allowed = stable.cost * load
  const increase = (100 * (canary.cost - allowed)) / allowed
  const scaled = load > 1 ? ` (the stable's scaled to the canary's ${round(load, 2)}× viewers per pod)` : ''
  if (increase > maxIncrease && canary.cost - allowed > noise) return fail(name, figure(canary), figure(stable), `canary pods use ${round(increase, 1)} % more ${what} than stable pods${scaled} (${flag} ${maxIncrease})`)
  return pass(name, figure(canary), figure(stable), `within ${maxIncrease} % of the stable pods'${scaled}${noise ? ` or within ${format(noise)} of them` : ''}`)
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
