/** kubectl srs rollback: abort a canary, or undo the last upgrade as `kubectl rollout undo` does. */
import {SrsError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import {KUBE_ANNOTATION, ROLLOUT_ANNOTATION} from '../vocabulary.js'
import {executorFor, type RolloutExecutor, type RolloutOptions} from './executor.js'
import {revisions} from './history.js'
import {clearAnnotations, imageOf} from './promote.js'
import type {RolloutResult, VerifiedPod} from './result.js'
import {observeTarget, type RolloutTarget} from './target.js'
import type {ControllerRevisionList, ReplicaSet} from './types.js'

const REVISION = KUBE_ANNOTATION.revision

export async function runRollback(kube: KubeClient, workload: string | undefined, toRevision: number | undefined, wait: boolean, opts: RolloutOptions): Promise<RolloutResult> {
  const t = await observeTarget(kube, kube.namespace, workload)
  const exec = await executorFor(kube, t, opts)
  const stableImage = (t.deployment ?? t.statefulset)!.metadata.annotations?.[ROLLOUT_ANNOTATION.stableImage]
  if (t.deployment && t.canary && toRevision === undefined) return abortDeploymentCanary(kube, t, exec, wait)
  if (t.statefulset && stableImage && toRevision === undefined) {
    const sts = t.statefulset
    await exec.checkApiAccess(t)
    await kube.patch(Resources.statefulsets, sts.metadata.name, {metadata: {annotations: clearAnnotations}, spec: {updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0}}, template: {spec: {containers: [{name: t.model.container, image: stableImage}]}}}}, 'strategic', t.namespace)
    exec.stepDone(`set ${sts.metadata.name} back to ${stableImage}, partition 0`)
    const labels = Object.entries(sts.spec.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
    const verified = wait ? await exec.waitReadyAndVerified(sts.metadata.name, labels, sts.spec.replicas ?? 1, stableImage, t.model.apiPort, t.model.container) : []
    return {namespace: t.namespace, workload: sts.metadata.name, kind: 'StatefulSet', action: 'abort-canary', image: stableImage, steps: [`set ${sts.metadata.name} back to ${stableImage}, partition 0`], verified, drained: [], message: `canary aborted: ${sts.metadata.name} runs ${stableImage} on every pod`}
  }
  return undo(kube, t, exec, toRevision, wait)
}

async function abortDeploymentCanary(kube: KubeClient, t: RolloutTarget, exec: RolloutExecutor, wait: boolean): Promise<RolloutResult> {
  const stable = t.deployment!
  const saved = stable.metadata.annotations?.[ROLLOUT_ANNOTATION.totalReplicas]
  const total = saved && /^\d+$/.test(saved) ? Number(saved) : (stable.spec.replicas ?? 1) + (t.canary?.spec.replicas ?? 0)
  const image = stable.metadata.annotations?.[ROLLOUT_ANNOTATION.stableImage] ?? imageOf(stable, t.model.container)
  const steps: string[] = []
  await exec.checkApiAccess(t)
  // Stable back to T first, verified; only then the canary leaves (gracefully).
  await kube.patch(Resources.deployments, stable.metadata.name, {spec: {replicas: total}}, 'merge', t.namespace)
  exec.stepDone(`scale ${stable.metadata.name} to ${total}`)
  steps.push(`scale ${stable.metadata.name} to ${total}`)
  const verified = wait ? await exec.waitReadyAndVerified(`stable ${stable.metadata.name}`, t.stableSelector, total, image, t.model.apiPort, t.model.container) : []
  const canaryPods = (await exec.pods(t.canarySelector)).filter((p) => !p.metadata.deletionTimestamp)
  const before = await exec.connections(canaryPods, t.model.apiPort)
  await kube.patch(Resources.deployments, t.canaryName, {spec: {replicas: 0}}, 'merge', t.namespace)
  exec.stepDone(`scale ${t.canaryName} to 0`)
  steps.push(`scale ${t.canaryName} to 0`)
  const drained = wait ? await exec.waitDrained(`canary ${t.canaryName}`, t.canarySelector, before, 0) : []
  await kube.delete(Resources.deployments, t.canaryName, t.namespace, {propagationPolicy: 'Background'})
  await kube.patch(Resources.deployments, stable.metadata.name, {metadata: {annotations: clearAnnotations}}, 'merge', t.namespace)
  steps.push(`delete ${t.canaryName}`)
  exec.stepDone(`delete ${t.canaryName}`)
  return {namespace: t.namespace, workload: stable.metadata.name, kind: 'Deployment', action: 'abort-canary', image, steps, verified, drained, message: `canary aborted: ${stable.metadata.name} runs ${image} on ${total} pods`}
}

