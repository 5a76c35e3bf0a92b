/**
 * The test-only stop hook: KUBECTL_SRS_STOP_AFTER_STEP=k ends a changing command right after step
 * k, as an interrupted operator's command would, so the fault suites can check that a re-run or a
 * rollback converges. The command layer reads it once (stopHookFromEnv) and hands it to the
 * executor as an option; executors call stopAfterStep and never read the environment.
 */
import {UsageError} from './errors.js'
import {sleep} from './util.js'

export interface StopHook {
  /** The step (1-based) after which the run ends. */
  afterStep: number
  /** KUBECTL_SRS_STOP_SIGNAL: a real signal to send to itself first, as an operator's kill would be. */
  signal?: 'KILL' | 'INT' | 'TERM'
}

/** Exit code of a run stopped on purpose after a step (like a shell's Ctrl-C). */
export const INTERRUPTED_EXIT = 130

export function stopHookFromEnv(env: NodeJS.ProcessEnv = process.env): StopHook | undefined {
  const raw = env.KUBECTL_SRS_STOP_AFTER_STEP
  if (raw === undefined || raw === '') return undefined
  if (!/^\d+$/.test(raw)) throw new UsageError(`KUBECTL_SRS_STOP_AFTER_STEP must be a step number, not "${raw}"`)
  const signal = env.KUBECTL_SRS_STOP_SIGNAL
  return {afterStep: Number(raw), signal: signal === 'KILL' || signal === 'INT' || signal === 'TERM' ? signal : undefined}
}

/**
 * Ends the process when `step` is the hook's step; otherwise returns at once. `beforeExit` runs
 * when no signal took the process first (the origin lease is abandoned there).
 */
export async function stopAfterStep(hook: StopHook | undefined, step: number, beforeExit?: () => Promise<void>): Promise<void> {
  if (hook?.afterStep !== step) return
  process.stderr.write(`stopped after step ${step} (KUBECTL_SRS_STOP_AFTER_STEP)\n`)
  if (hook.signal) {
    process.kill(process.pid, `SIG${hook.signal}`)
    // KILL ends the process now; INT and TERM go through the command's own signal handler, which
    // exits once it has cleaned up: wait for it rather than racing it to the exit below.
    await sleep(30_000)
  }
  await beforeExit?.()
  process.exit(INTERRUPTED_EXIT)
}
