/** When --handoff-after is refused for a rollout, before the first write (pure); the reasons are src/lib/handoff/refusal.ts's. */
import {cannotDrainRefusal, noRoomRefusal} from '../handoff/refusal.js'
import type {PodViewers, Refusal, RolloutStep} from './plan.js'
import type {RolloutTarget} from './target.js'

/**
 * The first reason to refuse the hand-off: a leaving pod whose SRS (as its API reports it) cannot
 * drain, or a step after which the viewers of the workload would not fit the pods left serving
 * (max_connections each; a StatefulSet restarts one ordinal at a time, so one pod fewer).
 */
export function handOffRefusal(t: RolloutTarget, steps: RolloutStep[], viewers: PodViewers, versions: ReadonlyMap<string, string | null>): Refusal | undefined {
  const maxConnections = t.model.settings.global.maxConnections.value
  const total = [...viewers.values()].reduce<number>((s, n) => s + (n ?? 0), 0)
  for (const step of steps) {
    const leaving = step.drains ? (step.leaving ?? []) : []
    if (!leaving.length) continue
    const cannot = cannotDrainRefusal(
      leaving.map((p) => p.pod),
      versions,
    )
    if (cannot) return cannot
    const serving = t.model.kind === 'StatefulSet' ? Math.max(0, t.model.replicas - 1) : step.end.stable + step.end.canary
    const noRoom = noRoomRefusal(step.description, t.model.name, serving, maxConnections, total)
    if (noRoom) return noRoom
  }
  return undefined
}
