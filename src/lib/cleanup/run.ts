/** What `kubectl srs cleanup` does against the cluster: targets, apply, run once, status, delete. */
import type {KubeClient} from '../kube/client.js'
import {Resources, type ResourceType} from '../kube/resources.js'
import type {CronJob, Job, Pod} from '../kube/types.js'
import {isNotFound, SrsError, TimeoutError, UsageError} from '../errors.js'
import {commonFolder, type Inference} from './infer.js'
import {buildCronJob, cronJobName, jobFromCronJob, type CleanupTarget} from './manifest.js'
import {parseCleanupOutput} from './script.js'
import {isInside} from './validate.js'
import type {CronJobStatus, RunResult} from './result.js'
import {CLEANUP_ANNOTATION, CLEANUP_LABEL, KUBE_ANNOTATION} from '../vocabulary.js'

export interface TargetChoice {
  targets: CleanupTarget[]
  /** What was inferred, for the user. */
  inferred: string[]
}

/** Picks the claims, mount paths and folders from the flags and what the SRS workloads use. */
export function chooseTargets(inf: Inference, opts: {pvc?: string; path?: string; namespace: string}): TargetChoice {
  const inferred = [...inf.notes]
  const byClaim = new Map<string, Inference['uses']>()
  for (const u of inf.uses) byClaim.set(u.claim, [...(byClaim.get(u.claim) ?? []), u])
  const target = (claim: string): CleanupTarget => {
    const uses = byClaim.get(claim) ?? []
    if (uses.length === 0) {
      if (!opts.path)
        throw new UsageError(
          `claim ${claim} is mounted by no SRS workload in namespace ${opts.namespace}, so there is no mount path to infer: give --path`,
          `for example --pvc ${claim} --path /data/hls (the claim is mounted there in the cleanup container)`,
        )
      inferred.push(`claim ${claim}: mounted at ${opts.path} in the cleanup container (--path; no SRS workload mounts it)`)
      return {claim, mountPath: opts.path, path: opts.path}
    }
    const first = uses[0]!
    const others = uses.filter((u) => u.mountPath !== first.mountPath)
    inferred.push(
      `claim ${claim}: mounted at ${first.mountPath} by ${uses.map((u) => u.workload).join(', ')}${others.length ? ` (elsewhere by ${others.map((u) => `${u.workload} at ${u.mountPath}`).join(', ')}; paths are read as ${first.workload} sees them)` : ''}`,
    )
    for (const d of first.dirs) inferred.push(`claim ${claim}: ${d.kind.toUpperCase()} of vhost ${d.vhost} in ${d.dir} (${d.setting})`)
    if (opts.path) {
      if (!isInside(opts.path, first.mountPath)) {
        throw new UsageError(`invalid value for --path: ${opts.path} is not on claim ${claim}, which ${first.workload} mounts at ${first.mountPath}`, `give ${first.mountPath} or a folder inside it`)
      }
      return {claim, mountPath: first.mountPath, path: opts.path}
    }
    const path = commonFolder(first.dirs.map((d) => d.dir)) ?? first.mountPath
    inferred.push(`claim ${claim}: cleaning ${path}${first.dirs.length ? '' : ' (no HLS or DVR folder on it: the whole volume)'}`)
    return {claim, mountPath: first.mountPath, path}
  }
  if (opts.pvc) return {targets: [target(opts.pvc)], inferred}
  let claims = [...byClaim.keys()]
  if (opts.path) claims = claims.filter((c) => isInside(opts.path!, byClaim.get(c)![0]!.mountPath))
  if (claims.length === 0) {
    if (opts.path) throw new UsageError(`invalid value for --path: ${opts.path} is on no claim an SRS workload of namespace ${opts.namespace} mounts`, 'name the claim with --pvc')
    throw new UsageError(`no SRS workload in namespace ${opts.namespace} mounts a PersistentVolumeClaim: nothing to infer`, 'name the claim and the folder: --pvc pvc-nas --path /data/hls')
  }
  return {targets: claims.map(target), inferred}
}

export type ApplyAction = 'created' | 'updated' | 'unchanged'

