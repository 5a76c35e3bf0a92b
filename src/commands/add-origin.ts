import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {notImplemented} from '../lib/cli/not-implemented.js'

export default class AddOrigin extends BaseCommand<typeof AddOrigin> {
  static override summary = 'Add origins to the SRS origin cluster and update every coworkers and edge origin list.'
  static override description = 'Scales the origin StatefulSet (or clones the highest origin Deployment), waits for the new origins, then rewrites the coworkers directive of the origin config and the origin directive of every edge config that points at the cluster, changing nothing else in srs.conf.'
  static override examples = [
    '<%= config.bin %> add-origin',
    '<%= config.bin %> add-origin srs-origin --count 2 --dry-run',
  ]
  static override args = {workload: Args.string({description: 'The origin StatefulSet or Deployment.'})}

  public async run(): Promise<void> {
    this.kubeconfig() // global flags are checked first, as the real command will
    notImplemented('add-origin')
  }
}
