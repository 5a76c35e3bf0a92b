/**
 * Pure rollout planning: how a requested canary weight becomes pod counts, in which order the two
 * tracks move so that serving capacity never drops below the starting total, and the plans of
 * canary, promote and rollback (steps with their end state, refusals as values). No I/O.
 */
import type {ExitCode} from '../errors.js'
import type {Deployment, Pod, StatefulSet} from '../kube/types.js'
import {withTag} from '../srs/image.js'
import {KUBE_ANNOTATION, ROLLOUT_ANNOTATION, TRACK_LABEL} from '../vocabulary.js'
import {
  abortPartitionPatch,
  canaryDeployment,
  canaryTemplatePatch,
  clearAnnotationsPatch,
  createDeployment,
  deleteDeployment,
  imageOf,
  partitionPatch,
  promoteImagePatch,
  promotePartitionPatch,
  restoreStrategyPatch,
  scaleCanaryPatch,
  scaleDeployment,
  stableAnnotationsPatch,
  undoDeploymentPatch,
  undoStatefulSetPatch,
  type RolloutWrite,
} from './patches.js'
import type {LeavingPod, RevisionInfo} from './result.js'
import {cannotDrainReason, webrtcWithoutAffinity, type RolloutTarget} from './target.js'
import type {ControllerRevisionList, ReplicaSet} from './types.js'

export interface Split {
  total: number
  canary: number
  stable: number
  requestedWeight: number
  /** The weight the pod counts give, in percent with one decimal. */
  effectiveWeight: number
}

/**
 * Splits T pods by weight P. The canary gets P% of T rounded to the nearest pod (halves round
 * up), so the effective weight is as close to the requested one as pod counts allow; Argo
 * Rollouts instead rounds the canary up (ceil), which favours the canary (T=10, P=12: ceil gives
 * 2 pods = 20 %, nearest gives 1 pod = 10 %). 0 < P < 100 keeps at least one pod on each side, so
 * with T = 1 the split is 1 + 1 (capacity is never lowered to make room for the canary).
 */
