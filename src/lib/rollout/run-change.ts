/** What promote and rollback share after planning: the API check, the executor run, the result. */
import type {RolloutExecutor} from './executor.js'
import type {ChangePlan, PodViewers} from './plan.js'
import {refuseHandOff} from './handoff.js'
import {refuse} from './refusal.js'
import type {RolloutResult} from './result.js'
import type {RolloutTarget} from './target.js'

/** Plans without viewers to refuse before anything else, then again with the viewers on each pod, so the plan names the pods that go. */
export async function runChange(t: RolloutTarget, exec: RolloutExecutor, planFor: (viewers?: PodViewers) => ChangePlan, wait: boolean): Promise<RolloutResult> {
  const first = planFor()
  refuse(first.refusals)
  if (first.steps.length === 0) return resultOf(t, first, [], [], [])
  await exec.checkApiAccess(t)
  const viewers = await exec.viewers(t.pods.filter((p) => !p.metadata.deletionTimestamp))
  const plan = planFor(viewers)
  if (exec.handsOff) await refuseHandOff(exec, t, plan.steps, viewers)
  const {done, verified, drained, left} = await exec.run(plan.steps, wait)
  // A step that ran and waited lists the pods that really left and how; otherwise the plan's.
  const leaving = done.filter((s) => (left.get(s) ?? s.leaving)?.length).map((s) => ({step: s.listedAs ?? s.description, pods: left.get(s) ?? s.leaving!}))
  return {
    ...resultOf(
      t,
      plan,
      done.map((s) => s.listedAs ?? s.description),
      verified,
      drained,
    ),
    ...(leaving.length ? {leaving} : {}),
  }
}

function resultOf(t: RolloutTarget, plan: ChangePlan, steps: string[], verified: RolloutResult['verified'], drained: string[]): RolloutResult {
  return {
    namespace: t.namespace,
    workload: plan.workload,
    kind: plan.kind,
    action: plan.action,
    image: plan.image,
    steps,
    verified,
    drained,
    ...(plan.revision === undefined ? {} : {revision: plan.revision}),
    message: plan.message,
  }
}
