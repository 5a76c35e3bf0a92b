import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {notImplemented} from '../lib/cli/not-implemented.js'

export default class Promote extends BaseCommand<typeof Promote> {
  static override summary = 'Make the canary version the stable one without lowering serving capacity.'
  static override description = 'Updates the stable workload to the canary image as a normal rolling update, waits until every pod reports the new version through the SRS API, then removes the canary gracefully.'
  static override examples = [
    '<%= config.bin %> promote srs-edge-deploy',
    '<%= config.bin %> promote srs-origin -n live --timeout 10m',
  ]
  static override args = {workload: Args.string({description: 'The stable Deployment or StatefulSet.'})}

  public async run(): Promise<void> {
    this.kubeconfig() // global flags are checked first, as the real command will
    notImplemented('promote')
  }
}
