/**
 * Did each SRS pod load the new lists? Only SRS can say, in one of these ways, tried in order:
 *
 * - reload-fetch (SRS 5.0.176+ / 6.0.71+, raw API on): a reload id that differs from the one taken
 *   before the write, with state 90. With inotify_auto_reload on, SRS reloads by itself ~3 s after
 *   kubelet swaps the projected files; with raw_api.allow_reload on, the reload is asked for once
 *   kubelet's sync bound has passed since the write (and again on every poll after that);
 * - raw reload answer (SRS without reload-fetch, e.g. 4.x, with raw_api.allow_reload on): rpc=reload
 *   asked after the kubelet sync bound re-reads the file kubelet projected; code 0 confirms it;
 * - the container log (inotify on, SRS logging to the console): a `reload config success` line
 *   after the write (SRS 4 prints `reload config success.`, 5/6 `reload config success, state=90.`);
 * - a pod whose SRS container started after the write read the new file at start;
 * - otherwise the pod stays pending with the reason; the command names what finishes it
 *   (kubectl srs reload, which restarts such pods).
 * SRS refusing the credentials (http_api auth): the pod stays pending, not polled, saying what to pass.
 */
import {fetchSrsReloadResult, querySrsVersions, requestSrsReload, srsAuthError, type PodTransports, type SrsApiCredentials, type SrsFailure, type SrsTransport} from '../srs/api/index.js'
import type {Pod} from '../kube/types.js'
import type {SrsEffectiveSettings} from '../srs/conf/index.js'
import type {WorkloadModel} from '../srs/topology.js'
import {sleep} from '../util.js'

export type ReloadState = 'applied' | 'pending' | 'failed'
export type ReloadMethod = 'inotify' | 'raw-reload' | 'none'
/** What showed that a pod applied the file. */
export type ReloadEvidence = 'reload-fetch' | 'raw-reload-answer' | 'log' | 'started-after-write' | 'restarted'

export interface PodReloadReport {
  pod: string
  workload: string
  configMap: string
  version?: string
  method: ReloadMethod
  state: ReloadState
  /** Set when applied. */
  confirmedBy?: ReloadEvidence
  /** An origin this run removes: whether it loads the new lists does not matter. */
  leaving?: boolean
  /** Why the pod is pending or failed, or what showed it applied. */
  reason: string
}

export interface ReloadTarget {
  pod: string
  workload: string
  /** "deployment/srs-edge-deploy", for messages. */
  workloadRef: string
  configMap: string
  /** The SRS container, whose log may show the reload. */
  container: string
  /** When the SRS container started (ms): one started after the write read the new file. */
  startedAt?: number
  /** srs_log_tank is not `file`: SRS prints its reload lines to the container log. */
  logsToConsole: boolean
  apiPort: number
  settings: SrsEffectiveSettings
  /** SRS http_api credentials of the pod's workload. */
  credentials?: SrsApiCredentials
}

export interface PodBaseline {
  major?: number
  version?: string
  reloadId?: string
  /** reload-fetch answered (SRS 5.0.176+ / 6.0.71+ with raw_api on). */
  canFetch: boolean
  service?: string
  error?: string
  /** SRS refused this command's credentials (or their absence): why, and what to pass. */
  refused?: string
}

export interface ConfirmOptions {
  timeoutMs: number
  /** How long kubelet may take to project a ConfigMap change (sync period + cache TTL). */
  kubeletSyncMs: number
  requestTimeoutMs: number
  pollMs?: number
  /** Don't wait: report what is known right after the write. */
  noWait?: boolean
  onProgress?: (done: number, total: number) => void
  /** The SRS container's log of the last `sinceSeconds` (pods/log); absent: logs are not read. */
  readLog?: (t: ReloadTarget, sinceSeconds: number) => Promise<string>
}

/** How a pod's reload of the new file can be confirmed. */
export type ConfirmPath = 'reload-fetch' | 'raw-reload-answer' | 'log'

/** SRS prints this when a reload applied: `reload config success.` (4.x), `reload config success, state=90.` (5/6). */
const RELOAD_SUCCESS_LINE = /reload config success/
/** A reload that did not apply: `reload failed, state=10, err ...` (5/6; 4.x exits instead). */
const RELOAD_FAILED_LINE = /reload failed[^\n]*/

function transportFor(transports: PodTransports, t: ReloadTarget): SrsTransport {
  return transports.of(t.pod, t.apiPort, t.credentials)
}

/** Why SRS would not let this pod be asked, with what to pass; undefined for any other failure. */
function refusal(t: ReloadTarget, failure: SrsFailure): string | undefined {
  const error = srsAuthError(failure, {pod: t.pod, workload: t.workloadRef, credentials: t.credentials, state: 'until then this pod cannot confirm the new lists'})
  return error && `${error.message}; ${error.hint}`
}

