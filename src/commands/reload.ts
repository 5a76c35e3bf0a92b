import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {countFlag, credentialFlagsOf, durationFlag, outputFlag, positiveDurationFlag, srsApiAuthFlags, validateName} from '../lib/cli/flags.js'
import type {ReloadResult} from '../lib/reload/result.js'

export default class Reload extends BaseCommand<typeof Reload> {
  static override summary = 'Make every SRS pod of a workload load the config its ConfigMap holds now.'
  static override description = `Pods whose SRS started after the ConfigMap last changed already run it and are left alone. With http_api.raw_api.allow_reload on, the others reload through the SRS API (rpc=reload, asked after --kubelet-sync so kubelet has projected the file; confirmed by rpc=reload-fetch on SRS 5.0.176+ / 6.0.71+, by its answer code 0 on older SRS). Otherwise they are restarted without losing capacity: a Deployment first gets --max-unavailable new pods, and once they are Ready and answer the SRS API the ReplicaSet removes the old pods with the fewest viewers first (controller.kubernetes.io/pod-deletion-cost), each leaving through SRS's graceful quit; a StatefulSet's pods are restarted one at a time by ordinal, highest first, and since their publishers must reconnect, the streams they publish are named first and the command asks on a terminal (--yes elsewhere).

Each pod is reported reloaded (and how that was confirmed), restarted (drained, handed off, or killed at the end of its grace period), up-to-date, or pending with the reason and what to run.

--handoff-after DURATION: DURATION after a restarted pod starts its graceful quit, the clients still on it are closed through its SRS API (over a connection opened before it starts terminating and held, since a draining SRS stops listening), so players reconnect at once to the pods that stay instead of being cut when the grace period ends; the pod is reported handed off with the count. Refused (exit 2, nothing changed) when a pod to restart runs an SRS that cannot drain (5.x, 6.0 before 6.0.132), or the pods serving during a restart lack the room (max_connections each) for the workload's viewers. Pods reloaded in place through the SRS API leave nothing to hand off.

It takes the lease the origin commands take and refuses while another add-origin, remove-origin, sync-origins or reload holds it, naming the holder and when its lease expires. It restarts no workload scaled by an HPA, in a canary, or still rolling out: those are refused before any change (a raw API reload goes ahead).

Exit status: 0 when every pod runs the ConfigMap's config (handed-off clients are not cut), 3 when some are pending or it timed out, or a pod was killed at the end of its grace period with viewers on it (they were cut), 2 for bad input or publishers to cut without --yes, 1 when refused (another change holds the lease, an HPA, a canary, a rollout in progress); nothing changed in the last two.`
  static override examples = [
    {description: 'Every SRS workload of the namespace that reads a ConfigMap', command: '<%= config.bin %> reload -n live'},
    {description: 'The edges, two pods at a time', command: '<%= config.bin %> reload srs-edge-deploy --max-unavailable 2'},
    {description: 'The origin StatefulSet, restarting publishers without asking', command: '<%= config.bin %> reload srs-origin --yes'},
    {description: 'What it would do, as JSON', command: '<%= config.bin %> reload srs-edge-deploy --dry-run -o json'},
    {description: 'The edges, closing through the SRS API the clients still on an old pod after 30 s of draining', command: '<%= config.bin %> reload srs-edge-deploy --handoff-after 30s'},
  ]
  static override args = {workload: Args.string({description: 'The SRS Deployment or StatefulSet (default: every SRS workload of the namespace that reads its srs.conf from a ConfigMap).'})}
  static override flags = {
    output: outputFlag(['table', 'json', 'yaml'] as const, 'table'),
    'dry-run': Flags.boolean({description: 'Print the plan; change nothing.'}),
    'max-unavailable': countFlag({description: 'Deployment pods replaced at a time (each behind a surge pod).', default: 1, max: 100}),
    yes: Flags.boolean({char: 'y', description: 'Restart StatefulSet pods whose publishers will have to reconnect without asking.'}),
    timeout: positiveDurationFlag({description: 'Longest time to wait for reloads, new pods and graceful quits.', default: 600_000}),
    'kubelet-sync': durationFlag({
      description: 'Time kubelet may take to project a ConfigMap change into the pods; raw API reloads are asked for this long after the ConfigMap last changed.',
      default: 90_000,
    }),
    'handoff-after': positiveDurationFlag({
      description:
        'After this long draining, close the clients still on each restarted pod through the SRS API, so players reconnect at once to pods that stay (default: wait as the grace period allows). Refused (exit 2, nothing changed) when the pods serving during a restart lack the capacity (max_connections) or the pods to restart run an SRS that cannot drain (5.x, 6.0 before 6.0.132).',
    }),
    ...srsApiAuthFlags,
  }

  public async run(): Promise<ReloadResult> {
    const {flags, args} = this
    if (args.workload !== undefined) validateName(args.workload, 'workload name')
    const {readCredentialFlags} = await import('../lib/srs/api/credentials.js')
    const apiCredentials = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {reloadExitCode, runReload} = await import('../lib/reload/run.js')
    const {renderReload} = await import('../lib/view/reload-view.js')
    const {askYesNo} = await import('../lib/cli/ask.js')
    const spinner = await this.spinner('reloading', flags.output)
    const result = await runReload(kube, {
      namespace: kube.namespace,
      workload: args.workload,
      maxUnavailable: flags['max-unavailable'],
      dryRun: flags['dry-run'],
      timeoutMs: flags.timeout,
      kubeletSyncMs: flags['kubelet-sync'],
      requestTimeoutMs: flags['request-timeout'],
      apiCredentials,
      handoffAfterMs: flags['handoff-after'],
      log: (line) => flags.verbose && process.stderr.write(`I ${line}\n`),
      progress: spinner,
      approve: async (publishers) => {
        if (flags.yes) return true
        spinner.stop()
        const what = publishers.map((p) => `${p.streams.join(', ')} on ${p.pod}`).join('; ')
        return askYesNo(`Restarting cuts the publishers of ${what}; they will have to reconnect. Restart?`)
      },
    }).finally(() => spinner.stop())
    await this.emit(result, flags.output, renderReload)
    process.exitCode = reloadExitCode(result)
    return result
  }
}