export function splitReplicas(total: number, percent: number): Split {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a whole number >= 0, got ${total}`)
  if (!(percent >= 0 && percent <= 100)) throw new RangeError(`percent must be 0..100, got ${percent}`)
  let canary = Math.floor((percent * total) / 100 + 0.5)
  let stable = total - canary
  if (percent > 0 && percent < 100) {
    canary = Math.min(Math.max(1, canary), Math.max(1, total - 1))
    stable = Math.max(1, total - canary)
  }
  if (percent === 0) {
    canary = 0
    stable = total
  }
  if (percent === 100) {
    canary = total
    stable = 0
  }
  const sum = canary + stable
  return {total, canary, stable, requestedWeight: percent, effectiveWeight: sum ? Math.round((1000 * canary) / sum) / 10 : 0}
}

/** Parses --percent: a number from 0 to 100 (decimals allowed, "25%" accepted). */
export function parsePercent(input: string): number | undefined {
  const m = /^\s*(\d{1,3}(?:\.\d+)?)\s*%?\s*$/.exec(input)
  if (!m) return undefined
  const n = Number(m[1])
  return n >= 0 && n <= 100 ? n : undefined
}

export type StepKind = 'scale-canary' | 'scale-stable' | 'create-canary' | 'update-canary-image' | 'delete-canary' | 'set-partition'

export interface Step {
  kind: StepKind
  /** Replicas (scale) or partition (set-partition). */
  to?: number
  description: string
  /** Pods this step takes away, which leave through SRS graceful quit. */
  drains?: 'stable' | 'canary'
}

/**
 * The order of a Deployment canary move from (stable s0, canary c0) to the target split: the
 * side that grows goes first and must be Ready and verified before the other side shrinks.
 */
export function planDeploymentMove(current: {stable: number; canary: number; canaryExists: boolean; canaryImageMatches: boolean}, target: Split, names: {stable: string; canary: string}): Step[] {
  const steps: Step[] = []
  if (!current.canaryExists) steps.push({kind: 'create-canary', to: 0, description: `create Deployment ${names.canary} (0 pods)`})
  else if (!current.canaryImageMatches) steps.push({kind: 'update-canary-image', description: `set the image of ${names.canary}`})
  const canaryUp = target.canary > current.canary
  const stableUp = target.stable > current.stable
  if (canaryUp || (!stableUp && target.canary === current.canary)) {
    if (target.canary !== current.canary) steps.push({kind: 'scale-canary', to: target.canary, description: `scale ${names.canary} to ${target.canary}`})
    if (target.stable !== current.stable) steps.push({kind: 'scale-stable', to: target.stable, description: `scale ${names.stable} to ${target.stable}`, drains: target.stable < current.stable ? 'stable' : undefined})
  } else {
    if (target.stable !== current.stable) steps.push({kind: 'scale-stable', to: target.stable, description: `scale ${names.stable} to ${target.stable}`})
    if (target.canary !== current.canary) steps.push({kind: 'scale-canary', to: target.canary, description: `scale ${names.canary} to ${target.canary}`, drains: target.canary < current.canary ? 'canary' : undefined})
  }
  return steps
}

/** Pods per track after a step, the canary's effective weight, and a StatefulSet's partition. */
export interface TrackState {
  stable: number
  canary: number
  /** Canary pods in percent of all pods, one decimal. */
  weight: number
  partition?: number
}

export function trackState(stable: number, canary: number, partition?: number): TrackState {
  const sum = stable + canary
  return {stable, canary, weight: sum ? Math.round((1000 * canary) / sum) / 10 : 0, ...(partition === undefined ? {} : {partition})}
}

/** What the executor waits for (only with --wait). */
export type RolloutWait =
  | {kind: 'verified'; what: string; selector: string; count: number; image: string}
  | {kind: 'drained'; what: string; selector: string; remaining: number}
  /** StatefulSet ordinals that the step restarts: each old pod gone, and how it left. */
  | {kind: 'restarted'; what: string; selector: string; pods: string[]}

/** A refusal, as a value: the runner turns it into the error, before the first write. */
export interface Refusal {
  message: string
  reason: string
  hint: string
  exitCode?: ExitCode
  /** Only refuses applying: --dry-run still prints the plan. */
  whenApplying?: boolean
}

/** One step of a rollout plan: the writes, the end state they lead to, and what to wait for. */
export interface RolloutStep {
  kind: StepKind | 'record-plan' | 'update-stable-image' | 'undo'
  description: string
  /** The result lists this instead of the description (undo: "roll back to revision N"). */
  listedAs?: string
  end: TrackState
  writes: RolloutWrite[]
  /** A step boundary: listed in the result, counted by the stop hook. */
  counted: boolean
  waitBeforeDone?: RolloutWait[]
  waitAfterDone?: RolloutWait[]
  /** Pods of this track leave through SRS graceful quit; their connections are read just before. */
  drains?: {track: 'stable' | 'canary'; selector: string; cannotDrain?: string}
  /** The pods this step takes away (a StatefulSet: the ordinals it restarts), fewest viewers first. */
  leaving?: LeavingPod[]
  /**
   * Deletion costs set on the pods of a Deployment track before its ReplicaSet shrinks, so the
   * controller removes them in this order (fewest viewers first); with `restore`, the previous
   * values come back once the track is down to `remaining` pods.
   */
  deletionCosts?: {selector: string; order: string[]; remaining: number; restore: boolean}
}

/** Viewers per pod name (null: its SRS did not say). */
export type PodViewers = ReadonlyMap<string, number | null>

function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
}

/** The live pods of a Deployment track in the order they should go: not Ready, then fewest viewers (unknown first), then by name. */
export function leastLoadedFirst(t: RolloutTarget, track: 'stable' | 'canary', viewers: PodViewers): Pod[] {
  const load = (p: Pod) => viewers.get(p.metadata.name) ?? -1
  return t.pods
    .filter((p) => !p.metadata.deletionTimestamp && (p.metadata.labels?.[TRACK_LABEL] === 'canary') === (track === 'canary'))
    .sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || load(a) - load(b) || a.metadata.name.localeCompare(b.metadata.name))
}

const leavingOf = (pods: Pod[], viewers: PodViewers): LeavingPod[] => pods.map((p) => ({pod: p.metadata.name, viewers: viewers.get(p.metadata.name) ?? null}))

/** A Deployment track shrinking to `remaining`: which pods go, and the costs that make the controller pick them. */
function shrink(t: RolloutTarget, track: 'stable' | 'canary', remaining: number, viewers: PodViewers, rolling = false): Pick<RolloutStep, 'leaving' | 'deletionCosts'> {
  const ordered = leastLoadedFirst(t, track, viewers)
  const going = rolling ? ordered : ordered.slice(0, Math.max(0, ordered.length - remaining))
  const selector = track === 'stable' ? t.stableSelector : t.canarySelector
  // Costs decide only when some pods stay, or the pods go one by one (rolling update).
  const order = ordered.map((p) => p.metadata.name)
  const deletionCosts = (rolling && ordered.length > 1) || (!rolling && going.length > 0 && going.length < ordered.length) ? {selector, order, remaining: rolling ? 0 : remaining, restore: !rolling} : undefined
  return {leaving: leavingOf(going, viewers), ...(deletionCosts ? {deletionCosts} : {})}
}

/** A StatefulSet step's ordinals that restart: their viewers are read before, and each is waited for until its old pod is gone. */
function restarts(t: RolloutTarget, leaving: LeavingPod[]): Pick<RolloutStep, 'leaving' | 'drains' | 'waitAfterDone'> {
  return {leaving, drains: {track: 'stable', selector: t.podSelector}, waitAfterDone: leaving.length ? [{kind: 'restarted', what: `restarted ordinals of ${t.model.name}`, selector: t.podSelector, pods: leaving.map((p) => p.pod)}] : []}
}

/** StatefulSet pods that restart when ordinals >= partition run `image`. */
function partitionLeaving(t: RolloutTarget, partition: number, image: string, viewers: PodViewers): LeavingPod[] {
  const out: LeavingPod[] = []
  for (const p of t.pods) {
    const ordinal = Number(/-(\d+)$/.exec(p.metadata.name)?.[1])
    const runs = p.spec.containers.find((c) => c.name === t.model.container)?.image
    if (Number.isInteger(ordinal) && ordinal >= partition && runs !== image) out.push({pod: p.metadata.name, viewers: viewers.get(p.metadata.name) ?? null, ordinal})
  }
  return out.sort((a, b) => a.ordinal! - b.ordinal!)
}

export interface CanaryRequest {
  to?: string
  image?: string
  percent: number
  replicas?: number
  force: boolean
}

export interface CanaryPlan {
  kind: 'Deployment' | 'StatefulSet'
  workload: string
  canary: string
  stableImage: string
  canaryImage: string
  split: Split
  steps: RolloutStep[]
  warnings: string[]
  refusals: Refusal[]
  /** What --dry-run prints: the objects and patches that would be sent. */
  objects: unknown[]
}

const containerImage = (d: Deployment | undefined, container: string): string | undefined => d?.spec.template.spec.containers.find((c) => c.name === container)?.image

/** The total the first canary step recorded, else the given fallback. */
function savedTotal(annotations: Record<string, string> | undefined, fallback: number): number {
  const saved = annotations?.[ROLLOUT_ANNOTATION.totalReplicas]
  return saved !== undefined && /^\d+$/.test(saved) ? Number(saved) : fallback
}

/**
 * canary: from the observed target to the steps that move the split to --percent. Refusals come
 * before any step: an HPA, WebRTC without session affinity, a second canary of another image,
 * a Deployment still rolling out; OnDelete StatefulSets only when applying.
 */
export function planCanary(t: RolloutTarget, req: CanaryRequest, viewers: PodViewers = new Map()): CanaryPlan {
  const workloadObj = t.deployment ?? t.statefulset
  const stableImage = workloadObj?.metadata.annotations?.[ROLLOUT_ANNOTATION.stableImage] ?? t.model.image
  const canaryImage = req.image ?? (req.to !== undefined ? withTag(stableImage, req.to) : (containerImage(t.canary, t.model.container) ?? stableImage))
  const refusals: Refusal[] = []
  if (t.hpa) {
    refusals.push({
      message: `HorizontalPodAutoscaler ${t.hpa.metadata.name} scales ${t.model.kind} ${t.model.name}; a canary split would be undone by it`,
      exitCode: 1,
      reason: 'Refused',
      hint: `delete or pause the HPA for the rollout (kubectl delete hpa ${t.hpa.metadata.name}), or upgrade with a plain rolling update (kubectl set image)`,
    })
  }
  const loose = webrtcWithoutAffinity(t)
  if (loose && t.model.kind === 'Deployment') {
    refusals.push({
      message: `WebRTC is enabled in ${t.model.config.configMap ?? 'srs.conf'} and Service ${loose} has no session affinity: two Deployments behind it would break WebRTC sessions`,
      reason: 'Refused',
      hint: `set spec.sessionAffinity: ClientIP on ${loose} first`,
    })
  }
  const currentCanaryImage = containerImage(t.canary, t.model.container)
  if (currentCanaryImage && currentCanaryImage !== canaryImage && (t.canary?.spec.replicas ?? 0) > 0 && !req.force && req.percent > 0) {
    refusals.push({
      message: `a canary of ${currentCanaryImage} is already running (${t.canaryName}); this asks for ${canaryImage}`,
      reason: 'Refused',
      hint: 'promote or roll back the running canary first, or pass --force to replace its image',
    })
  }
  if (t.statefulset) {
    const partition = t.statefulset.spec.updateStrategy?.rollingUpdate?.partition
    const templateImage = t.model.image
    if (partition && templateImage !== canaryImage && templateImage !== stableImage && !req.force) {
      refusals.push({message: `a canary of ${templateImage} is already running on ${t.model.name} (partition ${partition})`, reason: 'Refused', hint: 'promote or roll back first, or pass --force'})
    }
  }
  if (t.deployment && rollingOut(t.deployment)) {
    refusals.push({message: `Deployment ${t.model.name} is still rolling out`, reason: 'Refused', hint: `wait for \`kubectl rollout status deployment/${t.model.name}\`, then run the canary again`})
  }
  if (t.statefulset) {
    const sts = planStatefulSetCanary(t, t.statefulset, req, stableImage, canaryImage, viewers)
    return {...sts, refusals: [...refusals, ...sts.refusals]}
  }
  return {...planDeploymentCanary(t, t.deployment!, req, stableImage, canaryImage, viewers), refusals}
}