/** Per pod, before the write: what it runs and its last reload id. */
export async function takeBaseline(transports: PodTransports, targets: ReloadTarget[], requestTimeoutMs: number): Promise<Map<string, PodBaseline>> {
  const out = new Map<string, PodBaseline>()
  await Promise.all(
    targets.map(async (t) => {
      const tr = transportFor(transports, t)
      const v = await querySrsVersions(tr, {timeoutMs: requestTimeoutMs})
      if (!v.ok) {
        out.set(t.pod, {canFetch: false, error: v.failure.message, refused: refusal(t, v.failure)})
        return
      }
      const base: PodBaseline = {major: v.value.major, version: v.value.version, service: v.value.envelope.service, canFetch: false}
      if (t.settings.global.rawApiEnabled.value && v.value.major >= 5) {
        const f = await fetchSrsReloadResult(tr, {timeoutMs: requestTimeoutMs})
        if (f.ok) {
          base.canFetch = true
          base.reloadId = f.value.reloadId
        }
      }
      out.set(t.pod, base)
    }),
  )
  return out
}

/** What a pod can do to pick up a new file, in the order it is tried. */
export function reloadMethodOf(settings: SrsEffectiveSettings): ReloadMethod {
  if (settings.global.inotifyAutoReload.value) return 'inotify'
  if (settings.global.rawApiEnabled.value && settings.global.rawApiAllowReload.value) return 'raw-reload'
  return 'none'
}

/** rpc=reload-fetch came with SRS 5.0.176 and 6.0.71 (SRS PR 3779); older versions answer code 1060. */
function hasReloadFetch(base: PodBaseline): boolean {
  const v = /^(\d+)\.(\d+)\.(\d+)/.exec(base.version ?? '')
  if (!v) return (base.major ?? 0) >= 5
  const [major, minor, revision] = [Number(v[1]), Number(v[2]), Number(v[3])]
  if (major === 5 && minor === 0) return revision >= 176
  if (major === 6 && minor === 0) return revision >= 71
  return major >= 5
}

function rawReloadAllowed(settings: SrsEffectiveSettings): boolean {
  return settings.global.rawApiEnabled.value && settings.global.rawApiAllowReload.value
}

/** The first way that can confirm this pod's reload, or undefined when none can. */
export function confirmPathOf(method: ReloadMethod, base: PodBaseline, target: Pick<ReloadTarget, 'settings' | 'logsToConsole'>): ConfirmPath | undefined {
  if (method === 'none') return undefined
  if (!base.refused && !base.error && base.canFetch) return 'reload-fetch'
  if (!base.refused && !base.error && rawReloadAllowed(target.settings)) return 'raw-reload-answer'
  if (method === 'inotify' && target.logsToConsole) return 'log'
  return undefined
}

/** Why a pod can never be confirmed, or undefined when it can. */
export function unconfirmableReason(method: ReloadMethod, base: PodBaseline, target: Pick<ReloadTarget, 'settings' | 'logsToConsole'>): string | undefined {
  if (method === 'none') {
    return 'inotify_auto_reload is off and http_api.raw_api.allow_reload is off: SRS will not load the new list until it restarts; add inotify_auto_reload on; (auto_reload_for_docker does not turn it on: SRS looks for /docker in /proc/1/cgroup, which pods on containerd or cgroup v2 nodes do not show) or restart the pod'
  }
  if (confirmPathOf(method, base, target)) return undefined
  if (base.refused) return base.refused
  if (base.error) return `SRS API did not answer before the change: ${base.error}`
  if (!base.canFetch) {
    const why = !hasReloadFetch(base) ? `SRS ${base.version ?? '4 or older'} has no rpc=reload-fetch` : 'http_api.raw_api is off, so rpc=reload-fetch is refused'
    const what = method === 'inotify' ? 'an inotify reload follows the kubelet sync' : 'a raw reload is requested after the kubelet sync'
    const log = method === 'inotify' && !target.logsToConsole ? ' and SRS logs to a file (no srs_log_tank console), so its container log cannot show the reload' : ''
    return `${what}, but ${why}${log}: nothing can confirm it applied; turn on http_api { raw_api { enabled on; allow_reload on; } } (a raw reload answered with code 0 confirms it)${log ? ' or srs_log_tank console;' : ''}, or restart the pod`
  }
  return undefined
}

/**
 * Waits until every pod applied the file written at `writtenAt`, failed to, or the timeout
 * passed. Never marks a pod applied without SRS itself saying so (its API or its log), or its
 * container having started after the write.
 */
