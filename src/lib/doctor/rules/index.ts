/** The doctor's rules, in the order findings are listed for a workload. */
import type {Rule} from '../types.js'
import {driftRule} from './drift.js'
import {apiPortExposedRule, networkPolicyRule} from './exposure.js'
import {drainVersionRule, edgePreStopRule, forceGraceQuitRule, gracePeriodRule} from './graceful.js'
import {hlsCleanupRule} from './hls.js'
import {floatingTagRule} from './image.js'
import {probesRule} from './probes.js'
import {inotifyReloadRule, rawApiReloadRule} from './reload.js'
import {resourcesRule} from './resources.js'
import {webrtcAffinityRule} from './webrtc.js'

export const RULES: readonly Rule[] = [
  resourcesRule,
  probesRule,
  edgePreStopRule,
  gracePeriodRule,
  forceGraceQuitRule,
  drainVersionRule,
  inotifyReloadRule,
  rawApiReloadRule,
  driftRule,
  apiPortExposedRule,
  floatingTagRule,
  networkPolicyRule,
  hlsCleanupRule,
  webrtcAffinityRule,
]

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id)
