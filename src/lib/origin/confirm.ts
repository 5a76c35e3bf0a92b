/**
 * Did each SRS pod load the new lists? Only SRS can say, and only SRS 5.0.176+ / 6.0.71+ with the
 * raw API on can say it through its API (rpc=reload-fetch: a new reload id with state 90). So:
 *
 * - baseline: before any ConfigMap is written, each pod's version and last reload id;
 * - inotify_auto_reload on: SRS reloads by itself ~3 s after kubelet swaps the projected files;
 *   a reload id that differs from the baseline means that swap happened and the new file loaded;
 * - inotify off, raw_api.allow_reload on: the API gives no sign of when kubelet swapped the file,
 *   so the reload is triggered once kubelet's sync bound has passed since the write (and again
 *   on every poll after that), and a new reload id with state 90 counts;
 * - SRS without reload-fetch (3, 4, 5 before 5.0.176, 6 before 6.0.71), or raw_api off: nothing
 *   can confirm a reload, the pod stays pending with the reason;
 * - SRS refusing the credentials (http_api auth): the pod stays pending, not polled, saying what to pass.
 */
import {fetchSrsReloadResult, querySrsVersions, requestSrsReload, srsAuthError, type PodTransports, type SrsApiCredentials, type SrsFailure, type SrsTransport} from '../srs/api/index.js'
import type {SrsEffectiveSettings} from '../srs/conf/index.js'
import {sleep} from '../util.js'

export type ReloadState = 'applied' | 'pending' | 'failed'
export type ReloadMethod = 'inotify' | 'raw-reload' | 'none'

export interface PodReloadReport {
  pod: string
  workload: string
  configMap: string
  version?: string
  method: ReloadMethod
  state: ReloadState
  /** Why the pod is pending or failed, or what showed it applied. */
  reason: string
}

export interface ReloadTarget {
  pod: string
  workload: string
  /** "deployment/srs-edge-deploy", for messages. */
  workloadRef: string
  configMap: string
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
}

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

/** Why a pod can never be confirmed, or undefined when it can. */
export function unconfirmableReason(method: ReloadMethod, base: PodBaseline): string | undefined {
  if (method === 'none') {
    return 'inotify_auto_reload is off and http_api.raw_api.allow_reload is off: SRS will not load the new list until it restarts; add inotify_auto_reload on; (auto_reload_for_docker does not turn it on: SRS looks for /docker in /proc/1/cgroup, which pods on containerd or cgroup v2 nodes do not show) or restart the pod'
  }
  if (base.refused) return base.refused
  if (base.error) return `SRS API did not answer before the change: ${base.error}`
  if (!base.canFetch) {
    const why = !hasReloadFetch(base) ? `SRS ${base.version ?? '4 or older'} has no rpc=reload-fetch` : 'http_api.raw_api is off, so rpc=reload-fetch is refused'
    const what = method === 'inotify' ? 'an inotify reload follows the kubelet sync' : 'a raw reload is requested after the kubelet sync'
    return `${what}, but ${why}: nothing can confirm it applied; turn on http_api { raw_api { enabled on; } } on SRS 5.0.176+ / 6.0.71+ to confirm reloads`
  }
  return undefined
}

/**
 * Waits until every pod applied the file written at `writtenAt`, failed to, or the timeout
 * passed. Never marks a pod applied without a reload result from SRS itself.
 */
