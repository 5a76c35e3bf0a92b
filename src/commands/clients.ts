import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {countFlag, credentialFlagsOf, durationFlag, outputFlag, repositoryFlag, srsApiAuthFlags, STREAM_PATTERN, validateName} from '../lib/cli/flags.js'
import type {ClientsResult} from '../lib/clients/result.js'
import {ExitCode, UsageError} from '../lib/errors.js'

export default class Clients extends BaseCommand<typeof Clients> {
  static override summary = 'List the clients (players and publishers) of every SRS pod: pod, client id, type, IP, stream, time connected, kbps.'
  static override description = `Asks the clients list of every SRS pod (/api/v1/clients/, every page: SRS sends 10 per page unless asked for more) through the apiserver pod proxy, in parallel. WORKLOAD|POD narrows it to one Deployment, StatefulSet or pod. The ids are what kick takes.

Pods whose SRS has http_api auth on are asked through a port-forward with credentials (--api-user and --api-password-file, --api-secret, or the workload's own srs.conf / SRS_HTTP_API_AUTH_* env), as in status.

KBPS is the player's send rate or the publisher's receive rate over SRS's 30 s window (0 for about the first 30 s). Exit status 3 when a pod could not be asked.`
  static override examples = [
    {description: 'Every client of every SRS pod in the current namespace', command: '<%= config.bin %> clients'},
    {description: 'Who publishes live/livestream, as JSON', command: '<%= config.bin %> clients --stream live/livestream --type publish -o json'},
    {description: 'The players of one workload', command: '<%= config.bin %> clients srs-edge-deploy --type play'},
  ]
  static override args = {workload: Args.string({description: 'Deployment, StatefulSet or pod to list (default: every SRS pod).'})}
  static override flags = {
    stream: Flags.string({description: 'Only clients of this stream: app/name (live/livestream) or just the name.'}),
    type: Flags.string({description: 'Only players (play) or publishers (publish).', options: ['play', 'publish']}),
    output: outputFlag(['table', 'json', 'yaml'] as const, 'table'),
    timeout: durationFlag({description: "Time to wait for each pod's SRS API.", default: 5000}),
    concurrency: countFlag({description: 'SRS APIs asked at once.', default: 32, max: 512}),
    'srs-image': repositoryFlag({description: 'Also treat this image repository as SRS (repeatable).', multiple: true}),
    ...srsApiAuthFlags,
  }

  public async run(): Promise<ClientsResult> {
    const {flags, args} = this
    if (args.workload !== undefined) validateName(args.workload, 'workload or pod name')
    if (flags.stream !== undefined && !STREAM_PATTERN.test(flags.stream)) {
      throw new UsageError(`invalid value for --stream: "${flags.stream}"`, 'give app/name, e.g. live/livestream, or just the stream name')
    }
    if (flags.timeout <= 0) throw new UsageError('invalid value for --timeout: it must be more than 0', 'for example --timeout 5s')
    const {readCredentialFlags, SrsCredentialResolver} = await import('../lib/srs/api/credentials.js')
    const given = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {findClientPods, readClients, TargetNotFound} = await import('../lib/clients/collect.js')
    const {renderClients} = await import('../lib/view/clients-view.js')
    let result: ClientsResult
    try {
      const pods = await findClientPods(kube, {namespace: kube.namespace, target: args.workload, extraImages: flags['srs-image'], credentials: new SrsCredentialResolver(kube, given)})
      result = await readClients(kube, pods, {stream: flags.stream, direction: flags.type as 'play' | 'publish' | undefined, podTimeoutMs: flags.timeout, concurrency: flags.concurrency})
    } catch (error) {
      if (error instanceof TargetNotFound) throw new UsageError(error.message, 'list the SRS workloads with kubectl srs status')
      throw error
    } finally {
      kube.close()
    }
    await this.emit(result, flags.output, renderClients)
    process.exitCode = result.unreachable.length ? ExitCode.Degraded : ExitCode.Ok
    return result
  }
}
