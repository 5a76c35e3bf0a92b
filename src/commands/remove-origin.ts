import {Args, Flags} from '@oclif/core'
import {OriginCommand} from '../lib/origin/command.js'
import {countFlag} from '../lib/cli/flags.js'
import {originFlags} from '../lib/origin/cli.js'
import type {OriginChangeResult} from '../lib/origin/result.js'

export default class RemoveOrigin extends OriginCommand<typeof RemoveOrigin> {
  static override summary = 'Remove the highest origins of the SRS origin cluster, after taking them out of every list.'
  static override description = `The reverse of add-origin, in the order that keeps players working: first the highest origins leave the coworkers list of the origin config and the origin list of every edge config, and every SRS pod must confirm it applied that; then it waits until the leaving origins publish no streams (their publishers reconnect elsewhere), checked through their SRS API; only then does it scale the StatefulSet down, or delete the origin Deployments and their Services.

When some pods cannot confirm the reload it stops before scaling down, names them and the commands that finish the job (kubectl srs reload, then remove-origin again); --restart restarts those pods within the run (--yes when origins whose publishers must reconnect are among them). --force skips the wait for streams, and goes on when some pods cannot confirm the reload.

SRS http_api auth: as add-origin, with --api-user and --api-password-file, --api-secret, or each workload's own srs.conf or env.

Exit status: 0 when done and confirmed, 3 when it stopped (pending reloads, streams still published at --timeout), 2 for bad input (nothing changed).`
  static override examples = [
    {description: 'Remove the highest origin (srs-origin-3) once no stream is published on it', command: '<%= config.bin %> remove-origin -n live'},
    {description: 'Remove two origins of a named cluster, not waiting for publishers to leave', command: '<%= config.bin %> remove-origin srs-origin --count 2 --force'},
    {description: 'See the list edits first', command: '<%= config.bin %> remove-origin --dry-run'},
    {description: 'Restart the pods that cannot reload in place, origins with publishers included', command: '<%= config.bin %> remove-origin -n live --restart --yes'},
    {description: 'SRS with http_api auth, credentials from a Secret', command: '<%= config.bin %> remove-origin -n live --api-secret srs-api-auth'},
  ]
  static override args = {workload: Args.string({description: 'The origin StatefulSet or Deployment (default: the only origin cluster of the namespace).'})}
  static override flags = {
    count: countFlag({description: 'Origins to remove (the highest ordinals).', default: 1, max: 100}),
    force: Flags.boolean({description: 'Do not wait for streams to leave, and remove even when some pods did not confirm the new lists.'}),
    ...originFlags,
  }

  public async run(): Promise<OriginChangeResult> {
    const {flags, args} = this
    return this.runChange({op: 'remove', workload: args.workload, count: flags.count, check: false, force: flags.force, label: 'removing origins'}, flags)
  }
}
