/** The repo's topology YAML as the apiserver would list it, for unit tests of pure code. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {parseAllDocuments} from 'yaml'
import type {Deployment, Service, StatefulSet} from '../../src/lib/kube/types.js'
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
    if (o.kind === 'ConfigMap') objs.configMaps.push(o)
    if (o.kind === 'Service') objs.services.push(o as unknown as Service)
  }
  return objs
}

/**
 * A topology file with the SRS image replaced and the reload switches the origin tests need:
 * http_api.raw_api on (allow_reload when asked), inotify_auto_reload on when asked.
 */
export function withReload(file: string, opts: {image: string; inotify: boolean; allowReload: boolean}): string {
  const raw = opts.allowReload ? 'raw_api {\n            enabled         on;\n            allow_reload    on;\n        }' : 'raw_api {\n            enabled         on;\n        }'
  let text = readFileSync(path.join(TOPOLOGIES, file), 'utf8')
    .replace(/ossrs\/srs:(3|v4\.0\.5)$/gm, opts.image)
    .replace(/^( {8}listen {10}1985;)$/gm, `$1\n        ${raw}`)
  if (opts.inotify) text = text.replace(/^( {4}daemon {14}off;)$/gm, '$1\n    inotify_auto_reload on;')
  return text
}

/**
 * A topology text with http_api basic auth on in every srs.conf of it (SRS 5.0.152+ / 6.0.40+
 * enforce it; SRS 4 ignores the block), the credentials written in the file as operators do.
 */
export function withApiAuth(text: string, username: string, password: string): string {
  return text.replace(/^( {8}listen {10}1985;)$/gm, `$1\n        auth {\n            enabled         on;\n            username        ${username};\n            password        ${password};\n        }`)
}
