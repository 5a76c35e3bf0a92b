/**
 * Observing the rollout target: the stable workload, its canary, the Services in front, HPAs,
 * and what its srs.conf says about draining and WebRTC. Everything a plan needs, read once.
 */
import {KubeApiError, UsageError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {Deployment, HorizontalPodAutoscaler, Pod, StatefulSet} from '../kube/types.js'
import {observeNamespace} from '../srs/observe.js'
import {buildTopology, majorFromTag, type ObservedObjects, type WorkloadModel} from '../srs/topology.js'
import {imageTag} from '../srs/image.js'
import {ROLLOUT_ANNOTATION, TRACK_LABEL} from '../vocabulary.js'

export interface RolloutTarget {
  namespace: string
  model: WorkloadModel
  deployment?: Deployment
  statefulset?: StatefulSet
  canary?: Deployment
  canaryName: string
  hpa?: HorizontalPodAutoscaler
  /** Services in front of the workload and whether they pin clients (sessionAffinity ClientIP). */
  services: {name: string; sessionAffinity: string}[]
  /** Stable pods (not the canary's): selector string for list calls. */
  stableSelector: string
  canarySelector: string
  /** Every pod of the workload (a StatefulSet's ordinals, both revisions). */
  podSelector: string
  /** The pods of the workload and of its canary, as observed. */
  pods: Pod[]
}

/** Finds the workload to roll: by name, or the only SRS Deployment/StatefulSet that is not a canary. */
export async function observeTarget(kube: KubeClient, namespace: string, name: string | undefined): Promise<RolloutTarget> {
  const objs = await observeNamespace(kube, namespace)
  const hpas = await kube.list<HorizontalPodAutoscaler>(Resources.horizontalpodautoscalers, {namespace}).catch(() => ({items: [] as HorizontalPodAutoscaler[]}))
  return targetFrom(namespace, objs, hpas.items, name)
}

/** The rollout target in observed objects (pure: unit tests build it from test/topologies). */
export function targetFrom(namespace: string, objs: ObservedObjects, hpas: HorizontalPodAutoscaler[], name: string | undefined): RolloutTarget {
  const topo = buildTopology(namespace, objs)
  const candidates = topo.workloads.filter((w) => !w.annotations[ROLLOUT_ANNOTATION.canaryOf])
  let model: WorkloadModel | undefined
  if (name) {
    model = topo.workloads.find((w) => w.name === name)
    if (!model) {
      throw new KubeApiError(`no SRS Deployment or StatefulSet named "${name}" in namespace "${namespace}"`, {
        status: 404,
        reason: 'NotFound',
        hint: candidates.length ? `SRS workloads here: ${candidates.map((c) => c.name).join(', ')}` : 'run `kubectl srs status -A` to find them',
      })
    }
    const stableName = model.annotations[ROLLOUT_ANNOTATION.canaryOf]
    if (stableName) throw new UsageError(`${name} is the canary of ${stableName}`, `name the stable workload: ${stableName}`)
  } else {
    if (candidates.length === 0) throw new KubeApiError(`no SRS workloads in namespace "${namespace}"`, {status: 404, reason: 'NotFound', hint: 'pass -n NAMESPACE, or run `kubectl srs status -A`'})
    if (candidates.length > 1) throw new UsageError(`${candidates.length} SRS workloads in namespace "${namespace}": ${candidates.map((c) => c.name).join(', ')}`, 'name the one to roll as the first argument')
    model = candidates[0]!
  }
  const deployment = objs.deployments.find((d) => model.kind === 'Deployment' && d.metadata.name === model.name)
  const statefulset = objs.statefulsets.find((s) => model.kind === 'StatefulSet' && s.metadata.name === model.name)
  const canaryName = model.annotations[ROLLOUT_ANNOTATION.canary] ?? `${model.name}-canary`
  const canary = objs.deployments.find((d) => d.metadata.name === canaryName && d.metadata.annotations?.[ROLLOUT_ANNOTATION.canaryOf] === model.name)
  const hpa = hpas.find((h) => h.spec.scaleTargetRef.kind === model.kind && h.spec.scaleTargetRef.name === model.name)
  const services = objs.services.filter((s) => model.services.includes(s.metadata.name)).map((s) => ({name: s.metadata.name, sessionAffinity: s.spec.sessionAffinity ?? 'None'}))
  const matchLabels = (deployment ?? statefulset)!.spec.selector.matchLabels ?? {}
  const sel = Object.entries(matchLabels).map(([k, v]) => `${k}=${v}`)
  const pods = objs.pods.filter((p) => Object.entries(matchLabels).every(([k, v]) => p.metadata.labels?.[k] === v))
  return {
    namespace,
    model,
    deployment,
    statefulset,
    canary,
    canaryName,
    hpa,
    services,
    stableSelector: [...sel, `${TRACK_LABEL}!=canary`].join(','),
    canarySelector: [...sel, `${TRACK_LABEL}=canary`].join(','),
    podSelector: sel.join(','),
    pods,
  }
}

/** Why pods of this workload cannot leave through graceful quit, or undefined when they can. */
export function cannotDrainReason(model: WorkloadModel, image: string): string | undefined {
  const major = majorFromTag(imageTag(image))
  if (major === 5) return 'SRS 5.x has no working graceful quit: it drops every client within a second'
  if (!model.settings.global.forceGraceQuit.value) return 'force_grace_quit is off, so the SIGTERM after the preStop hook is a fast quit'
  return undefined
}

/** WebRTC sessions break when one Service spreads a client over two Deployments without affinity. */
export function webrtcWithoutAffinity(t: RolloutTarget): string | undefined {
  const rtc = t.model.settings.global.rtcServerEnabled.value && t.model.settings.vhosts.some((v) => v.rtcEnabled.value)
  if (!rtc) return undefined
  const loose = t.services.filter((s) => s.sessionAffinity !== 'ClientIP')
  return loose.length ? loose.map((s) => s.name).join(', ') : undefined
}
