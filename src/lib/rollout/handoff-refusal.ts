/**
 * When --handoff-after is refused, before the first write (pure): a hand-off moves the viewers of
 * the leaving pods onto the pods that stay at once, so those must have room for them; and an SRS
 * that cannot drain gracefully (5.x, 6.0 before 6.0.132) drops its clients the moment it quits,
 * so there is nothing to hand off and the pods it removes cut their viewers anyway.
 */
import {ExitCode} from '../errors.js'
import type {PodViewers, Refusal, RolloutStep} from './plan.js'
import type {RolloutTarget} from './target.js'

/** Whether an SRS version ("4.0.271", "6.0.157", as its API reports it) drains on graceful quit. */
export function versionDrains(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
  if (!m) return true
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (major === 5) return false
  return !(major === 6 && minor === 0 && patch < 132)
}

/**
 * The first reason to refuse the hand-off: a leaving pod whose SRS (as its API reports it) cannot
 * drain, or a step after which the viewers of the workload would not fit the pods left serving
 * (max_connections each; a StatefulSet restarts one ordinal at a time, so one pod fewer).
 */
export function handOffRefusal(t: RolloutTarget, steps: RolloutStep[], viewers: PodViewers, versions: ReadonlyMap<string, string | null>): Refusal | undefined {
  const refusal = (message: string, hint: string): Refusal => ({message, hint, reason: 'Usage', exitCode: ExitCode.Usage})
  const maxConnections = t.model.settings.global.maxConnections.value
  const total = [...viewers.values()].reduce<number>((s, n) => s + (n ?? 0), 0)
  for (const step of steps) {
    const leaving = step.drains ? (step.leaving ?? []) : []
    if (!leaving.length) continue
    const cannot = leaving.find((p) => {
      const v = versions.get(p.pod)
      return v !== null && v !== undefined && !versionDrains(v)
    })
    if (cannot) {
      return refusal(
        `--handoff-after: ${cannot.pod} runs SRS ${versions.get(cannot.pod)}, which cannot drain gracefully (SRS 5.x, 6.0 before 6.0.132 drop every client when they quit): there is nothing to hand off`,
        'run it without --handoff-after (pods that cannot drain need --yes, as their viewers are cut), or move to an SRS that drains (4.x, 6.0.132+)',
      )
    }
    const serving = t.model.kind === 'StatefulSet' ? Math.max(0, t.model.replicas - 1) : step.end.stable + step.end.canary
    if (total > serving * maxConnections) {
      return refusal(
        `--handoff-after: ${step.description} leaves ${serving} pod(s) of max_connections ${maxConnections} (room for ${serving * maxConnections}) for the ${total} viewers of ${t.model.name}: handed-off players would find no room`,
        'run it without --handoff-after (the leaving pods then drain as their viewers leave), or add capacity first (more replicas, or a higher max_connections)',
      )
    }
  }
  return undefined
}