/** Creates the CronJob or updates it in place (same name: one CronJob per claim). */
export async function applyCronJob(kube: KubeClient, cron: CronJob): Promise<{action: ApplyAction; object: CronJob}> {
  const ns = cron.metadata.namespace
  const existing = await kube.find<CronJob>(Resources.cronjobs, cron.metadata.name, ns)
  if (!existing) return {action: 'created', object: await kube.create<CronJob>(Resources.cronjobs, cron, ns)}
  const same =
    JSON.stringify(existing.spec.schedule) === JSON.stringify(cron.spec.schedule) &&
    JSON.stringify(existing.spec.jobTemplate.spec.template.spec.containers[0]?.args) === JSON.stringify(cron.spec.jobTemplate.spec.template.spec.containers[0]?.args) &&
    existing.spec.jobTemplate.spec.template.spec.containers[0]?.image === cron.spec.jobTemplate.spec.template.spec.containers[0]?.image &&
    JSON.stringify(existing.spec.jobTemplate.spec.template.spec.containers[0]?.command) === JSON.stringify(cron.spec.jobTemplate.spec.template.spec.containers[0]?.command) &&
    JSON.stringify(existing.spec.jobTemplate.spec.template.spec.containers[0]?.volumeMounts) === JSON.stringify(cron.spec.jobTemplate.spec.template.spec.containers[0]?.volumeMounts)
  const body: CronJob = {
    ...cron,
    metadata: {
      ...cron.metadata,
      resourceVersion: existing.metadata.resourceVersion,
      labels: {...existing.metadata.labels, ...cron.metadata.labels},
      annotations: {...existing.metadata.annotations, ...cron.metadata.annotations},
    },
  }
  const object = await kube.replace<CronJob>(Resources.cronjobs, cron.metadata.name, body, ns)
  return {action: same ? 'unchanged' : 'updated', object}
}

/** The cleanup container's log (pods/log); when it cannot be read, why, for the report. */
async function readLogs(kube: KubeClient, ns: string, pod: string): Promise<{text?: string; note?: string}> {
  try {
    return {text: await kube.podLogs(ns, pod, 'cleanup')}
  } catch (error) {
    return {note: `logs of ${pod} not available: ${(error as Error).message}`}
  }
}

function jobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if (c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed')) return c.type
  }
  return undefined
}

/** Creates a Job from the CronJob's template and waits for its pod's result. */
export async function runOnce(kube: KubeClient, cron: CronJob, opts: {dryRun: boolean; timeoutMs: number; uid?: string}): Promise<RunResult> {
  const ns = cron.metadata.namespace!
  const suffix = `${opts.dryRun ? 'dry' : 'now'}-${Date.now().toString(36).slice(-6)}`
  const job = jobFromCronJob(cron, {dryRun: opts.dryRun, suffix, uid: opts.uid})
  await kube.create<Job>(Resources.jobs, job, ns)
  const name = job.metadata.name
  const deadline = Date.now() + opts.timeoutMs
  let state: Job | undefined
  for (;;) {
    state = await kube.get<Job>(Resources.jobs, name, ns)
    if (jobFinished(state)) break
    if (Date.now() > deadline) throw new TimeoutError(`job ${name} did not finish within ${Math.round(opts.timeoutMs / 1000)}s`, `it keeps running; see kubectl get job ${name} -n ${ns}`)
    await new Promise((r) => setTimeout(r, 500))
  }
  const pods = await kube.list<Pod>(Resources.pods, {namespace: ns, labelSelector: `job-name=${name}`})
  const pod = pods.items.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')).at(-1)
  const term = (pod?.status as {containerStatuses?: {name: string; state?: {terminated?: {exitCode: number; reason?: string}}}[]} | undefined)?.containerStatuses?.find((c) => c.name === 'cleanup')?.state?.terminated
  const failed = jobFinished(state) === 'Failed'
  const result: RunResult = {
    job: name,
    pod: pod?.metadata.name,
    dryRun: opts.dryRun,
    phase: failed ? 'Failed' : 'Succeeded',
    exitCode: term?.exitCode,
    reason: failed ? (state.status?.conditions?.find((c) => c.type === 'Failed')?.reason ?? term?.reason) : undefined,
    logs: 'unavailable',
  }
  if (pod) {
    const {text, note} = await readLogs(kube, ns, pod.metadata.name)
    if (text !== undefined) {
      result.output = parseCleanupOutput(text)
      result.logs = 'read'
    } else result.logsNote = note
  }
  return result
}

