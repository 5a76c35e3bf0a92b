import type {StreamsResult} from '../status/streams.js'
import type {TextTools} from './text.js'

export function renderStreams(r: StreamsResult, opts: {allNamespaces: boolean}, text: TextTools): string {
  const out: string[] = []
  if (r.streams.length === 0) out.push('No streams.')
  else {
    const rows = [[...(opts.allNamespaces ? ['NAMESPACE'] : []), 'STREAM', 'PUBLISHED ON', 'POD', 'ROLE', 'CLIENTS', 'KBPS IN/OUT']]
    for (const s of r.streams) {
      s.pods.forEach((p, i) => {
        rows.push([
          ...(opts.allNamespaces ? [i === 0 ? s.namespace : ''] : []),
          i === 0 ? s.stream : '',
          i === 0 ? s.publishedOn.join(',') || '-' : '',
          p.pod,
          p.role === 'edge' ? 'edge (pull)' : p.publishing ? `${p.role} (publisher)` : p.role,
          String(p.clients),
          `${p.kbpsIn}/${p.kbpsOut}`,
        ])
      })
    }
    out.push(text.columns(rows))
  }
  if (r.unreachable.length) {
    out.push('', 'Warnings:')
    for (const u of r.unreachable) out.push(`  ! pod ${u.pod}: ${u.message}`)
  }
  return out.join('\n')
}
