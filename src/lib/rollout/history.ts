/** kubectl srs rollback --history: the revisions of a Deployment (ReplicaSets) or StatefulSet (ControllerRevisions). */
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import {KUBE_ANNOTATION} from '../vocabulary.js'
import {imageOf} from './patches.js'
import type {RevisionSources} from './plan.js'
import type {RevisionInfo, RolloutHistory} from './result.js'
import {observeTarget, type RolloutTarget} from './target.js'
import type {ControllerRevisionList, ReplicaSet} from './types.js'

const CHANGE_CAUSE = KUBE_ANNOTATION.changeCause
const REVISION = KUBE_ANNOTATION.revision

export async function rolloutHistory(kube: KubeClient, workload: string | undefined): Promise<RolloutHistory> {
  const t = await observeTarget(kube, kube.namespace, workload)
  return {namespace: t.namespace, workload: t.model.name, kind: t.model.kind, revisions: (await observeRevisions(kube, t)).revisions}
}

/** The workload's ReplicaSets or ControllerRevisions, and the revisions they hold. */
export async function observeRevisions(kube: KubeClient, t: RolloutTarget): Promise<RevisionSources> {
  if (t.deployment) {
    const uid = t.deployment.metadata.uid
    const rs = (await kube.list<ReplicaSet>(Resources.replicasets, {namespace: t.namespace, labelSelector: t.podSelector})).items.filter((r) =>
      r.metadata.ownerReferences?.some((o) => o.controller && o.kind === 'Deployment' && o.uid === uid),
    )
    return {revisions: replicaSetRevisions(rs, t.deployment.metadata.annotations?.[REVISION], t.model.container), replicaSets: rs, controllerRevisions: []}
  }
  const sts = t.statefulset!
  const list = await kube.list<ControllerRevisionList['items'][number]>(Resources.controllerrevisions, {namespace: t.namespace, labelSelector: t.podSelector})
  const own = list.items.filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.uid === sts.metadata.uid))
  const revisions = own
    .map((r) => ({
      revision: r.revision,
      image: r.data?.spec?.template?.spec?.containers?.find((c) => c.name === t.model.container)?.image ?? '',
      changeCause: r.metadata.annotations?.[CHANGE_CAUSE] ?? null,
      current: r.metadata.name === sts.status?.updateRevision,
    }))
    .sort((a, b) => a.revision - b.revision)
  return {revisions, replicaSets: [], controllerRevisions: list.items}
}

function replicaSetRevisions(rs: ReplicaSet[], current: string | undefined, container: string): RevisionInfo[] {
  return rs
    .map((r) => ({revision: Number(r.metadata.annotations?.[REVISION] ?? 0), image: imageOf(r, container), changeCause: r.metadata.annotations?.[CHANGE_CAUSE] ?? null, current: r.metadata.annotations?.[REVISION] === current}))
    .sort((a, b) => a.revision - b.revision)
}
