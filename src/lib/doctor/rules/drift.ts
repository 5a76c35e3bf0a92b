/** drift: coworkers and edge origin lists match the origins that run (topology drift). */
import type {Drift} from '../../srs/topology.js'
import type {Draft, Rule} from '../types.js'

export const driftRule: Rule = {
  id: 'drift',
  severity: 'error',
  title: 'coworker and edge origin lists match the running origins',
  check(w, input): Draft | undefined {
    const mine = input.topology.drift.filter((d) => d.workload === w.name)
    if (mine.length === 0) return undefined
    const problem = mine.find((d) => d.kind === 'config-problem')
    if (problem) {
      return {
        severity: 'error',
        found: problem.message,
        why: 'SRS cannot start with a config it cannot read, and every other check of this workload is guesswork',
        fix: `# check the ConfigMap and the file SRS reads (${w.config.path})\nkubectl get configmap ${w.config.configMap ?? '<name>'} -n ${w.namespace} -o yaml`,
      }
    }
    const coworkers = mine.some((d) => d.kind.startsWith('coworker-'))
    const current = coworkers ? w.coworkers : w.origins
    const fixed = corrected(current, mine)
    const directive = coworkers ? 'coworkers' : 'origin'
    return {
      severity: 'error',
      found: mine.map((d) => d.message).join('; '),
      why: coworkers
        ? 'an origin that does not list a running coworker cannot redirect players to streams published there; a stale entry costs a failed lookup per play'
        : 'an edge that does not list a running origin never pulls from it, and a stale origin costs players a failed connect and retry',
      fix: `# srs.conf${w.config.configMap ? ` (ConfigMap ${w.config.configMap}, key ${w.config.key})` : ''}, vhost __defaultVhost__\ncluster {\n    ${directive.padEnd(16)}${fixed.join(' ')};\n}`,
    }
  },
}

/** The list with stale entries removed and missing ones added (unknown names are kept: they may be outside). */
function corrected(current: readonly string[], drift: Drift[]): string[] {
  const stale = new Set(drift.filter((d) => d.kind.endsWith('-stale')).map((d) => d.entry))
  const out = current.filter((e) => !stale.has(e))
  for (const d of drift) if (d.kind.endsWith('-missing') && d.entry && !out.includes(d.entry)) out.push(d.entry)
  return out
}
