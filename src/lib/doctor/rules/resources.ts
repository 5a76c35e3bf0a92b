/** resources: the SRS container declares CPU and memory requests and limits, sized for its role. */
import type {WorkloadModel} from '../../srs/topology.js'
import type {DoctorInput, Draft, Rule} from '../types.js'
import {srsContainer, volumeAt} from '../workload.js'

const WANTED = [
  ['requests', 'cpu'],
  ['requests', 'memory'],
  ['limits', 'cpu'],
  ['limits', 'memory'],
] as const

/** Origins write HLS/DVR to the container's disk when no volume holds the path. */
function writesToContainerDisk(w: WorkloadModel, input: DoctorInput): boolean {
  return w.settings.vhosts.some((v) => (v.hlsEnabled.value && !volumeAt(w, input, v.hlsPath.value)) || (v.dvrEnabled.value && !volumeAt(w, input, v.dvrPath.value)))
}

function fixFor(w: WorkloadModel, input: DoctorInput): string {
  if (w.role === 'edge') {
    // The guide: edges need little CPU and more memory (they fan one stream out to many players).
    return `# edges: little CPU, more memory; measure under load and adjust
resources:
  requests:
    cpu: 200m
    memory: 1Gi
  limits:
    cpu: "1"
    memory: 3Gi`
  }
  // The guide: origins take more CPU (transcoding) and disk (HLS, DVR).
  const disk = writesToContainerDisk(w, input)
  return `# origins: more CPU (transcoding) and disk (HLS/DVR); measure under load and adjust
resources:
  requests:
    cpu: 500m
    memory: 1Gi${disk ? '\n    ephemeral-storage: 2Gi' : ''}
  limits:
    cpu: "2"
    memory: 2Gi${disk ? '\n    ephemeral-storage: 10Gi' : ''}`
}

export const resourcesRule: Rule = {
  id: 'resources',
  severity: 'warning',
  title: 'CPU and memory requests and limits',
  check(w, input): Draft | undefined {
    const c = srsContainer(w, input)
    const res = c?.resources ?? {}
    const missing = WANTED.filter(([kind, name]) => !res[kind]?.[name]).map(([kind, name]) => `${kind}.${name}`)
    if (missing.length === 0) return undefined
    return {
      severity: 'warning',
      found: missing.length === WANTED.length ? `container ${w.container} has no resource requests or limits` : `container ${w.container} has no ${missing.join(', ')}`,
      why: 'without requests the scheduler cannot place SRS by its needs; without limits one pod can starve or be OOM-killed with the node',
      fix: fixFor(w, input),
    }
  },
}
