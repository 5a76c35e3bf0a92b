/**
 * kubectl srs rollback: abort a canary, or undo the last upgrade as `kubectl rollout undo` does.
 * observe (with the revisions for an undo) → planAbort / planUndo → executor → RolloutResult.
 */
import type {KubeClient} from '../kube/client.js'
import {executorFor, type RolloutOptions} from './executor.js'
import {observeRevisions} from './history.js'
import {planAbort, planUndo} from './plan.js'
import type {RolloutResult} from './result.js'
import {runChange} from './run-change.js'
import {observeTarget} from './target.js'

export async function runRollback(kube: KubeClient, workload: string | undefined, toRevision: number | undefined, wait: boolean, opts: RolloutOptions): Promise<RolloutResult> {
  const t = await observeTarget(kube, kube.namespace, workload)
  const exec = await executorFor(kube, t, opts)
  if (toRevision === undefined && planAbort(t)) return runChange(t, exec, (viewers) => planAbort(t, viewers)!, wait)
  const revisions = await observeRevisions(kube, t)
  return runChange(t, exec, (viewers) => planUndo(t, revisions, toRevision, viewers), wait)
}
