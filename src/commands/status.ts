import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {allNamespacesFlag, countFlag, credentialFlagsOf, durationFlag, outputFlag, positiveDurationFlag, repositoryFlag, srsApiAuthFlags, validateName, validateSelector} from '../lib/cli/flags.js'
import {ExitCode} from '../lib/errors.js'
import type {StatusReport} from '../lib/status/report.js'
import type {TextTools} from '../lib/view/text.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show every SRS workload and pod with the version and connections their SRS API reports.'
  static override description = `Finds the Deployments and StatefulSets that run SRS (an ossrs/srs image from any registry, an image named with --srs-image, or the label app.kubernetes.io/name=srs), reads their srs.conf, and asks the SRS HTTP API of every pod, through the apiserver pod proxy and in parallel, for its version, connections and streams.

SRS http_api auth (SRS 5.0.152+ / 6.0.40+): the pod proxy drops the Authorization header (kubernetes issue 38775), so such pods answer 401 there. With credentials — --api-user and --api-password-file, --api-secret, or else the workload's own srs.conf or SRS_HTTP_API_AUTH_* env — those pods are asked through a port-forward instead (pods/portforward). -o json says where the credentials came from (apiAuth) and how each pod was reached (apiRoute); passwords are never printed.

Shows roles (origin-cluster, origin, edge), links (edge origins, origin coworkers), canary tracks behind one Service with their weight by pods and by measured connections, and warnings: image tag vs reported version, coworker or edge origin lists out of step with the running origins, restarts seen while watching, terminating pods still draining.

With --all-namespaces, a user whom RBAC refuses the cluster-wide lists still sees what they may read: every namespace they may list, read one by one, else the kubeconfig context's namespace. What was refused (identity, verb, resource, namespaces) is said after the tables and in -o json under access.

Exit status: 0 when every pod answered, 3 when any pod is degraded or did not answer, or when some namespaces could not be read (partial permissions); 1 when nothing could be read.`
  static override examples = [
    {description: 'All SRS workloads of the current namespace', command: '<%= config.bin %> status'},
    {description: 'One edge Deployment, with pod IPs, server ids and CPU/memory', command: '<%= config.bin %> status srs-edge-deploy -n live -o wide'},
    {description: 'Every namespace, as JSON for scripts', command: '<%= config.bin %> status -A -o json'},
    {description: 'Keep watching while a canary runs', command: '<%= config.bin %> status srs-edge-deploy --watch'},
    {description: 'SRS with http_api auth: credentials from a Secret (keys username, password), pods reached through a port-forward', command: '<%= config.bin %> status --api-secret srs-api-auth'},
    {description: 'The same with a username and a password file', command: '<%= config.bin %> status --api-user admin --api-password-file ./srs-api-password'},
  ]
  static override args = {workload: Args.string({description: 'Deployment or StatefulSet to show (default: all SRS workloads).'})}
  static override flags = {
    'all-namespaces': allNamespacesFlag('Show SRS workloads in every namespace.'),
    selector: Flags.string({char: 'l', description: 'Label selector for the workloads, e.g. app=srs-edge.'}),
    output: outputFlag(['table', 'wide', 'json', 'yaml'] as const, 'table'),
    watch: Flags.boolean({char: 'w', description: 'Keep refreshing until interrupted: Ctrl-C exits 0, SIGTERM 143.'}),
    timeout: positiveDurationFlag({description: "Time to wait for each pod's SRS API.", default: 5000}),
    interval: durationFlag({description: 'Time between refreshes with --watch.', default: 2000}),
    concurrency: countFlag({description: 'SRS APIs asked at once.', default: 32, max: 512}),
    'srs-image': repositoryFlag({description: 'Also treat this image repository as SRS (repeatable), e.g. mycorp/srs.', multiple: true}),
    ...srsApiAuthFlags,
  }

  public async run(): Promise<StatusReport> {
    const {flags, args} = this
    if (args.workload !== undefined) validateName(args.workload, 'workload name')
    if (flags.selector !== undefined) validateSelector(flags.selector)
    const {readCredentialFlags, SrsCredentialResolver} = await import('../lib/srs/api/credentials.js')
    const given = readCredentialFlags(credentialFlagsOf(flags))
    const kube = await this.kube()
    const {collectStatus} = await import('../lib/status/collect.js')
    const {renderStatus} = await import('../lib/view/status-view.js')
    const {isDegraded} = await import('../lib/status/report.js')
    const opts = {
      namespace: flags['all-namespaces'] ? null : kube.namespace,
      workload: args.workload,
      labelSelector: flags.selector,
      extraImages: flags['srs-image'],
      podTimeoutMs: flags.timeout,
      concurrency: flags.concurrency,
      credentials: new SrsCredentialResolver(kube, given),
    }
    const human = (r: StatusReport, text: TextTools) => renderStatus(r, {wide: flags.output === 'wide', allNamespaces: flags['all-namespaces']}, text)
    const spinner = await this.spinner('asking SRS pods', flags.output)
    const report = await collectStatus(kube, opts).finally(() => spinner.stop())
    // Said on stderr too: a short list must not pass for the whole cluster in any output format.
    for (const w of report.warnings) if (w.kind === 'namespaces-not-listed') process.stderr.write(`warning: ${w.message}\n`)
    if (!flags.watch) {
      await this.emit(report, flags.output, human)
      process.exitCode = report.workloads.some((w) => w.pods.some(isDegraded)) || !report.access.complete ? ExitCode.Degraded : ExitCode.Ok
      return report
    }
    const {watchStatus} = await import('../lib/status/watch.js')
    const end = await watchStatus(report, (previous) => collectStatus(kube, opts, previous), {
      intervalMs: flags.interval,
      // Redraw in place on a terminal; otherwise a new document whenever something changed.
      redraw: Boolean(process.stdout.isTTY) && (flags.output === 'table' || flags.output === 'wide'),
      separator: flags.output === 'yaml' ? '---\n' : undefined,
      print: (r) => this.emit(r, flags.output, human),
      write: (text) => process.stdout.write(text),
    })
    if (end.terminated) process.exitCode = 143
    return end.report
  }
}
