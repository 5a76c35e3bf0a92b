/**
 * Pure patch builders (as Argo Rollouts builds its patches): each returns the write a rollout
 * step makes, as data, with no I/O. The executor sends them; --dry-run prints them.
 */
import type {Deployment, StatefulSet} from '../kube/types.js'
import {KUBE_ANNOTATION, ROLLOUT_ANNOTATION, TRACK_LABEL} from '../vocabulary.js'
import type {Split} from './plan.js'

/** One write to the apiserver. */
export type RolloutWrite =
  | {op: 'create'; resource: 'deployments'; name: string; body: Deployment}
  | {op: 'patch'; resource: 'deployments' | 'statefulsets' | 'pods'; name: string; type: 'merge' | 'strategic' | 'json'; body: object}
  | {op: 'delete'; resource: 'deployments'; name: string}

/** The bookkeeping annotations a rollout leaves on the stable workload; null removes them. */
export const clearedRolloutAnnotations = {
  [ROLLOUT_ANNOTATION.canary]: null,
  [ROLLOUT_ANNOTATION.totalReplicas]: null,
  [ROLLOUT_ANNOTATION.stableImage]: null,
  [ROLLOUT_ANNOTATION.requestedWeight]: null,
  [ROLLOUT_ANNOTATION.savedStrategy]: null,
}

export function imageOf(d: {spec: {template: {spec: {containers: {name: string; image?: string}[]}}}}, container: string): string {
  return d.spec.template.spec.containers.find((c) => c.name === container)?.image ?? ''
}

/** The canary Deployment: the stable one's pod template with only the image changed, plus the track label. */
export function canaryDeployment(stable: Deployment, canaryName: string, container: string, image: string, split: Split, stableImage: string): Deployment {
  const tpl = structuredClone(stable.spec.template)
  tpl.metadata = {...tpl.metadata, labels: {...(tpl.metadata?.labels ?? {}), [TRACK_LABEL]: 'canary'}}
  tpl.spec.containers = tpl.spec.containers.map((c) => (c.name === container ? {...c, image} : c))
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: canaryName,
      namespace: stable.metadata.namespace,
      labels: {...(stable.metadata.labels ?? {}), [TRACK_LABEL]: 'canary'},
      annotations: {
        [ROLLOUT_ANNOTATION.canaryOf]: stable.metadata.name,
        [ROLLOUT_ANNOTATION.requestedWeight]: String(split.requestedWeight),
        [ROLLOUT_ANNOTATION.totalReplicas]: String(split.total),
        [ROLLOUT_ANNOTATION.stableImage]: stableImage,
      },
    },
    spec: {
      replicas: 0,
      selector: {matchLabels: {...(stable.spec.selector.matchLabels ?? {}), [TRACK_LABEL]: 'canary'}, matchExpressions: stable.spec.selector.matchExpressions},
      template: tpl,
      strategy: stable.spec.strategy,
      revisionHistoryLimit: stable.spec.revisionHistoryLimit,
    },
  }
}

/** The plan's constants on the stable Deployment (an interrupted run is continued or undone from these), and optionally its size. */
export function stableAnnotationsPatch(canaryName: string, split: Split, stableImage: string, replicas?: number): object {
  return {
    metadata: {
      annotations: {
        [ROLLOUT_ANNOTATION.canary]: canaryName,
        [ROLLOUT_ANNOTATION.totalReplicas]: String(split.total),
        [ROLLOUT_ANNOTATION.stableImage]: stableImage,
      },
    },
    ...(replicas === undefined ? {} : {spec: {replicas}}),
  }
}

export function createDeployment(body: Deployment): RolloutWrite {
  return {op: 'create', resource: 'deployments', name: body.metadata.name, body}
}

export function deleteDeployment(name: string): RolloutWrite {
  return {op: 'delete', resource: 'deployments', name}
}

export function scaleDeployment(name: string, replicas: number): RolloutWrite {
  return {op: 'patch', resource: 'deployments', name, type: 'merge', body: {spec: {replicas}}}
}

/** The canary's template (a new image) and its annotations. */
export function canaryTemplatePatch(canary: Deployment): RolloutWrite {
  return {op: 'patch', resource: 'deployments', name: canary.metadata.name, type: 'strategic', body: {metadata: {annotations: canary.metadata.annotations}, spec: {template: canary.spec.template}}}
}

/** Scales the canary and records the weight asked for and the total it splits. */
export function scaleCanaryPatch(canaryName: string, split: Split, replicas: number): RolloutWrite {
  const annotations = {[ROLLOUT_ANNOTATION.requestedWeight]: String(split.requestedWeight), [ROLLOUT_ANNOTATION.totalReplicas]: String(split.total)}
  return {op: 'patch', resource: 'deployments', name: canaryName, type: 'merge', body: {metadata: {annotations}, spec: {replicas}}}
}

