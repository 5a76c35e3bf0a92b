/** Reads what the doctor rules look at: the SRS topology plus NetworkPolicies and CronJobs. */
import {KubeApiError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources, type ResourceType} from '../kube/resources.js'
import {observeWorkloads} from '../srs/observe.js'
import {buildTopology} from '../srs/topology.js'
import type {CronJob} from '../kube/types.js'
import type {DoctorInput, NetworkPolicy} from './types.js'

export interface CollectOptions {
  /** A namespace, or null for all namespaces. */
  namespace: string | null
  labelSelector?: string
  extraImages?: readonly string[]
}

/** A list the user may not read comes back as null, so the rules that need it are skipped. */
async function listOrNull<T>(kube: KubeClient, res: ResourceType, namespace: string | null): Promise<T[] | null> {
  try {
    return (await kube.list<T>(res, {namespace})).items
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 403 || error.status === 404)) return null
    throw error
  }
}

export async function collectDoctorInputs(kube: KubeClient, opts: CollectOptions): Promise<DoctorInput[]> {
  const [observed, policies, cronJobs] = await Promise.all([
    observeWorkloads(kube, opts.namespace, opts.labelSelector),
    listOrNull<NetworkPolicy>(kube, Resources.networkpolicies, opts.namespace),
    listOrNull<CronJob>(kube, Resources.cronjobs, opts.namespace),
  ])
  return [...observed.byNamespace.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ns, objects]) => ({
      namespace: ns,
      objects,
      topology: buildTopology(ns, objects, {extraImages: opts.extraImages}),
      networkPolicies: policies && policies.filter((p) => p.metadata.namespace === ns),
      cronJobs: cronJobs && cronJobs.filter((c) => c.metadata.namespace === ns),
    }))
    .filter((i) => i.topology.workloads.length > 0)
}
