/** webrtc-affinity: WebRTC behind a Service with several SRS pods keeps each client on one pod. */
import type {Draft, Rule} from '../types.js'
import {ref} from '../workload.js'
import {serviceSelects} from './exposure.js'

export const webrtcAffinityRule: Rule = {
  id: 'webrtc-affinity',
  severity: 'error',
  title: 'WebRTC behind a shared Service uses sessionAffinity: ClientIP',
  check(w, input): Draft | undefined {
    if (!w.settings.global.rtcServerEnabled.value || !w.settings.vhosts.some((v) => v.rtcEnabled.value)) return undefined
    const bad = input.objects.services
      .filter((s) => s.spec.clusterIP !== 'None' && s.spec.sessionAffinity !== 'ClientIP' && serviceSelects(s, w))
      .map((s) => {
        const behind = input.topology.workloads.filter((x) => serviceSelects(s, x))
        return {s, behind, pods: behind.reduce((n, x) => n + x.replicas, 0)}
      })
      .filter((x) => x.behind.length > 1 || x.pods > 1)
    if (bad.length === 0) return undefined
    const {s, behind, pods} = bad[0]!
    return {
      severity: 'error',
      found: `rtc_server and vhost rtc are on and Service ${s.metadata.name} spreads clients over ${behind.length > 1 ? `${behind.length} workloads (${behind.map(ref).join(', ')})` : `${pods} pods`} without sessionAffinity: ClientIP`,
      why: 'a WebRTC session is held by the pod that answered the SDP offer; a client sent to another pod for its next request or media fails',
      fix: `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${s.metadata.name}\nspec:\n  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 10800`,
    }
  },
}
