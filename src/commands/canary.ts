import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {notImplemented} from '../lib/cli/not-implemented.js'

export default class Canary extends BaseCommand<typeof Canary> {
  static override summary = 'Start or move a canary of a new SRS version next to the stable one.'
  static override description = 'Clones the stable edge Deployment into a canary Deployment running the new image behind the same Service (or uses the StatefulSet partition for origins), waits until the new pods are Ready and report the new version through the SRS API, then scales the stable track down through SRS graceful quit.'
  static override examples = [
    '<%= config.bin %> canary srs-edge-deploy --to v4.0.6 --percent 25',
    '<%= config.bin %> canary srs-edge-deploy --image registry.example.com/ossrs/srs:6 --percent 50 --dry-run -o yaml',
  ]
  static override args = {workload: Args.string({description: 'The stable Deployment or StatefulSet.'})}
  static override flags = {
    to: Flags.string({description: 'Target version: the image tag to run (registry and repository are kept).'}),
    image: Flags.string({description: 'Full image reference to run in the canary.'}),
    percent: Flags.string({description: 'Share of the pods (0-100) that run the canary.'}),
  }

  public async run(): Promise<void> {
    this.kubeconfig() // global flags are checked first, as the real command will
    notImplemented('canary')
  }
}
