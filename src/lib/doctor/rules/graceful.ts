/**
 * Graceful quit of pods that should drain (edges, or anything asking for it): the preStop grace
 * hook, force_grace_quit, a grace period long enough for SRS's waits, and an SRS version whose
 * graceful quit works at all.
 */
import {imageTag, withTag} from '../../srs/image.js'
import {majorFromTag, type WorkloadModel} from '../../srs/topology.js'
import type {Draft, Rule} from '../types.js'
import {drainExpected, preStopStartsGrace, srsContainer} from '../workload.js'

/** SRS notices a quit signal on its next main-loop tick, within about a second (fixture README 4a). */
const SIGNAL_TICK_SECONDS = 1

/** Where a top-level srs.conf setting goes for this workload: its ConfigMap, or the environment. */
function confOrEnv(w: WorkloadModel, directives: [string, string][]): string {
  if (w.config.kind === 'configmap') {
    const width = Math.max(...directives.map(([k]) => k.length)) + 4
    return `# srs.conf, top level (ConfigMap ${w.config.configMap}, key ${w.config.key})\n${directives.map(([k, v]) => `${k.padEnd(width)}${v};`).join('\n')}`
  }
  const env = directives.map(([k, v]) => `- name: SRS_${k.toUpperCase()}\n  value: "${v}"`).join('\n')
  return `# no srs.conf from a ConfigMap: set the SRS 5+ environment of the ${w.container} container\nenv:\n${env}`
}

export const edgePreStopRule: Rule = {
  id: 'edge-prestop',
  severity: 'warning',
  title: 'edges start a graceful quit in preStop',
  check(w, input): Draft | undefined {
    if (w.role !== 'edge') return undefined
    const c = srsContainer(w, input)
    if (preStopStartsGrace(c)) return undefined
    return {
      severity: 'warning',
      found: c?.lifecycle?.preStop ? `the preStop hook of ${w.container} does not start SRS's graceful quit` : `edge container ${w.container} has no preStop hook`,
      why: 'the preStop grace hook sends SIGQUIT so the edge stops taking new players and lets current ones finish before the pod goes',
      fix: `# in the ${w.container} container\nlifecycle:\n  preStop:\n    exec:\n      command: ["/usr/local/srs/etc/init.d/srs", "grace"]`,
    }
  },
}

export const forceGraceQuitRule: Rule = {
  id: 'force-grace-quit',
  severity: 'error',
  title: 'force_grace_quit on where pods should drain',
  check(w, input): Draft | undefined {
    if (!drainExpected(w, input) || w.settings.global.forceGraceQuit.value) return undefined
    const s = w.settings.global
    return {
      severity: 'error',
      found: `force_grace_quit is off (${s.forceGraceQuit.source === 'default' ? 'the default' : `set in ${s.forceGraceQuit.source}`}) on a ${w.role === 'edge' ? 'edge' : 'draining workload'}`,
      why: 'Kubernetes sends SIGTERM when a pod is deleted; without force_grace_quit SRS takes it as a fast quit and cuts every stream',
      fix: confOrEnv(w, [
        ['grace_start_wait', String(s.graceStartWaitMs.source === 'default' ? 700 : s.graceStartWaitMs.value)],
        ['grace_final_wait', String(s.graceFinalWaitMs.source === 'default' ? 800 : s.graceFinalWaitMs.value)],
        ['force_grace_quit', 'on'],
      ]),
    }
  },
}

/** Seconds a draining pod needs: signal tick + grace_start_wait + grace_final_wait + the drain budget. */
export function neededGraceSeconds(w: WorkloadModel, drainBudgetSeconds: number): number {
  const s = w.settings.global
  return SIGNAL_TICK_SECONDS + Math.ceil(s.graceStartWaitMs.value / 1000) + Math.ceil(s.graceFinalWaitMs.value / 1000) + drainBudgetSeconds
}

export const gracePeriodRule: Rule = {
  id: 'grace-period',
  severity: 'warning',
  title: 'terminationGracePeriodSeconds covers the drain',
  check(w, input, opts): Draft | undefined {
    if (!drainExpected(w, input)) return undefined
    const needed = neededGraceSeconds(w, opts.drainBudgetSeconds)
    const have = w.terminationGracePeriodSeconds
    if (have >= needed) return undefined
    const s = w.settings.global
    const suggest = Math.max(120, Math.ceil(needed / 60) * 60)
    return {
      severity: 'warning',
      found: `terminationGracePeriodSeconds is ${have}s; draining needs at least ${needed}s (1s signal tick + grace_start_wait ${s.graceStartWaitMs.value}ms + grace_final_wait ${s.graceFinalWaitMs.value}ms + ${opts.drainBudgetSeconds}s drain budget)`,
      why: 'when the grace period runs out the kubelet sends SIGKILL and every client still connected is cut mid-drain',
      fix: `# pod template of ${w.kind.toLowerCase()}/${w.name}\nspec:\n  template:\n    spec:\n      terminationGracePeriodSeconds: ${suggest}`,
    }
  },
}

/**
 * Whether SRS drains on an image tag's version: 4.0 does (the guide's edges), 5.0 never
 * (SRS issue 3805), 6.0 from 6.0.132 (SRS PR 4102); SRS 3 only by the guide's word.
 */
export function drainSupport(tag: string): 'works' | 'broken' | 'unverified' | 'unknown' {
  const major = majorFromTag(tag)
  if (major === 4) return 'works'
  if (major === 5) return 'broken'
  if (major === 6) {
    const patch = /^v?6\.0\.(\d+)/.exec(tag)
    if (patch) return Number(patch[1]) >= 132 ? 'works' : 'broken'
    // 6.0 pre-release tags: v6.0-d6 (2024-07-04) is the first to contain the fix, then a*, b*, r*.
    const dev = /^v?6\.0-d(\d+)$/.exec(tag)
    if (dev) return Number(dev[1]) >= 6 ? 'works' : 'broken'
    if (/^v?6\.0-[abr]\d+$/.test(tag)) return 'works'
    return 'unknown'
  }
  if (major === 3) return 'unverified'
  return 'unknown'
}

export const drainVersionRule: Rule = {
  id: 'drain-version',
  severity: 'error',
  title: 'an SRS version whose graceful quit works',
  check(w, input): Draft | undefined {
    if (!drainExpected(w, input)) return undefined
    const tag = imageTag(w.image)
    const support = drainSupport(tag)
    const fix = `# 4.0 and 6.0 from 6.0.132 drain; 5.0 never does\nimage: ${withTag(w.image, 'v6.0.155')}`
    if (support === 'broken') {
      return {
        severity: 'error',
        found: `image ${w.image} runs an SRS without a working graceful quit (5.0, and 6.0 before 6.0.132)`,
        why: 'on these versions SIGQUIT and SIGTERM end SRS within about a second and drop every client, whatever the grace settings',
        fix,
      }
    }
    if (support === 'unverified') {
      return {
        severity: 'info',
        found: `image ${w.image} is SRS 3: only the guide says its graceful quit works (v3.0-b1); doctor has no other source for 3.x`,
        why: 'a drain nobody has checked on this version may cut streams on the next rolling update',
        fix: `# verify by deleting a pod with a player attached, or move to a version tested to drain\nimage: ${withTag(w.image, 'v4.0.271')}`,
      }
    }
    return undefined
  },
}
