/**
 * kubectl srs canary: start or move a canary next to the stable workload.
 * Deployments get a second Deployment `<stable>-canary` behind the same Services; StatefulSets
 * use the update partition so the highest ordinals run the new image.
 */
import {SrsError, UsageError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {Deployment, StatefulSet} from '../kube/types.js'
import {isValidTag, parseImageRef, withTag} from '../srs/image.js'
import {cannotDrainReason, observeTarget, webrtcWithoutAffinity, type RolloutTarget} from './target.js'
import {ROLLOUT_ANNOTATION, TRACK_LABEL} from '../vocabulary.js'
import {planDeploymentMove, splitReplicas, type Split, type Step} from './plan.js'
import {executorFor, type RolloutExecutor, type RolloutOptions} from './executor.js'
import type {CanaryResult, VerifiedPod} from './result.js'

export interface CanaryRequest {
  workload?: string
  to?: string
  image?: string
  percent: number
  replicas?: number
  wait: boolean
  dryRun: boolean
  force: boolean
  yes: boolean
}

export async function runCanary(kube: KubeClient, req: CanaryRequest, opts: RolloutOptions): Promise<CanaryResult> {
  if (req.to !== undefined && req.image !== undefined) throw new UsageError('--to and --image cannot be used together', 'use --to TAG to keep the registry and repository, or --image REF for another one')
  if (req.to === undefined && req.image === undefined && req.percent > 0) throw new UsageError('missing --to or --image', 'for example --to v4.0.6')
  if (req.to !== undefined && !isValidTag(req.to)) throw new UsageError(`invalid value for --to: "${req.to}" is not a valid image tag`, 'tags are letters, digits, "_", "." and "-", up to 128 characters, e.g. v4.0.6')
  if (req.image !== undefined && !validImageRef(req.image)) throw new UsageError(`invalid value for --image: "${req.image}" is not an image reference`, 'for example registry.example.com/ossrs/srs:6')
  const t = await observeTarget(kube, kube.namespace, req.workload)
  const stableImage = t.deployment?.metadata.annotations?.[ROLLOUT_ANNOTATION.stableImage] ?? t.statefulset?.metadata.annotations?.[ROLLOUT_ANNOTATION.stableImage] ?? t.model.image
  const canaryImage = req.image ?? (req.to !== undefined ? withTag(stableImage, req.to) : (t.canary?.spec.template.spec.containers.find((c) => c.name === t.model.container)?.image ?? stableImage))
  // Refusals come before the first write: nothing is half-applied.
  if (t.hpa) {
    throw new SrsError(`HorizontalPodAutoscaler ${t.hpa.metadata.name} scales ${t.model.kind} ${t.model.name}; a canary split would be undone by it`, {
      exitCode: 1,
      reason: 'Refused',
      hint: `delete or pause the HPA for the rollout (kubectl delete hpa ${t.hpa.metadata.name}), or upgrade with a plain rolling update (kubectl set image)`,
    })
  }
  const loose = webrtcWithoutAffinity(t)
  if (loose && t.model.kind === 'Deployment') {
    throw new SrsError(`WebRTC is enabled in ${t.model.config.configMap ?? 'srs.conf'} and Service ${loose} has no session affinity: two Deployments behind it would break WebRTC sessions`, {
      reason: 'Refused',
      hint: `set spec.sessionAffinity: ClientIP on ${loose} first`,
    })
  }
  const currentCanaryImage = t.canary?.spec.template.spec.containers.find((c) => c.name === t.model.container)?.image
  if (currentCanaryImage && currentCanaryImage !== canaryImage && (t.canary?.spec.replicas ?? 0) > 0 && !req.force && req.percent > 0) {
    throw new SrsError(`a canary of ${currentCanaryImage} is already running (${t.canaryName}); this asks for ${canaryImage}`, {
      reason: 'Refused',
      hint: 'promote or roll back the running canary first, or pass --force to replace its image',
    })
  }
  if (t.model.kind === 'StatefulSet' && t.statefulset) {
    const partition = t.statefulset.spec.updateStrategy?.rollingUpdate?.partition
    const templateImage = t.model.image
    if (partition && templateImage !== canaryImage && templateImage !== stableImage && !req.force) {
      throw new SrsError(`a canary of ${templateImage} is already running on ${t.model.name} (partition ${partition})`, {reason: 'Refused', hint: 'promote or roll back first, or pass --force'})
    }
  }
  if (t.deployment && rollingOut(t.deployment)) {
    throw new SrsError(`Deployment ${t.model.name} is still rolling out`, {reason: 'Refused', hint: `wait for \`kubectl rollout status deployment/${t.model.name}\`, then run the canary again`})
  }
  const exec = await executorFor(kube, t, opts)
  return t.model.kind === 'Deployment' ? deploymentCanary(kube, t, req, stableImage, canaryImage, exec) : statefulSetCanary(kube, t, req, stableImage, canaryImage, exec)
}

function validImageRef(ref: string): boolean {
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(ref) || ref.length > 512) return false
  const img = parseImageRef(ref)
  return Boolean(img.repository) && (img.tag === undefined || isValidTag(img.tag))
}

