/** Draws `clients` and `kick` results. Reads the result types only; never fetches. */
import type {ClientReport, ClientsResult, KickResult} from '../clients/result.js'
import type {TextTools} from './text.js'

export function renderClients(r: ClientsResult, text: TextTools): string {
  const out: string[] = []
  if (r.clients.length === 0) out.push('No clients.')
  else out.push(clientTable(text, r.clients))
  out.push(...unreachableLines(r.unreachable))
  return out.join('\n')
}

function clientTable<C extends ClientReport>(text: TextTools, clients: readonly C[], extra?: (c: C) => string, extraHeader?: string): string {
  return text.columns([
    ['POD', 'CLIENT', 'TYPE', 'IP', 'STREAM', 'CONNECTED', 'KBPS', ...(extraHeader ? [extraHeader] : [])],
    ...clients.map((c) => [c.pod, c.id, c.type, c.ip, c.stream || '-', text.age(Math.floor(c.aliveSeconds)), String(c.kbps), ...(extra ? [extra(c)] : [])]),
  ])
}

function unreachableLines(unreachable: ClientsResult['unreachable']): string[] {
  if (!unreachable.length) return []
  return ['', 'Not asked:', ...unreachable.map((u) => `  ! pod ${u.pod}: ${u.message}`)]
}

/** What kick will close, before it asks (and for --dry-run). */
export function renderKickPlan(clients: readonly ClientReport[], text: TextTools): string {
  const pods = [...new Set(clients.map((c) => c.pod))]
  return `Will close ${clients.length} client(s) on ${pods.length} pod(s) (${pods.join(', ')}):\n${clientTable(text, clients)}`
}

export function renderKick(r: KickResult, text: TextTools): string {
  if (r.dryRun) return [renderKickPlan(r.clients, text), '', 'Dry run: nothing closed.', ...unreachableLines(r.unreachable)].join('\n')
  const s = r.summary
  const parts = [`${s.closed} closed`]
  if (s.goneAlready) parts.push(`${s.goneAlready} gone already`)
  if (s.stillConnected) parts.push(`${s.stillConnected} still connected`)
  if (s.failed) parts.push(`${s.failed} failed`)
  return [clientTable(text, r.clients, (c) => (c.message ? `${c.outcome}: ${c.message}` : c.outcome), 'RESULT'), '', `${parts.join(', ')} of ${s.planned} client(s).`, ...unreachableLines(r.unreachable)].join('\n')
}