function rollingOut(d: Deployment): boolean {
  const s = d.status ?? {}
  const want = d.spec.replicas ?? 1
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return true
  return (s.updatedReplicas ?? 0) < want || (s.replicas ?? 0) > (s.updatedReplicas ?? 0)
}

function planDeploymentCanary(t: RolloutTarget, stable: Deployment, req: CanaryRequest, stableImage: string, canaryImage: string, viewers: PodViewers): CanaryPlan {
  const total = req.replicas ?? savedTotal(stable.metadata.annotations, t.model.replicas + (t.canary?.spec.replicas ?? 0))
  const split = splitReplicas(total, req.percent)
  const current = {stable: stable.spec.replicas ?? 1, canary: t.canary?.spec.replicas ?? 0}
  const canaryImageMatches = !t.canary || t.canary.spec.template.spec.containers.some((c) => c.name === t.model.container && c.image === canaryImage)
  const moves = planDeploymentMove({...current, canaryExists: Boolean(t.canary), canaryImageMatches}, split, {stable: stable.metadata.name, canary: t.canaryName})
  const canaryObj = canaryDeployment(stable, t.canaryName, t.model.container, canaryImage, split, stableImage)
  // Record the plan's constants first: an interrupted run is continued or undone from these.
  const steps: RolloutStep[] = [
    {
      kind: 'record-plan',
      description: `record the plan on ${stable.metadata.name}`,
      end: trackState(current.stable, current.canary),
      counted: false,
      writes: [{op: 'patch', resource: 'deployments', name: stable.metadata.name, type: 'merge', body: stableAnnotationsPatch(t.canaryName, split, stableImage)}],
    },
  ]
  const state = {...current}
  for (const m of moves) {
    if (m.kind === 'scale-canary') state.canary = m.to!
    if (m.kind === 'scale-stable') state.stable = m.to!
    const step: RolloutStep = {kind: m.kind, description: m.description, end: trackState(state.stable, state.canary), counted: true, writes: []}
    if (m.kind === 'create-canary') step.writes.push(createDeployment(canaryObj))
    if (m.kind === 'update-canary-image') step.writes.push(canaryTemplatePatch(canaryObj))
    if (m.kind === 'scale-canary') step.writes.push(scaleCanaryPatch(t.canaryName, split, m.to!))
    if (m.kind === 'scale-stable') step.writes.push(scaleDeployment(stable.metadata.name, m.to!))
    if (m.drains) {
      const selector = m.drains === 'stable' ? t.stableSelector : t.canarySelector
      step.drains = {track: m.drains, selector, cannotDrain: cannotDrainReason(t.model, m.drains === 'stable' ? stableImage : canaryImage)}
      step.waitAfterDone = [{kind: 'drained', what: m.drains === 'stable' ? `stable ${stable.metadata.name}` : `canary ${t.canaryName}`, selector, remaining: m.to ?? 0}]
      Object.assign(step, shrink(t, m.drains, m.to ?? 0, viewers))
    } else if (m.kind === 'scale-canary' && (m.to ?? 0) > 0) {
      step.waitBeforeDone = [{kind: 'verified', what: `canary ${t.canaryName}`, selector: t.canarySelector, count: m.to!, image: canaryImage}]
    } else if (m.kind === 'scale-stable' && (m.to ?? 0) > 0) {
      step.waitBeforeDone = [{kind: 'verified', what: `stable ${stable.metadata.name}`, selector: t.stableSelector, count: m.to!, image: stableImage}]
    }
    steps.push(step)
  }
  const objects: unknown[] = []
  if (!t.canary) objects.push({...canaryObj, spec: {...canaryObj.spec, replicas: split.canary}})
  else {
    // The plan's "set the image of <canary>" step writes the template: the printed patch carries it too.
    const template = moves.some((s) => s.kind === 'update-canary-image') ? {template: canaryObj.spec.template} : {}
    objects.push({patch: `deployment/${t.canaryName}`, type: 'merge', body: {metadata: {annotations: canaryObj.metadata.annotations}, spec: {...template, replicas: split.canary}}})
  }
  objects.push({patch: `deployment/${stable.metadata.name}`, type: 'merge', body: stableAnnotationsPatch(t.canaryName, split, stableImage, split.stable)})
  return {kind: 'Deployment', workload: stable.metadata.name, canary: t.canaryName, stableImage, canaryImage, split, steps, warnings: [], refusals: [], objects}
}

