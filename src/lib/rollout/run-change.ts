/** What promote and rollback share after planning: the API check, the executor run, the result. */
import type {RolloutExecutor} from './executor.js'
import type {ChangePlan} from './plan.js'
import type {RolloutResult} from './result.js'
import type {RolloutTarget} from './target.js'

export async function runChange(t: RolloutTarget, exec: RolloutExecutor, plan: ChangePlan, wait: boolean): Promise<RolloutResult> {
  const result = (steps: string[], verified: RolloutResult['verified'], drained: string[]): RolloutResult => ({
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
  })
  if (plan.steps.length === 0) return result([], [], [])
  await exec.checkApiAccess(t)
  const {done, verified, drained} = await exec.run(plan.steps, wait)
  return result(
    done.map((s) => s.listedAs ?? s.description),
    verified,
    drained,
  )
}
