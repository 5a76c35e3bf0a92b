/**
 * Test inputs read from /work/shared (never copied into the repo): SRS's sample configs and the
 * srs.conf ConfigMaps of the reference K8s guide (seed 002).
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseAllDocuments} from 'yaml'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const SRS_CONF_FIXTURES = path.resolve(repoRoot, '../shared/fixtures/srs-conf')
export const SEED_GUIDE = path.resolve(repoRoot, '../shared/seeds/002_83c2016d61f52331.txt')

export interface ConfFixture {
  /** e.g. `v6.0-a1/full.conf`. */
  readonly name: string
  readonly text: string
}

/** Every .conf below the fixtures folder; throws (so tests fail, not skip) when it is missing. */
export function loadConfFixtures(): ConfFixture[] {
  if (!existsSync(SRS_CONF_FIXTURES)) throw new Error(`srs.conf fixtures not found at ${SRS_CONF_FIXTURES}`)
  const out: ConfFixture[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry)
      if (statSync(full).isDirectory()) walk(full)
      else if (entry.endsWith('.conf')) out.push({name: path.relative(SRS_CONF_FIXTURES, full), text: readFileSync(full, 'utf8')})
    }
  }
  walk(SRS_CONF_FIXTURES)
  return out
}

export function loadConfFixture(name: string): string {
  return readFileSync(path.join(SRS_CONF_FIXTURES, name), 'utf8')
}

export interface SeedSrsConf {
  /** ConfigMap name plus its position among the guide's ConfigMaps, e.g. `srs-edge-config#3`. */
  readonly name: string
  readonly configMap: string
  readonly text: string
}

/**
 * The `srs.conf` entries of every ConfigMap applied in the guide. The YAML sits in markdown code
 * fences as `cat <<EOF | kubectl apply -f -` heredocs.
 */
export function loadSeedSrsConfs(): SeedSrsConf[] {
  if (!existsSync(SEED_GUIDE)) throw new Error(`seed guide not found at ${SEED_GUIDE}`)
  const markdown = readFileSync(SEED_GUIDE, 'utf8')
  const out: SeedSrsConf[] = []
  for (const fence of markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)) {
    const heredoc = /cat <<EOF[^\n]*\n([\s\S]*?)^EOF$/m.exec(fence[1] ?? '')
    if (!heredoc) continue
    for (const document of parseAllDocuments(heredoc[1] ?? '')) {
      const object = document.toJS() as {kind?: string; metadata?: {name?: string}; data?: Record<string, unknown>} | null
      const conf = object?.data?.['srs.conf']
      if (object?.kind !== 'ConfigMap' || typeof conf !== 'string') continue
      const configMap = object.metadata?.name ?? '?'
      out.push({name: `${configMap}#${out.length}`, configMap, text: conf})
    }
  }
  return out
}
