/** Who can reach SRS: the API port on public Services, and NetworkPolicies selecting the pods. */
import type {LabelSelector, Service} from '../../kube/types.js'
import {selectorMatches} from '../../kube/types.js'
import type {WorkloadModel} from '../../srs/topology.js'
import type {DoctorInput, Draft, Rule} from '../types.js'
import {srsContainer} from '../workload.js'
import {STATEFULSET_POD_NAME_LABEL} from '../../vocabulary.js'

/**
 * The label sets this workload's pods carry: the template's, StatefulSet pods' own name label
 * (the guide's srs-api-service selects statefulset.kubernetes.io/pod-name: srs-origin-0), and
 * the labels of pods that run now.
 */
function podLabelSets(w: WorkloadModel): Record<string, string>[] {
  const sets = [w.templateLabels]
  if (w.kind === 'StatefulSet') {
    for (let i = 0; i < Math.max(w.replicas, 1); i++) sets.push({...w.templateLabels, [STATEFULSET_POD_NAME_LABEL]: `${w.name}-${i}`})
  }
  for (const p of w.pods) sets.push(p.metadata.labels ?? {})
  return sets
}

export function serviceSelects(svc: Service, w: WorkloadModel): boolean {
  return podLabelSets(w).some((l) => selectorMatches(svc.spec.selector, l))
}

/** Service ports that lead to the workload's API port. */
function apiPortsOf(svc: Service, w: WorkloadModel, input: DoctorInput): NonNullable<Service['spec']['ports']> {
  const named = srsContainer(w, input)?.ports ?? []
  return (svc.spec.ports ?? []).filter((p) => {
    const target = p.targetPort ?? p.port
    if (typeof target === 'number') return target === w.apiPort
    if (/^\d+$/.test(target)) return Number(target) === w.apiPort
    return named.some((c) => c.name === target && c.containerPort === w.apiPort)
  })
}

function selectorYaml(sel: Record<string, string>, pad: string): string {
  return Object.entries(sel)
    .map(([k, v]) => `${pad}${k}: ${v}`)
    .join('\n')
}

export const apiPortExposedRule: Rule = {
  id: 'api-port-exposed',
  severity: 'error',
  title: 'the SRS API port stays off public Services',
  check(w, input): Draft | undefined {
    const exposed = input.objects.services
      .filter((s) => s.spec.type === 'LoadBalancer' || s.spec.type === 'NodePort')
      .map((s) => ({s, ports: serviceSelects(s, w) ? apiPortsOf(s, w, input) : []}))
      .filter((x) => x.ports.length > 0)
    if (exposed.length === 0) return undefined
    const first = exposed[0]!
    const onlyApi = first.ports.length === (first.s.spec.ports ?? []).length
    const sel = first.s.spec.selector ?? {}
    const fix = onlyApi
      ? `# make ${first.s.metadata.name} cluster-internal; reach it with kubectl port-forward svc/${first.s.metadata.name} ${w.apiPort}\napiVersion: v1\nkind: Service\nmetadata:\n  name: ${first.s.metadata.name}\nspec:\n  type: ClusterIP\n  selector:\n${selectorYaml(sel, '    ')}\n  ports:\n  - name: http-api\n    port: ${w.apiPort}\n    targetPort: ${w.apiPort}`
      : `# drop port ${first.ports.map((p) => p.port).join(', ')} from ${first.s.metadata.name} and serve the API on its own ClusterIP Service\napiVersion: v1\nkind: Service\nmetadata:\n  name: ${w.name}-api\nspec:\n  type: ClusterIP\n  selector:\n${selectorYaml(sel, '    ')}\n  ports:\n  - name: http-api\n    port: ${w.apiPort}\n    targetPort: ${w.apiPort}`
    return {
      severity: 'error',
      found: exposed.map((x) => `Service ${x.s.metadata.name} (${x.s.spec.type}) exposes the SRS API port ${w.apiPort}`).join('; '),
      why: 'the SRS API kicks clients and, with raw_api, reloads the config; SRS 4, 5 before 5.0.152 and 6 before 6.0.40 have no API auth at all (http_api.auth), so the Internet would control the server',
      fix,
    }
  },
}

/** Does a NetworkPolicy's podSelector pick these labels? An empty selector picks every pod. */
function policySelects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  const empty = !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
  return empty || selectorMatches(selector, labels)
}

function portOf(listen: string | undefined, fallback: number): number {
  const port = Number((listen ?? '').split(':').pop())
  return Number.isInteger(port) && port > 0 ? port : fallback
}

export const networkPolicyRule: Rule = {
  id: 'network-policy',
  severity: 'warning',
  title: 'a NetworkPolicy selects the SRS pods',
  needs: 'networkPolicies',
  check(w, input): Draft | undefined {
    const policies = (input.networkPolicies ?? []).filter((p) => {
      const types = p.spec.policyTypes ?? ['Ingress']
      return types.includes('Ingress') && podLabelSets(w).some((l) => policySelects(p.spec.podSelector, l))
    })
    if (policies.length > 0) return undefined
    const g = w.settings.global
    const rtmp = portOf(g.rtmpListen.value[0], 1935)
    const http = g.httpServerEnabled.value ? portOf(g.httpServerListen.value[0], 8080) : undefined
    const streaming = [rtmp, ...(http ? [http] : [])].map((p) => `    - port: ${p}\n      protocol: TCP`).join('\n')
    // Edges serve players from anywhere; origins only need their edges and coworkers.
    const publicRule = w.role === 'edge' ? `  - ports:          # players and publishers, from anywhere\n${streaming}\n` : `  - from:           # edges and coworkers in this namespace\n    - podSelector: {}\n    ports:\n${streaming}\n`
    return {
      severity: 'warning',
      found: `no NetworkPolicy with Ingress rules selects the pods of ${w.kind.toLowerCase()}/${w.name}`,
      why: 'on the flat pod network any compromised pod can reach the SRS API and the origins; a policy limits the blast radius',
      fix: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${w.name}-ingress\nspec:\n  podSelector:\n    matchLabels:\n${selectorYaml(w.templateLabels, '      ')}\n  policyTypes: [Ingress]\n  ingress:\n${publicRule}  - from:           # the SRS API, from this namespace only\n    - podSelector: {}\n    ports:\n    - port: ${w.apiPort}\n      protocol: TCP`,
    }
  },
}
