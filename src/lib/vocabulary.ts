/**
 * Every label, annotation key and managed-by value kubectl-srs writes on objects or reads from
 * them, in one place: a key spelled twice can drift, and then one run no longer finds what
 * another one wrote.
 */

/** The prefix of every key kubectl-srs owns. */
const OWN = 'srs.kubectl.io/'

/** Annotations that hold a canary's state on the objects, so any later run can continue or undo it. */
export const ROLLOUT_ANNOTATION = {
  /** On the canary Deployment: the stable Deployment it belongs to. */
  canaryOf: `${OWN}canary-of`,
  /** On the canary Deployment: the weight asked for, in percent. */
  requestedWeight: `${OWN}requested-weight`,
  /** On both: the total number of pods T the split is computed from (the stable's replicas before the canary). */
  totalReplicas: `${OWN}total-replicas`,
  /** On both: the image the stable track runs. */
  stableImage: `${OWN}stable-image`,
  /** On the stable workload: the name of its canary Deployment. */
  canary: `${OWN}canary`,
  /** On the stable Deployment during promote: its rolling-update strategy before promote set maxUnavailable to 0. */
  savedStrategy: `${OWN}saved-strategy`,
  /** On the canary Deployment (a StatefulSet: on itself) during `canary --steps`: the progressive run's state as JSON (ProgressiveCanaryState). */
  progressive: `${OWN}progressive`,
} as const

/** On the canary's pods (value `canary`): what tells the two tracks apart behind the same Service. */
export const TRACK_LABEL = `${OWN}track`

/** On a pod being drained: the connection count it had when last looked at. */
export const LAST_CONNECTIONS_ANNOTATION = `${OWN}last-connections`

/** Every annotation of an origin-cluster change starts with this; clones drop them. */
export const ORIGIN_ANNOTATION_PREFIX = `${OWN}origin-`
/** On the origin cluster's anchor object: who holds the change lease, until when. */
export const LEASE_ANNOTATION = `${ORIGIN_ANNOTATION_PREFIX}lease`
/** On a Deployment or Service cloned for a new origin: the object it was cloned from. */
export const CLONED_FROM_ANNOTATION = `${OWN}cloned-from`

/** Labels on the cleanup CronJobs and their Jobs, and the selector that finds them again. */
export const CLEANUP_LABEL = {
  managedBy: {key: 'app.kubernetes.io/managed-by', value: 'kubectl-srs'},
  component: {key: 'app.kubernetes.io/component', value: 'srs-cleanup'},
  /** The PersistentVolumeClaim the CronJob cleans. */
  claim: `${OWN}cleanup-claim`,
} as const

/** Annotations on a cleanup CronJob: what it deletes, for --status. */
export const CLEANUP_ANNOTATION = {
  path: `${OWN}cleanup-path`,
  olderThan: `${OWN}cleanup-older-than`,
} as const

/** The recommended app-name label; `srs` marks a workload as SRS whatever its image. */
export const APP_NAME_LABEL = 'app.kubernetes.io/name'

/** Keys Kubernetes itself sets or reads. */
export const KUBE_ANNOTATION = {
  changeCause: 'kubernetes.io/change-cause',
  revision: 'deployment.kubernetes.io/revision',
  revisionHistory: 'deployment.kubernetes.io/revision-history',
  desiredReplicas: 'deployment.kubernetes.io/desired-replicas',
  maxReplicas: 'deployment.kubernetes.io/max-replicas',
  rollbackTo: 'deprecated.deployment.rollback.to',
  lastApplied: 'kubectl.kubernetes.io/last-applied-configuration',
  /** On a Job created from a CronJob by hand (`kubectl create job --from`, cleanup --now). */
  cronJobInstantiate: 'cronjob.kubernetes.io/instantiate',
  /** On a pod: the ReplicaSet controller removes pods with the lowest cost first when it scales down. */
  podDeletionCost: 'controller.kubernetes.io/pod-deletion-cost',
} as const

/** The StatefulSet controller's per-pod label. */
export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name'

/** Keys by which Helm and Argo CD mark the objects they own (their next sync reverts edits). */
export const GITOPS_KEY = {
  managedByLabel: 'app.kubernetes.io/managed-by',
  helmManagedByValue: 'Helm',
  helmReleaseAnnotation: 'meta.helm.sh/release-name',
  argoTrackingIdAnnotation: 'argocd.argoproj.io/tracking-id',
  argoInstanceLabel: 'argocd.argoproj.io/instance',
  instanceLabel: 'app.kubernetes.io/instance',
  argoSyncOptionsAnnotation: 'argocd.argoproj.io/sync-options',
} as const
