/** The origin lease's writes: a renewal still in flight must never land after release or abandon. */
import {describe, expect, test} from '@jest/globals'
import type {KubeClient} from '../../../src/lib/kube/client.js'
import {OriginLease} from '../../../src/lib/srs/lease.js'
import {LEASE_ANNOTATION} from '../../../src/lib/vocabulary.js'

/** Just enough of KubeClient for the lease: the anchor's annotation, and patches that take a while (a loaded apiserver). */
function slowAnchor(delaysMs: number[]) {
  let annotation: string | null = null
  const kube = {
    async get() {
      return {metadata: {resourceVersion: '1', annotations: annotation === null ? {} : {[LEASE_ANNOTATION]: annotation}}}
    },
    async patch(_res: unknown, _name: string, body: {metadata: {annotations: Record<string, string | null>}}) {
      await new Promise((r) => setTimeout(r, delaysMs.shift() ?? 0))
      annotation = body.metadata.annotations[LEASE_ANNOTATION]!
      return {}
    },
  }
  return {kube: kube as unknown as KubeClient, annotation: () => annotation}
}

describe('OriginLease', () => {
  test('release waits for a slow renewal, so the annotation is gone at the end', async () => {
    const a = slowAnchor([0, 300, 0])
    const lease = new OriginLease(a.kube, 'ns', {kind: 'StatefulSet', name: 'srs-origin'})
    await lease.acquire('add', Date.now() + 1000, () => {})
    const renewing = lease.update({step: 1}) // its patch takes 300 ms
    await lease.release()
    await renewing
    expect(a.annotation()).toBeNull()
  })

  test('abandon keeps the target and the reload record, with a renew time that lets the next run take over at once', async () => {
    const a = slowAnchor([0, 300, 0])
    const lease = new OriginLease(a.kube, 'ns', {kind: 'StatefulSet', name: 'srs-origin'})
    await lease.acquire('add', Date.now() + 1000, () => {})
    const renewing = lease.update({target: 4, reload: {writtenAt: 5, pods: {'srs-origin-0': {reloadId: 'r1', service: 's1'}}}})
    await lease.abandon()
    await renewing
    const record = JSON.parse(a.annotation()!)
    expect(record).toMatchObject({op: 'add', target: 4, reload: {writtenAt: 5, pods: {'srs-origin-0': {reloadId: 'r1'}}}, renewTime: new Date(0).toISOString()})
    // the next run of the same op takes it over, with the dead run's reload baseline
    const next = new OriginLease(a.kube, 'ns', {kind: 'StatefulSet', name: 'srs-origin'})
    expect(await next.acquire('add', Date.now() + 1000, () => {})).toMatchObject({target: 4, reload: {pods: {'srs-origin-0': {reloadId: 'r1', service: 's1'}}}})
    await next.release()
  })

  test('tryAcquire refuses a live holder, naming it and when its lease expires', async () => {
    const a = slowAnchor([])
    const origin = new OriginLease(a.kube, 'ns', {kind: 'StatefulSet', name: 'srs-origin'})
    await origin.acquire('add', Date.now() + 1000, () => {})
    const renewTime = JSON.parse(a.annotation()!).renewTime as string
    const reload = new OriginLease(a.kube, 'ns', {kind: 'StatefulSet', name: 'srs-origin'})
    await expect(reload.tryAcquire('reload')).rejects.toMatchObject({
      message: `another kubectl srs add-origin run (${origin.holder}) is changing statefulset/srs-origin: its lease expires at ${new Date(Date.parse(renewTime) + 15_000).toISOString()} unless renewed`,
      exitCode: 1,
      reason: 'Locked',
    })
    await origin.release()
    await reload.tryAcquire('reload')
    expect(JSON.parse(a.annotation()!)).toMatchObject({holder: reload.holder, op: 'reload'})
    await reload.release()
    expect(a.annotation()).toBeNull()
  })

  test('a reload that finds a stopped origin change puts its record back, so the next run of that change still finishes it', async () => {
    const a = slowAnchor([])
    const stopped = new OriginLease(a.kube, 'ns', {kind: 'StatefulSet', name: 'srs-origin'})
    await stopped.acquire('remove', Date.now() + 1000, () => {})
    await stopped.update({target: 2, step: 3})
    await stopped.abandon()
    const reload = new OriginLease(a.kube, 'ns', {kind: 'StatefulSet', name: 'srs-origin'})
    await reload.tryAcquire('reload')
    expect(JSON.parse(a.annotation()!)).toMatchObject({op: 'reload', unfinished: {holder: stopped.holder, op: 'remove', target: 2}})
    await reload.release()
    const next = new OriginLease(a.kube, 'ns', {kind: 'StatefulSet', name: 'srs-origin'})
    expect(await next.acquire('remove', Date.now() + 1000, () => {})).toMatchObject({op: 'remove', target: 2})
    await next.release()
  })
})
