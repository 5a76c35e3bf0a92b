import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {countFlag, credentialFlagsOf, outputFlag, positiveDurationFlag, validateName} from '../lib/cli/flags.js'
import {rolloutFlags, rolloutOptions} from '../lib/cli/rollout-flags.js'
import {UsageError} from '../lib/errors.js'
import type {CanaryResult} from '../lib/rollout/result.js'
import type {ProgressiveCanaryResult} from '../lib/rollout/progressive-result.js'
import {parsePercent} from '../lib/rollout/plan.js'
import {parseSteps} from '../lib/rollout/progressive-plan.js'
import {DEFAULT_THRESHOLDS} from '../lib/rollout/analysis.js'

export default class Canary extends BaseCommand<typeof Canary> {
  static override summary = 'Start or move a canary of a new SRS version next to the stable one.'
  static override description = `Deployments (edges, origins as Deployments): creates or updates <stable>-canary, a copy of the stable Deployment with only the image changed and the label srs.kubectl.io/track=canary added, so every Service that selects the stable pods selects the canary's too. StatefulSets (the origin cluster): sets spec.updateStrategy.rollingUpdate.partition so the highest ordinals run the new image.

The split is --percent of the total pods T, rounded to the nearest pod; 0 < P < 100 keeps at least one pod on each side. The growing side goes first and must be Ready with its SRS version verified through the API before the other side shrinks, so serving capacity never drops below T; pods that leave do so through SRS graceful quit, the ones with the fewest viewers first (controller.kubernetes.io/pod-deletion-cost, set before the stable shrinks and put back after; the plan and --dry-run name them). Run it again with another --percent to move the split; --percent 0 removes the canary pods. State lives in annotations, so an interrupted run can be continued or rolled back.

SRS http_api auth (SRS 5.0.152+ / 6.0.40+): versions and connections are read through a port-forward (pods/portforward) with the credentials of --api-user and --api-password-file, --api-secret, or else the workload's own srs.conf or SRS_HTTP_API_AUTH_* env, as in status.

Refuses, changing nothing: an HPA on the workload, WebRTC behind a Service without session affinity, an invalid tag, a second canary of another version (unless --force), pods that cannot drain (SRS 5.x, force_grace_quit off) unless --yes, SRS pods that answer 401 (no credentials, or rejected ones: exit 1, naming the user and where they came from).

How each leaving pod (a StatefulSet: each restarted ordinal) left is in the result (text and -o json): drained (its viewers left, SRS quit by itself), cut (killed at the end of its grace period: the viewers last read on it, or unknown) or handed off (--handoff-after: the clients closed through the SRS API). Exit 3 when viewers were cut.

--handoff-after DURATION: DURATION after a leaving pod starts its graceful quit, the clients still on it are closed through its SRS API (over a connection opened before the scale-down and held, since a draining SRS stops listening), so players reconnect at once to the pods that stay instead of being cut when the grace period ends. Refused (exit 2, nothing changed) when a leaving pod's SRS cannot drain (5.x, 6.0 before 6.0.132), when the pods left serving lack the room (max_connections each) for the workload's viewers, or with --no-wait.

Progressive (--steps 10,25,50 instead of --percent): each step is the move --percent makes, then an analysis watches both tracks for --interval, sampling every pod's SRS API at least 4 times: canary pods Ready and not restarted (restartCount, SRS service id, uptime), SRS version verified, SRS API answering, and against the stable track: viewer retention (the share of the viewers present at the interval start still connected at its end), kbps sent per viewer (viewers connected 40 s: SRS's 30 s window and its refresh), CPU and memory of a canary pod against a stable pod at its viewers per pod. A failed check rolls the canary back as rollback does and exits 3 naming the check with the figures on both tracks; --promote promotes after the last step. Ctrl-C pauses at the current weight (exit 130); the same command resumes that step, its interval starting anew; rollback aborts at any time. The state is the annotation srs.kubectl.io/progressive on the canary (a StatefulSet: on itself). docs/canary.md has the thresholds.`
  static override examples = [
    {description: 'Send a quarter of the edges to v4.0.6', command: '<%= config.bin %> canary srs-edge-deploy --to v4.0.6 --percent 25'},
    {description: 'Move the split to 75 %', command: '<%= config.bin %> canary srs-edge-deploy --to v4.0.6 --percent 75'},
    {
      description: 'Half the edges to v4.0.6; clients still on a leaving pod after 30 s are closed through the SRS API and reconnect to pods that stay',
      command: '<%= config.bin %> canary srs-edge-deploy --to v4.0.6 --percent 50 --handoff-after 30s',
    },
    {description: 'Show what would change, as YAML', command: '<%= config.bin %> canary srs-edge-deploy --image registry.example.com/ossrs/srs:6 --percent 50 --dry-run -o yaml'},
    {description: 'Canary the origin StatefulSet through its partition', command: '<%= config.bin %> canary srs-origin --to v4.0.6 --percent 34'},
    {description: 'Walk 25 and 50 % with 20 s of analysis after each, then promote', command: '<%= config.bin %> canary srs-edge-deploy --to v4.0.6 --steps 25,50 --interval 20s --promote'},
    {
      description: 'SRS with http_api auth: versions verified through a port-forward with the credentials of a Secret (keys username, password)',
      command: '<%= config.bin %> canary srs-edge-deploy --to v6.0.160 --percent 25 --api-secret srs-api-auth',
    },
  ]
  static override args = {workload: Args.string({description: 'The stable Deployment or StatefulSet (default: the only SRS workload in the namespace).'})}
  static override flags = {
    to: Flags.string({description: 'Target version: the image tag to run; registry and repository are kept.'}),
    image: Flags.string({description: 'Full image reference for the canary.'}),
    percent: Flags.string({description: 'Share of the pods (0-100) that run the canary.', exclusive: ['steps']}),
    steps: Flags.string({description: 'Progressive canary: the weights in percent, increasing, each 1-99 (e.g. 10,25,50), each followed by an analysis over --interval.', exclusive: ['percent']}),
    interval: positiveDurationFlag({description: 'With --steps: how long the analysis watches each step before the next (default 5m).'}),
    promote: Flags.boolean({description: 'With --steps: promote once the last step passed its analysis.'}),
    'max-retention-drop': countFlag({description: `With --steps: percentage points the canary's viewer retention may be below the stable's (default ${DEFAULT_THRESHOLDS.maxRetentionDrop}).`, min: 0, max: 100}),
    'max-kbps-drop': countFlag({description: `With --steps: percent the canary's kbps sent per viewer may be below the stable's (default ${DEFAULT_THRESHOLDS.maxKbpsDrop}).`, min: 0, max: 100}),
    'max-cpu-increase': countFlag({
      description: `With --steps: percent a canary pod's CPU may be above a stable pod's, scaled up when the canary carries more viewers per pod (default ${DEFAULT_THRESHOLDS.maxCpuIncrease}).`,
      min: 0,
      max: 10000,
    }),
    'max-memory-increase': countFlag({
      description: `With --steps: percent a canary pod's memory may be above a stable pod's, scaled up when the canary carries more viewers per pod (default ${DEFAULT_THRESHOLDS.maxMemoryIncrease}).`,
      min: 0,
      max: 10000,
    }),
    replicas: countFlag({
      description: 'Total pods T to split (default: the total the first canary step recorded in the annotation srs.kubectl.io/total-replicas, else the pods of both tracks now; a StatefulSet always splits its replicas).',
      min: 1,
      max: 10000,
    }),
    'dry-run': Flags.boolean({description: 'Print the objects and patches, change nothing.'}),
    force: Flags.boolean({description: 'Replace a running canary of another version.'}),
    yes: Flags.boolean({char: 'y', description: 'Go on even when leaving pods cannot drain their connections.'}),
    output: outputFlag(['table', 'json', 'yaml'] as const, 'table'),
    ...rolloutFlags,
  }