function planStatefulSetCanary(t: RolloutTarget, sts: StatefulSet, req: CanaryRequest, stableImage: string, canaryImage: string, viewers: PodViewers): CanaryPlan {
  const total = sts.spec.replicas ?? 1
  const split = splitReplicas(total, req.percent)
  // Ordinals >= partition run the template (the canary image); the rest keep their revision.
  const partition = split.stable
  const image = split.canary === 0 ? stableImage : canaryImage
  const write = partitionPatch(sts, t.model.container, partition, image, stableImage, split)
  const description = `set partition of ${sts.metadata.name} to ${partition} with image ${image} (ordinals ${partition}..${total - 1})`
  const leaving = partitionLeaving(t, partition, image, viewers)
  const step: RolloutStep = {kind: 'set-partition', description, end: trackState(partition, total - partition, partition), counted: true, writes: [write], ...restarts(t, leaving)}
  if (split.canary > 0) step.waitAfterDone = [...step.waitAfterDone!, {kind: 'verified', what: `canary ordinals of ${sts.metadata.name}`, selector: t.podSelector, count: split.canary, image: canaryImage}]
  const refusals: Refusal[] =
    sts.spec.updateStrategy?.type === 'OnDelete' ? [{message: `StatefulSet ${sts.metadata.name} uses the OnDelete update strategy`, reason: 'Refused', hint: 'switch it to RollingUpdate to use a partition canary', whenApplying: true}] : []
  return {
    kind: 'StatefulSet',
    workload: sts.metadata.name,
    canary: `${sts.metadata.name} ordinals >= ${partition}`,
    stableImage,
    canaryImage,
    split,
    steps: [step],
    warnings: ['a StatefulSet updates a pod by deleting it first: each canary origin restarts once (edges retry; the guide accepts this for origins)'],
    refusals,
    objects: [{patch: `statefulset/${sts.metadata.name}`, type: 'strategic', body: write.op === 'patch' ? write.body : undefined}],
  }
}

