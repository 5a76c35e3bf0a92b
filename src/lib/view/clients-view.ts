/** Draws `clients` and `kick` results. Reads the result types only; never fetches. */
import type {ClientReport, ClientsResult, KickResult} from '../clients/result.js'
import {formatAge, formatColumns} from './table.js'

export function renderClients(r: ClientsResult): string {
  const out: string[] = []
  if (r.clients.length === 0) out.push('No clients.')
  else out.push(clientTable(r.clients))
  out.push(...unreachableLines(r.unreachable))
  return out.join('\n')
}

function clientTable<C extends ClientReport>(clients: readonly C[], extra?: (c: C) => string, extraHeader?: string): string {
  return formatColumns([
    ['POD', 'CLIENT', 'TYPE', 'IP', 'STREAM', 'CONNECTED', 'KBPS', ...(extraHeader ? [extraHeader] : [])],
    ...clients.map((c) => [c.pod, c.id, c.type, c.ip, c.stream || '-', formatAge(Math.floor(c.aliveSeconds)), String(c.kbps), ...(extra ? [extra(c)] : [])]),
  ])
}

function unreachableLines(unreachable: ClientsResult['unreachable']): string[] {
  if (!unreachable.length) return []
  return ['', 'Not asked:', ...unreachable.map((u) => `  ! pod ${u.pod}: ${u.message}`)]
}

/** What kick will close, before it asks (and for --dry-run). */
export function renderKickPlan(clients: readonly ClientReport[]): string {
  const pods = [...new Set(clients.map((c) => c.pod))]
  return `Will close ${clients.length} client(s) on ${pods.length} pod(s) (${pods.join(', ')}):\n${clientTable(clients)}`
}

export function renderKick(r: KickResult): string {
  if (r.dryRun) return [renderKickPlan(r.clients), '', 'Dry run: nothing closed.', ...unreachableLines(r.unreachable)].join('\n')
  const s = r.summary
  const parts = [`${s.closed} closed`]
  if (s.goneAlready) parts.push(`${s.goneAlready} gone already`)
  if (s.stillConnected) parts.push(`${s.stillConnected} still connected`)
  if (s.failed) parts.push(`${s.failed} failed`)
  return [
    clientTable(r.clients, (c) => (c.message ? `${c.outcome}: ${c.message}` : c.outcome), 'RESULT'),
    '',
    `${parts.join(', ')} of ${s.planned} client(s).`,
    ...unreachableLines(r.unreachable),
  ].join('\n')
}
