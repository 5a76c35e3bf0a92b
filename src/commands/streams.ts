import {Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {allNamespacesFlag, countFlag, credentialFlagsOf, outputFlag, positiveDurationFlag, repositoryFlag, srsApiAuthFlags} from '../lib/cli/flags.js'
import {ExitCode, UsageError} from '../lib/errors.js'
import type {StreamsResult} from '../lib/status/streams.js'

export default class Streams extends BaseCommand<typeof Streams> {
  static override summary = 'List every stream on every SRS pod: where it is published, which edges pull it, clients and kbps.'
  static override description = `Asks the streams API of every SRS pod (through the apiserver pod proxy, in parallel) and joins the answers per stream: the origin pod that has the publisher, the edges that pull it for their players, and clients and kbps per pod. SRS's own API only ever shows one server.

Pods whose SRS has http_api auth on answer 401 through the pod proxy; with credentials (--api-user and --api-password-file, --api-secret, or the workload's own srs.conf / SRS_HTTP_API_AUTH_* env) they are asked through a port-forward, as in status.

Clients per pod count the publisher too, as SRS does. Exit status 3 when a pod could not be asked.`
  static override examples = [
    {description: 'All streams in the current namespace', command: '<%= config.bin %> streams'},
    {description: 'Where live/livestream is published and who plays it', command: '<%= config.bin %> streams --stream live/livestream -n live'},
    {description: 'Every namespace as JSON', command: '<%= config.bin %> streams -A -o json'},
    {description: 'SRS with http_api auth, credentials from a Secret', command: '<%= config.bin %> streams --api-secret srs-api-auth'},
  ]
  static override flags = {
    stream: Flags.string({description: 'Only this stream: app/name (live/livestream) or just the name.'}),
    'all-namespaces': allNamespacesFlag('Look in every namespace.'),
    output: outputFlag(['table', 'json', 'yaml'] as const, 'table'),
    timeout: positiveDurationFlag({description: "Time to wait for each pod's SRS API.", default: 5000}),
    concurrency: countFlag({description: 'SRS APIs asked at once.', default: 32, max: 512}),
    'srs-image': repositoryFlag({description: 'Also treat this image repository as SRS (repeatable).', multiple: true}),
    ...srsApiAuthFlags,
  }

  public async run(): Promise<StreamsResult> {
    const {flags} = this
    if (flags.stream !== undefined && !/^[\w.~-]+(\/[\w.~-]+)?$/.test(flags.stream)) {
      throw new UsageError(`invalid value for --stream: "${flags.stream}"`, 'give app/name, e.g. live/livestream, or just the stream name')
    }
    const {readCredentialFlags, SrsCredentialResolver} = await import('../lib/srs/api/credentials.js')
    const given = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {collectStreams} = await import('../lib/status/streams.js')
    const {renderStreams} = await import('../lib/view/streams-view.js')
    const result = await collectStreams(kube, {
      namespace: flags['all-namespaces'] ? null : kube.namespace,
      stream: flags.stream,
      podTimeoutMs: flags.timeout,
      concurrency: flags.concurrency,
      extraImages: flags['srs-image'],
      credentials: new SrsCredentialResolver(kube, given),
    })
    await this.emit(result, flags.output, (r, text) => renderStreams(r, {allNamespaces: flags['all-namespaces']}, text))
    process.exitCode = result.unreachable.length ? ExitCode.Degraded : ExitCode.Ok
    return result
  }
}
