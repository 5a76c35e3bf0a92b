/**
 * The plan of `kubectl srs reload`: a pure function of what was observed. Each SRS pod of the
 * workload ends on the config its ConfigMap holds now:
 *
 * - a pod whose SRS started after the ConfigMap last changed read it at start: nothing to do;
 * - raw_api.allow_reload on: rpc=reload through the SRS API, after the kubelet sync bound;
 * - otherwise a drain-aware rolling restart. A Deployment gets `maxUnavailable` surge pods first
 *   (so Ready pods never drop below the start), then loses the replaced pods, least-loaded first,
 *   chosen for the ReplicaSet through controller.kubernetes.io/pod-deletion-cost; SRS quits
 *   gracefully as its preStop hook says. A StatefulSet cannot surge: its pods are restarted one at
 *   a time by ordinal, highest first, as its own rolling update does, and the streams published
 *   on them are named before anything starts (their publishers will have to reconnect).
 *
 * A restart is refused (exit 1, nothing changed) where something else moves the same pods: an
 * HPA (it scales while pods are replaced, and undoes the surge), a rollout still in progress (its
 * new pods read the ConfigMap anyway), a canary (restarts would move the split and cut the
 * viewers its analysis counts). A raw API reload changes no object, so it goes on in all three.
 */
import {ExitCode, UsageError} from '../errors.js'
import {cannotDrainRefusal, noRoomRefusal} from '../handoff/refusal.js'
import type {Refusal} from '../rollout/plan.js'

export interface ReloadPodInput {
  name: string
  /** StatefulSet ordinal. */
  ordinal?: number
  ready: boolean
  /** When the SRS container started (ms). */
  startedAt?: number
  /** Viewers now (players and publishers, from SRS's clients list; conn_srs also counts HTTP API connections); undefined when the SRS API did not answer. */
  viewers?: number
  /** Streams published on this pod (app/name). */
  publishes: string[]
}

export interface ReloadWorkloadInput {
  kind: 'Deployment' | 'StatefulSet'
  name: string
  replicas: number
  configMap?: string
  /** When the ConfigMap last changed (ms), when known. */
  configChangedAt?: number
  /** http_api.raw_api enabled and allow_reload on. */
  rawReload: boolean
  /** Its srs.conf's max_connections: the room of each pod (--handoff-after's refusal). */
  maxConnections?: number
  pods: ReloadPodInput[]
  /** The HorizontalPodAutoscaler that scales it. */
  hpa?: string
  /** Its controller has not finished rolling out its template: what says so. */
  rollingOut?: string
  /** A canary in progress: the stable's canary Deployment, the stable this canary belongs to, or the StatefulSet's partition. */
  canary?: {canary: string} | {canaryOf: string} | {partition: number}
}

export interface ReloadRequest {
  /** Pods replaced (or restarted) at a time. */
  maxUnavailable: number
  /** Only these pods (an origin command's pending pods); all when absent. */
  onlyPods?: string[]
}

export type ReloadStep =
  | {kind: 'raw-reload'; workload: string; pods: string[]}
  /** Deployment: scale from `replicas` to `replicas + pods.length`, wait Ready, then back, the ReplicaSet removing `pods`. */
  | {kind: 'replace'; workload: string; replicas: number; pods: string[]}
  /** StatefulSet: delete the pod; the controller starts it again with the same name. */
  | {kind: 'restart'; workload: string; pod: string}

export interface ReloadPlan {
  steps: ReloadStep[]
  upToDate: {pod: string; workload: string}[]
  publishers: {pod: string; streams: string[]}[]
  viewers: Map<string, number | undefined>
  warnings: string[]
  /** Why the restarts must not run now; the runner refuses with the first, before any change. */
  refusals: Refusal[]
}

export function planReload(workloads: ReloadWorkloadInput[], req: ReloadRequest): ReloadPlan {
  if (!Number.isInteger(req.maxUnavailable) || req.maxUnavailable < 1) {
    throw new UsageError(`invalid value for --max-unavailable: ${req.maxUnavailable} (it must be a whole number of at least 1)`, 'for example --max-unavailable 1')
  }
  const plan: ReloadPlan = {steps: [], upToDate: [], publishers: [], viewers: new Map(), warnings: [], refusals: []}
  for (const w of workloads) {
    const pods = w.pods.filter((p) => !req.onlyPods || req.onlyPods.includes(p.name))
    const todo: ReloadPodInput[] = []
    for (const p of pods) {
      plan.viewers.set(p.name, p.viewers)
      if (w.configChangedAt !== undefined && p.startedAt !== undefined && p.startedAt > w.configChangedAt) plan.upToDate.push({pod: p.name, workload: w.name})
      else todo.push(p)
    }
    if (todo.length === 0) continue
    if (w.rawReload) {
      plan.steps.push({kind: 'raw-reload', workload: w.name, pods: todo.map((p) => p.name).sort()})
      continue
    }
    plan.refusals.push(...restartRefusals(w))
    if (w.kind === 'Deployment') {
      // Least-loaded first: the fewest viewers move (unknown counts last).
      const order = [...todo].sort((a, b) => (a.viewers ?? Number.MAX_SAFE_INTEGER) - (b.viewers ?? Number.MAX_SAFE_INTEGER) || a.name.localeCompare(b.name))
      for (let i = 0; i < order.length; i += req.maxUnavailable) {
        plan.steps.push({kind: 'replace', workload: w.name, replicas: w.replicas, pods: order.slice(i, i + req.maxUnavailable).map((p) => p.name)})
      }
      continue
    }
    const order = [...todo].sort((a, b) => (b.ordinal ?? 0) - (a.ordinal ?? 0))
    for (const p of order) {
      plan.steps.push({kind: 'restart', workload: w.name, pod: p.name})
      if (p.publishes.length > 0) plan.publishers.push({pod: p.name, streams: [...p.publishes].sort()})
    }
    if (req.maxUnavailable > 1) plan.warnings.push(`statefulset/${w.name} is restarted one pod at a time by ordinal; --max-unavailable applies to Deployments`)
  }
  return plan
}

