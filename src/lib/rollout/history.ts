/** kubectl srs rollback --history: the revisions of a Deployment (ReplicaSets) or StatefulSet (ControllerRevisions). */
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import {KUBE_ANNOTATION} from '../vocabulary.js'
import {imageOf} from './promote.js'
import type {RevisionInfo, RolloutHistory} from './result.js'
import {observeTarget, type RolloutTarget} from './target.js'
import type {ControllerRevisionList, ReplicaSet} from './types.js'

const CHANGE_CAUSE = KUBE_ANNOTATION.changeCause
const REVISION = KUBE_ANNOTATION.revision

export async function rolloutHistory(kube: KubeClient, workload: string | undefined): Promise<RolloutHistory> {
  const t = await observeTarget(kube, kube.namespace, workload)
  return {namespace: t.namespace, workload: t.model.name, kind: t.model.kind, revisions: await revisions(kube, t)}
}

export async function revisions(kube: KubeClient, t: RolloutTarget): Promise<RevisionInfo[]> {
  const sel = Object.entries((t.deployment ?? t.statefulset)!.spec.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
  if (t.deployment) {
    const rs = (await kube.list<ReplicaSet>(Resources.replicasets, {namespace: t.namespace, labelSelector: sel})).items.filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.kind === 'Deployment' && o.uid === t.deployment!.metadata.uid))
    const current = t.deployment.metadata.annotations?.[REVISION]
    return rs
      .map((r) => ({revision: Number(r.metadata.annotations?.[REVISION] ?? 0), image: imageOf(r, t.model.container), changeCause: r.metadata.annotations?.[CHANGE_CAUSE] ?? null, current: r.metadata.annotations?.[REVISION] === current}))
      .sort((a, b) => a.revision - b.revision)
  }
  const list = await kube.list<ControllerRevisionList['items'][number]>(Resources.controllerrevisions, {namespace: t.namespace, labelSelector: sel})
  const own = list.items.filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.uid === t.statefulset!.metadata.uid))
  return own
    .map((r) => ({
      revision: r.revision,
      image: r.data?.spec?.template?.spec?.containers?.find((c) => c.name === t.model.container)?.image ?? '',
      changeCause: r.metadata.annotations?.[CHANGE_CAUSE] ?? null,
      current: r.metadata.name === t.statefulset!.status?.updateRevision,
    }))
    .sort((a, b) => a.revision - b.revision)
}
