/** kubectl srs promote: make the canary version the stable one with no capacity drop. */
import {SrsError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import {KUBE_ANNOTATION, ROLLOUT_ANNOTATION} from '../vocabulary.js'
import {observeTarget, type RolloutTarget} from './target.js'
import {executorFor, type RolloutExecutor, type RolloutOptions} from './executor.js'
import type {RolloutResult, VerifiedPod} from './result.js'

const CHANGE_CAUSE = KUBE_ANNOTATION.changeCause

export const clearAnnotations = {
  [ROLLOUT_ANNOTATION.canary]: null,
  [ROLLOUT_ANNOTATION.totalReplicas]: null,
  [ROLLOUT_ANNOTATION.stableImage]: null,
  [ROLLOUT_ANNOTATION.requestedWeight]: null,
  [ROLLOUT_ANNOTATION.savedStrategy]: null,
}

export function imageOf(d: {spec: {template: {spec: {containers: {name: string; image?: string}[]}}}}, container: string): string {
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
