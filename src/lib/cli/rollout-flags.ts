import {Flags} from '@oclif/core'
import {UsageError} from '../errors.js'
import type {RolloutOptions} from '../rollout/executor.js'
import type {StopHook} from '../stop-hook.js'
import {formatDuration} from './duration.js'
import {durationFlag, positiveDurationFlag, srsApiAuthFlags} from './flags.js'

/** Flags every rollout command shares, the SRS API credentials for version checks among them. */
export const rolloutFlags = {
  wait: Flags.boolean({description: 'Wait until pods are Ready, versions verified and old pods drained (--no-wait returns after applying).', default: true, allowNo: true}),
  timeout: durationFlag({description: 'How long to wait in all (0 means no limit); on timeout the command exits 3 and says how to continue.', default: 600_000}),
  'pod-timeout': durationFlag({description: 'Time to wait for each SRS API answer.', default: 5000}),
  'handoff-after': positiveDurationFlag({
    description:
      'After this long draining, close the clients still on each leaving pod through the SRS API, so players reconnect at once to pods that stay (default: wait as the grace period allows). Refused (exit 2, nothing changed) when the staying pods lack the capacity (max_connections) or the leaving pods run an SRS that cannot drain (5.x, 6.0 before 6.0.132).',
  }),
  ...srsApiAuthFlags,
}

/**
 * The executor options every rollout command passes: its flags, its progress line, and the
 * test-only stop hook the command read once (BaseCommand.stopHook).
 */
export function rolloutOptions(
  flags: {timeout: number; 'pod-timeout': number; 'handoff-after'?: number; wait?: boolean; verbose?: boolean},
  progress: RolloutOptions['progress'],
  apiCredentials: RolloutOptions['apiCredentials'],
  stopHook: StopHook | undefined,
): RolloutOptions {
  if (flags['handoff-after'] !== undefined && flags.wait === false) throw new UsageError('--handoff-after needs the command to wait for the leaving pods', 'drop --no-wait, or --handoff-after')
  return {
    timeoutMs: flags.timeout,
    timeoutLabel: formatDuration(flags.timeout),
    podTimeoutMs: flags['pod-timeout'],
    progress,
    log: (l) => flags.verbose && process.stderr.write(`I ${l}\n`),
    apiCredentials,
    stopHook,
    ...(flags['handoff-after'] === undefined ? {} : {handoffAfterMs: flags['handoff-after']}),
  }
}