/** promote and rollback plans: the steps, the image the workload ends on, and the message of the result. */
export interface ChangePlan {
  kind: 'Deployment' | 'StatefulSet'
  workload: string
  action: 'promote' | 'abort-canary' | 'undo'
  image: string
  steps: RolloutStep[]
  refusals: Refusal[]
  message: string
  revision?: number
}

/**
 * promote: a Deployment's stable takes the canary's image as a rolling update at its current
 * size (changing size and image at once makes the controller scale the old ReplicaSet up
 * proportionally, starting pods of the old version), grows back to the total, then the canary
 * leaves; a StatefulSet's partition goes to 0.
 */
export function planPromote(t: RolloutTarget, viewers: PodViewers = new Map()): ChangePlan {
  if (t.statefulset) {
    const sts = t.statefulset
    const partition = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0
    const image = t.model.image
    const total = sts.spec.replicas ?? 1
    const refusals: Refusal[] =
      !partition && !sts.metadata.annotations?.[ROLLOUT_ANNOTATION.stableImage]
        ? [{message: `StatefulSet ${sts.metadata.name} has no canary to promote (partition is 0)`, reason: 'NoCanary', hint: `start one with \`kubectl srs canary ${sts.metadata.name} --to VERSION --percent P\``}]
        : []
    const step: RolloutStep = {
      kind: 'set-partition',
      description: `set partition of ${sts.metadata.name} to 0`,
      end: trackState(0, total, 0),
      counted: true,
      writes: [promotePartitionPatch(sts.metadata.name, image)],
      ...restarts(t, partitionLeaving(t, 0, image, viewers)),
    }
    step.waitAfterDone!.push({kind: 'verified', what: `${sts.metadata.name}`, selector: t.podSelector, count: total, image})
    return {kind: 'StatefulSet', workload: sts.metadata.name, action: 'promote', image, steps: [step], refusals, message: `${sts.metadata.name} runs ${image} on all ${total} pods`}
  }
  const stable = t.deployment!
  const name = stable.metadata.name
  if (!t.canary) {
    return {
      kind: 'Deployment',
      workload: name,
      action: 'promote',
      image: '',
      steps: [],
      message: '',
      refusals: [{message: `Deployment ${name} has no canary to promote`, reason: 'NoCanary', hint: `start one with \`kubectl srs canary ${name} --to VERSION --percent P\``}],
    }
  }
  const image = imageOf(t.canary, t.model.container)
  const canaryPods = t.canary.spec.replicas ?? 0
  const current = stable.spec.replicas ?? 1
  const total = savedTotal(stable.metadata.annotations, current + canaryPods)
  const strategy = stable.metadata.annotations?.[ROLLOUT_ANNOTATION.savedStrategy] ?? JSON.stringify(stable.spec.strategy ?? {})
  const verifyTotal: RolloutWait = {kind: 'verified', what: `stable ${name}`, selector: t.stableSelector, count: total, image}
  const update: RolloutStep = {
    kind: 'update-stable-image',
    description: `update ${name} to ${image} (rolling, ${current} pods)`,
    end: trackState(current, canaryPods),
    counted: true,
    writes: [promoteImagePatch(name, t.model.container, image, strategy, `kubectl srs promote ${name}: image ${image}`)],
    drains: {track: 'stable', selector: t.stableSelector},
    ...shrink(t, 'stable', 0, viewers, true),
    waitAfterDone: [
      ...(current > 0 ? [{kind: 'verified', what: `stable ${name}`, selector: t.stableSelector, count: current, image} as const, {kind: 'drained', what: `old pods of ${name}`, selector: t.stableSelector, remaining: current} as const] : []),
      ...(total === current ? [verifyTotal] : []),
    ],
  }
  const steps: RolloutStep[] = [update]
  if (total !== current) steps.push({kind: 'scale-stable', description: `scale ${name} to ${total}`, end: trackState(total, canaryPods), counted: true, writes: [scaleDeployment(name, total)], waitAfterDone: [verifyTotal]})
  steps.push(...canaryRemoval(t, total, restoreStrategyPatch(name, strategy), viewers))
  return {kind: 'Deployment', workload: name, action: 'promote', image, steps, refusals: [], message: `${name} runs ${image} on ${total} pods; canary removed`}
}

