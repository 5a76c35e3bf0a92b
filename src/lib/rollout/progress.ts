/** How the rollout executor reports what it waits for; the CLI's spinner implements it. Types only. */
export interface RolloutProgress {
  /** Replaces the line describing the current wait. */
  update(text: string): void
  /** Clears it (before a process exit or a log line). */
  stop(): void
}