/** A StatefulSet canary: ordinals >= partition run the template's image; the rest keep their revision. */
export function partitionPatch(sts: StatefulSet, container: string, partition: number, image: string, stableImage: string, split: Split): RolloutWrite {
  const body: Partial<StatefulSet> & object = {
    metadata: {name: sts.metadata.name, annotations: {[ROLLOUT_ANNOTATION.stableImage]: stableImage, [ROLLOUT_ANNOTATION.requestedWeight]: String(split.requestedWeight), [ROLLOUT_ANNOTATION.totalReplicas]: String(split.total)}},
    spec: {
      updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition}},
      template: {spec: {containers: [{name: container, image}]}},
    } as StatefulSet['spec'],
  }
  return {op: 'patch', resource: 'statefulsets', name: sts.metadata.name, type: 'strategic', body}
}

/**
 * Promote's rolling update of the stable Deployment: the canary's image, maxUnavailable 0 for its
 * duration (no old pod leaves before a new one is Ready), the user's strategy saved to be put back.
 */
export function promoteImagePatch(name: string, container: string, image: string, savedStrategy: string, cause: string): RolloutWrite {
  return {
    op: 'patch',
    resource: 'deployments',
    name,
    type: 'strategic',
    body: {
      metadata: {annotations: {[ROLLOUT_ANNOTATION.savedStrategy]: savedStrategy, [KUBE_ANNOTATION.changeCause]: cause}},
      spec: {strategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 0, maxSurge: '25%'}}, template: {spec: {containers: [{name: container, image}]}}},
    },
  }
}

/** Puts the user's strategy back (a JSON merge patch replaces it whole, rollingUpdate included) and clears the bookkeeping. */
export function restoreStrategyPatch(name: string, savedStrategy: string): RolloutWrite {
  let strategy: unknown = null
  try {
    strategy = JSON.parse(savedStrategy)
  } catch {
    strategy = null
  }
  return {op: 'patch', resource: 'deployments', name, type: 'merge', body: {metadata: {annotations: clearedRolloutAnnotations}, spec: {strategy: strategy && typeof strategy === 'object' && Object.keys(strategy).length ? strategy : null}}}
}

export function clearAnnotationsPatch(name: string): RolloutWrite {
  return {op: 'patch', resource: 'deployments', name, type: 'merge', body: {metadata: {annotations: clearedRolloutAnnotations}}}
}

export function promotePartitionPatch(name: string, image: string): RolloutWrite {
  return {
    op: 'patch',
    resource: 'statefulsets',
    name,
    type: 'strategic',
    body: {metadata: {annotations: {...clearedRolloutAnnotations, [KUBE_ANNOTATION.changeCause]: `kubectl srs promote ${name}: image ${image}`}}, spec: {updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0}}}},
  }
}

/** Aborts a StatefulSet canary: the template back to the stable image, partition 0. */
export function abortPartitionPatch(name: string, container: string, stableImage: string): RolloutWrite {
  return {
    op: 'patch',
    resource: 'statefulsets',
    name,
    type: 'strategic',
    body: {metadata: {annotations: clearedRolloutAnnotations}, spec: {updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0}}, template: {spec: {containers: [{name: container, image: stableImage}]}}}},
  }
}

/**
 * kubectl rollout undo of a Deployment: the ReplicaSet's template, the Deployment's own bookkeeping
 * annotations kept, the others taken from the ReplicaSet — except kubectl-srs's rollout state: the
 * ReplicaSet copied the annotations of its day, when a canary may have been running, and bringing
 * them back would name a canary that no longer exists (reload then refuses to restart the edges).
 */
export function undoDeploymentPatch(d: Deployment, rs: {metadata: {annotations?: Record<string, string>}; spec: {template: Deployment['spec']['template']}}): RolloutWrite {
  const template = structuredClone(rs.spec.template)
  delete template.metadata?.labels?.['pod-template-hash']
  const skip = new Set<string>([
    KUBE_ANNOTATION.lastApplied,
    KUBE_ANNOTATION.revision,
    KUBE_ANNOTATION.revisionHistory,
    KUBE_ANNOTATION.desiredReplicas,
    KUBE_ANNOTATION.maxReplicas,
    KUBE_ANNOTATION.rollbackTo,
    ...Object.values(ROLLOUT_ANNOTATION),
  ])
  const annotations: Record<string, string> = {}
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (skip.has(k)) annotations[k] = v
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!skip.has(k)) annotations[k] = v
  return {
    op: 'patch',
    resource: 'deployments',
    name: d.metadata.name,
    type: 'json',
    body: [
      {op: 'replace', path: '/spec/template', value: template},
      {op: 'replace', path: '/metadata/annotations', value: annotations},
    ],
  }
}

/** kubectl rollout undo of a StatefulSet: the ControllerRevision's data is the patch. */
export function undoStatefulSetPatch(name: string, revisionData: object): RolloutWrite {
  return {op: 'patch', resource: 'statefulsets', name, type: 'strategic', body: revisionData}
}
