import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {allNamespacesFlag, countFlag, credentialFlagsOf, outputFlag, positiveDurationFlag, repositoryFlag, srsApiAuthFlags, validateName, validateSelector} from '../lib/cli/flags.js'
import {ExitCode} from '../lib/errors.js'
import type {TopFrame} from '../lib/top/frame.js'

export default class Top extends BaseCommand<typeof Top> {
  static override summary = 'A live view of SRS viewers: per Service the viewers on each canary track, per pod viewers and kbps with sparklines, draining pods.'
  static override description = `Redraws in place every --interval: per Service with a canary, a bar of the viewers on each track (stable, canary) with the weight requested (the canary's annotation) and measured (the share of viewers); a progressive canary's step, phase and analysis; per pod, viewers (SRS players + publishers) and kbps with a sparkline of the last refreshes (kept in memory while top runs); pods draining and their viewers as last read (a terminating pod's SRS is not asked, so its drain is never held up).

Each refresh asks every pod once, with the same requests as status. The pod list is cut to the terminal's height ("+N more pods").

Keys: q or Ctrl-C quits (exit 0), p pauses and resumes the refresh.

Not on a terminal, or with -o json: one frame, then exit (0, or 3 when a pod that should answer did not, as status).`
  static override examples = [
    {description: 'Watch the viewers of every SRS workload of the current namespace', command: '<%= config.bin %> top'},
    {description: 'One edge Deployment and its canary, refreshed every 5 seconds', command: '<%= config.bin %> top srs-edge-deploy --interval 5s'},
    {description: 'One frame as JSON, for scripts', command: '<%= config.bin %> top -A -o json'},
  ]
  static override args = {workload: Args.string({description: 'Deployment or StatefulSet to show, with its canary track (default: all SRS workloads).'})}
  static override flags = {
    'all-namespaces': allNamespacesFlag('Show SRS workloads in every namespace.'),
    selector: Flags.string({char: 'l', description: 'Label selector for the workloads, e.g. app=srs-edge.'}),
    output: outputFlag(['table', 'json'] as const, 'table'),
    interval: positiveDurationFlag({description: 'Time between refreshes.', default: 2000}),
    timeout: positiveDurationFlag({description: "Time to wait for each pod's SRS API.", default: 5000}),
    concurrency: countFlag({description: 'SRS APIs asked at once.', default: 32, max: 512}),
    'srs-image': repositoryFlag({description: 'Also treat this image repository as SRS (repeatable), e.g. mycorp/srs.', multiple: true}),
    ...srsApiAuthFlags,
  }

  public async run(): Promise<TopFrame> {
    const {flags, args} = this
    if (args.workload !== undefined) validateName(args.workload, 'workload name')
    if (flags.selector !== undefined) validateSelector(flags.selector)
    const {readCredentialFlags, SrsCredentialResolver} = await import('../lib/srs/api/credentials.js')
    const given = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {topRefresher} = await import('../lib/top/collect.js')
    const {renderTop} = await import('../lib/view/top-view.js')
    const {isDegraded} = await import('../lib/status/report.js')
    const refresh = topRefresher(kube, {
      namespace: flags['all-namespaces'] ? null : kube.namespace,
      workload: args.workload,
      labelSelector: flags.selector,
      extraImages: flags['srs-image'],
      podTimeoutMs: flags.timeout,
      concurrency: flags.concurrency,
      credentials: new SrsCredentialResolver(kube, given),
    })
    const allNamespaces = flags['all-namespaces']
    const live = flags.output === 'table' && Boolean(process.stdout.isTTY) && Boolean(process.stdin.isTTY)
    const spinner = live ? undefined : await this.spinner('asking SRS pods', flags.output)
    const first = await refresh().finally(() => spinner?.stop())
    if (!live) {
      await this.emit(first.frame, flags.output, (f, text) => renderTop(f, {width: null, height: null, allNamespaces}, text))
      process.exitCode = first.report.workloads.some((w) => w.pods.some(isDegraded)) || !first.report.access.complete ? ExitCode.Degraded : ExitCode.Ok
      return first.frame
    }
    const {textTools} = await import('../lib/cli/text.js')
    const {runTop} = await import('../lib/top/loop.js')
    const text = textTools(this.color)
    const end = await runTop(first.frame, {
      intervalMs: flags.interval,
      refresh: async () => (await refresh()).frame,
      draw: (frame, size, state) => renderTop(frame, {width: size.columns, height: size.rows, allNamespaces, live: {...state, intervalSeconds: flags.interval / 1000}}, text),
      terminal: {input: process.stdin, output: process.stdout},
    })
    if (end.terminated) process.exitCode = 143
    return end.frame
  }
}
