import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {notImplemented} from '../lib/cli/not-implemented.js'
import {outputFlag} from '../lib/cli/flags.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show every SRS workload and pod with the version and connections their SRS API reports.'
  static override description = 'Finds the Deployments and StatefulSets that run SRS, asks the SRS HTTP API of each pod (through the apiserver pod proxy) for its version, connections and streams, and shows roles, origin/edge links and canary tracks.'
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status srs-edge-deploy -n live -o wide',
    '<%= config.bin %> status -A -o json',
  ]
  static override args = {workload: Args.string({description: 'Deployment or StatefulSet to show (default: all SRS workloads).'})}
  static override flags = {
    'all-namespaces': Flags.boolean({char: 'A', description: 'Show SRS workloads in every namespace.'}),
    selector: Flags.string({char: 'l', description: 'Label selector for the workloads.'}),
    output: outputFlag(['table', 'wide', 'json', 'yaml'] as const, 'table'),
  }

  public async run(): Promise<void> {
    this.kubeconfig() // global flags are checked first, as the real command will
    notImplemented('status')
  }
}
