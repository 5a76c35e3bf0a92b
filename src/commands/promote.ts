import {Args} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {credentialFlagsOf, outputFlag, validateName} from '../lib/cli/flags.js'
import {rolloutFlags, rolloutOptions} from '../lib/cli/rollout-flags.js'
import type {RolloutResult} from '../lib/rollout/result.js'

export default class Promote extends BaseCommand<typeof Promote> {
  static override summary = 'Make the canary version the stable one without lowering serving capacity.'
  static override description = `Deployments: updates the stable Deployment to the canary's image as a normal rolling update (recorded with a kubernetes.io/change-cause naming this command; maxUnavailable is held at 0 for its duration and restored after), waits until every pod is Ready and reports the new version through its SRS API and the old pods have drained, then scales the canary to 0 through graceful quit and deletes it.

StatefulSets: sets the partition to 0 and waits until every ordinal runs the new image with its version verified.

With SRS http_api auth, versions and connections are read through a port-forward with the credentials of --api-user and --api-password-file, --api-secret, or else the workload's own srs.conf or env; pods that answer 401 stop it before the first change (exit 1).

How each leaving pod (a StatefulSet: each restarted ordinal) left is in the result (text and -o json): drained (its viewers left, SRS quit by itself), cut (killed at the end of its grace period: the viewers last read on it, or unknown) or handed off (--handoff-after: the clients closed through the SRS API). Exit 3 when viewers were cut.

--handoff-after DURATION: DURATION after a leaving pod starts its graceful quit, the clients still on it are closed through its SRS API (over a connection opened before the scale-down and held, since a draining SRS stops listening), so players reconnect at once to the pods that stay instead of being cut when the grace period ends. Refused (exit 2, nothing changed) when a leaving pod's SRS cannot drain (5.x, 6.0 before 6.0.132), when the pods left serving lack the room (max_connections each) for the workload's viewers, or with --no-wait.`
  static override examples = [
    {description: 'Promote the edge canary', command: '<%= config.bin %> promote srs-edge-deploy'},
    {description: 'Promote, closing through the SRS API the clients still on an old pod after 30 s', command: '<%= config.bin %> promote srs-edge-deploy --handoff-after 30s'},
    {description: 'Promote the origin StatefulSet canary, waiting up to 10 minutes', command: '<%= config.bin %> promote srs-origin -n live --timeout 10m'},
    {description: 'SRS with http_api auth, credentials from a Secret (keys username, password)', command: '<%= config.bin %> promote srs-edge-deploy --api-secret srs-api-auth'},
  ]
  static override args = {workload: Args.string({description: 'The stable Deployment or StatefulSet.'})}
  static override flags = {output: outputFlag(['table', 'json', 'yaml'] as const, 'table'), ...rolloutFlags}

  public async run(): Promise<RolloutResult> {
    const {args, flags} = this
    if (args.workload !== undefined) validateName(args.workload, 'workload name')
    const {readCredentialFlags} = await import('../lib/srs/api/credentials.js')
    const apiCredentials = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {runPromote} = await import('../lib/rollout/promote.js')
    const {renderRollout} = await import('../lib/view/rollout-view.js')
    const {rolloutExitCode} = await import('../lib/rollout/outcome.js')
    const spinner = await this.spinner('promote', flags.output)
    try {
      const result = await runPromote(kube, args.workload, flags.wait, rolloutOptions(flags, spinner, apiCredentials, this.stopHook()))
      spinner.stop()
      await this.emit(result, flags.output, renderRollout)
      process.exitCode = rolloutExitCode(result)
      return result
    } finally {
      spinner.stop()
    }
  }
}
