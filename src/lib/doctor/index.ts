/**
 * kubectl srs doctor: run every rule on every SRS workload of the observed namespaces and build
 * the findings document. Pure: reading the cluster is collect.ts's job.
 */
import {RULES} from './rules/index.js'
import {SEVERITY_RANK, type DoctorInput, type DoctorOptions, type Finding, type Severity} from './types.js'

export {RULES, RULE_IDS} from './rules/index.js'
export * from './types.js'

export const DOCTOR_API_VERSION = 'kubectl-srs/v1alpha1'

export interface DoctorReport {
  apiVersion: typeof DOCTOR_API_VERSION
  kind: 'SrsDoctorReport'
  context: string
  generatedAt: string
  /** Findings at or above this severity make the command exit 3. */
  failOn: Exclude<Severity, 'info'>
  /** The SRS workloads checked. */
  workloads: {namespace: string; kind: 'Deployment' | 'StatefulSet'; name: string; role: string; image: string}[]
  findings: Finding[]
  /** Rules not evaluated in a namespace, and why (e.g. NetworkPolicies may not be listed). */
  skipped: {namespace: string; rule: string; reason: string}[]
  summary: {workloads: number; errors: number; warnings: number; info: number; failed: boolean}
}

export interface RunOptions extends DoctorOptions {
  /** Only this workload (by name). */
  workload?: string
  /** Rule ids not to run. */
  skip?: readonly string[]
}

/** All findings for the given namespaces: workloads in topology order, rules in table order. */
export function runRules(inputs: readonly DoctorInput[], opts: RunOptions): {findings: Finding[]; skipped: DoctorReport['skipped']} {
  const findings: Finding[] = []
  const skipped: DoctorReport['skipped'] = []
  const skip = new Set(opts.skip ?? [])
  for (const input of inputs) {
    const rules = RULES.filter((r) => !skip.has(r.id))
    for (const r of rules) {
      if (r.needs && input[r.needs] === null) skipped.push({namespace: input.namespace, rule: r.id, reason: `cannot list ${r.needs === 'networkPolicies' ? 'networkpolicies.networking.k8s.io' : 'cronjobs.batch'}`})
    }
    for (const w of input.topology.workloads) {
      if (opts.workload !== undefined && w.name !== opts.workload) continue
      for (const r of rules) {
        if (r.needs && input[r.needs] === null) continue
        const out = r.check(w, input, opts)
        for (const d of out === undefined ? [] : Array.isArray(out) ? out : [out]) {
          findings.push({rule: r.id, severity: d.severity, namespace: w.namespace, kind: w.kind, workload: w.name, found: d.found, why: d.why, fix: d.fix})
        }
      }
    }
  }
  return {findings, skipped}
}

function atOrAbove(f: Pick<Finding, 'severity'>, level: Severity): boolean {
  return SEVERITY_RANK[f.severity] >= SEVERITY_RANK[level]
}

export function buildDoctorReport(context: string, inputs: readonly DoctorInput[], opts: RunOptions & {failOn: DoctorReport['failOn']}, now: Date = new Date()): DoctorReport {
  const {findings, skipped} = runRules(inputs, opts)
  const workloads = inputs.flatMap((i) => i.topology.workloads.filter((w) => opts.workload === undefined || w.name === opts.workload).map((w) => ({namespace: w.namespace, kind: w.kind, name: w.name, role: w.role, image: w.image})))
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length
  return {
    apiVersion: DOCTOR_API_VERSION,
    kind: 'SrsDoctorReport',
    context,
    generatedAt: now.toISOString(),
    failOn: opts.failOn,
    workloads,
    findings,
    skipped,
    summary: {workloads: workloads.length, errors: count('error'), warnings: count('warning'), info: count('info'), failed: findings.some((f) => atOrAbove(f, opts.failOn))},
  }
}
