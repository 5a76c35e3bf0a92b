/**
 * The cluster side of completion: SRS workload names, contexts and namespaces. Every lookup is
 * bounded by a short timeout and turns any failure into "nothing to offer" — a shell waiting on
 * TAB must never hang or print errors.
 */
import {readFileSync} from 'node:fs'
import {parse as parseYaml} from 'yaml'
import type {KubeClient} from '../kube/client.js'
import {kubeconfigFiles, resolveKubeconfig} from '../kube/kubeconfig.js'
import {Resources} from '../kube/resources.js'
import type {Deployment, StatefulSet} from '../kube/types.js'
import {srsContainerOf} from '../srs/topology.js'
import type {Lookups, ScopeFlags} from './complete.js'

/** How long TAB may wait on the API server. */
const REQUEST_TIMEOUT_MS = 3000

async function withClient<T>(scope: ScopeFlags, use: (kube: KubeClient) => Promise<T>): Promise<T> {
  const config = resolveKubeconfig(scope)
  const {createKubeClient} = await import('../kube/client.js')
  const kube = await createKubeClient(config, {requestTimeoutMs: REQUEST_TIMEOUT_MS})
  try {
    return await use(kube)
  } finally {
    kube.close()
  }
}

export const clusterLookups: Lookups = {
  async workloads(scope) {
    return withClient(scope, async (kube) => {
      const [deployments, statefulsets] = await Promise.all([
        kube.list<Deployment>(Resources.deployments).catch(() => ({items: [] as Deployment[]})),
        kube.list<StatefulSet>(Resources.statefulsets).catch(() => ({items: [] as StatefulSet[]})),
      ])
      const names = [...deployments.items, ...statefulsets.items].filter((w) => srsContainerOf(w.spec.template)).map((w) => w.metadata.name)
      return [...new Set(names)].sort()
    })
  },

  async contexts(scope) {
    const names = new Set<string>()
    for (const file of kubeconfigFiles(scope)) {
      const doc = parseYaml(readFileSync(file, 'utf8')) as {contexts?: {name?: unknown}[]} | null
      for (const c of doc?.contexts ?? []) if (typeof c?.name === 'string') names.add(c.name)
    }
    return [...names].sort()
  },

  async namespaces(scope) {
    // Listing namespaces is cluster-scoped and not in docs/rbac.yaml: offered when allowed.
    return withClient(scope, async (kube) => (await kube.list<{metadata: {name: string}}>(Resources.namespaces, {namespace: null})).items.map((n) => n.metadata.name).sort())
  },
}
