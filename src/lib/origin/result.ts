/** What add-origin, remove-origin and sync-origins return (-o json/yaml print it; render.ts renders it). Types only. */
import type {PodReloadReport} from '../reload/confirm.js'
import type {ConfigMapWrite, StepReport} from './execute.js'
import type {OriginOp, OriginScalePlan} from './plan.js'

export type OriginOutcome = 'applied' | 'pending' | 'stopped' | 'planned' | 'in-sync' | 'drift'

export interface OriginChangeResult {
  kind: 'SrsOriginChange'
  op: OriginOp
  namespace: string
  outcome: OriginOutcome
  cluster: OriginScalePlan['cluster']
  from: number
  to: number
  /** Hosts as the lists name them (srs-origin-3.socs). */
  added: string[]
  removed: string[]
  dryRun: boolean
  resumed: boolean
  plan: {step: number; kind: string; description: string}[]
  steps: StepReport[]
  configMaps: (ConfigMapWrite | {configMap: string; key: string; list: string; listBefore: string[]; listAfter: string[]; changed: boolean})[]
  pods: PodReloadReport[]
  warnings: string[]
  notes: string[]
  stoppedAt?: {step: number; reason: string}
  /** The commands that finish the change when pods are left pending or the run stopped. */
  next: string[]
  /** --dry-run: the objects as they would be written. */
  objects?: object[]
}