function restartRefusals(w: ReloadWorkloadInput): Refusal[] {
  const what = `${w.kind.toLowerCase()}/${w.name}`
  const inPlace = 'or turn on http_api { raw_api { enabled on; allow_reload on; } } so its pods reload in place'
  const out: Refusal[] = []
  if (w.hpa) {
    out.push({
      message: `HorizontalPodAutoscaler ${w.hpa} scales ${what}: it would scale while reload restarts its pods${w.kind === 'Deployment' ? ' and take back the surge pods that keep its capacity' : ''}`,
      reason: 'Refused',
      exitCode: ExitCode.Failed,
      hint: `remove the HPA for the reload and apply it again afterwards (kubectl get hpa ${w.hpa} -o yaml > hpa.yaml; kubectl delete hpa ${w.hpa}), ${inPlace}`,
    })
  }
  if (w.canary) {
    const c = w.canary
    const message =
      'canary' in c
        ? `a canary is in progress on ${what} (deployment/${c.canary}): restarting would move the split and cut the viewers the canary is judged by`
        : 'canaryOf' in c
          ? `${what} is the canary of ${c.canaryOf}: restarting would move the split and cut the viewers the canary is judged by`
          : `a canary is in progress on ${what} (partition ${c.partition}): restarting would move the split and cut the viewers the canary is judged by`
    const stable = 'canaryOf' in c ? c.canaryOf : w.name
    out.push({message, reason: 'Refused', exitCode: ExitCode.Failed, hint: `finish the canary first (kubectl srs promote ${stable}, or kubectl srs rollback ${stable}), then reload; ${inPlace}`})
  }
  if (w.rollingOut) {
    out.push({
      message: `${what} is still rolling out (${w.rollingOut})`,
      reason: 'Refused',
      exitCode: ExitCode.Failed,
      hint: `its new pods read the ConfigMap as it is now: wait for \`kubectl rollout status ${what}\`, then run reload again (it restarts only pods started before the change)`,
    })
  }
  return out
}

export function describeReloadStep(s: ReloadStep): string {
  switch (s.kind) {
    case 'raw-reload':
      return `reload ${s.pods.join(', ')} through the SRS API (rpc=reload) after the kubelet sync`
    case 'replace':
      return `deployment/${s.workload}: add ${s.pods.length} pod(s), wait until Ready, then remove ${s.pods.join(', ')} (graceful quit)`
    case 'restart':
      return `statefulset/${s.workload}: restart ${s.pod} (graceful quit), wait until it is Ready again`
  }
}

/**
 * --handoff-after, refused before any change as the rollouts refuse it: a pod a restart removes
 * runs an SRS that cannot drain, or the pods serving while one is replaced lack the room
 * (max_connections each) for the workload's viewers: a Deployment keeps its replicas (the surge
 * pods stand in), a StatefulSet serves with one pod fewer.
 */
export function handOffRefusal(workloads: ReloadWorkloadInput[], plan: ReloadPlan, versions: ReadonlyMap<string, string | null>): Refusal | undefined {
  for (const step of plan.steps) {
    if (step.kind === 'raw-reload') continue
    const leaving = step.kind === 'replace' ? step.pods : [step.pod]
    const cannot = cannotDrainRefusal(leaving, versions)
    if (cannot) return cannot
    const w = workloads.find((x) => x.name === step.workload)
    if (!w || w.maxConnections === undefined) continue
    const viewers = w.pods.reduce((n, p) => n + (p.viewers ?? 0), 0)
    const serving = w.kind === 'StatefulSet' ? Math.max(0, w.replicas - 1) : w.replicas
    const noRoom = noRoomRefusal(describeReloadStep(step), w.name, serving, w.maxConnections, viewers)
    if (noRoom) return noRoom
  }
  return undefined
}
