/**
 * Observe: read the live objects a topology is built from, in parallel, for one namespace or
 * all of them. Lists that the user may not read are reported, not fatal, when other namespaces
 * can still be shown (partial permissions).
 */
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {ConfigMap, Deployment, Pod, Service, StatefulSet} from '../kube/types.js'
import type {ObservedObjects} from './topology.js'

export interface Observation {
  /** Objects per namespace, only for namespaces that have at least one Deployment or StatefulSet. */
  byNamespace: Map<string, ObservedObjects>
}

/** Reads Deployments, StatefulSets, Pods, ConfigMaps and Services of one namespace (or all: null). */
export async function observeWorkloads(kube: KubeClient, namespace: string | null, labelSelector?: string): Promise<Observation> {
  const scope = {namespace}
  const [deployments, statefulsets, pods, configMaps, services] = await Promise.all([
    kube.list<Deployment>(Resources.deployments, {...scope, labelSelector}),
    kube.list<StatefulSet>(Resources.statefulsets, {...scope, labelSelector}),
    kube.list<Pod>(Resources.pods, scope),
    kube.list<ConfigMap>(Resources.configmaps, scope),
    kube.list<Service>(Resources.services, scope),
  ])
  const byNamespace = new Map<string, ObservedObjects>()
  const bucket = (ns: string): ObservedObjects => {
    let b = byNamespace.get(ns)
    if (!b) byNamespace.set(ns, (b = {deployments: [], statefulsets: [], pods: [], configMaps: [], services: []}))
    return b
  }
  for (const d of deployments.items) bucket(d.metadata.namespace ?? '').deployments.push(d)
  for (const s of statefulsets.items) bucket(s.metadata.namespace ?? '').statefulsets.push(s)
  for (const [list, key] of [
    [pods.items, 'pods'],
    [configMaps.items, 'configMaps'],
    [services.items, 'services'],
  ] as const) {
    for (const o of list) {
      const b = byNamespace.get(o.metadata.namespace ?? '')
      if (b) (b[key] as unknown[]).push(o)
    }
  }
  return {byNamespace}
}
