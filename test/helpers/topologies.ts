/** The repo's topology YAML as the apiserver would list it, for unit tests of pure code. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {parseAllDocuments} from 'yaml'
import type {ConfigMap, Deployment, Service, StatefulSet} from '../../src/lib/kube/types.js'
import type {ObservedObjects} from '../../src/lib/srs/topology.js'

export const TOPOLOGIES = path.resolve(import.meta.dirname, '../topologies')

/** Every object of the YAML texts, namespace set (no pods: the controllers make those). */
export function objectsFromYaml(namespace: string, ...texts: string[]): {kind: string; metadata: {name: string; namespace?: string}}[] {
  const out: {kind: string; metadata: {name: string; namespace?: string}}[] = []
  for (const text of texts) {
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS() as {kind: string; metadata: {name: string; namespace?: string}} | null
      if (!o) continue
      o.metadata.namespace = namespace
      out.push(o)
    }
  }
  return out
}

/** ObservedObjects of test/topologies files, in namespace "live". */
export function loadTopology(...files: string[]): ObservedObjects {
  const objs: ObservedObjects = {deployments: [], statefulsets: [], pods: [], configMaps: [], services: []}
  for (const o of objectsFromYaml('live', ...files.map((f) => readFileSync(path.join(TOPOLOGIES, f), 'utf8')))) {
    if (o.kind === 'Deployment') objs.deployments.push(o as unknown as Deployment)
    if (o.kind === 'StatefulSet') objs.statefulsets.push(o as unknown as StatefulSet)
    if (o.kind === 'ConfigMap') objs.configMaps.push(o as unknown as ConfigMap)
    if (o.kind === 'Service') objs.services.push(o as unknown as Service)
  }
  return objs
}
