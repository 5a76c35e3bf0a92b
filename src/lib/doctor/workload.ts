/** What the rules need to know about a workload beyond the topology model. */
import path from 'node:path/posix'
import type {Container, Deployment, PodTemplate, StatefulSet} from '../kube/types.js'
import type {WorkloadModel} from '../srs/topology.js'
import type {DoctorInput} from './types.js'

const SRS_WORKDIR = '/usr/local/srs'

function objectOf(w: WorkloadModel, input: DoctorInput): Deployment | StatefulSet | undefined {
  const list: (Deployment | StatefulSet)[] = w.kind === 'Deployment' ? input.objects.deployments : input.objects.statefulsets
  return list.find((o) => o.metadata.name === w.name)
}

export function templateOf(w: WorkloadModel, input: DoctorInput): PodTemplate | undefined {
  return objectOf(w, input)?.spec.template
}

/** The container that runs SRS, as the pod template declares it. */
export function srsContainer(w: WorkloadModel, input: DoctorInput): Container | undefined {
  return templateOf(w, input)?.spec.containers.find((c) => c.name === w.container)
}

/** "deployment/srs-edge-deploy", as kubectl names objects. */
export function ref(w: Pick<WorkloadModel, 'kind' | 'name'>): string {
  return `${w.kind.toLowerCase()}/${w.name}`
}

/** Does the preStop hook start SRS's graceful quit (the init script's `grace`, or a SIGQUIT)? */
export function preStopStartsGrace(c: Container | undefined): boolean {
  const argv = c?.lifecycle?.preStop?.exec?.command ?? []
  const text = argv.join(' ')
  return /(^|[\s/])srs\s+grace\b/.test(text) || /\bkill\s+(-QUIT|-SIGQUIT|-s\s+QUIT|-3)\b/.test(text)
}

/**
 * Pods whose deletion should drain clients instead of cutting them: edges (the guide's zero
 * downtime update is about the edge cluster) and any workload that asks for it with a grace
 * preStop hook or force_grace_quit. Origins may restart directly: edges retry (guide, #1579).
 */
export function drainExpected(w: WorkloadModel, input: DoctorInput): boolean {
  return w.role === 'edge' || preStopStartsGrace(srsContainer(w, input)) || w.settings.global.forceGraceQuit.value
}

/** A path as SRS resolves it: relative paths are against its working directory. */
export function srsPath(p: string): string {
  return path.resolve(SRS_WORKDIR, p)
}

/** The volume mounted at (or above) a path in the SRS container, with the mount. */
export function volumeAt(w: WorkloadModel, input: DoctorInput, p: string): {volume: NonNullable<PodTemplate['spec']['volumes']>[number]; mountPath: string} | undefined {
  const c = srsContainer(w, input)
  const volumes = templateOf(w, input)?.spec.volumes ?? []
  const target = srsPath(p)
  let best: {volume: NonNullable<PodTemplate['spec']['volumes']>[number]; mountPath: string} | undefined
  for (const m of c?.volumeMounts ?? []) {
    const rel = path.relative(m.mountPath, target)
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue
    const volume = volumes.find((v) => v.name === m.name)
    if (volume && (!best || m.mountPath.length > best.mountPath.length)) best = {volume, mountPath: m.mountPath}
  }
  return best
}

/** Indents a snippet so it nests under a given YAML key depth. */
export function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces)
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n')
}
