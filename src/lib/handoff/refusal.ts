/**
 * Why --handoff-after is refused, before the first write (pure), for rollouts and reload alike: a
 * hand-off moves the viewers of the leaving pods onto the pods that stay at once, so those must
 * have room for them; and an SRS that cannot drain gracefully (5.x, 6.0 before 6.0.132) drops its
 * clients the moment it quits, so there is nothing to hand off and the pods it removes cut their
 * viewers anyway.
 */
import {ExitCode} from '../errors.js'
import type {Refusal} from '../rollout/plan.js'

/** Whether an SRS version ("4.0.271", "6.0.157", as its API reports it) drains on graceful quit. */
export function versionDrains(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
  if (!m) return true
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (major === 5) return false
  return !(major === 6 && minor === 0 && patch < 132)
}

function refusal(message: string, hint: string): Refusal {
  return {message, hint, reason: 'Usage', exitCode: ExitCode.Usage}
}

/** The first leaving pod whose SRS (as its API reports it; unknown counts as able) cannot drain, as a refusal. */
export function cannotDrainRefusal(leaving: string[], versions: ReadonlyMap<string, string | null>): Refusal | undefined {
  const cannot = leaving.find((pod) => {
    const v = versions.get(pod)
    return v !== null && v !== undefined && !versionDrains(v)
  })
  if (cannot === undefined) return undefined
  return refusal(
    `--handoff-after: ${cannot} runs SRS ${versions.get(cannot)}, which cannot drain gracefully (SRS 5.x, 6.0 before 6.0.132 drop every client when they quit): there is nothing to hand off`,
    'run it without --handoff-after (pods that cannot drain need --yes, as their viewers are cut), or move to an SRS that drains (4.x, 6.0.132+)',
  )
}

/** A step (`what`) after which `viewers` would not fit the `serving` pods of max_connections each, as a refusal. */
export function noRoomRefusal(what: string, workload: string, serving: number, maxConnections: number, viewers: number): Refusal | undefined {
  if (viewers <= serving * maxConnections) return undefined
  return refusal(
    `--handoff-after: ${what} leaves ${serving} pod(s) of max_connections ${maxConnections} (room for ${serving * maxConnections}) for the ${viewers} viewers of ${workload}: handed-off players would find no room`,
    'run it without --handoff-after (the leaving pods then drain as their viewers leave), or add capacity first (more replicas, or a higher max_connections)',
  )
}