  public async run(): Promise<CanaryResult | ProgressiveCanaryResult> {
    const {args, flags} = this
    if (args.workload !== undefined) validateName(args.workload, 'workload name')
    if (flags.steps !== undefined) return this.progressive(flags.steps)
    const onlyWithSteps = (['interval', 'promote', 'max-retention-drop', 'max-kbps-drop', 'max-cpu-increase', 'max-memory-increase'] as const).filter((f) => flags[f] !== undefined && flags[f] !== false)
    if (onlyWithSteps.length) throw new UsageError(`--${onlyWithSteps[0]} needs --steps`, 'for example --steps 10,25,50 --interval 5m')
    if (flags.percent === undefined) throw new UsageError('missing --percent or --steps', 'for example --percent 25, or --steps 10,25,50 --interval 5m for a progressive canary')
    const percent = parsePercent(flags.percent)
    if (percent === undefined) throw new UsageError(`invalid value for --percent: "${flags.percent}"`, 'use a number from 0 to 100, e.g. --percent 25')
    const {readCredentialFlags} = await import('../lib/srs/api/credentials.js')
    const apiCredentials = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {runCanary} = await import('../lib/rollout/canary.js')
    const {renderCanary} = await import('../lib/view/rollout-view.js')
    const {rolloutExitCode} = await import('../lib/rollout/outcome.js')
    const spinner = await this.spinner('canary', flags.output)
    try {
      const result = await runCanary(
        kube,
        {workload: args.workload, to: flags.to, image: flags.image, percent, replicas: flags.replicas, wait: flags.wait, dryRun: flags['dry-run'], force: flags.force, yes: flags.yes},
        rolloutOptions(flags, spinner, apiCredentials, this.stopHook()),
      )
      spinner.stop()
      await this.emit(result, flags.output, renderCanary)
      process.exitCode = rolloutExitCode(result)
      return result
    } finally {
      spinner.stop()
    }
  }

