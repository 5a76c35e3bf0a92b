/** kubectl srs promote: make the canary version the stable one with no capacity drop. observe → planPromote → executor → RolloutResult. */
import type {KubeClient} from '../kube/client.js'
import {executorFor, type RolloutOptions} from './executor.js'
import {planPromote} from './plan.js'
import type {RolloutResult} from './result.js'
import {runChange} from './run-change.js'
import {observeTarget} from './target.js'

export async function runPromote(kube: KubeClient, workload: string | undefined, wait: boolean, opts: RolloutOptions): Promise<RolloutResult> {
  const t = await observeTarget(kube, kube.namespace, workload)
  const exec = await executorFor(kube, t, opts)
  return runChange(t, exec, (viewers) => planPromote(t, viewers), wait)
}