/** The canary leaves through graceful quit, then its Deployment goes and the stable's bookkeeping with it. */
function canaryRemoval(t: RolloutTarget, stablePods: number, stableCleanup: RolloutWrite, viewers: PodViewers): RolloutStep[] {
  const end = trackState(stablePods, 0)
  return [
    {
      kind: 'scale-canary',
      description: `scale ${t.canaryName} to 0`,
      end,
      counted: true,
      writes: [scaleDeployment(t.canaryName, 0)],
      drains: {track: 'canary', selector: t.canarySelector},
      ...shrink(t, 'canary', 0, viewers),
      waitAfterDone: [{kind: 'drained', what: `canary ${t.canaryName}`, selector: t.canarySelector, remaining: 0}],
    },
    {kind: 'delete-canary', description: `delete ${t.canaryName}`, end, counted: true, writes: [deleteDeployment(t.canaryName), stableCleanup]},
  ]
}

/**
 * rollback while a canary runs: a Deployment's stable grows back to the total (Ready, verified)
 * before the canary leaves; a StatefulSet's template goes back to the stable image, partition 0.
 * Undefined when no canary runs (then rollback is an undo, see planUndo).
 */
export function planAbort(t: RolloutTarget, viewers: PodViewers = new Map()): ChangePlan | undefined {
  const obj = (t.deployment ?? t.statefulset)!
  const stableImage = obj.metadata.annotations?.[ROLLOUT_ANNOTATION.stableImage]
  if (t.deployment && t.canary) {
    const name = t.deployment.metadata.name
    const total = savedTotal(t.deployment.metadata.annotations, (t.deployment.spec.replicas ?? 1) + (t.canary.spec.replicas ?? 0))
    const image = stableImage ?? imageOf(t.deployment, t.model.container)
    const grow: RolloutStep = {
      kind: 'scale-stable',
      description: `scale ${name} to ${total}`,
      end: trackState(total, t.canary.spec.replicas ?? 0),
      counted: true,
      writes: [scaleDeployment(name, total)],
      waitAfterDone: [{kind: 'verified', what: `stable ${name}`, selector: t.stableSelector, count: total, image}],
    }
    return {kind: 'Deployment', workload: name, action: 'abort-canary', image, steps: [grow, ...canaryRemoval(t, total, clearAnnotationsPatch(name), viewers)], refusals: [], message: `canary aborted: ${name} runs ${image} on ${total} pods`}
  }
  if (t.statefulset && stableImage) {
    const sts = t.statefulset
    const total = sts.spec.replicas ?? 1
    const step: RolloutStep = {
      kind: 'set-partition',
      description: `set ${sts.metadata.name} back to ${stableImage}, partition 0`,
      end: trackState(total, 0, 0),
      counted: true,
      writes: [abortPartitionPatch(sts.metadata.name, t.model.container, stableImage)],
      ...restarts(t, partitionLeaving(t, 0, stableImage, viewers)),
    }
    step.waitAfterDone!.push({kind: 'verified', what: sts.metadata.name, selector: t.podSelector, count: total, image: stableImage})
    return {kind: 'StatefulSet', workload: sts.metadata.name, action: 'abort-canary', image: stableImage, steps: [step], refusals: [], message: `canary aborted: ${sts.metadata.name} runs ${stableImage} on every pod`}
  }
  return undefined
}

