/**
 * One origin change at a time per cluster, and a record of what an interrupted one was doing.
 *
 * The lease is an annotation on the anchor workload (the origin StatefulSet, or the lowest origin
 * Deployment), written with the object's resourceVersion so two runs cannot both take it. The
 * holder renews it every few seconds; a lease not renewed for LEASE_STALE_MS belongs to a run that
 * died, and the next run of the same operation takes it over and finishes that run's target
 * instead of adding (or removing) more. A second run started while the first is alive waits for
 * it, then plans from what the first one left: two `add-origin` at once add two origins.
 */
import {randomBytes} from 'node:crypto'
import {isConflict, TimeoutError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import type {ObjectMeta} from '../kube/types.js'
import {LEASE_ANNOTATION} from '../vocabulary.js'
import {sleep} from '../util.js'
import type {OriginOp} from './plan.js'

export const LEASE_STALE_MS = 15_000
const RENEW_MS = 4000

export interface LeaseRecord {
  holder: string
  op: OriginOp
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
      const obj = await this.kube.get<{metadata: ObjectMeta}>(this.res(), this.anchor.name, this.namespace)
      const current = parseLease(obj.metadata.annotations?.[LEASE_ANNOTATION])
      if (current && current.holder !== this.holder && !isStale(current, Date.now())) {
        if (!told) onWait(current)
        told = true
        if (Date.now() > deadline) {
          throw new TimeoutError(`another kubectl srs ${current.op}-origin run (${current.holder}) is still changing ${this.anchor.name}`, 'wait for it to finish, or raise --timeout')
        }
        await sleep(1000)
        continue
      }
      const taken = current && current.op === op && current.target !== undefined ? current : undefined
      const record: LeaseRecord = {holder: this.holder, op, target: taken?.target, reload: taken?.reload, renewTime: new Date().toISOString()}
      try {
        await this.write(record, obj.metadata.resourceVersion)
      } catch (error) {
        if (isConflict(error)) continue
        throw error
      }
      this.record = record
      this.timer = setInterval(() => void this.renew().catch(() => {}), RENEW_MS)
      this.timer.unref()
      return taken
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

  /** Done: the annotation goes away. */
  async release(): Promise<void> {
    this.stopRenewing()
    if (!this.record) return
    this.record = undefined
    await this.serial(async () => {
      await this.kube.patch(this.res(), this.anchor.name, {metadata: {annotations: {[LEASE_ANNOTATION]: null}}}, 'merge', this.namespace)
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