export async function cleanupStatus(kube: KubeClient, ns: string, pvc?: string): Promise<CronJobStatus[]> {
  const selector = `${CLEANUP_LABEL.component.key}=${CLEANUP_LABEL.component.value}${pvc ? `,${CLEANUP_LABEL.claim}=${pvc}` : ''}`
  const [crons, jobs] = await Promise.all([kube.list<CronJob>(Resources.cronjobs, {namespace: ns, labelSelector: selector}), kube.list<Job>(Resources.jobs, {namespace: ns, labelSelector: selector})])
  return crons.items.map((c) => {
    const claim = c.metadata.labels?.[CLEANUP_LABEL.claim]
    const mine = jobs.items
      .filter((j) => j.metadata.ownerReferences?.some((o) => o.uid === c.metadata.uid) || j.metadata.name.startsWith(`${c.metadata.name}-`))
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''))
    const last = mine.at(-1)
    return {
      name: c.metadata.name,
      claim,
      path: c.metadata.annotations?.[CLEANUP_ANNOTATION.path],
      olderThan: c.metadata.annotations?.[CLEANUP_ANNOTATION.olderThan],
      schedule: c.spec.schedule,
      suspended: Boolean(c.spec.suspend),
      lastScheduleTime: c.status?.lastScheduleTime,
      lastSuccessfulTime: c.status?.lastSuccessfulTime,
      active: c.status?.active?.length ?? 0,
      lastJob: last && {
        name: last.metadata.name,
        result: jobFinished(last) ?? 'Running',
        finished: last.status?.completionTime ?? last.status?.conditions?.find((x) => x.type === 'Failed')?.lastTransitionTime,
        manual: last.metadata.annotations?.[KUBE_ANNOTATION.cronJobInstantiate] === 'manual',
      },
    }
  })
}

export interface DeleteResult {
  cronJobs: string[]
  /** Jobs of the cleanup left without a CronJob to collect them: those of `--now --dry-run` (no owner), and any other. */
  jobs: string[]
}

/**
 * Removes the cleanup CronJob(s) (of pvc, else all of the namespace) and the Jobs of the
 * same claim(s): the CronJob's own go with it through garbage collection, but the Jobs of
 * `--now --dry-run` have no owner and would stay until their TTL.
 */
export async function deleteCleanup(kube: KubeClient, ns: string, pvc?: string): Promise<DeleteResult> {
  const selector = `${CLEANUP_LABEL.component.key}=${CLEANUP_LABEL.component.value}${pvc ? `,${CLEANUP_LABEL.claim}=${pvc}` : ''}`
  let cronJobs: string[]
  if (pvc) {
    const name = cronJobName(pvc)
    cronJobs = (await kube.find<CronJob>(Resources.cronjobs, name, ns)) ? [name] : []
  } else {
    const list = await kube.list<CronJob>(Resources.cronjobs, {namespace: ns, labelSelector: selector})
    cronJobs = list.items.map((c) => c.metadata.name)
  }
  const jobs = (await kube.list<Job>(Resources.jobs, {namespace: ns, labelSelector: selector})).items.filter((j) => !j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && cronJobs.includes(o.name))).map((j) => j.metadata.name)
  if (pvc && cronJobs.length === 0 && jobs.length === 0) {
    throw new SrsError(`no cleanup CronJob ${cronJobName(pvc)} and no cleanup Job for claim ${pvc} in namespace ${ns}`, {reason: 'NotFound', hint: 'kubectl srs cleanup --status lists them'})
  }
  const remove = async (res: ResourceType, name: string) => {
    try {
      await kube.delete(res, name, ns, {propagationPolicy: 'Background'})
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
  }
  for (const n of cronJobs) await remove(Resources.cronjobs, n)
  for (const n of jobs) await remove(Resources.jobs, n)
  return {cronJobs, jobs}
}

export {buildCronJob}
