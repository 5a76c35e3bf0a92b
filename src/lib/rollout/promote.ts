/**
 * kubectl srs promote: make the canary version the stable one with no capacity drop, and
 * kubectl srs rollback: abort a canary, or undo the last upgrade as `kubectl rollout undo` does.
 */
import {SrsError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {ControllerRevisionList, ReplicaSet} from './types.js'
import {KUBE_ANNOTATION, ROLLOUT_ANNOTATION} from '../vocabulary.js'
import {observeTarget, type RolloutTarget} from './target.js'
import {executorFor, type RolloutExecutor, type RolloutOptions} from './exec.js'
import type {RevisionInfo, RolloutHistory, RolloutResult, VerifiedPod} from './result.js'

const CHANGE_CAUSE = KUBE_ANNOTATION.changeCause
const REVISION = KUBE_ANNOTATION.revision

const clearAnnotations = {
  [ROLLOUT_ANNOTATION.canary]: null,
  [ROLLOUT_ANNOTATION.totalReplicas]: null,
  [ROLLOUT_ANNOTATION.stableImage]: null,
  [ROLLOUT_ANNOTATION.requestedWeight]: null,
  [ROLLOUT_ANNOTATION.savedStrategy]: null,
}

function imageOf(d: {spec: {template: {spec: {containers: {name: string; image?: string}[]}}}}, container: string): string {
  return d.spec.template.spec.containers.find((c) => c.name === container)?.image ?? ''
}

export async function runPromote(kube: KubeClient, workload: string | undefined, wait: boolean, opts: RolloutOptions): Promise<RolloutResult> {
  const t = await observeTarget(kube, kube.namespace, workload)
  const exec = await executorFor(kube, t, opts)
  if (t.statefulset) return promoteStatefulSet(kube, t, exec, wait)
  const stable = t.deployment!
  if (!t.canary) {
    throw new SrsError(`Deployment ${stable.metadata.name} has no canary to promote`, {reason: 'NoCanary', hint: `start one with \`kubectl srs canary ${stable.metadata.name} --to VERSION --percent P\``})
  }
  await exec.checkApiAccess(t)
  const image = imageOf(t.canary, t.model.container)
  const saved = stable.metadata.annotations?.[ROLLOUT_ANNOTATION.totalReplicas]
  const total = saved && /^\d+$/.test(saved) ? Number(saved) : (stable.spec.replicas ?? 1) + (t.canary.spec.replicas ?? 0)
  const steps: string[] = []
  const drained: string[] = []
  const oldPods = (await exec.pods(t.stableSelector)).filter((p) => !p.metadata.deletionTimestamp)
  const before = await exec.connections(oldPods, t.model.apiPort)
  // A normal rolling update of the stable Deployment, with maxUnavailable 0 for its duration so no
  // old pod leaves before a new one is Ready; the user's strategy is saved and put back after.
  // The image changes at the stable's current size first (changing size and image at once makes
  // the controller scale the old ReplicaSet up proportionally, starting pods of the old version).
  const strategy = stable.metadata.annotations?.[ROLLOUT_ANNOTATION.savedStrategy] ?? JSON.stringify(stable.spec.strategy ?? {})
  const cause = `kubectl srs promote ${stable.metadata.name}: image ${image}`
  const current = stable.spec.replicas ?? 1
  const update = `update ${stable.metadata.name} to ${image} (rolling, ${current} pods)`
  await kube.patch(
    Resources.deployments,
    stable.metadata.name,
    {
      metadata: {annotations: {[ROLLOUT_ANNOTATION.savedStrategy]: strategy, [CHANGE_CAUSE]: cause}},
      spec: {
        strategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 0, maxSurge: '25%'}},
        template: {spec: {containers: [{name: t.model.container, image}]}},
      },
    },
    'strategic',
    t.namespace,
  )
  exec.stepDone(update)
  steps.push(update)
  let verified: VerifiedPod[] = []
  if (wait && current > 0) {
    await exec.waitReadyAndVerified(`stable ${stable.metadata.name}`, t.stableSelector, current, image, t.model.apiPort, t.model.container)
    drained.push(...(await exec.waitDrained(`old pods of ${stable.metadata.name}`, t.stableSelector, before, current)))
  }
  if (total !== current) {
    await kube.patch(Resources.deployments, stable.metadata.name, {spec: {replicas: total}}, 'merge', t.namespace)
    exec.stepDone(`scale ${stable.metadata.name} to ${total}`)
    steps.push(`scale ${stable.metadata.name} to ${total}`)
  }
  if (wait) verified = await exec.waitReadyAndVerified(`stable ${stable.metadata.name}`, t.stableSelector, total, image, t.model.apiPort, t.model.container)
  const canaryPods = (await exec.pods(t.canarySelector)).filter((p) => !p.metadata.deletionTimestamp)
  const canaryBefore = await exec.connections(canaryPods, t.model.apiPort)
  await kube.patch(Resources.deployments, t.canaryName, {spec: {replicas: 0}}, 'merge', t.namespace)
  exec.stepDone(`scale ${t.canaryName} to 0`)
  steps.push(`scale ${t.canaryName} to 0`)
  if (wait) drained.push(...(await exec.waitDrained(`canary ${t.canaryName}`, t.canarySelector, canaryBefore, 0)))
  await kube.delete(Resources.deployments, t.canaryName, t.namespace, {propagationPolicy: 'Background'})
  steps.push(`delete ${t.canaryName}`)
  await restoreStrategy(kube, t, strategy)
  exec.stepDone(`delete ${t.canaryName}`)
  return {namespace: t.namespace, workload: stable.metadata.name, kind: 'Deployment', action: 'promote', image, steps, verified, drained, message: `${stable.metadata.name} runs ${image} on ${total} pods; canary removed`}
}

