/**
 * Test inputs of the srs.conf parser and editor, all in the repository: the project's own corpus
 * (test/fixtures/srs-conf, see its README) and the srs.conf of every ConfigMap in test/topologies.
 * A missing file fails the tests instead of skipping them.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {objectsFromYaml, TOPOLOGIES} from '../../helpers/topologies.js'

export const SRS_CONF_CORPUS = path.resolve(import.meta.dirname, '../../fixtures/srs-conf')

export interface ConfFixture {
  /** File name in the corpus, e.g. `crlf-tabs.conf`. */
  readonly name: string
  readonly text: string
}

/** Every .conf of the corpus, by name. */
export function loadConfCorpus(): ConfFixture[] {
  if (!existsSync(SRS_CONF_CORPUS)) throw new Error(`srs.conf corpus not found at ${SRS_CONF_CORPUS}`)
  const names = readdirSync(SRS_CONF_CORPUS)
    .filter((name) => name.endsWith('.conf'))
    .sort()
  if (names.length === 0) throw new Error(`no .conf file in ${SRS_CONF_CORPUS}`)
  return names.map((name) => ({name, text: loadConfFixture(name)}))
}

export function loadConfFixture(name: string): string {
  return readFileSync(path.join(SRS_CONF_CORPUS, name), 'utf8')
}

export interface TopologySrsConf {
  /** `<file>/<ConfigMap>`, e.g. `origin-cluster.yaml/srs-origin-config`. */
  readonly name: string
  readonly file: string
  readonly configMap: string
  readonly text: string
}

/** The `srs.conf` key of every ConfigMap in test/topologies/*.yaml, in file order. */
export function loadTopologySrsConfs(): TopologySrsConf[] {
  const out: TopologySrsConf[] = []
  const files = readdirSync(TOPOLOGIES)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
  for (const file of files) {
    for (const o of objectsFromYaml('default', readFileSync(path.join(TOPOLOGIES, file), 'utf8'))) {
      const conf = (o as {data?: Record<string, unknown>}).data?.['srs.conf']
      if (o.kind !== 'ConfigMap' || typeof conf !== 'string') continue
      out.push({name: `${file}/${o.metadata.name}`, file, configMap: o.metadata.name, text: conf})
    }
  }
  return out
}

/** The srs.conf of ConfigMap `configMap` in topology `file`. */
export function topologySrsConf(file: string, configMap: string): string {
  const found = loadTopologySrsConfs().find((c) => c.file === file && c.configMap === configMap)
  if (!found) throw new Error(`test/topologies/${file} has no ConfigMap ${configMap} with srs.conf`)
  return found.text
}
