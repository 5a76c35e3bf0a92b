/**
 * How a deleted SRS pod ended, from what the Kubernetes API showed of it: the one judgement that
 * rollout and reload share, so neither calls a pod drained when it was killed.
 */
import type {Pod} from './kube/types.js'

/** 'quit': SRS exited by itself (graceful quit done); 'killed': SIGKILL at the end of the grace period. */
export type PodEnding = 'quit' | 'killed'

/** Polling and clock rounding: a pod gone within this much of its deletionTimestamp was killed. */
const DEADLINE_SLACK_MS = 1000

/** The terminated state of a container, when the kubelet has written one. */
export interface TerminatedState {
  exitCode?: number
  reason?: string
  message?: string
}

export function terminatedState(pod: Pod, container: string): TerminatedState | undefined {
  const t: unknown = pod.status?.containerStatuses?.find((c) => c.name === container)?.state?.terminated
  return t && typeof t === 'object' ? t : undefined
}

/**
 * How a pod that is now gone ended, from the last version of it that was seen and when it was
 * found gone. The kubelet writes the container's terminated state before the pod object goes:
 * exit 0 is SRS quitting by itself, anything else (137 after SIGKILL) is a kill. Without that
 * state (a watcher may miss it), a pod gone at or after its deletionTimestamp (delete time plus
 * grace period) was killed; one gone before it quit by itself. No deletionTimestamp seen: killed,
 * since nothing shows it quit.
 */
export function podEnding(lastSeen: Pod | undefined, container: string, goneAtMs: number): PodEnding {
  const t = lastSeen ? terminatedState(lastSeen, container) : undefined
  if (t && typeof t.exitCode === 'number') return t.exitCode === 0 ? 'quit' : 'killed'
  return goneBeforeDeadline(lastSeen, goneAtMs) ? 'quit' : 'killed'
}

/** The pod was found gone before its grace period ran out (false when no deletionTimestamp was seen). */
export function goneBeforeDeadline(lastSeen: Pod | undefined, goneAtMs: number): boolean {
  const deadline = lastSeen?.metadata.deletionTimestamp ? Date.parse(lastSeen.metadata.deletionTimestamp) : Number.NaN
  return Number.isFinite(deadline) && goneAtMs < deadline - DEADLINE_SLACK_MS
}

/**
 * Keeps the last look at a leaving pod but the first deletionTimestamp it showed: once its
 * container has exited, the kubelet deletes the pod again with no grace period, which moves
 * deletionTimestamp to that moment, and a pod last seen then would look killed at its deadline.
 * The deadline that tells a quit from a kill is the one the pod was first given (measured on real
 * SRS 4.0.271: a pod handed off 9 s into its 120 s grace period was reported killed).
 */
export function rememberLeaving(seen: Map<string, Pod>, pod: Pod): void {
  const first = seen.get(pod.metadata.name)?.metadata.deletionTimestamp
  seen.set(pod.metadata.name, first ? {...pod, metadata: {...pod.metadata, deletionTimestamp: first}} : pod)
}