export async function confirmReloads(transports: PodTransports, targets: ReloadTarget[], baseline: Map<string, PodBaseline>, writtenAt: number, opts: ConfirmOptions): Promise<PodReloadReport[]> {
  const reports = new Map<string, PodReloadReport>()
  const paths = new Map<string, ConfirmPath>()
  const open: ReloadTarget[] = []
  for (const t of targets) {
    const base = baseline.get(t.pod) ?? {canFetch: false, error: 'no baseline'}
    const method = reloadMethodOf(t.settings)
    const report: PodReloadReport = {pod: t.pod, workload: t.workload, configMap: t.configMap, version: base.version, method, state: 'pending', reason: 'waiting for kubelet to project the new file'}
    reports.set(t.pod, report)
    if (t.startedAt !== undefined && writtenAt > 0 && t.startedAt > writtenAt) {
      Object.assign(report, {state: 'applied', confirmedBy: 'started-after-write', reason: 'SRS started after the ConfigMap write, so it read the new file'})
      continue
    }
    const path = opts.readLog ? confirmPathOf(method, base, t) : confirmPathOf(method, base, {...t, logsToConsole: false})
    const reason = path ? undefined : unconfirmableReason(method, base, opts.readLog ? t : {...t, logsToConsole: false})
    if (reason) report.reason = reason
    if (path) {
      paths.set(t.pod, path)
      open.push(t)
    }
  }
  const deadline = Date.now() + (opts.noWait ? 0 : opts.timeoutMs)
  const poll = opts.pollMs ?? 1000
  const lastTrigger = new Map<string, number>()
  const reqOpts = {timeoutMs: opts.requestTimeoutMs}
  let remaining = open
  opts.onProgress?.(targets.length - remaining.length, targets.length)
  while (remaining.length > 0 && Date.now() <= deadline) {
    const next: ReloadTarget[] = []
    await Promise.all(
      remaining.map(async (t) => {
        const report = reports.get(t.pod)!
        const base = baseline.get(t.pod)!
        const path = paths.get(t.pod)!
        const keep = path === 'reload-fetch' ? await pollReloadFetch(transportFor(transports, t), t, report, base) : path === 'raw-reload-answer' ? await pollRawReloadAnswer(transportFor(transports, t), t, report) : await pollLog(t, report)
        if (keep) next.push(t)
      }),
    )
    remaining = next
    opts.onProgress?.(targets.length - remaining.length, targets.length)
    if (remaining.length > 0) await sleep(poll)
  }
  if (opts.noWait) for (const t of remaining) reports.get(t.pod)!.reason = `not waited for (--no-wait): ${reports.get(t.pod)!.reason}`
  return targets.map((t) => reports.get(t.pod)!)

  function triggerDue(t: ReloadTarget): boolean {
    return sinceMs(writtenAt) >= opts.kubeletSyncMs && Date.now() - (lastTrigger.get(t.pod) ?? 0) >= Math.max(poll, 2000)
  }

  /** SRS 5.0.176+ / 6.0.71+: a new reload id with state 90. Returns whether to poll again. */
  async function pollReloadFetch(tr: SrsTransport, t: ReloadTarget, report: PodReloadReport, base: PodBaseline): Promise<boolean> {
    const f = await fetchSrsReloadResult(tr, reqOpts)
    if (!f.ok) {
      const refused = refusal(t, f.failure)
      report.reason = refused ?? `SRS API: ${f.failure.message}`
      // Waiting does not make SRS accept other credentials: this pod stays pending, not polled.
      return !refused
    }
    if (base.service && f.value.envelope.service && f.value.envelope.service !== base.service) {
      // A restarted SRS read whatever file kubelet had then; its reload id says nothing.
      report.reason = 'SRS restarted while waiting; it loaded the file kubelet had projected at start, which cannot be checked'
      return false
    }
    if (f.value.reloadId !== base.reloadId && f.value.state !== 'none') {
      if (f.value.state === 'applied') {
        Object.assign(report, {state: 'applied', confirmedBy: 'reload-fetch'})
        report.reason = report.method === 'inotify' ? 'inotify reload after the kubelet sync; reload-fetch state 90' : 'raw API reload after the kubelet sync bound; reload-fetch state 90'
        return false
      }
      if (f.value.state === 'parse-failed' && sinceMs(writtenAt) > 0) {
        report.state = 'failed'
        report.reason = `reload failed: ${f.value.message} (err ${f.value.errorCode}, state ${f.value.stateCode}); SRS keeps the old config`
        return false
      }
    }
    if (rawReloadAllowed(t.settings) && triggerDue(t)) {
      // The kubelet sync bound has passed (and inotify, if on, has not reported): reload now.
      lastTrigger.set(t.pod, Date.now())
      const r = await requestSrsReload(tr, reqOpts)
      report.reason = r.ok ? 'raw API reload requested; waiting for reload-fetch' : `raw API reload refused: ${r.failure.message}`
      if (!r.ok && r.failure.srsCode === 1061) return false
      // The new reload id must be a reload we asked for after the bound, not an older one.
      base.reloadId = f.value.reloadId
      report.method = 'raw-reload'
    } else if (sinceMs(writtenAt) < opts.kubeletSyncMs || report.method === 'inotify') {
      report.reason = report.method === 'inotify' ? 'waiting for kubelet to project the file and SRS to reload it (kubelet can take up to about two minutes)' : waitingForBound(opts)
    }
    return true
  }

  /**
   * SRS without reload-fetch (4.x), raw_api.allow_reload on: rpc=reload asked once the kubelet sync
   * bound has passed re-reads the projected file; its code 0 is the confirmation.
   */
  async function pollRawReloadAnswer(tr: SrsTransport, t: ReloadTarget, report: PodReloadReport): Promise<boolean> {
    if (!triggerDue(t)) {
      report.reason = waitingForBound(opts)
      return true
    }
    lastTrigger.set(t.pod, Date.now())
    const r = await requestSrsReload(tr, reqOpts)
    if (r.ok) {
      Object.assign(report, {state: 'applied', confirmedBy: 'raw-reload-answer', method: 'raw-reload'})
      report.reason = `raw API reload after the kubelet sync bound answered code 0 (${report.version ? `SRS ${report.version}` : 'this SRS'} has no rpc=reload-fetch to report more)`
      return false
    }
    const refused = refusal(t, r.failure)
    report.reason = refused ?? `raw API reload: ${r.failure.message}`
    return !refused && r.failure.srsCode !== 1061
  }

  /** inotify on, SRS logging to the console: its reload line after the write. */
  async function pollLog(t: ReloadTarget, report: PodReloadReport): Promise<boolean> {
    let text: string
    try {
      // Whole seconds back to the write, plus one for the rounding of kubelet's clock.
      text = await opts.readLog!(t, Math.max(1, Math.ceil(sinceMs(writtenAt) / 1000) + 1))
    } catch (error) {
      report.reason = `cannot read the container log of ${t.pod} (${(error as Error).message}): nothing else can confirm the inotify reload of SRS ${report.version ?? ''}; RBAC: get pods/log`
      return false
    }
    if (RELOAD_SUCCESS_LINE.test(text)) {
      Object.assign(report, {state: 'applied', confirmedBy: 'log'})
      report.reason = `inotify reload after the kubelet sync; the container log shows "reload config success"`
      return false
    }
    const failed = RELOAD_FAILED_LINE.exec(text)
    if (failed) {
      report.state = 'failed'
      report.reason = `the container log shows "${failed[0]}"; SRS keeps the old config`
      return false
    }
    report.reason = 'waiting for kubelet to project the file and SRS to log its reload (kubelet can take up to about two minutes)'
    return true
  }
}

