/**
 * The parts of Kubernetes objects kubectl-srs reads, as they arrive on the wire (JSON, so
 * timestamps are strings). Narrow on purpose: everything else of an object is kept untouched
 * when it is written back, because writes are patches.
 */
export interface ObjectMeta {
  name: string
  namespace?: string
  uid?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  creationTimestamp?: string
  deletionTimestamp?: string
  resourceVersion?: string
  generation?: number
  ownerReferences?: {kind: string; name: string; uid: string; controller?: boolean}[]
}

export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: {key: string; operator: string; values?: string[]}[]
}

export interface ContainerPort {
  containerPort: number
  name?: string
  protocol?: string
}

export interface EnvVar {
  name: string
  value?: string
  valueFrom?: unknown
}

export interface Probe {
  httpGet?: {path?: string; port: number | string}
  tcpSocket?: {port: number | string}
  exec?: {command?: string[]}
  initialDelaySeconds?: number
  periodSeconds?: number
}

export interface Container {
  name: string
  image?: string
  command?: string[]
  args?: string[]
  ports?: ContainerPort[]
  env?: EnvVar[]
  envFrom?: unknown[]
  volumeMounts?: {name: string; mountPath: string; subPath?: string; readOnly?: boolean}[]
  resources?: {requests?: Record<string, string>; limits?: Record<string, string>}
  livenessProbe?: Probe
  readinessProbe?: Probe
  lifecycle?: {preStop?: {exec?: {command?: string[]}; httpGet?: unknown}}
}

export interface Volume {
  name: string
  configMap?: {name: string; items?: {key: string; path: string}[]}
  persistentVolumeClaim?: {claimName: string}
  emptyDir?: object
  hostPath?: {path: string}
}

export interface PodSpec {
  containers: Container[]
  initContainers?: Container[]
  volumes?: Volume[]
  terminationGracePeriodSeconds?: number
  nodeName?: string
}

export interface PodTemplate {
  metadata?: {labels?: Record<string, string>; annotations?: Record<string, string>}
  spec: PodSpec
}

export interface Deployment {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
  spec: {
    replicas?: number
    selector: LabelSelector
    template: PodTemplate
    paused?: boolean
    strategy?: {type?: string; rollingUpdate?: {maxSurge?: number | string; maxUnavailable?: number | string}}
    revisionHistoryLimit?: number
  }
  status?: {
    replicas?: number
    readyReplicas?: number
    updatedReplicas?: number
    availableReplicas?: number
    observedGeneration?: number
    conditions?: {type: string; status: string; reason?: string; message?: string}[]
  }
}

export interface StatefulSet {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
  spec: {
    replicas?: number
    serviceName?: string
    selector: LabelSelector
    template: PodTemplate
    updateStrategy?: {type?: string; rollingUpdate?: {partition?: number; maxUnavailable?: number | string}}
  }
  status?: {
    replicas?: number
    readyReplicas?: number
    updatedReplicas?: number
    currentRevision?: string
    updateRevision?: string
    observedGeneration?: number
  }
}

export interface Pod {
  metadata: ObjectMeta
  spec: PodSpec
  status?: {
    phase?: string
    podIP?: string
    hostIP?: string
    startTime?: string
    conditions?: {type: string; status: string; lastTransitionTime?: string}[]
    containerStatuses?: {name: string; image: string; ready: boolean; restartCount: number; started?: boolean; state?: Record<string, unknown>}[]
  }
}

export interface ConfigMap {
  metadata: ObjectMeta
  data?: Record<string, string>
}

export interface Secret {
  metadata: ObjectMeta
  data?: Record<string, string>
  stringData?: Record<string, string>
}

export interface Service {
  metadata: ObjectMeta
  spec: {
    type?: string
    clusterIP?: string
    selector?: Record<string, string>
    ports?: {name?: string; port: number; targetPort?: number | string; nodePort?: number; protocol?: string}[]
    sessionAffinity?: string
  }
}

export interface HorizontalPodAutoscaler {
  metadata: ObjectMeta
  spec: {scaleTargetRef: {kind: string; name: string; apiVersion?: string}; minReplicas?: number; maxReplicas: number}
}

/** Does a selector's matchLabels/matchExpressions select these labels? */
export function selectorMatches(selector: LabelSelector | Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false
  const sel = 'matchLabels' in selector || 'matchExpressions' in selector ? (selector as LabelSelector) : {matchLabels: selector as Record<string, string>}
  const l = labels ?? {}
  const ml = sel.matchLabels ?? {}
  if (Object.keys(ml).length === 0 && (sel.matchExpressions ?? []).length === 0) return false
  for (const [k, v] of Object.entries(ml)) if (l[k] !== v) return false
  for (const e of sel.matchExpressions ?? []) {
    const has = k(e.key)
    const vals = e.values ?? []
    if (e.operator === 'In' && !(has && vals.includes(l[e.key]!))) return false
    if (e.operator === 'NotIn' && has && vals.includes(l[e.key]!)) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
  function k(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(l, key)
  }
}

/** batch/v1 Job and CronJob: what cleanup writes and reads back, and what doctor reads of any CronJob. */
export interface JobSpecTemplate {
  backoffLimit?: number
  activeDeadlineSeconds?: number
  ttlSecondsAfterFinished?: number
  template: {metadata?: {labels?: Record<string, string>; annotations?: Record<string, string>}; spec: {restartPolicy: string; volumes?: Volume[]; containers: Container[]}}
}

export interface CronJob {
  apiVersion: 'batch/v1'
  kind: 'CronJob'
  metadata: ObjectMeta
  spec: {
    schedule: string
    timeZone?: string
    suspend?: boolean
    concurrencyPolicy: 'Forbid' | 'Allow' | 'Replace'
    startingDeadlineSeconds?: number
    successfulJobsHistoryLimit?: number
    failedJobsHistoryLimit?: number
    jobTemplate: {metadata?: {labels?: Record<string, string>}; spec: JobSpecTemplate}
  }
  status?: {lastScheduleTime?: string; lastSuccessfulTime?: string; active?: {name: string}[]}
}

export interface Job {
  apiVersion: 'batch/v1'
  kind: 'Job'
  metadata: ObjectMeta
  spec: JobSpecTemplate
  status?: {
    active?: number
    succeeded?: number
    failed?: number
    startTime?: string
    completionTime?: string
    conditions?: {type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string}[]
  }
}
