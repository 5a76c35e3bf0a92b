/** The batch/v1 CronJob of one volume, and Jobs made from its template (--now). */
import {createHash} from 'node:crypto'
import type {Container, CronJob, Job, JobSpecTemplate} from '../kube/types.js'
import {cleanupArgs, cleanupCommand, type CleanupMode} from './script.js'
import {formatMinutes} from './validate.js'
import {CLEANUP_ANNOTATION, CLEANUP_LABEL, KUBE_ANNOTATION} from '../vocabulary.js'

export const DEFAULT_IMAGE = 'busybox:1.36'
export const DEFAULT_SCHEDULE = '15 1 * * *'
/** Finished Jobs are kept a day for --status and `kubectl logs`, then the TTL controller removes them. */
const JOB_TTL_SECONDS = 86_400
const JOB_DEADLINE_SECONDS = 3600

export interface CleanupTarget {
  claim: string
  /** Where the claim is mounted in the cleanup container (the SRS container's mountPath when inferred). */
  mountPath: string
  /** The folder cleaned, inside mountPath. */
  path: string
}

export interface CleanupSettings {
  namespace: string
  schedule: string
  olderThanMinutes: number
  image: string
}

/** srs-cleanup-<claim>, within the 52 characters a CronJob name may have (its Jobs add 11). */
export function cronJobName(claim: string): string {
  const name = `srs-cleanup-${claim}`
  if (name.length <= 52) return name
  const hash = createHash('sha256').update(claim).digest('hex').slice(0, 6)
  return `${name.slice(0, 45).replace(/[-.]+$/, '')}-${hash}`
}

function podSpec(target: CleanupTarget, s: CleanupSettings, mode: CleanupMode): JobSpecTemplate['template']['spec'] {
  return {
    restartPolicy: 'Never',
    volumes: [{name: 'volume', persistentVolumeClaim: {claimName: target.claim}}],
    containers: [
      {
        name: 'cleanup',
        image: s.image,
        imagePullPolicy: 'IfNotPresent',
        command: cleanupCommand(),
        args: cleanupArgs(target.path, s.olderThanMinutes, mode),
        volumeMounts: [{name: 'volume', mountPath: target.mountPath}],
        resources: {requests: {cpu: '10m', memory: '16Mi'}, limits: {memory: '128Mi'}},
      } as Container,
    ],
  }
}

export function buildCronJob(target: CleanupTarget, s: CleanupSettings): CronJob {
  const labels = {[CLEANUP_LABEL.managedBy.key]: CLEANUP_LABEL.managedBy.value, [CLEANUP_LABEL.component.key]: CLEANUP_LABEL.component.value, [CLEANUP_LABEL.claim]: target.claim}
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: cronJobName(target.claim),
      namespace: s.namespace,
      labels,
      annotations: {[CLEANUP_ANNOTATION.path]: target.path, [CLEANUP_ANNOTATION.olderThan]: formatMinutes(s.olderThanMinutes)},
    },
    spec: {
      schedule: s.schedule,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: {labels},
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: JOB_DEADLINE_SECONDS,
          ttlSecondsAfterFinished: JOB_TTL_SECONDS,
          template: {metadata: {labels}, spec: podSpec(target, s, 'delete')},
        },
      },
    },
  }
}

/**
 * A Job from the CronJob's template, as `kubectl create job --from=cronjob/...` makes it
 * (annotation cronjob.kubernetes.io/instantiate=manual, owned by the CronJob when it exists).
 * With dryRun the container lists and deletes nothing.
 */
export function jobFromCronJob(cron: CronJob, opts: {dryRun: boolean; suffix: string; uid?: string}): Job {
  const spec = structuredClone(cron.spec.jobTemplate.spec)
  if (opts.dryRun) {
    const c = spec.template.spec.containers[0]!
    c.args = [...(c.args ?? []).slice(0, 2), 'dry-run']
  }
  const labels = {...cron.spec.jobTemplate.metadata?.labels}
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${cron.metadata.name}-${opts.suffix}`.slice(0, 63).replace(/[-.]+$/, ''),
      namespace: cron.metadata.namespace,
      labels,
      annotations: {[KUBE_ANNOTATION.cronJobInstantiate]: 'manual'},
      ownerReferences: opts.uid ? [{kind: 'CronJob', name: cron.metadata.name, uid: opts.uid, controller: true, apiVersion: 'batch/v1'} as never] : undefined,
    },
    spec,
  }
}