async function restoreStrategy(kube: KubeClient, t: RolloutTarget, saved: string): Promise<void> {
  let strategy: unknown = null
  try {
    strategy = JSON.parse(saved)
  } catch {
    strategy = null
  }
  // A JSON merge patch replaces the strategy object as a whole (rollingUpdate included).
  await kube.patch(Resources.deployments, t.model.name, {metadata: {annotations: clearAnnotations}, spec: {strategy: strategy && Object.keys(strategy).length ? strategy : null}}, 'merge', t.namespace)
}

async function promoteStatefulSet(kube: KubeClient, t: RolloutTarget, exec: RolloutExecutor, wait: boolean): Promise<RolloutResult> {
  const sts = t.statefulset!
  const partition = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0
  const image = t.model.image
  if (!partition && !sts.metadata.annotations?.[ROLLOUT_ANNOTATION.stableImage]) {
    throw new SrsError(`StatefulSet ${sts.metadata.name} has no canary to promote (partition is 0)`, {reason: 'NoCanary', hint: `start one with \`kubectl srs canary ${sts.metadata.name} --to VERSION --percent P\``})
  }
  await exec.checkApiAccess(t)
  await kube.patch(Resources.statefulsets, sts.metadata.name, {metadata: {annotations: {...clearAnnotations, [CHANGE_CAUSE]: `kubectl srs promote ${sts.metadata.name}: image ${image}`}}, spec: {updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0}}}}, 'strategic', t.namespace)
  exec.stepDone(`set partition of ${sts.metadata.name} to 0`)
  const total = sts.spec.replicas ?? 1
  const labels = Object.entries(sts.spec.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
  const verified = wait ? await exec.waitReadyAndVerified(`${sts.metadata.name}`, labels, total, image, t.model.apiPort, t.model.container) : []
  return {namespace: t.namespace, workload: sts.metadata.name, kind: 'StatefulSet', action: 'promote', image, steps: [`set partition of ${sts.metadata.name} to 0`], verified, drained: [], message: `${sts.metadata.name} runs ${image} on all ${total} pods`}
}

export async function rolloutHistory(kube: KubeClient, workload: string | undefined): Promise<RolloutHistory> {
  const t = await observeTarget(kube, kube.namespace, workload)
  return {namespace: t.namespace, workload: t.model.name, kind: t.model.kind, revisions: await revisions(kube, t)}
}

async function revisions(kube: KubeClient, t: RolloutTarget): Promise<RevisionInfo[]> {
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

