/** Draws the status report as tables. Reads the report only; never fetches. */
import type {ChalkInstance} from 'chalk'
import type {PodReport, StatusReport} from '../status/report.js'
import type {TextTools} from './text.js'

export function renderStatus(report: StatusReport, opts: {wide: boolean; allNamespaces: boolean}, text: TextTools): string {
  const c = text.style
  const out: string[] = []
  if (report.workloads.length === 0) {
    const where = !report.access.complete ? 'in the namespaces you may read' : opts.allNamespaces ? 'in any namespace' : `in namespace ${report.namespaces[0] ?? ''}`.trim()
    return [`No SRS workloads found ${where}.`, ...accessLines(c, report.access)].join('\n')
  }
  const ns = (x: {namespace: string}) => (opts.allNamespaces ? [x.namespace] : [])
  out.push(
    text.columns([
      [...(opts.allNamespaces ? ['NAMESPACE'] : []), 'WORKLOAD', 'ROLE', 'READY', 'IMAGE', 'LINKS'],
      ...report.workloads.map((w) => [...ns(w), `${w.kind.toLowerCase()}/${w.name}`, w.role, readyCell(c, w.ready, w.desired), w.images.join(',') + (w.partition !== null ? ` (partition ${w.partition})` : ''), links(w.links)]),
    ]),
  )
  for (const g of report.groups) {
    out.push('')
    const req = g.requestedWeight === null ? '' : `requested ${g.requestedWeight}%, `
    out.push(c.bold(`Service ${g.service}${opts.allNamespaces ? ` (${g.namespace})` : ''}: ${g.tracks.length} tracks`) + (req ? ` (${req.slice(0, -2)})` : ''))
    out.push(
      text.columns(
        [
          ['TRACK', 'WORKLOAD', 'IMAGE', 'PODS', 'CONNECTIONS', 'WEIGHT BY PODS', 'WEIGHT BY CONNECTIONS'],
          ...g.tracks.map((t) => [
            t.role === 'canary' ? c.yellow(t.role) : t.role,
            t.workload,
            t.image,
            `${t.readyPods}/${t.pods}`,
            String(t.connections),
            `${t.weightByPods}%`,
            t.weightByConnections === null ? '-' : `${t.weightByConnections}%`,
          ]),
        ],
        {indent: '  '},
      ),
    )
  }
  out.push('')
  const header = [...(opts.allNamespaces ? ['NAMESPACE'] : []), 'POD', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'TAG', 'VERSION', 'VIEWERS', 'CONNS', 'STREAMS', 'KBPS IN/OUT']
  if (opts.wide) header.push('IP', 'SERVER', 'PID', 'UPTIME', 'CLIENTS', 'CPU', 'MEM')
  const rows = [header]
  for (const w of report.workloads) {
    for (const p of w.pods) {
      const row = [...ns(w), p.name, p.ready ? '1/1' : '0/1', podState(c, p), String(p.restarts), text.age(p.ageSeconds), p.imageTag, versionCell(c, p)]
      if (p.srs) row.push(String(p.srs.viewers), String(p.srs.connections), `${p.srs.streamsPublished}/${p.srs.streams}`, `${p.srs.kbpsIn}/${p.srs.kbpsOut}`)
      else row.push('-', '-', '-', '-')
      if (opts.wide) {
        row.push(p.podIP ?? '-')
        if (p.srs) row.push(p.srs.serverId ?? '-', p.srs.pid === null ? '-' : String(p.srs.pid), text.age(p.srs.uptimeSeconds), String(p.srs.clients), `${p.srs.cpuPercent}%`, `${Math.round(p.srs.memKbyte / 1024)}Mi`)
        else row.push('-', '-', '-', '-', '-', '-')
      }
      rows.push(row)
    }
  }
  out.push(text.columns(rows))
  out.push('VIEWERS: players and publishers (SRS clients list); CONNS: every connection SRS serves (conn_srs), HTTP API connections included.')
  // Namespaces that could not be listed are told on stderr and, here, under "Not shown".
  const warnings = report.warnings.filter((w) => w.kind !== 'namespaces-not-listed')
  if (warnings.length) {
    out.push('')
    out.push(c.bold('Warnings:'))
    for (const w of warnings) out.push(`  ${c.yellow('!')} ${w.message}`)
  }
  out.push(...accessLines(c, report.access))
  return out.join('\n')
}

const MAX_NAMESPACES_NAMED = 10

/** After the tables: what could not be listed, by whom, where, and which namespaces were read instead. */
function accessLines(c: ChalkInstance, a: StatusReport['access']): string[] {
  if (a.complete) return []
  const out = ['', c.bold('Not shown (permission denied):')]
  // One line per identity, verb and place, naming every resource refused there.
  const lines = new Map<string, {head: string; resources: string[]; where: string}>()
  for (const d of a.denied) {
    const where = d.namespaces === null ? (d.resource === 'namespaces' ? 'at the cluster scope' : 'across all namespaces') : `in ${namespaceList(d.namespaces)}`
    const key = JSON.stringify([d.user, d.verb, where])
    const line = lines.get(key) ?? {head: `user "${d.user}" cannot ${d.verb}`, resources: [], where}
    line.resources.push(d.resource)
    lines.set(key, line)
  }
  for (const l of lines.values()) out.push(`  ${c.yellow('!')} ${l.head} ${l.resources.join(', ')} ${l.where}`)
  const read = a.namespacesRead ?? []
  if (a.listedBy === 'namespace-list') out.push(`  read instead one by one: ${namespaceList(read)}`)
  if (a.listedBy === 'context-namespace') out.push(`  read instead only the kubeconfig context's namespace: ${read.join(', ')} (-n NAMESPACE reads another)`)
  return out
}

function namespaceList(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMESPACES_NAMED).join(', ')
  const more = names.length > MAX_NAMESPACES_NAMED ? ` and ${names.length - MAX_NAMESPACES_NAMED} more` : ''
  return `${names.length === 1 ? 'namespace' : 'namespaces'} ${shown}${more}`
}

function readyCell(c: ChalkInstance, ready: number, desired: number): string {
  const s = `${ready}/${desired}`
  return ready < desired ? c.yellow(s) : s
}

function links(l: {origins: string[]; coworkers: string[]}): string {
  const parts: string[] = []
  if (l.origins.length) parts.push(`origins: ${l.origins.join(' ')}`)
  if (l.coworkers.length) parts.push(`coworkers: ${l.coworkers.join(' ')}`)
  return parts.join('; ') || '-'
}

function podState(c: ChalkInstance, p: PodReport): string {
  if (p.terminating) return c.yellow(p.error?.reason === 'draining' ? 'Draining' : 'Terminating')
  if (p.error && p.error.reason !== 'not-running') return c.red(`${p.phase}, API ${p.error.reason}`)
  return p.phase
}

function versionCell(c: ChalkInstance, p: PodReport): string {
  if (!p.srs) return '-'
  if (p.srs.versionCheck === 'mismatch') return c.red(`${p.srs.version}!`)
  if (p.srs.versionCheck === 'match') return c.green(p.srs.version)
  return p.srs.version
}
