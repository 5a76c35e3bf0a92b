/**
 * Observe: read the live objects a topology is built from, in parallel, for one namespace or
 * all of them. With `partial`, an all-namespaces read that RBAC refuses falls back to what the
 * user may see (the namespaces it may list, else the kubeconfig context's namespace) and says
 * what it could not read, instead of failing.
 */
import pLimit from 'p-limit'
import {isForbidden, type Refusal} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {ConfigMap, Deployment, Pod, Service, StatefulSet} from '../kube/types.js'
import type {ObservedObjects} from './topology.js'

/** What the apiserver refused to list: one identity, one verb, one resource, where. */
export interface AccessDenial {
  /** The identity the apiserver named in its refusal (e.g. system:serviceaccount:ns:name). */
  user: string
  verb: string
  resource: string
  /** null: at the cluster scope (every namespace at once, or a cluster-scoped resource); else the namespaces refused. */
  namespaces: string[] | null
}

export interface ObservedAccess {
  /** false when something asked for could not be read (see denied). */
  complete: boolean
  /**
   * How the namespaces were read: `namespace` (the one asked for), `cluster` (one list across all
   * namespaces), `namespace-list` (cluster-wide refused: every namespace the user may list, one
   * by one), `context-namespace` (cluster-wide and listing namespaces refused: only the
   * kubeconfig context's namespace).
   */
  listedBy: 'namespace' | 'cluster' | 'namespace-list' | 'context-namespace'
  /** Namespaces read one by one (null when listed at once). */
  namespacesRead: string[] | null
  denied: AccessDenial[]
}

export interface Observation {
  /** Objects per namespace, only for namespaces that have at least one Deployment or StatefulSet. */
  byNamespace: Map<string, ObservedObjects>
  access: ObservedAccess
}

interface Lists {
  deployments: Deployment[]
  statefulsets: StatefulSet[]
  pods: Pod[]
  configMaps: ConfigMap[]
  services: Service[]
}

const NAMESPACES_AT_ONCE = 8

/** The objects of one namespace, empty lists when it has no workload: what a changing command plans from. */
export async function observeNamespace(kube: KubeClient, namespace: string): Promise<ObservedObjects> {
  const observed = await observeWorkloads(kube, namespace)
  return observed.byNamespace.get(namespace) ?? emptyObjects()
}

function emptyObjects(): ObservedObjects {
  return {deployments: [], statefulsets: [], pods: [], configMaps: [], services: []}
}

/**
 * Reads Deployments, StatefulSets, Pods, ConfigMaps and Services of one namespace (or all: null).
 * `partial` (all namespaces only): a 403 on the cluster-wide lists is not fatal, see the module doc.
 */
export async function observeWorkloads(kube: KubeClient, namespace: string | null, labelSelector?: string, opts: {partial?: boolean} = {}): Promise<Observation> {
  if (namespace !== null || !opts.partial) {
    const lists = await readAll(kube, namespace, labelSelector)
    return {byNamespace: bucketed(lists), access: {complete: true, listedBy: namespace === null ? 'cluster' : 'namespace', namespacesRead: null, denied: []}}
  }
  const whole = await readSettled(kube, null, labelSelector)
  if (whole.ok) return {byNamespace: bucketed(whole.lists), access: {complete: true, listedBy: 'cluster', namespacesRead: null, denied: []}}
  const refusals: Refusal[] = [...whole.refused]
  let listedBy: ObservedAccess['listedBy'] = 'namespace-list'
  let names: string[]
  try {
    names = (await kube.list<{metadata: {name: string}}>(Resources.namespaces)).items.map((n) => n.metadata.name).sort()
  } catch (error) {
    if (!isForbidden(error)) throw error
    refusals.push(error.refused)
    listedBy = 'context-namespace'
    names = [kube.namespace]
  }
  const limit = pLimit(NAMESPACES_AT_ONCE)
  const perNs = await Promise.all(names.map((ns) => limit(() => readSettled(kube, ns, labelSelector))))
  const readable = perNs.flatMap((r) => (r.ok ? [r.lists] : []))
  for (const r of perNs) if (!r.ok) refusals.push(...r.refused)
  // Nothing at all could be read: the cluster-wide refusal is the error.
  if (readable.length === 0) throw whole.first
  const merged: Lists = {deployments: [], statefulsets: [], pods: [], configMaps: [], services: []}
  for (const l of readable) for (const k of Object.keys(merged) as (keyof Lists)[]) (merged[k] as unknown[]).push(...l[k])
  return {byNamespace: bucketed(merged), access: {complete: false, listedBy, namespacesRead: names, denied: denials(refusals)}}
}

