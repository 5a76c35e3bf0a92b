/** Builds doctor inputs from topology YAML (the guide's files, the hardened fixture, or inline text). */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {parseAllDocuments} from 'yaml'
import type {DoctorInput, Finding} from '../../../src/lib/doctor/index.js'
import {DEFAULT_DRAIN_BUDGET_SECONDS, runRules} from '../../../src/lib/doctor/index.js'
import type {CronJob} from '../../../src/lib/kube/types.js'
import type {NetworkPolicy} from '../../../src/lib/doctor/types.js'
import type {ConfigMap, Deployment, Service, StatefulSet} from '../../../src/lib/kube/types.js'
import {buildTopology, type ObservedObjects} from '../../../src/lib/srs/topology.js'

export const ROOT = path.resolve(import.meta.dirname, '../../..')
export const TOPOLOGIES = path.join(ROOT, 'test/topologies')
export const HARDENED = path.join(ROOT, 'test/e2e/fixtures/hardened-topology.yaml')

/** Objects as the apiserver returns them for namespace "live" (no pods: none are needed). */
export function inputFromYaml(...texts: string[]): DoctorInput {
  const objects: ObservedObjects = {deployments: [], statefulsets: [], pods: [], configMaps: [], services: []}
  const networkPolicies: NetworkPolicy[] = []
  const cronJobs: CronJob[] = []
  for (const text of texts) {
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS() as {kind: string; metadata: {namespace?: string}} | null
      if (!o) continue
      o.metadata.namespace = 'live'
      if (o.kind === 'Deployment') objects.deployments.push(o as unknown as Deployment)
      if (o.kind === 'StatefulSet') objects.statefulsets.push(o as unknown as StatefulSet)
      if (o.kind === 'ConfigMap') objects.configMaps.push(o as unknown as ConfigMap)
      if (o.kind === 'Service') objects.services.push(o as unknown as Service)
      if (o.kind === 'NetworkPolicy') networkPolicies.push(o as unknown as NetworkPolicy)
      if (o.kind === 'CronJob') cronJobs.push(o as unknown as CronJob)
    }
  }
  return {namespace: 'live', objects, topology: buildTopology('live', objects), networkPolicies, cronJobs}
}

export function topologyFile(name: string): string {
  return readFileSync(path.join(TOPOLOGIES, name), 'utf8')
}

export function seedInput(): DoctorInput {
  return inputFromYaml(topologyFile('origin-cluster.yaml'), topologyFile('edge-cluster.yaml'))
}

export function hardenedInput(): DoctorInput {
  return inputFromYaml(readFileSync(HARDENED, 'utf8'))
}

/** Findings of one rule, as [workload, severity] pairs. */
export function fired(input: DoctorInput, rule: string, opts: {drainBudgetSeconds?: number} = {}): Finding[] {
  return runRules([input], {drainBudgetSeconds: opts.drainBudgetSeconds ?? DEFAULT_DRAIN_BUDGET_SECONDS}).findings.filter((f) => f.rule === rule)
}

/** Re-derives the topology after a test edited the objects. */
export function rebuild(input: DoctorInput): DoctorInput {
  return {...input, topology: buildTopology(input.namespace, input.objects)}
}