/** What an undo is planned from: the revisions and the objects that hold them. */
export interface RevisionSources {
  revisions: RevisionInfo[]
  replicaSets: ReplicaSet[]
  controllerRevisions: ControllerRevisionList['items']
}

/** rollback with no canary running: the change `kubectl rollout undo` makes, to the previous or given revision. */
export function planUndo(t: RolloutTarget, src: RevisionSources, toRevision: number | undefined, viewers: PodViewers = new Map()): ChangePlan {
  const all = src.revisions
  const kind = t.model.kind
  const name = t.model.name
  const currentRev = all.find((r) => r.current)?.revision ?? Math.max(0, ...all.map((r) => r.revision))
  const target = toRevision !== undefined ? all.find((r) => r.revision === toRevision) : [...all].reverse().find((r) => r.revision !== currentRev)
  if (!target) {
    return {
      kind,
      workload: name,
      action: 'undo',
      image: '',
      steps: [],
      message: '',
      refusals: [
        {
          message: toRevision !== undefined ? `revision ${toRevision} of ${kind} ${name} not found` : `${kind} ${name} has no previous revision to roll back to`,
          reason: 'NotFound',
          hint: `list them with \`kubectl srs rollback ${name} --history\``,
        },
      ],
    }
  }
  if (target.revision === currentRev) return {kind, workload: name, action: 'undo', image: target.image, steps: [], refusals: [], revision: target.revision, message: `skipped rollback: ${name} already runs revision ${target.revision}`}
  const obj = (t.deployment ?? t.statefulset)!
  const total = obj.spec.replicas ?? 1
  let write: RolloutWrite
  if (t.deployment) {
    const rs = src.replicaSets.find((r) => Number(r.metadata.annotations?.[KUBE_ANNOTATION.revision]) === target.revision && r.metadata.ownerReferences?.some((o) => o.uid === t.deployment!.metadata.uid))!
    write = undoDeploymentPatch(t.deployment, rs)
  } else {
    const rev = src.controllerRevisions.find((r) => r.revision === target.revision && r.metadata.ownerReferences?.some((o) => o.uid === t.statefulset!.metadata.uid))!
    write = undoStatefulSetPatch(name, rev.data)
  }
  const selector = t.deployment ? t.stableSelector : t.podSelector
  const step: RolloutStep = {
    kind: 'undo',
    description: `roll ${name} back to revision ${target.revision} (${target.image})`,
    listedAs: `roll back to revision ${target.revision}`,
    end: trackState(total, 0),
    counted: true,
    writes: [write],
    drains: {track: 'stable', selector},
    ...(t.deployment ? shrink(t, 'stable', 0, viewers, true) : restarts(t, partitionLeaving(t, 0, target.image, viewers))),
  }
  step.waitAfterDone = [
    ...(step.waitAfterDone ?? []),
    {kind: 'verified', what: name, selector, count: total, image: target.image},
    ...(t.deployment ? [{kind: 'drained', what: `old pods of ${name}`, selector: t.stableSelector, remaining: total} as const] : []),
  ]
  return {kind, workload: name, action: 'undo', image: target.image, steps: [step], refusals: [], revision: target.revision, message: `${name} rolled back to revision ${target.revision} (${target.image})`}
}
