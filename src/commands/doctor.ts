import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base-command.js'
import {allNamespacesFlag, durationFlag, outputFlag, validateName, repositoryFlag, validateSelector} from '../lib/cli/flags.js'
import {ExitCode, KubeApiError, UsageError} from '../lib/errors.js'
import type {DoctorReport} from '../lib/doctor/index.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'Audit SRS workloads against the practices of the SRS Kubernetes guide and known pitfalls.'
  static override description = `Reads the SRS Deployments and StatefulSets with their srs.conf, Services, NetworkPolicies and CronJobs, and reports one finding per rule and workload: what was found, why it matters, and the fix as a YAML or srs.conf snippet. Nothing is changed and no SRS pod is contacted.

Rules: resources, probes, edge-prestop, grace-period, force-grace-quit, drain-version, inotify-reload, raw-api-reload, drift, api-port-exposed, floating-tag, network-policy, hls-cleanup, webrtc-affinity (see docs/doctor.md).

Exit status: 0 when no finding is at or above --fail-on, 3 when one is (for CI), 1 when the cluster could not be read, 2 on usage errors.`
  static override examples = [
    {description: 'Audit every SRS workload of the namespace live', command: '<%= config.bin %> doctor -n live'},
    {description: 'Fail a CI job on warnings too, for the edge Deployment only', command: '<%= config.bin %> doctor srs-edge-deploy -n live --fail-on warning'},
    {description: 'All namespaces as JSON, without the NetworkPolicy rule', command: '<%= config.bin %> doctor -A -o json --skip network-policy'},
  ]
  static override args = {workload: Args.string({description: 'Deployment or StatefulSet to check (default: all SRS workloads).'})}
  static override flags = {
    'all-namespaces': allNamespacesFlag('Check SRS workloads in every namespace.'),
    selector: Flags.string({char: 'l', description: 'Label selector for the workloads, e.g. app=srs-edge.'}),
    output: outputFlag(['table', 'json', 'yaml'] as const, 'table'),
    'fail-on': Flags.option({description: 'Exit 3 when a finding has this severity or higher.', options: ['warning', 'error'] as const, default: 'error' as const})(),
    skip: Flags.string({description: 'Rule id not to run (repeatable).', multiple: true, helpValue: '<rule>'}),
    'drain-budget': durationFlag({description: 'Time draining pods need for their clients to leave, on top of grace_start_wait and grace_final_wait.', default: 60_000}),
    'srs-image': repositoryFlag({description: 'Also treat this image repository as SRS (repeatable), e.g. mycorp/srs.', multiple: true}),
  }

  public async run(): Promise<DoctorReport> {
    const {flags, args} = this
    if (args.workload !== undefined) validateName(args.workload, 'workload name')
    if (flags.selector !== undefined) validateSelector(flags.selector)
    const {RULE_IDS, buildDoctorReport} = await import('../lib/doctor/index.js')
    for (const id of flags.skip ?? []) {
      if (!RULE_IDS.includes(id)) throw new UsageError(`unknown rule "${id}" for --skip`, `rules: ${RULE_IDS.join(', ')}`)
    }
    const kube = await this.kube()
    const {collectDoctorInputs} = await import('../lib/doctor/collect.js')
    const {renderDoctor} = await import('../lib/view/doctor-view.js')
    const namespace = flags['all-namespaces'] ? null : kube.namespace
    const spinner = await this.spinner('checking SRS workloads', flags.output)
    const inputs = await collectDoctorInputs(kube, {namespace, labelSelector: flags.selector, extraImages: flags['srs-image']}).finally(() => spinner.stop())
    if (args.workload !== undefined && !inputs.some((i) => i.topology.workloads.some((w) => w.name === args.workload))) {
      const where = namespace === null ? 'in any namespace' : `in namespace "${namespace}"`
      throw new KubeApiError(`no SRS Deployment or StatefulSet named "${args.workload}" ${where}`, {
        status: 404,
        reason: 'NotFound',
        hint: 'run `kubectl srs doctor` without a name to check every SRS workload, or pass -n NAMESPACE',
      })
    }
    const report = buildDoctorReport(kube.contextName, inputs, {
      workload: args.workload,
      skip: flags.skip,
      failOn: flags['fail-on'],
      drainBudgetSeconds: Math.ceil(flags['drain-budget'] / 1000),
    })
    await this.emit(report, flags.output, (r, text) => renderDoctor(r, {allNamespaces: flags['all-namespaces'], namespace: namespace ?? undefined}, text))
    process.exitCode = report.summary.failed ? ExitCode.Degraded : ExitCode.Ok
    return report
  }
}