/** The same change `kubectl rollout undo` makes, then a wait with versions verified. */
async function undo(kube: KubeClient, t: RolloutTarget, exec: RolloutExecutor, toRevision: number | undefined, wait: boolean): Promise<RolloutResult> {
  const all = await revisions(kube, t)
  const currentRev = all.find((r) => r.current)?.revision ?? Math.max(0, ...all.map((r) => r.revision))
  const target = toRevision !== undefined ? all.find((r) => r.revision === toRevision) : [...all].reverse().find((r) => r.revision !== currentRev)
  if (!target) {
    throw new SrsError(toRevision !== undefined ? `revision ${toRevision} of ${t.model.kind} ${t.model.name} not found` : `${t.model.kind} ${t.model.name} has no previous revision to roll back to`, {
      reason: 'NotFound',
      hint: `list them with \`kubectl srs rollback ${t.model.name} --history\``,
    })
  }
  if (target.revision === currentRev) {
    return {namespace: t.namespace, workload: t.model.name, kind: t.model.kind, action: 'undo', image: target.image, steps: [], verified: [], drained: [], revision: target.revision, message: `skipped rollback: ${t.model.name} already runs revision ${target.revision}`}
  }
  await exec.checkApiAccess(t)
  const sel = Object.entries((t.deployment ?? t.statefulset)!.spec.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
  const oldPods = (await exec.pods(t.deployment ? t.stableSelector : sel)).filter((p) => !p.metadata.deletionTimestamp)
  const before = await exec.connections(oldPods, t.model.apiPort)
  if (t.deployment) {
    const rs = (await kube.list<ReplicaSet>(Resources.replicasets, {namespace: t.namespace, labelSelector: sel})).items.find(
      (r) => Number(r.metadata.annotations?.[REVISION]) === target.revision && r.metadata.ownerReferences?.some((o) => o.uid === t.deployment!.metadata.uid),
    )!
    const template = structuredClone(rs.spec.template)
    delete template.metadata?.labels?.['pod-template-hash']
    // As kubectl: keep the Deployment's own bookkeeping annotations, take the others from the ReplicaSet.
    const skip = new Set<string>([KUBE_ANNOTATION.lastApplied, REVISION, KUBE_ANNOTATION.revisionHistory, KUBE_ANNOTATION.desiredReplicas, KUBE_ANNOTATION.maxReplicas, KUBE_ANNOTATION.rollbackTo])
    const annotations: Record<string, string> = {}
    for (const [k, v] of Object.entries(t.deployment.metadata.annotations ?? {})) if (skip.has(k)) annotations[k] = v
    for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!skip.has(k)) annotations[k] = v
    await kube.patch(Resources.deployments, t.model.name, [
      {op: 'replace', path: '/spec/template', value: template},
      {op: 'replace', path: '/metadata/annotations', value: annotations},
    ], 'json', t.namespace)
  } else {
    const list = await kube.list<ControllerRevisionList['items'][number]>(Resources.controllerrevisions, {namespace: t.namespace, labelSelector: sel})
    const rev = list.items.find((r) => r.revision === target.revision && r.metadata.ownerReferences?.some((o) => o.uid === t.statefulset!.metadata.uid))!
    await kube.patch(Resources.statefulsets, t.model.name, rev.data, 'strategic', t.namespace)
  }
  exec.stepDone(`roll ${t.model.name} back to revision ${target.revision} (${target.image})`)
  const total = (t.deployment ?? t.statefulset)!.spec.replicas ?? 1
  let verified: VerifiedPod[] = []
  let drained: string[] = []
  if (wait) {
    verified = await exec.waitReadyAndVerified(t.model.name, t.deployment ? t.stableSelector : sel, total, target.image, t.model.apiPort, t.model.container)
    if (t.deployment) drained = await exec.waitDrained(`old pods of ${t.model.name}`, t.stableSelector, before, total)
  }
  return {namespace: t.namespace, workload: t.model.name, kind: t.model.kind, action: 'undo', image: target.image, steps: [`roll back to revision ${target.revision}`], verified, drained, revision: target.revision, message: `${t.model.name} rolled back to revision ${target.revision} (${target.image})`}
}