function readAll(kube: KubeClient, namespace: string | null, labelSelector?: string): Promise<Lists> {
  const scope = {namespace}
  return Promise.all([
    kube.list<Deployment>(Resources.deployments, {...scope, labelSelector}),
    kube.list<StatefulSet>(Resources.statefulsets, {...scope, labelSelector}),
    kube.list<Pod>(Resources.pods, scope),
    kube.list<ConfigMap>(Resources.configmaps, scope),
    kube.list<Service>(Resources.services, scope),
  ]).then(([d, s, p, c, v]) => ({deployments: d.items, statefulsets: s.items, pods: p.items, configMaps: c.items, services: v.items}))
}

/** The five lists; when RBAC refuses any of them, every refusal (other errors are thrown). */
async function readSettled(kube: KubeClient, namespace: string | null, labelSelector?: string): Promise<{ok: true; lists: Lists} | {ok: false; refused: Refusal[]; first: Error}> {
  const scope = {namespace}
  const settled = await Promise.allSettled([
    kube.list<Deployment>(Resources.deployments, {...scope, labelSelector}),
    kube.list<StatefulSet>(Resources.statefulsets, {...scope, labelSelector}),
    kube.list<Pod>(Resources.pods, scope),
    kube.list<ConfigMap>(Resources.configmaps, scope),
    kube.list<Service>(Resources.services, scope),
  ])
  const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))
  const other = failed.find((e) => !isForbidden(e))
  if (other !== undefined) throw other
  if (failed.length) return {ok: false, refused: failed.map((e) => (e as {refused: Refusal}).refused), first: failed[0] as Error}
  const [d, s, p, c, v] = settled.map((r) => (r as PromiseFulfilledResult<{items: unknown[]}>).value.items)
  return {ok: true, lists: {deployments: d as Deployment[], statefulsets: s as StatefulSet[], pods: p as Pod[], configMaps: c as ConfigMap[], services: v as Service[]}}
}

/** One entry per (identity, verb, resource): cluster-scope refusals apart, namespaced ones with their namespaces. */
export function denials(refusals: readonly Refusal[]): AccessDenial[] {
  const out = new Map<string, AccessDenial>()
  for (const r of refusals) {
    const key = JSON.stringify([r.user, r.verb, r.resource, r.namespace === undefined])
    let d = out.get(key)
    if (!d) out.set(key, (d = {user: r.user, verb: r.verb, resource: r.resource, namespaces: r.namespace === undefined ? null : []}))
    if (r.namespace !== undefined && d.namespaces && !d.namespaces.includes(r.namespace)) d.namespaces.push(r.namespace)
  }
  for (const d of out.values()) d.namespaces?.sort()
  return [...out.values()]
}

function bucketed(lists: Lists): Map<string, ObservedObjects> {
  const byNamespace = new Map<string, ObservedObjects>()
  const bucket = (ns: string): ObservedObjects => {
    let b = byNamespace.get(ns)
    if (!b) byNamespace.set(ns, (b = emptyObjects()))
    return b
  }
  for (const d of lists.deployments) bucket(d.metadata.namespace ?? '').deployments.push(d)
  for (const s of lists.statefulsets) bucket(s.metadata.namespace ?? '').statefulsets.push(s)
  for (const [list, key] of [
    [lists.pods, 'pods'],
    [lists.configMaps, 'configMaps'],
    [lists.services, 'services'],
  ] as const) {
    for (const o of list) {
      const b = byNamespace.get(o.metadata.namespace ?? '')
      if (b) (b[key] as unknown[]).push(o)
    }
  }
  return byNamespace
}
