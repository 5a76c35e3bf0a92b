/**
 * One change at a time per SRS cluster (add-origin, remove-origin, sync-origins, reload), and a
 * record of what an interrupted origin change was doing.
 *
 * The lease is an annotation on the anchor workload (the origin StatefulSet, or the lowest origin
 * Deployment), written with the object's resourceVersion so two runs cannot both take it. The
 * holder renews it every few seconds; a lease not renewed for LEASE_STALE_MS belongs to a run that
 * died, and the next run of the same operation takes it over and finishes that run's target
 * instead of adding (or removing) more. A second origin change started while the first is alive
 * waits for it, then plans from what the first one left: two `add-origin` at once add two
 * origins. A reload does not wait: it refuses, naming the holder (tryAcquire).
 */
import {randomBytes} from 'node:crypto'
import {isConflict, SrsError, TimeoutError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {ObjectMeta} from '../kube/types.js'
import {LEASE_ANNOTATION} from '../vocabulary.js'
import {sleep} from '../util.js'
import type {OriginOp} from '../origin/plan.js'
import type {OriginCluster} from './topology.js'

/** What a lease holder is doing: an origin change, or a reload. */
export type LeaseOp = OriginOp | 'reload'

export const LEASE_STALE_MS = 15_000
const RENEW_MS = 4000

export interface LeaseRecord {
  holder: string
  op: LeaseOp
  /** Origin count the holder is going to, once planned. */
  target?: number
  /** Last completed step (1-based), for people reading the annotation. */
  step?: number
  /**
   * The reload ids the SRS pods had before the first ConfigMap write of this change, and when it
   * was written: a run that takes over confirms reloads against these, not against ids read after
   * the dead run's write (a pod that reloaded before the takeover would never be confirmed).
   */
  reload?: ReloadRecord
  /** A reload's: the record of the stopped origin change it found, put back when it is done. */
  unfinished?: LeaseRecord
  renewTime: string
}

export interface ReloadRecord {
  writtenAt?: number
  pods: Record<string, {reloadId?: string; service?: string}>
}

export interface LeaseAnchor {
  kind: 'StatefulSet' | 'Deployment'
  name: string
}

/** The command a holder runs, as a user types it. */
export function leaseCommand(op: LeaseOp): string {
  return op === 'reload' ? 'reload' : op === 'sync' ? 'sync-origins' : `${op}-origin`
}

/** The workload that carries an origin cluster's lease: its StatefulSet, or its lowest origin Deployment. */
export function clusterLeaseAnchor(cluster: OriginCluster): LeaseAnchor {
  if (cluster.mode === 'statefulset') return {kind: 'StatefulSet', name: cluster.workloads[0]!}
  const lowest = [...cluster.members].sort((a, b) => a.ordinal - b.ordinal)[0]
  return {kind: 'Deployment', name: lowest?.workload ?? [...cluster.workloads].sort()[0]!}
}

/** When a live holder's lease goes stale if it stops renewing it (ISO time). */
export function leaseExpiry(lease: LeaseRecord): string {
  const t = Date.parse(lease.renewTime)
  return new Date((Number.isFinite(t) ? t : 0) + LEASE_STALE_MS).toISOString()
}

function parseLease(value: string | undefined): LeaseRecord | undefined {
  if (!value) return undefined
  try {
    const v = JSON.parse(value) as LeaseRecord
    return typeof v.holder === 'string' && typeof v.renewTime === 'string' ? v : undefined
  } catch {
    return undefined
  }
}

function isStale(lease: LeaseRecord, nowMs: number): boolean {
  const t = Date.parse(lease.renewTime)
  return !Number.isFinite(t) || nowMs - t > LEASE_STALE_MS
}

export class OriginLease {
  readonly holder = randomBytes(4).toString('hex')
  private timer?: NodeJS.Timeout
  private record?: LeaseRecord
  /** Writes go one after the other: a renewal still in flight must not land after release(). */
  private writes: Promise<void> = Promise.resolve()

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly anchor: LeaseAnchor,
  ) {}

  private res() {
    return this.anchor.kind === 'StatefulSet' ? Resources.statefulsets : Resources.deployments
  }

  /**
   * Takes the lease, waiting while another live run holds it. Returns the lease of a dead run of
   * the same operation when it was taken over (its target is to be finished), else undefined.
   */
  async acquire(op: OriginOp, deadline: number, onWait: (other: LeaseRecord) => void): Promise<LeaseRecord | undefined> {
    let told = false
    for (;;) {
      const attempt = await this.attempt(op)
      if (attempt.taken) return attempt.taken.record
      const current = attempt.heldBy
      if (!told) onWait(current)
      told = true
      if (Date.now() > deadline) {
        throw new TimeoutError(`another kubectl srs ${leaseCommand(current.op)} run (${current.holder}) is still changing ${this.anchor.name}`, 'wait for it to finish, or raise --timeout')
      }
      await sleep(1000)
    }
  }

  /** Takes the lease for `op` now, or refuses (exit 1) naming the live holder and when its lease expires. */
  async tryAcquire(op: LeaseOp): Promise<void> {
    const attempt = await this.attempt(op)
    if (attempt.taken) return
    const other = attempt.heldBy
    throw new SrsError(`another kubectl srs ${leaseCommand(other.op)} run (${other.holder}) is changing ${this.anchor.kind.toLowerCase()}/${this.anchor.name}: its lease expires at ${leaseExpiry(other)} unless renewed`, {
      reason: 'Locked',
      hint: `wait for it to finish (it renews the lease every ${RENEW_MS / 1000} s while it runs), then run ${leaseCommand(op)} again`,
    })
  }

  /**
   * One try at the lease: taken (with the dead run's record it took over, when of the same op), or
   * the live holder. A reload that finds the record of an origin change that stopped before its
   * target keeps it (`unfinished`) and puts it back when it is done: the next run of that command
   * still finishes the change (a stopped remove-origin says to reload, then run it again).
   */
  private async attempt(op: LeaseOp): Promise<{taken: {record?: LeaseRecord}; heldBy?: undefined} | {taken?: undefined; heldBy: LeaseRecord}> {
    for (;;) {
      const obj = await this.kube.get<{metadata: ObjectMeta}>(this.res(), this.anchor.name, this.namespace)
      const current = parseLease(obj.metadata.annotations?.[LEASE_ANNOTATION])
      if (current && current.holder !== this.holder && !isStale(current, Date.now())) return {heldBy: current}
      const dead = current && current.holder !== this.holder ? (current.unfinished ?? current) : undefined
      const taken = dead && dead.op === op && dead.target !== undefined ? dead : undefined
      const unfinished = op === 'reload' && dead && dead.op !== 'reload' && dead.target !== undefined ? dead : undefined
      const record: LeaseRecord = {holder: this.holder, op, target: taken?.target, reload: taken?.reload, unfinished, renewTime: new Date().toISOString()}
      try {
        await this.write(record, obj.metadata.resourceVersion)
      } catch (error) {
        if (isConflict(error)) continue
        throw error
      }
      this.record = record
      this.timer = setInterval(() => void this.renew().catch(() => {}), RENEW_MS)
      this.timer.unref()
      return {taken: {record: taken}}
    }
  }

  async update(fields: Partial<Pick<LeaseRecord, 'target' | 'step' | 'reload'>>): Promise<void> {
    if (!this.record) return
    this.record = {...this.record, ...fields}
    await this.renew()
  }

  private renew(): Promise<void> {
    return this.serial(async () => {
      if (!this.record) return // released or abandoned while this renewal waited
      this.record = {...this.record, renewTime: new Date().toISOString()}
      await this.write(this.record)
    })
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.writes.then(fn)
    this.writes = next.catch(() => {})
    return next
  }

  /** Done: the annotation goes away (or back to the stopped origin change a reload found). */
  async release(): Promise<void> {
    this.stopRenewing()
    if (!this.record) return
    const unfinished = this.record.unfinished
    this.record = undefined
    await this.serial(async () => {
      if (unfinished) await this.write({...unfinished, renewTime: new Date(0).toISOString()})
      else await this.kube.patch(this.res(), this.anchor.name, {metadata: {annotations: {[LEASE_ANNOTATION]: null}}}, 'merge', this.namespace)
    })
  }

  /** Interrupted on purpose: keep the record of the target, but let the next run take over at once. */
  async abandon(): Promise<void> {
    this.stopRenewing()
    if (!this.record) return
    const record = {...this.record, renewTime: new Date(0).toISOString()}
    this.record = undefined
    await this.serial(() => this.write(record))
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  private async write(record: LeaseRecord, resourceVersion?: string): Promise<void> {
    const metadata: Record<string, unknown> = {annotations: {[LEASE_ANNOTATION]: JSON.stringify(record)}}
    if (resourceVersion) metadata.resourceVersion = resourceVersion
    await this.kube.patch(this.res(), this.anchor.name, {metadata}, 'merge', this.namespace)
  }
}