function waitingForBound(o: ConfirmOptions): string {
  return `waiting for the kubelet sync bound (${Math.round(o.kubeletSyncMs / 1000)}s) before asking SRS to reload`
}

function sinceMs(t: number): number {
  return Date.now() - t
}

/** When the container's current run started (ms), if it runs. */
export function containerStartedAt(pod: Pod, container: string): number | undefined {
  const running = pod.status?.containerStatuses?.find((c) => c.name === container)?.state?.running as {startedAt?: string} | undefined
  const t = running?.startedAt ? Date.parse(running.startedAt) : Number.NaN
  return Number.isFinite(t) ? t : undefined
}

/**
 * SRS prints to the container log only with `srs_log_tank console`, in the file or (SRS 5/6) as
 * SRS_SRS_LOG_TANK / SRS_LOG_TANK, which env-only SRS (`-e`) defaults to console: otherwise it logs
 * to a file unless it detects Docker (/proc/1/cgroup containing /docker; SrsConfig::
 * get_log_tank_file in SRS 4 and 6), which containerd pods never show. Measured on real SRS 4 and
 * 6 in the local cluster: with the guide's configs no reload line reached the container log.
 */
export function logsToConsole(w: Pick<WorkloadModel, 'settings'>): boolean {
  return w.settings.global.logTank.value === 'console'
}

/** What confirming a reload needs to know of one running pod of a workload that reads a ConfigMap. */
export function reloadTargetOf(w: WorkloadModel, pod: Pod, credentials: SrsApiCredentials | undefined): ReloadTarget {
  return {
    pod: pod.metadata.name,
    workload: w.name,
    workloadRef: `${w.kind.toLowerCase()}/${w.name}`,
    configMap: w.config.configMap ?? '',
    container: w.container,
    startedAt: containerStartedAt(pod, w.container),
    logsToConsole: logsToConsole(w),
    apiPort: w.apiPort,
    settings: w.settings,
    credentials,
  }
}
