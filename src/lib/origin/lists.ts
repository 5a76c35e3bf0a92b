/**
 * The coworkers and edge origin lists of an origin cluster, as pure text functions: which
 * entries name a member of the cluster, how a member is written in a given list (the list's own
 * domain suffix and port), and the rewrite of one list to exactly a set of members, keeping the
 * entries that point elsewhere where they were. The rewrite goes through the lossless editor, so
 * the rest of srs.conf keeps every byte.
 */
import {SrsError} from '../errors.js'
import {parseSrsConf, serializeSrsConf, setDirective, validateEdit, SRS_DEFAULT_VHOST, getCoworkers, getEdgeOrigins} from '../srs/conf/index.js'
import type {OriginCluster} from '../srs/topology.js'
import {escapeRe} from '../util.js'

/** The part of an OriginCluster the list functions need (plain data, so plans serialize). */
export interface ClusterNaming {
  mode: 'statefulset' | 'deployments'
  /** StatefulSet name, or `<prefix>N<suffix>` for Deployments (srs-origin-N-socs). */
  name: string
  /** Headless Service of the StatefulSet. */
  service?: string
  namespace: string
  apiPort: number
}

export function namingOf(cluster: OriginCluster, namespace: string): ClusterNaming {
  return {mode: cluster.mode, name: cluster.name, service: cluster.service, namespace, apiPort: cluster.apiPort}
}

/** The short host other SRS servers use for member `ordinal`: srs-origin-3.socs or srs-origin-3-socs. */
export function memberHost(c: ClusterNaming, ordinal: number): string {
  if (c.mode === 'statefulset') return `${c.name}-${ordinal}.${c.service ?? ''}`
  const [prefix, suffix] = splitDeploymentPattern(c.name)
  return `${prefix}${ordinal}${suffix}`
}

export function splitDeploymentPattern(name: string): [string, string] {
  // Kubernetes names are lower case, so the upper-case N placeholder is unambiguous.
  const i = name.lastIndexOf('N')
  if (i < 0) throw new SrsError(`origin cluster name ${name} has no ordinal placeholder`)
  return [name.slice(0, i), name.slice(i + 1)]
}

/** Matches a list entry naming a member: groups are ordinal, DNS suffix (".ns.svc…") and port. */
function memberEntryPattern(c: ClusterNaming): RegExp {
  const ns = escapeRe(c.namespace)
  const dns = `((?:\\.${ns}(?:\\.svc(?:\\.cluster\\.local)?)?)?)`
  if (c.mode === 'statefulset') {
    return new RegExp(`^${escapeRe(c.name)}-(\\d+)\\.${escapeRe(c.service ?? '')}${dns}(?::(\\d+))?$`)
  }
  const [prefix, suffix] = splitDeploymentPattern(c.name)
  return new RegExp(`^${escapeRe(prefix)}(\\d+)${escapeRe(suffix)}${dns}(?::(\\d+))?$`)
}

export interface ParsedEntry {
  ordinal: number
  dnsSuffix: string
  port?: string
}

export function parseMemberEntry(c: ClusterNaming, entry: string): ParsedEntry | undefined {
  const m = memberEntryPattern(c).exec(entry)
  if (!m) return undefined
  return {ordinal: Number(m[1]), dnsSuffix: m[2] ?? '', port: m[3]}
}

export type ListKind = 'coworkers' | 'origin'

/** Where each list lives in srs.conf (the default vhost, as SRS and the topology read it). */
function listPath(kind: ListKind): string[] {
  return [`vhost ${SRS_DEFAULT_VHOST}`, 'cluster', kind]
}

/**
 * The entries for `ordinals`, written the way `current` writes members of the cluster: same DNS
 * suffix, and a port when the list used one. Coworkers always carry the API port (SRS asks
 * coworkers over HTTP); edge origins get a port only when the list had one.
 */
export function memberEntries(c: ClusterNaming, kind: ListKind, current: readonly string[], ordinals: readonly number[]): string[] {
  const parsed = current.map((e) => parseMemberEntry(c, e)).filter((p): p is ParsedEntry => p !== undefined)
  const first = parsed[0]
  const dnsSuffix = first?.dnsSuffix ?? ''
  const port = parsed.find((p) => p.port !== undefined)?.port ?? (kind === 'coworkers' ? String(c.apiPort) : undefined)
  return [...ordinals].sort((a, b) => a - b).map((o) => `${memberHost(c, o)}${dnsSuffix}${port === undefined ? '' : `:${port}`}`)
}

/**
 * The list rewritten to exactly `ordinals`: members go where the first member entry was (at the
 * end when there was none), entries naming something else stay in place.
 */
export function rewriteList(c: ClusterNaming, kind: ListKind, current: readonly string[], ordinals: readonly number[]): string[] {
  const members = memberEntries(c, kind, current, ordinals)
  const out: string[] = []
  let placed = false
  for (const entry of current) {
    if (parseMemberEntry(c, entry) === undefined) {
      out.push(entry)
    } else if (!placed) {
      out.push(...members)
      placed = true
    }
  }
  if (!placed) out.push(...members)
  return out
}

function readList(text: string, kind: ListKind): string[] {
  const conf = parseSrsConf(text)
  return kind === 'coworkers' ? getCoworkers(conf) : getEdgeOrigins(conf)
}

export interface ListEdit {
  before: string
  after: string
  listBefore: string[]
  listAfter: string[]
  changed: boolean
}

/** Thrown when an edit would leave a config SRS could not load, or lose a directive. */
export class OriginConfigError extends SrsError {
  constructor(message: string, hint?: string) {
    super(message, {hint, reason: 'ConfigEdit'})
    this.name = 'OriginConfigError'
  }
}

/**
 * Rewrites one list of one srs.conf text (ConfigMap `where`, for messages). The result is
 * checked before anyone writes it: it must parse, keep every directive of the original, and read
 * back as the intended list. SRS 4 exits when a reload meets an invalid config, and Kubernetes
 * then restarts it into the same bad file, so this check is what keeps a typo from becoming an
 * outage.
 */
export function editListText(c: ClusterNaming, kind: ListKind, text: string, ordinals: readonly number[], where: string): ListEdit {
  let conf
  try {
    conf = parseSrsConf(text)
  } catch (error) {
    throw new OriginConfigError(`${where} does not parse: ${(error as Error).message}`, 'fix the config by hand first; kubectl srs never writes over a config it cannot read')
  }
  const listBefore = kind === 'coworkers' ? getCoworkers(conf) : getEdgeOrigins(conf)
  const listAfter = rewriteList(c, kind, listBefore, ordinals)
  if (sameList(listBefore, listAfter)) return {before: text, after: text, listBefore, listAfter, changed: false}
  let after: string
  try {
    after = serializeSrsConf(setDirective(conf, listPath(kind), listAfter))
  } catch (error) {
    throw new OriginConfigError(`cannot set ${kind} in ${where}: ${(error as Error).message}`)
  }
  const check = validateEdit(text, after, listPath(kind))
  if (!check.ok) throw new OriginConfigError(`the edited ${where} would lose or break directives: ${check.problems.join('; ')}`)
  const reread = readList(after, kind)
  if (!sameList(reread, listAfter)) throw new OriginConfigError(`the edited ${where} reads back as ${kind} ${reread.join(' ')}, not ${listAfter.join(' ')}`)
  return {before: text, after, listBefore, listAfter, changed: true}
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
