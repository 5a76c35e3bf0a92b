import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {notImplemented} from '../lib/cli/not-implemented.js'

export default class Rollback extends BaseCommand<typeof Rollback> {
  static override summary = 'Abort a running canary, or undo the last SRS upgrade.'
  static override description = 'While a canary runs, scales the stable track back to full size and removes the canary. Otherwise rolls the workload back to the previous (or given) revision as kubectl rollout undo does, then verifies the versions through the SRS API.'
  static override examples = [
    '<%= config.bin %> rollback srs-edge-deploy',
    '<%= config.bin %> rollback srs-edge-deploy --history',
    '<%= config.bin %> rollback srs-origin --to-revision 3',
  ]
  static override args = {workload: Args.string({description: 'The Deployment or StatefulSet.'})}

  public async run(): Promise<void> {
    this.kubeconfig() // global flags are checked first, as the real command will
    notImplemented('rollback')
  }
}
