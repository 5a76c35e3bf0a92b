/**
 * kubectl srs rollback: abort a canary, or undo the last upgrade as `kubectl rollout undo` does.
 * observe (with the revisions for an undo) → planAbort / planUndo → executor → RolloutResult.
 */
import type {KubeClient} from '../kube/client.js'
import {executorFor, type RolloutOptions} from './executor.js'
import {observeRevisions} from './history.js'
import {planAbort, planUndo} from './plan.js'
import {refuse} from './refusal.js'
import type {RolloutResult} from './result.js'
import {runChange} from './run-change.js'
import {observeTarget} from './target.js'

export async function runRollback(kube: KubeClient, workload: string | undefined, toRevision: number | undefined, wait: boolean, opts: RolloutOptions): Promise<RolloutResult> {
  const t = await observeTarget(kube, kube.namespace, workload)
  const exec = await executorFor(kube, t, opts)
  const plan = (toRevision === undefined ? planAbort(t) : undefined) ?? planUndo(t, await observeRevisions(kube, t), toRevision)
  refuse(plan.refusals)
  return runChange(t, exec, plan, wait)
}