  /** canary --steps: the progressive canary; Ctrl-C pauses it (exit 130) instead of killing it mid-step. */
  private async progressive(rawSteps: string): Promise<ProgressiveCanaryResult> {
    const {args, flags} = this
    const parsed = parseSteps(rawSteps)
    if ('error' in parsed) throw new UsageError(`invalid value for --steps: ${parsed.error}`, 'give increasing weights from 1 to 99, e.g. --steps 10,25,50 (add --promote to finish at 100 %)')
    if (flags['dry-run']) throw new UsageError('--dry-run cannot be used with --steps', 'see the first move with --percent ' + parsed.steps[0] + ' --dry-run')
    if (!flags.wait) throw new UsageError('--no-wait cannot be used with --steps', 'the analysis between steps needs the pods Ready and verified: leave --wait on')
    const {readCredentialFlags} = await import('../lib/srs/api/credentials.js')
    const apiCredentials = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {runProgressiveCanary, progressiveExitCode} = await import('../lib/rollout/progressive.js')
    const {renderProgressive} = await import('../lib/view/rollout-view.js')
    const spinner = await this.spinner('canary', flags.output)
    const interrupt = new AbortController()
    // The first Ctrl-C pauses at the current weight; a second one ends the process at once.
    const onInt = () => {
      spinner.update('Ctrl-C: pausing at the current weight (Ctrl-C again to stop at once)')
      interrupt.abort()
    }
    process.once('SIGINT', onInt)
    try {
      const result = await runProgressiveCanary(
        kube,
        {
          steps: parsed.steps,
          intervalSeconds: Math.round((flags.interval ?? 300_000) / 1000),
          promote: flags.promote,
          canary: {workload: args.workload, to: flags.to, image: flags.image, replicas: flags.replicas, force: flags.force, yes: flags.yes},
          thresholds: {
            maxRetentionDrop: flags['max-retention-drop'] ?? DEFAULT_THRESHOLDS.maxRetentionDrop,
            maxKbpsDrop: flags['max-kbps-drop'] ?? DEFAULT_THRESHOLDS.maxKbpsDrop,
            maxCpuIncrease: flags['max-cpu-increase'] ?? DEFAULT_THRESHOLDS.maxCpuIncrease,
            maxMemoryIncrease: flags['max-memory-increase'] ?? DEFAULT_THRESHOLDS.maxMemoryIncrease,
          },
        },
        rolloutOptions(flags, spinner, apiCredentials, this.stopHook()),
        {interrupt: interrupt.signal},
      )
      spinner.stop()
      await this.emit(result, flags.output, renderProgressive)
      process.exitCode = progressiveExitCode(result)
      return result
    } finally {
      process.off('SIGINT', onInt)
      spinner.stop()
    }
  }
}
