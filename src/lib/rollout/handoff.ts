/** The rollouts' side of --handoff-after: the refusal read before the first write (the hand-off itself is src/lib/handoff). */
import type {Pod} from '../kube/types.js'
import type {RolloutExecutor} from './executor.js'
import {handOffRefusal} from './handoff-refusal.js'
import type {PodViewers, RolloutStep} from './plan.js'
import {refuse} from './refusal.js'
import type {RolloutTarget} from './target.js'

/**
 * Before the first write of a run with --handoff-after: reads the SRS version of the pods that
 * leave and refuses (exit 2, nothing changed) where the hand-off cannot do what it promises.
 */
export async function refuseHandOff(exec: RolloutExecutor, t: RolloutTarget, steps: RolloutStep[], viewers: PodViewers): Promise<void> {
  const going = new Set(steps.flatMap((s) => (s.drains ? (s.leaving ?? []) : [])).map((p) => p.pod))
  const pods: Pod[] = t.pods.filter((p) => going.has(p.metadata.name) && !p.metadata.deletionTimestamp)
  refuse([handOffRefusal(t, steps, viewers, await exec.srsVersions(pods))].filter((r) => r !== undefined))
}
