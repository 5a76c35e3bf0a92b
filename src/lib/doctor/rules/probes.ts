/** probes: liveness and readiness probes on the SRS container. */
import type {WorkloadModel} from '../../srs/topology.js'
import type {Draft, Rule} from '../types.js'
import {srsContainer} from '../workload.js'

function portOf(listen: string | undefined, fallback: number): number {
  const port = Number((listen ?? '').split(':').pop())
  return Number.isInteger(port) && port > 0 ? port : fallback
}

/** An httpGet on the SRS API when it is enabled (it answers on every version); else the RTMP port. */
function probeAction(w: WorkloadModel): string {
  if (w.settings.global.httpApiEnabled.value) return `httpGet:\n    path: /api/v1/versions\n    port: ${w.apiPort}`
  return `tcpSocket:\n    port: ${portOf(w.settings.global.rtmpListen.value[0], 1935)}`
}

export const probesRule: Rule = {
  id: 'probes',
  severity: 'warning',
  title: 'liveness and readiness probes',
  check(w, input): Draft | undefined {
    const c = srsContainer(w, input)
    const missing = [!c?.livenessProbe && 'livenessProbe', !c?.readinessProbe && 'readinessProbe'].filter((x): x is string => Boolean(x))
    if (missing.length === 0) return undefined
    const action = probeAction(w)
    const parts: string[] = []
    if (!c?.livenessProbe) parts.push(`livenessProbe:\n  ${action}\n  initialDelaySeconds: 10\n  periodSeconds: 10\n  failureThreshold: 3`)
    if (!c?.readinessProbe) parts.push(`readinessProbe:\n  ${action}\n  periodSeconds: 5\n  failureThreshold: 2`)
    return {
      severity: 'warning',
      found: `container ${w.container} has no ${missing.join(' and no ')}`,
      why: 'without probes a hung SRS is never restarted and a pod that cannot serve yet still gets streams from the Service',
      fix: `# in the ${w.container} container\n${parts.join('\n')}`,
    }
  },
}
