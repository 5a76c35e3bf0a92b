import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {countFlag, credentialFlagsOf, outputFlag, validateName} from '../lib/cli/flags.js'
import {rolloutFlags, rolloutOptions} from '../lib/cli/rollout-flags.js'
import type {RolloutResult} from '../lib/rollout/result.js'

export default class Rollback extends BaseCommand<typeof Rollback> {
  static override summary = 'Abort a running canary, or undo the last SRS upgrade.'
  static override description = `While a canary runs: scales the stable track back to its full size (Ready, versions verified) first, then removes the canary through graceful quit.

Otherwise: rolls the Deployment (ReplicaSets) or StatefulSet (ControllerRevisions) back to the previous or given revision, making the same change as kubectl rollout undo, then waits and verifies the versions through the SRS API. --history lists the revisions with their image and change-cause.

With SRS http_api auth, versions and connections are read through a port-forward with the credentials of --api-user and --api-password-file, --api-secret, or else the workload's own srs.conf or env; pods that answer 401 stop it before the first change (exit 1).

How each leaving pod (a StatefulSet: each restarted ordinal) left is in the result (text and -o json): drained (its viewers left, SRS quit by itself), cut (killed at the end of its grace period: the viewers last read on it, or unknown) or handed off (--handoff-after: the clients closed through the SRS API). Exit 3 when viewers were cut.

--handoff-after DURATION: DURATION after a leaving pod starts its graceful quit, the clients still on it are closed through its SRS API (over a connection opened before the scale-down and held, since a draining SRS stops listening), so players reconnect at once to the pods that stay instead of being cut when the grace period ends. Refused (exit 2, nothing changed) when a leaving pod's SRS cannot drain (5.x, 6.0 before 6.0.132), when the pods left serving lack the room (max_connections each) for the workload's viewers, or with --no-wait.`
  static override examples = [
    {description: 'Abort the edge canary, or undo the last upgrade', command: '<%= config.bin %> rollback srs-edge-deploy'},
    {description: 'The same, closing through the SRS API the clients still on a leaving pod after 30 s', command: '<%= config.bin %> rollback srs-edge-deploy --handoff-after 30s'},
    {description: 'List revisions with image and change-cause', command: '<%= config.bin %> rollback srs-edge-deploy --history'},
    {description: 'Go back to a given revision of the origins', command: '<%= config.bin %> rollback srs-origin --to-revision 3'},
    {description: 'SRS with http_api auth, the password read from a file', command: '<%= config.bin %> rollback srs-edge-deploy --api-user admin --api-password-file ./srs-api-password'},
  ]
  static override args = {workload: Args.string({description: 'The Deployment or StatefulSet.'})}
  static override flags = {
    'to-revision': countFlag({description: 'Revision to roll back to (default: the previous one).', min: 1, max: 1_000_000}),
    history: Flags.boolean({description: 'List revisions instead of rolling back.'}),
    output: outputFlag(['table', 'json', 'yaml'] as const, 'table'),
    ...rolloutFlags,
  }

  public async run(): Promise<unknown> {
    const {args, flags} = this
    if (args.workload !== undefined) validateName(args.workload, 'workload name')
    const {readCredentialFlags} = await import('../lib/srs/api/credentials.js')
    const apiCredentials = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {runRollback} = await import('../lib/rollout/rollback.js')
    const {rolloutHistory} = await import('../lib/rollout/history.js')
    const {renderRollout, renderHistory} = await import('../lib/view/rollout-view.js')
    const {rolloutExitCode} = await import('../lib/rollout/outcome.js')
    if (flags.history) {
      const h = await rolloutHistory(kube, args.workload)
      await this.emit(h, flags.output, renderHistory)
      return h
    }
    const spinner = await this.spinner('rollback', flags.output)
    try {
      const result: RolloutResult = await runRollback(kube, args.workload, flags['to-revision'], flags.wait, rolloutOptions(flags, spinner, apiCredentials, this.stopHook()))
      spinner.stop()
      await this.emit(result, flags.output, renderRollout)
      process.exitCode = rolloutExitCode(result)
      return result
    } finally {
      spinner.stop()
    }
  }
}