export async function confirmReloads(transports: PodTransports, targets: ReloadTarget[], baseline: Map<string, PodBaseline>, writtenAt: number, opts: ConfirmOptions): Promise<PodReloadReport[]> {
  const reports = new Map<string, PodReloadReport>()
  const open: ReloadTarget[] = []
  for (const t of targets) {
    const base = baseline.get(t.pod) ?? {canFetch: false, error: 'no baseline'}
    const method = reloadMethodOf(t.settings)
    const reason = unconfirmableReason(method, base)
    const report: PodReloadReport = {pod: t.pod, workload: t.workload, configMap: t.configMap, version: base.version, method, state: 'pending', reason: reason ?? 'waiting for kubelet to project the new file'}
    reports.set(t.pod, report)
    if (!reason) open.push(t)
  }
  const deadline = Date.now() + (opts.noWait ? 0 : opts.timeoutMs)
  const poll = opts.pollMs ?? 1000
  const lastTrigger = new Map<string, number>()
  let remaining = open
  opts.onProgress?.(targets.length - remaining.length, targets.length)
  while (remaining.length > 0 && Date.now() <= deadline) {
    const next: ReloadTarget[] = []
    await Promise.all(
      remaining.map(async (t) => {
        const report = reports.get(t.pod)!
        const base = baseline.get(t.pod)!
        const tr = transportFor(transports, t)
        const reqOpts = {timeoutMs: opts.requestTimeoutMs}
        const f = await fetchSrsReloadResult(tr, reqOpts)
        if (!f.ok) {
          const refused = refusal(t, f.failure)
          report.reason = refused ?? `SRS API: ${f.failure.message}`
          // Waiting does not make SRS accept other credentials: this pod stays pending, not polled.
          if (!refused) next.push(t)
          return
        }
        if (base.service && f.value.envelope.service && f.value.envelope.service !== base.service) {
          // A restarted SRS read whatever file kubelet had then; its reload id says nothing.
          report.reason = 'SRS restarted while waiting; it loaded the file kubelet had projected at start, which cannot be checked'
          return
        }
        if (f.value.reloadId !== base.reloadId && f.value.state !== 'none') {
          if (f.value.state === 'applied') {
            report.state = 'applied'
            report.reason = report.method === 'inotify' ? 'inotify reload after the kubelet sync; reload-fetch state 90' : 'raw API reload after the kubelet sync bound; reload-fetch state 90'
            return
          }
          if (f.value.state === 'parse-failed' && sinceMs(writtenAt) > 0) {
            report.state = 'failed'
            report.reason = `reload failed: ${f.value.message} (err ${f.value.errorCode}, state ${f.value.stateCode}); SRS keeps the old config`
            return
          }
        }
        const since = sinceMs(writtenAt)
        const rawAllowed = t.settings.global.rawApiEnabled.value && t.settings.global.rawApiAllowReload.value
        if (rawAllowed && since >= opts.kubeletSyncMs && Date.now() - (lastTrigger.get(t.pod) ?? 0) >= Math.max(poll, 2000)) {
          // The kubelet sync bound has passed (and inotify, if on, has not reported): reload now.
          lastTrigger.set(t.pod, Date.now())
          const r = await requestSrsReload(tr, reqOpts)
          report.reason = r.ok ? 'raw API reload requested; waiting for reload-fetch' : `raw API reload refused: ${r.failure.message}`
          if (!r.ok && r.failure.srsCode === 1061) return
          // The new reload id must be a reload we asked for after the bound, not an older one.
          base.reloadId = f.value.reloadId
          report.method = 'raw-reload'
        } else if (since < opts.kubeletSyncMs || report.method === 'inotify') {
          report.reason = report.method === 'inotify' ? 'waiting for kubelet to project the file and SRS to reload it (kubelet can take up to about two minutes)' : `waiting for the kubelet sync bound (${Math.round(opts.kubeletSyncMs / 1000)}s) before asking SRS to reload`
        }
        next.push(t)
      }),
    )
    remaining = next
    opts.onProgress?.(targets.length - remaining.length, targets.length)
    if (remaining.length > 0) await sleep(poll)
  }
  if (opts.noWait) for (const t of remaining) reports.get(t.pod)!.reason = `not waited for (--no-wait): ${reports.get(t.pod)!.reason}`
  return targets.map((t) => reports.get(t.pod)!)
}

function sinceMs(t: number): number {
  return Date.now() - t
}
