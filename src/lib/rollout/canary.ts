/**
 * kubectl srs canary: start or move a canary next to the stable workload.
 * Deployments get a second Deployment `<stable>-canary` behind the same Services; StatefulSets
 * use the update partition so the highest ordinals run the new image.
 * observe → planCanary → refusals → executor → CanaryResult.
 */
import {SrsError, UsageError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {isValidTag, parseImageRef} from '../srs/image.js'
import {executorFor, type RolloutOptions} from './executor.js'
import {planCanary, type CanaryRequest as CanaryPlanRequest, type RolloutStep} from './plan.js'
import {refuseHandOff} from './handoff.js'
import {refuse} from './refusal.js'
import type {CanaryResult, LeavingPod} from './result.js'
import {observeTarget} from './target.js'

export interface CanaryRequest extends CanaryPlanRequest {
  workload?: string
  wait: boolean
  dryRun: boolean
  yes: boolean
}

export async function runCanary(kube: KubeClient, req: CanaryRequest, opts: RolloutOptions): Promise<CanaryResult> {
  if (req.to !== undefined && req.image !== undefined) throw new UsageError('--to and --image cannot be used together', 'use --to TAG to keep the registry and repository, or --image REF for another one')
  if (req.to === undefined && req.image === undefined && req.percent > 0) throw new UsageError('missing --to or --image', 'for example --to v4.0.6')
  if (req.to !== undefined && !isValidTag(req.to)) throw new UsageError(`invalid value for --to: "${req.to}" is not a valid image tag`, 'tags are letters, digits, "_", "." and "-", up to 128 characters, e.g. v4.0.6')
  if (req.image !== undefined && !validImageRef(req.image)) throw new UsageError(`invalid value for --image: "${req.image}" is not an image reference`, 'for example registry.example.com/ossrs/srs:6')
  const t = await observeTarget(kube, kube.namespace, req.workload)
  // Refusals come before the first write: nothing is half-applied.
  refuse(planCanary(t, req).refusals, req.dryRun)
  const exec = await executorFor(kube, t, opts)
  if (!req.dryRun) await exec.checkApiAccess(t)
  // The plan again, now knowing the viewers on each pod: it names the pods that go.
  const viewersNow = await exec.viewers(
    t.pods.filter((p) => !p.metadata.deletionTimestamp),
    req.dryRun,
  )
  const plan = planCanary(t, req, viewersNow)
  if (exec.handsOff) await refuseHandOff(exec, t, plan.steps, viewersNow)
  const warnings = [...plan.warnings]
  const base = {namespace: t.namespace, workload: plan.workload, kind: plan.kind, canary: plan.canary, stableImage: plan.stableImage, canaryImage: plan.canaryImage, split: plan.split, warnings, dryRun: req.dryRun}
  // Once a step ran and waited, its leaving list is the pods that really left and how (exec.run's `left`).
  const stepsAs = (steps: RolloutStep[], state: 'done' | 'planned', left?: Map<RolloutStep, LeavingPod[]>): CanaryResult['steps'] =>
    steps.map((s) => {
      const leaving = left?.get(s) ?? s.leaving
      return {description: s.description, state, ...(leaving?.length ? {leaving} : {})}
    })
  const planned = (): CanaryResult => ({
    ...base,
    steps: stepsAs(
      plan.steps.filter((s) => s.counted),
      'planned',
    ),
    verified: [],
    drained: [],
    objects: plan.objects,
  })
  if (plan.kind === 'StatefulSet' && req.dryRun) return planned()
  // Pods that will leave and cannot drain: say how many connections would be cut, and require --yes.
  for (const s of plan.steps) {
    const reason = s.drains?.cannotDrain
    if (!s.drains || !reason) continue
    const pods = await exec.livePods(s.drains.selector)
    const conns = await exec.connections(pods, t.model.apiPort)
    const leaving = Math.max(0, pods.length - (s.drains.track === 'stable' ? s.end.stable : s.end.canary))
    const worst = [...conns.values()]
      .sort((a, b) => b - a)
      .slice(0, leaving)
      .reduce((a, b) => a + b, 0)
    const msg = `${s.description} takes away ${leaving} pod(s) that cannot drain (${reason}): up to ${worst} connections would be cut`
    if (!req.yes && !req.dryRun) throw new SrsError(msg, {reason: 'Refused', hint: 'pass --yes to go on anyway, or set force_grace_quit on / use an SRS version that drains (4.x, 6.0.132+)'})
    warnings.push(msg)
  }
  if (req.dryRun) return planned()
  const {done, verified, drained, left} = await exec.run(plan.steps, req.wait)
  return {...base, steps: stepsAs(done, 'done', left), verified, drained}
}

function validImageRef(ref: string): boolean {
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(ref) || ref.length > 512) return false
  const img = parseImageRef(ref)
  return Boolean(img.repository) && (img.tag === undefined || isValidTag(img.tag))
}
