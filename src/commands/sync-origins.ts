import {Args, Flags} from '@oclif/core'
import {OriginCommand} from '../lib/origin/command.js'
import {originFlags} from '../lib/origin/cli.js'
import type {OriginChangeResult} from '../lib/origin/result.js'

export default class SyncOrigins extends OriginCommand<typeof SyncOrigins> {
  static override summary = 'Set every coworkers and edge origin list to the origins that run (after a manual kubectl scale).'
  static override description = `Recomputes the coworkers list of the origin config and the origin list of every edge config that points at the cluster from the origins that exist (StatefulSet replicas, or the srs-origin-N-deploy Deployments), waits until they are Ready, writes the lists the way add-origin does and confirms each SRS pod applied them.

--check changes nothing: it exits 3 when some list is out of step (and names it), 0 when all are right.

SRS http_api auth: as add-origin, with --api-user and --api-password-file, --api-secret, or each workload's own srs.conf or env.`
  static override examples = [
    {description: 'After kubectl scale statefulset/srs-origin --replicas 4', command: '<%= config.bin %> sync-origins -n live'},
    {description: 'In CI or a cron job: fail when the lists drifted', command: '<%= config.bin %> sync-origins --check -o json'},
    {description: 'SRS with http_api auth, credentials from a Secret', command: '<%= config.bin %> sync-origins -n live --api-secret srs-api-auth'},
  ]
  static override args = {workload: Args.string({description: 'The origin StatefulSet or Deployment (default: the only origin cluster of the namespace).'})}
  static override flags = {
    check: Flags.boolean({description: 'Only report drift: exit 3 when a list is out of step, 0 when every list is right.'}),
    ...originFlags,
  }

  public async run(): Promise<OriginChangeResult> {
    const {flags, args} = this
    return this.runChange({op: 'sync', workload: args.workload, count: 0, check: flags.check, force: false, label: flags.check ? 'checking origin lists' : 'syncing origin lists'}, flags)
  }
}
