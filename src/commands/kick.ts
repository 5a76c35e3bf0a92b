import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {countFlag, credentialFlagsOf, positiveDurationFlag, outputFlag, repositoryFlag, srsApiAuthFlags, STREAM_PATTERN} from '../lib/cli/flags.js'
import type {KickResult} from '../lib/clients/result.js'
import {UsageError} from '../lib/errors.js'

export default class Kick extends BaseCommand<typeof Kick> {
  static override summary = 'Close SRS clients through the SRS API: by client id, or every client (or publisher) of a stream.'
  static override description = `Finds the clients on every SRS pod of the namespace (as kubectl srs clients lists them), names the clients it will close and their pods, asks on a terminal (--yes otherwise), closes each through the SRS API (DELETE /api/v1/clients/{id}; SRS 4, 5 and 6) and confirms it is gone from its pod's clients list.

A closed player may reconnect, through the Service, to any pod; a closed publisher unpublishes its stream until it publishes again. Client ids are unique within one SRS process only: where one id is on two pods, give POD/CLIENT_ID.

Refuses, closing nothing: an id no pod has, a stream without such clients, both ids and --stream, neither. Exit status 1 when a client could not be closed or is still connected, 3 when a pod could not be asked.`
  static override examples = [
    {description: 'Close the publisher of live/livestream (it unpublishes until it comes back)', command: '<%= config.bin %> kick --stream live/livestream --publishers --yes'},
    {description: 'Close two clients by id (ids from kubectl srs clients)', command: '<%= config.bin %> kick 5gfs24q1 894k2kvy --yes'},
    {description: 'Show what would be closed, close nothing', command: '<%= config.bin %> kick --stream live/livestream --dry-run'},
  ]
  static override strict = false
  static override args = {'client-id': Args.string({description: 'Client id(s) to close, or POD/CLIENT_ID.'})}
  static override flags = {
    stream: Flags.string({description: 'Close the clients of this stream: app/name (live/livestream) or just the name.'}),
    publishers: Flags.boolean({description: 'With --stream: close its publishers only.'}),
    yes: Flags.boolean({char: 'y', description: 'Close without asking (needed when not on a terminal).'}),
    'dry-run': Flags.boolean({description: 'Show the clients and pods it would close; close nothing.'}),
    output: outputFlag(['table', 'json', 'yaml'] as const, 'table'),
    timeout: positiveDurationFlag({description: "Time to wait for each pod's SRS API, and for a closed client to leave its list.", default: 5000}),
    concurrency: countFlag({description: 'SRS APIs asked at once.', default: 32, max: 512}),
    'srs-image': repositoryFlag({description: 'Also treat this image repository as SRS (repeatable).', multiple: true}),
    ...srsApiAuthFlags,
  }

  public async run(): Promise<KickResult> {
    const {flags} = this
    const ids = this.positionals
    for (const id of ids) {
      if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]+$/.test(id)) throw new UsageError(`invalid client-id: "${id}"`, 'SRS client ids are letters and digits, e.g. 5gfs24q1 (or POD/ID); list them with kubectl srs clients')
    }
    if (flags.publishers && flags.stream === undefined) throw new UsageError('--publishers needs --stream', 'for example --stream live/livestream --publishers')
    if (ids.length && flags.stream !== undefined) throw new UsageError('give client ids or --stream, not both', 'kubectl srs kick CLIENT_ID... or kubectl srs kick --stream APP/NAME')
    if (!ids.length && flags.stream === undefined) throw new UsageError('nothing to close: give client ids or --stream APP/NAME', 'list the clients and their ids with kubectl srs clients')
    if (flags.stream !== undefined && !STREAM_PATTERN.test(flags.stream)) {
      throw new UsageError(`invalid value for --stream: "${flags.stream}"`, 'give app/name, e.g. live/livestream, or just the stream name')
    }
    const {canAsk, askYesNo} = await import('../lib/cli/ask.js')
    if (!flags.yes && !flags['dry-run'] && !canAsk()) throw new UsageError('kick closes clients and is not on a terminal to ask', 'pass --yes to close them, or --dry-run to see which it would close')
    const {readCredentialFlags} = await import('../lib/srs/api/credentials.js')
    const apiCredentials = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {kickExitCode, runKick} = await import('../lib/clients/run-kick.js')
    const {renderKick, renderKickPlan} = await import('../lib/view/clients-view.js')
    const {textTools} = await import('../lib/cli/text.js')
    const human = flags.output === 'table'
    const result = await runKick(kube, {
      namespace: kube.namespace,
      request: {clientIds: ids, stream: flags.stream, publishersOnly: flags.publishers},
      dryRun: flags['dry-run'],
      timeoutMs: flags.timeout,
      concurrency: flags.concurrency,
      extraImages: flags['srs-image'],
      apiCredentials,
      approve: async (clients) => {
        if (flags.yes) return true
        process.stderr.write(renderKickPlan(clients, textTools(this.color)) + '\n')
        return askYesNo(`Close these ${clients.length} client(s)?`)
      },
      progress: {
        closing: (c) => human && process.stderr.write(`closing ${c.type} ${c.id} on ${c.pod} (${c.stream})\n`),
        done: () => {},
      },
    })
    await this.emit(result, flags.output, renderKick)
    process.exitCode = kickExitCode(result)
    return result
  }
}
