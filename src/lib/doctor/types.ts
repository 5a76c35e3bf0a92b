/**
 * Shapes shared by the doctor rules: what a rule reads (one namespace's objects and topology)
 * and what it returns (findings). Rules are pure functions of these inputs.
 */
import type {CronJob, LabelSelector, ObjectMeta} from '../kube/types.js'
import type {ObservedObjects, Topology, WorkloadModel} from '../srs/topology.js'

export type Severity = 'error' | 'warning' | 'info'

export const SEVERITY_RANK: Record<Severity, number> = {info: 0, warning: 1, error: 2}

export interface Finding {
  /** Rule id, e.g. "probes" (see docs/doctor.md). */
  rule: string
  severity: Severity
  namespace: string
  /** The SRS workload the finding is about. */
  kind: 'Deployment' | 'StatefulSet'
  workload: string
  /** What was found, one line. */
  found: string
  /** Why it matters, one line. */
  why: string
  /** A concrete YAML or srs.conf snippet that resolves it. */
  fix: string
}

/** The NetworkPolicy fields the network-policy rule reads. */
export interface NetworkPolicy {
  metadata: ObjectMeta
  spec: {podSelector?: LabelSelector; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[]}
}

/** Everything the rules may read about one namespace. */
export interface DoctorInput {
  namespace: string
  objects: ObservedObjects
  topology: Topology
  /** null when the user may not list them: rules that need them are skipped, not guessed. */
  networkPolicies: NetworkPolicy[] | null
  cronJobs: CronJob[] | null
}

export interface DoctorOptions {
  /** Seconds a draining pod gets for its clients to leave, on top of SRS's own waits. */
  drainBudgetSeconds: number
}

export const DEFAULT_DRAIN_BUDGET_SECONDS = 60

/** A finding without the workload identity, which the rule runner fills in. */
export type Draft = Omit<Finding, 'rule' | 'namespace' | 'kind' | 'workload'>

export interface Rule {
  id: string
  /** The highest severity this rule reports (a rule may report lower for some cases). */
  severity: Severity
  title: string
  /** What a rule needs beyond workloads; without it the rule is skipped for the namespace. */
  needs?: 'networkPolicies' | 'cronJobs'
  check(w: WorkloadModel, input: DoctorInput, opts: DoctorOptions): Draft | Draft[] | undefined
}
