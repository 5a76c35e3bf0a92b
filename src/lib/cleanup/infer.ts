/**
 * Which volumes to clean, read from the SRS workloads: every PersistentVolumeClaim the SRS
 * container mounts, and where on it srs.conf puts HLS (hls_path) and DVR (dvr_path) files.
 */
import path from 'node:path/posix'
import type {KubeClient} from '../kube/client.js'
import type {Container, PodTemplate} from '../kube/types.js'
import {observeWorkloads} from '../srs/observe.js'
import {buildTopology} from '../srs/topology.js'
import {isInside} from './validate.js'

/** SRS runs in /usr/local/srs: relative hls_path and dvr_path are relative to it. */
const SRS_WORKDIR = '/usr/local/srs'

export interface ClaimUse {
  claim: string
  workload: string
  mountPath: string
  readOnly: boolean
  /** HLS and DVR folders of enabled vhosts that lie on this claim, as the SRS container sees them. */
  dirs: {kind: 'hls' | 'dvr'; vhost: string; dir: string; setting: string}[]
}

export interface Inference {
  uses: ClaimUse[]
  /** Human sentences: what was found, and what lies outside any volume. */
  notes: string[]
}

/** The folder part of dvr_path, before its first [variable]: './objs/nginx/html/[app]/...' → './objs/nginx/html'. */
export function dvrDir(dvrPath: string): string {
  const i = dvrPath.indexOf('[')
  const fixed = i >= 0 ? dvrPath.slice(0, i) : dvrPath
  return fixed.endsWith('/') ? fixed.replace(/\/+$/, '') || '/' : path.dirname(fixed)
}

function resolveSrsPath(p: string): string {
  return path.resolve(SRS_WORKDIR, p)
}

interface WorkloadView {
  name: string
  template: PodTemplate
  container: Container
  vhosts: readonly {name: string; hlsEnabled: {value: boolean}; hlsPath: {value: string}; dvrEnabled: {value: boolean}; dvrPath: {value: string}}[]
}

/** Pure part: claims mounted by the SRS containers and the HLS/DVR folders on them. */
export function inferFromWorkloads(workloads: WorkloadView[]): Inference {
  const uses: ClaimUse[] = []
  const notes: string[] = []
  for (const w of workloads) {
    const claims = new Map((w.template.spec.volumes ?? []).filter((v) => v.persistentVolumeClaim).map((v) => [v.name, v.persistentVolumeClaim!.claimName]))
    const mine: ClaimUse[] = []
    for (const m of w.container.volumeMounts ?? []) {
      const claim = claims.get(m.name)
      if (!claim || m.subPath) continue
      mine.push({claim, workload: w.name, mountPath: path.normalize(m.mountPath).replace(/(.)\/$/, '$1'), readOnly: Boolean(m.readOnly), dirs: []})
    }
    for (const v of w.vhosts) {
      const found: ClaimUse['dirs'] = []
      if (v.hlsEnabled.value) found.push({kind: 'hls', vhost: v.name, dir: resolveSrsPath(v.hlsPath.value), setting: `hls_path ${v.hlsPath.value}`})
      if (v.dvrEnabled.value) found.push({kind: 'dvr', vhost: v.name, dir: resolveSrsPath(dvrDir(v.dvrPath.value)), setting: `dvr_path ${v.dvrPath.value}`})
      for (const d of found) {
        const on = mine.filter((u) => isInside(d.dir, u.mountPath)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0]
        if (on) on.dirs.push(d)
        else notes.push(`${w.name}: ${d.kind.toUpperCase()} of vhost ${d.vhost} goes to ${d.dir} (${d.setting}), which is on no volume: nothing to clean there`)
      }
    }
    uses.push(...mine)
  }
  return {uses, notes}
}

export async function inferClaims(kube: KubeClient, namespace: string): Promise<Inference> {
  const obs = await observeWorkloads(kube, namespace)
  const objs = obs.byNamespace.get(namespace)
  if (!objs) return {uses: [], notes: []}
  const topo = buildTopology(namespace, objs)
  const views: WorkloadView[] = []
  for (const w of topo.workloads) {
    const obj = (w.kind === 'Deployment' ? objs.deployments : objs.statefulsets).find((o) => o.metadata.name === w.name)
    const container = obj?.spec.template.spec.containers.find((c) => c.name === w.container)
    if (!obj || !container) continue
    views.push({name: `${w.kind}/${w.name}`, template: obj.spec.template, container, vhosts: w.settings.vhosts})
  }
  return inferFromWorkloads(views)
}

/** The deepest folder holding all of dirs (all absolute and normalised). */
export function commonFolder(dirs: string[]): string | undefined {
  if (dirs.length === 0) return undefined
  let parts = dirs[0]!.split('/').filter(Boolean)
  for (const d of dirs.slice(1)) {
    const p = d.split('/').filter(Boolean)
    let i = 0
    while (i < parts.length && i < p.length && parts[i] === p[i]) i++
    parts = parts.slice(0, i)
  }
  return '/' + parts.join('/')
}
