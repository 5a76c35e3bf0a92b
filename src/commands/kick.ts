import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {countFlag, credentialFlagsOf, positiveDurationFlag, outputFlag, repositoryFlag, srsApiAuthFlags, STREAM_PATTERN} from '../lib/cli/flags.js'
import type {KickResult} from '../lib/clients/result.js'
import {ExitCode, SrsError, UsageError} from '../lib/errors.js'

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
    const interactive = canAsk()
    if (!flags.yes && !flags['dry-run'] && !interactive) throw new UsageError('kick closes clients and is not on a terminal to ask', 'pass --yes to close them, or --dry-run to see which it would close')
    const {readCredentialFlags, SrsCredentialResolver} = await import('../lib/srs/api/credentials.js')
    const given = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {findClientPods, readClients} = await import('../lib/clients/collect.js')
    const {executeKick, kickResult, planKick} = await import('../lib/clients/kick.js')
    const {renderKick, renderKickPlan} = await import('../lib/view/clients-view.js')
    const req = {clientIds: ids, stream: flags.stream, publishersOnly: flags.publishers}
    const pods = await findClientPods(kube, {namespace: kube.namespace, extraImages: flags['srs-image'], credentials: new SrsCredentialResolver(kube, given)})
    const found = await readClients(kube, pods, {podTimeoutMs: flags.timeout, concurrency: flags.concurrency})
    const plan = planKick(found.clients, req)
    if (!plan.ok) {
      const notAsked = found.unreachable.length ? ` (${found.unreachable.length} pod(s) could not be asked: ${found.unreachable.map((u) => u.pod).join(', ')})` : ''
      throw new UsageError(plan.problem + notAsked, plan.hint)
    }
    if (flags['dry-run']) {
      const result = kickResult(
        req,
        true,
        plan.clients.map((c) => ({...c, outcome: 'planned' as const, message: ''})),
        found.unreachable,
      )
      await this.emit(result, flags.output, renderKick)
      process.exitCode = found.unreachable.length ? ExitCode.Degraded : ExitCode.Ok
      return result
    }
    if (!flags.yes) {
      const {textTools} = await import('../lib/cli/text.js')
      process.stderr.write(renderKickPlan(plan.clients, textTools(this.color)) + '\n')
      if (!(await askYesNo(`Close these ${plan.clients.length} client(s)?`))) throw new SrsError('not confirmed: nothing closed', {reason: 'Refused'})
    }
    const human = flags.output === 'table'
    const done = await executeKick(
      kube,
      pods,
      plan.clients,
      {timeoutMs: flags.timeout, confirmMs: flags.timeout},
      {
        closing: (c) => human && process.stderr.write(`closing ${c.type} ${c.id} on ${c.pod} (${c.stream})\n`),
        done: () => {},
      },
    )
    const order = (c: {pod: string; id: string}) => plan.clients.findIndex((p) => p.pod === c.pod && p.id === c.id)
    const result = kickResult(
      req,
      false,
      done.sort((a, b) => order(a) - order(b)),
      found.unreachable,
    )
    await this.emit(result, flags.output, renderKick)
    const s = result.summary
    process.exitCode = s.failed || s.stillConnected ? ExitCode.Failed : found.unreachable.length ? ExitCode.Degraded : ExitCode.Ok
    return result
  }
}
