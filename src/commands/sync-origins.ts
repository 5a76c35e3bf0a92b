import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {validateName} from '../lib/cli/flags.js'
import {checkTimeout, exitCodeOf, objectsAsYaml, originFlags, stopAfterStepFromEnv} from '../lib/origin/cli.js'
import type {OriginChangeResult} from '../lib/origin/run.js'

export default class SyncOrigins extends BaseCommand<typeof SyncOrigins> {
  static override summary = 'Set every coworkers and edge origin list to the origins that run (after a manual kubectl scale).'
  static override description = `Recomputes the coworkers list of the origin config and the origin list of every edge config that points at the cluster from the origins that exist (StatefulSet replicas, or the srs-origin-N-deploy Deployments), waits until they are Ready, writes the lists the way add-origin does and confirms each SRS pod applied them.

--check changes nothing: it exits 3 when some list is out of step (and names it), 0 when all are right.`
  static override examples = [
    {description: 'After kubectl scale statefulset/srs-origin --replicas 4', command: '<%= config.bin %> sync-origins -n live'},
    {description: 'In CI or a cron job: fail when the lists drifted', command: '<%= config.bin %> sync-origins --check -o json'},
  ]
  static override args = {workload: Args.string({description: 'The origin StatefulSet or Deployment (default: the only origin cluster of the namespace).'})}
  static override flags = {
    check: Flags.boolean({description: 'Only report drift: exit 3 when a list is out of step, 0 when every list is right.'}),
    ...originFlags,
  }

  public async run(): Promise<OriginChangeResult> {
    const {flags, args} = this
    if (args.workload !== undefined) validateName(args.workload, 'workload name')
    checkTimeout(flags.timeout)
    const stopAfterStep = stopAfterStepFromEnv()
    const kube = await this.kube()
    const {runOriginChange} = await import('../lib/origin/run.js')
    const {renderOriginChange} = await import('../lib/origin/render.js')
    const spinner = await this.spinner(flags.check ? 'checking origin lists' : 'syncing origin lists', flags.output)
    const result = await runOriginChange(kube, {
      op: 'sync',
      namespace: kube.namespace,
      workload: args.workload,
      count: 0,
      dryRun: flags['dry-run'],
      check: flags.check,
      force: false,
      wait: flags.wait,
      timeoutMs: flags.timeout,
      kubeletSyncMs: flags['kubelet-sync'],
      requestTimeoutMs: flags['request-timeout'],
      stopAfterStep,
      progress: (t) => spinner.update(t),
      warn: (w) => process.stderr.write(`warning: ${w}\n`),
    }).finally(() => spinner.stop())
    if (flags['dry-run'] && flags.output === 'yaml') process.stdout.write(await objectsAsYaml(result))
    else await this.emit(result, flags.output, renderOriginChange)
    process.exitCode = exitCodeOf(result)
    kube.close()
    return result
  }
}