function rollingOut(d: Deployment): boolean {
  const s = d.status ?? {}
  const want = d.spec.replicas ?? 1
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return true
  return (s.updatedReplicas ?? 0) < want || (s.replicas ?? 0) > (s.updatedReplicas ?? 0)
}

function totalOf(t: RolloutTarget, req: CanaryRequest): number {
  const saved = t.deployment?.metadata.annotations?.[ROLLOUT_ANNOTATION.totalReplicas] ?? t.statefulset?.metadata.annotations?.[ROLLOUT_ANNOTATION.totalReplicas]
  if (req.replicas !== undefined) return req.replicas
  if (saved !== undefined && /^\d+$/.test(saved)) return Number(saved)
  return t.model.replicas + (t.canary?.spec.replicas ?? 0)
}

/** The canary Deployment: the stable one's pod template with only the image changed, plus the track label. */
function canaryDeploymentFor(stable: Deployment, canaryName: string, container: string, image: string, split: Split, stableImage: string): Deployment {
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

async function deploymentCanary(kube: KubeClient, t: RolloutTarget, req: CanaryRequest, stableImage: string, canaryImage: string, exec: RolloutExecutor): Promise<CanaryResult> {
  const stable = t.deployment!
  const total = totalOf(t, req)
  const split = splitReplicas(total, req.percent)
  const current = {stable: stable.spec.replicas ?? 1, canary: t.canary?.spec.replicas ?? 0}
  const steps = planDeploymentMove({...current, canaryExists: Boolean(t.canary), canaryImageMatches: !t.canary || t.canary.spec.template.spec.containers.some((c) => c.name === t.model.container && c.image === canaryImage)}, split, {stable: stable.metadata.name, canary: t.canaryName})
  const warnings: string[] = []
  const ns = t.namespace
  if (!req.dryRun) await exec.checkApiAccess(t)
  // Pods that will leave and cannot drain: say how many connections would be cut, and require --yes.
  for (const s of steps.filter((x) => x.drains)) {
    const image = s.drains === 'stable' ? stableImage : canaryImage
    const reason = cannotDrainReason(t.model, image)
    if (!reason) continue
    const selector = s.drains === 'stable' ? t.stableSelector : t.canarySelector
    const pods = (await exec.pods(selector)).filter((p) => !p.metadata.deletionTimestamp)
    const conns = await exec.connections(pods, t.model.apiPort)
    const leaving = Math.max(0, pods.length - (s.to ?? 0))
    const worst = [...conns.values()].sort((a, b) => b - a).slice(0, leaving).reduce((a, b) => a + b, 0)
    const msg = `${s.description} takes away ${leaving} pod(s) that cannot drain (${reason}): up to ${worst} connections would be cut`
    if (!req.yes && !req.dryRun) throw new SrsError(msg, {reason: 'Refused', hint: 'pass --yes to go on anyway, or set force_grace_quit on / use an SRS version that drains (4.x, 6.0.132+)'})
    warnings.push(msg)
  }
  const base: Omit<CanaryResult, 'steps' | 'verified' | 'drained'> = {
    namespace: ns,
    workload: stable.metadata.name,
    kind: 'Deployment',
    canary: t.canaryName,
    stableImage,
    canaryImage,
    split,
    warnings,
    dryRun: req.dryRun,
  }
  const canaryObj = canaryDeploymentFor(stable, t.canaryName, t.model.container, canaryImage, split, stableImage)
  if (req.dryRun) {
    const objects: unknown[] = []
    if (!t.canary) objects.push({...canaryObj, spec: {...canaryObj.spec, replicas: split.canary}})
    else {
      // The plan's "set the image of <canary>" step writes the template: the printed patch carries it too.
      const template = steps.some((s) => s.kind === 'update-canary-image') ? {template: canaryObj.spec.template} : {}
      objects.push({patch: `deployment/${t.canaryName}`, type: 'merge', body: {metadata: {annotations: canaryObj.metadata.annotations}, spec: {...template, replicas: split.canary}}})
    }
    objects.push({patch: `deployment/${stable.metadata.name}`, type: 'merge', body: stableAnnotationsPatch(t, split, stableImage, split.stable)})
    return {...base, steps: steps.map((s) => ({description: s.description, state: 'planned'})), verified: [], drained: [], objects}
  }
  // Record the plan's constants first: an interrupted run is continued or undone from these.
  await kube.patch(Resources.deployments, stable.metadata.name, stableAnnotationsPatch(t, split, stableImage), 'merge', ns)
  const done: CanaryResult['steps'] = []
  let verified: VerifiedPod[] = []
  const drained: string[] = []
  for (const s of steps) {
    const drainSelector = s.drains === 'stable' ? t.stableSelector : t.canarySelector
    // A draining SRS closes its API port: read the connections of the side that shrinks now.
    const before = s.drains ? await exec.connections((await exec.pods(drainSelector)).filter((p) => !p.metadata.deletionTimestamp), t.model.apiPort) : new Map<string, number>()
    await applyDeploymentStep(kube, t, s, canaryObj, split)
    if (req.wait) {
      if (s.kind === 'scale-canary' && !s.drains && (s.to ?? 0) > 0) {
        verified = await exec.waitReadyAndVerified(`canary ${t.canaryName}`, t.canarySelector, s.to!, canaryImage, t.model.apiPort, t.model.container)
      } else if (s.kind === 'scale-stable' && !s.drains && (s.to ?? 0) > 0) {
        verified = await exec.waitReadyAndVerified(`stable ${stable.metadata.name}`, t.stableSelector, s.to!, stableImage, t.model.apiPort, t.model.container)
      }
    }
    exec.stepDone(s.description)
    done.push({description: s.description, state: 'done'})
    if (s.drains && req.wait) {
      drained.push(...(await exec.waitDrained(s.drains === 'stable' ? `stable ${stable.metadata.name}` : `canary ${t.canaryName}`, drainSelector, before, s.to ?? 0)))
    }
  }
  return {...base, steps: done, verified, drained}
}

function stableAnnotationsPatch(t: RolloutTarget, split: Split, stableImage: string, replicas?: number): object {
  return {
    metadata: {
      annotations: {
        [ROLLOUT_ANNOTATION.canary]: t.canaryName,
        [ROLLOUT_ANNOTATION.totalReplicas]: String(split.total),
        [ROLLOUT_ANNOTATION.stableImage]: stableImage,
      },
    },
    ...(replicas === undefined ? {} : {spec: {replicas}}),
  }
}

async function applyDeploymentStep(kube: KubeClient, t: RolloutTarget, s: Step, canaryObj: Deployment, split: Split): Promise<void> {
  const ns = t.namespace
  switch (s.kind) {
    case 'create-canary':
      await kube.create(Resources.deployments, canaryObj, ns)
      return
    case 'update-canary-image':
      await kube.patch(Resources.deployments, t.canaryName, {metadata: {annotations: canaryObj.metadata.annotations}, spec: {template: canaryObj.spec.template}}, 'strategic', ns)
      return
    case 'scale-canary':
      await kube.patch(Resources.deployments, t.canaryName, {metadata: {annotations: {[ROLLOUT_ANNOTATION.requestedWeight]: String(split.requestedWeight), [ROLLOUT_ANNOTATION.totalReplicas]: String(split.total)}}, spec: {replicas: s.to}}, 'merge', ns)
      return
    case 'scale-stable':
      await kube.patch(Resources.deployments, t.model.name, {spec: {replicas: s.to}}, 'merge', ns)
      return
    default:
      throw new SrsError(`step ${s.kind} does not apply to a Deployment`)
  }
}

async function statefulSetCanary(kube: KubeClient, t: RolloutTarget, req: CanaryRequest, stableImage: string, canaryImage: string, exec: RolloutExecutor): Promise<CanaryResult> {
  const sts = t.statefulset!
  const total = sts.spec.replicas ?? 1
  const split = splitReplicas(total, req.percent)
  // Ordinals >= partition run the template (the canary image); the rest keep their revision.
  const partition = split.stable
  const image = split.canary === 0 ? stableImage : canaryImage
  const patch: Partial<StatefulSet> & object = {
    metadata: {name: sts.metadata.name, annotations: {[ROLLOUT_ANNOTATION.stableImage]: stableImage, [ROLLOUT_ANNOTATION.requestedWeight]: String(split.requestedWeight), [ROLLOUT_ANNOTATION.totalReplicas]: String(total)}},
    spec: {
      updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition}},
      template: {spec: {containers: [{name: t.model.container, image}]}},
    } as StatefulSet['spec'],
  }
  const warnings = ['a StatefulSet updates a pod by deleting it first: each canary origin restarts once (edges retry; the guide accepts this for origins)']
  const step = `set partition of ${sts.metadata.name} to ${partition} with image ${image} (ordinals ${partition}..${total - 1})`
  const base = {namespace: t.namespace, workload: sts.metadata.name, kind: 'StatefulSet' as const, canary: `${sts.metadata.name} ordinals >= ${partition}`, stableImage, canaryImage, split, warnings, dryRun: req.dryRun}
  if (req.dryRun) return {...base, steps: [{description: step, state: 'planned'}], verified: [], drained: [], objects: [{patch: `statefulset/${sts.metadata.name}`, type: 'strategic', body: patch}]}
  if (sts.spec.updateStrategy?.type === 'OnDelete') throw new SrsError(`StatefulSet ${sts.metadata.name} uses the OnDelete update strategy`, {reason: 'Refused', hint: 'switch it to RollingUpdate to use a partition canary'})
  await exec.checkApiAccess(t)
  await kube.patch(Resources.statefulsets, sts.metadata.name, patch, 'strategic', t.namespace)
  exec.stepDone(step)
  let verified: VerifiedPod[] = []
  if (req.wait && split.canary > 0) {
    const labels = Object.entries(sts.spec.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
    verified = await exec.waitReadyAndVerified(`canary ordinals of ${sts.metadata.name}`, labels, split.canary, canaryImage, t.model.apiPort, t.model.container)
  }
  return {...base, steps: [{description: step, state: 'done'}], verified, drained: []}
}

