/**
 * The canary, promote and rollback plans against the guide's topologies (test/topologies): end
 * states, weights and rounding, StatefulSet partitions, refusals, and re-runs: the plan made
 * from the state each step leaves is the rest of the plan, and a no-op at the end.
 */
import {describe, expect, test} from '@jest/globals'
import type {Deployment, HorizontalPodAutoscaler, Pod, StatefulSet} from '../../../src/lib/kube/types.js'
import type {RolloutWrite} from '../../../src/lib/rollout/patches.js'
import {planAbort, planCanary, planPromote, planUndo, type CanaryRequest, type RolloutStep} from '../../../src/lib/rollout/plan.js'
import {versionDrains} from '../../../src/lib/handoff/refusal.js'
import {handOffRefusal} from '../../../src/lib/rollout/handoff-refusal.js'
import {targetFrom, type RolloutTarget} from '../../../src/lib/rollout/target.js'
import type {ObservedObjects} from '../../../src/lib/srs/topology.js'
import {loadTopology} from '../../helpers/topologies.js'

const EDGES = ['origin-cluster.yaml', 'edge-cluster.yaml']

function edges(replicas: number): ObservedObjects {
  const objs = loadTopology(...EDGES)
  const d = objs.deployments.find((x) => x.metadata.name === 'srs-edge-deploy')!
  d.spec.replicas = replicas
  settle(objs)
  return objs
}

/** Every Deployment rolled out as its spec says (what the controller does between two runs). */
function settle(objs: ObservedObjects): void {
  for (const d of objs.deployments) {
    d.metadata.generation = d.metadata.generation ?? 1
    const n = d.spec.replicas ?? 1
    d.status = {observedGeneration: d.metadata.generation, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n}
  }
}

const edge = (objs: ObservedObjects): Deployment => objs.deployments.find((d) => d.metadata.name === 'srs-edge-deploy')!

function target(objs: ObservedObjects, name: string, hpas: HorizontalPodAutoscaler[] = []): RolloutTarget {
  return targetFrom('live', objs, hpas, name)
}

function canary(objs: ObservedObjects, req: Partial<CanaryRequest> & {percent: number}, name = 'srs-edge-deploy') {
  return planCanary(target(objs, name), {force: false, to: 'v4.0.6', ...req})
}

/** RFC 7386 merge, and for strategic patches lists of named objects merged by name. */
function merge(into: unknown, patch: unknown, strategic: boolean): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    if (strategic && Array.isArray(patch) && Array.isArray(into) && patch.every((p) => p && typeof p === 'object' && 'name' in p)) {
      const out = structuredClone(into) as {name: string}[]
      for (const p of patch as {name: string}[]) {
        const i = out.findIndex((o) => o.name === p.name)
        if (i < 0) out.push(p)
        else out[i] = merge(out[i], p, strategic) as {name: string}
      }
      return out
    }
    return patch
  }
  const out: Record<string, unknown> = into && typeof into === 'object' && !Array.isArray(into) ? {...(into as Record<string, unknown>)} : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = merge(out[k], v, strategic)
  }
  return out
}

/** What the apiserver makes of a step's writes (pods aside), then the controllers settle. */
function apply(objs: ObservedObjects, writes: RolloutWrite[]): void {
  for (const w of writes) {
    if (w.op === 'create') objs.deployments.push(structuredClone(w.body))
    else if (w.op === 'delete') objs.deployments = objs.deployments.filter((d) => d.metadata.name !== w.name)
    else if (w.resource === 'deployments' || w.resource === 'statefulsets') {
      const list: (Deployment | StatefulSet)[] = w.resource === 'deployments' ? objs.deployments : objs.statefulsets
      const i = list.findIndex((o) => o.metadata.name === w.name)
      if (w.type === 'json') {
        for (const op of w.body as {path: string; value: unknown}[]) {
          const [, a, b] = op.path.split('/') as [string, 'spec' | 'metadata', string]
          ;(list[i]![a] as Record<string, unknown>)[b] = op.value
        }
      } else list[i] = merge(list[i], w.body, w.type === 'strategic') as Deployment & StatefulSet
    }
  }
  settle(objs)
}

const ends = (steps: RolloutStep[]) => steps.filter((s) => s.counted).map((s) => [s.kind, s.end])

describe('planCanary on the guide edge Deployment', () => {
  test('4 edges at 25 %: the canary grows first (verified), then the stable shrinks (drained); end states and weights', () => {
    const plan = canary(edges(4), {percent: 25})
    expect(plan.refusals).toEqual([])
    expect(plan.split).toEqual({total: 4, canary: 1, stable: 3, requestedWeight: 25, effectiveWeight: 25})
    expect(ends(plan.steps)).toEqual([
      ['create-canary', {stable: 4, canary: 0, weight: 0}],
      ['scale-canary', {stable: 4, canary: 1, weight: 20}],
      ['scale-stable', {stable: 3, canary: 1, weight: 25}],
    ])
    const [, , grow, shrink] = plan.steps
    expect(grow!.waitBeforeDone).toEqual([{kind: 'verified', what: 'canary srs-edge-deploy-canary', selector: 'app=srs-edge,srs.kubectl.io/track=canary', count: 1, image: 'ossrs/srs:v4.0.6'}])
    expect(shrink!.drains).toEqual({track: 'stable', selector: 'app=srs-edge,srs.kubectl.io/track!=canary', cannotDrain: undefined})
    expect(shrink!.waitAfterDone).toEqual([{kind: 'drained', what: 'stable srs-edge-deploy', selector: 'app=srs-edge,srs.kubectl.io/track!=canary', remaining: 3}])
    // the plan's constants are written before any step, and are no step of their own
    expect(plan.steps[0]).toMatchObject({kind: 'record-plan', counted: false})
    expect(plan.steps[0]!.writes[0]).toMatchObject({op: 'patch', name: 'srs-edge-deploy', body: {metadata: {annotations: {'srs.kubectl.io/total-replicas': '4', 'srs.kubectl.io/stable-image': 'ossrs/srs:v4.0.5'}}}})
  })

  test.each([
    // replicas, percent, canary, stable, effective weight: nearest pod, one pod on each side
    [3, 25, 1, 2, 33.3],
    [3, 75, 2, 1, 66.7],
    [10, 12, 1, 9, 10],
    [10, 15, 2, 8, 20],
    [1, 50, 1, 1, 50],
  ])('%i edges at %i %%: %i canary + %i stable (%f %%), ending there', (replicas, percent, c, s, weight) => {
    const plan = canary(edges(replicas), {percent})
    expect(plan.split).toMatchObject({canary: c, stable: s, effectiveWeight: weight})
    expect(plan.steps.at(-1)!.end).toEqual({stable: s, canary: c, weight})
  })

  test('re-runs: the plan from the state each step leaves is the rest of the plan; at the end it changes nothing', () => {
    for (const [from, moves] of [
      [4, [25, 75, 0]],
      [3, [34, 67, 100, 50]],
    ] as const) {
      const objs = edges(from)
      for (const percent of moves) {
        const plan = canary(objs, {percent})
        const counted = plan.steps.filter((s) => s.counted)
        for (let k = 0; k < plan.steps.length; k++) {
          apply(objs, plan.steps[k]!.writes)
          const again = canary(objs, {percent}).steps.filter((s) => s.counted)
          const left = plan.steps.slice(k + 1).filter((s) => s.counted)
          expect(again.map((s) => [s.description, s.end])).toEqual(left.map((s) => [s.description, s.end]))
        }
        const stable = objs.deployments.find((d) => d.metadata.name === 'srs-edge-deploy')!
        const can = objs.deployments.find((d) => d.metadata.name === 'srs-edge-deploy-canary')!
        expect([stable.spec.replicas, can.spec.replicas]).toEqual([plan.split.stable, plan.split.canary])
        expect(counted.at(-1)?.end ?? {stable: stable.spec.replicas, canary: can.spec.replicas}).toMatchObject({stable: plan.split.stable, canary: plan.split.canary})
      }
    }
  })

  test('moving down (75 % → 25 %): the stable grows first (verified), then the canary drains', () => {
    const objs = edges(4)
    for (const s of canary(objs, {percent: 75}).steps) apply(objs, s.writes)
    const down = canary(objs, {percent: 25})
    expect(ends(down.steps)).toEqual([
      ['scale-stable', {stable: 3, canary: 3, weight: 50}],
      ['scale-canary', {stable: 3, canary: 1, weight: 25}],
    ])
    expect(down.steps[1]!.waitBeforeDone?.[0]).toMatchObject({kind: 'verified', count: 3, image: 'ossrs/srs:v4.0.5'})
    expect(down.steps[2]!.drains?.track).toBe('canary')
  })

  test('SRS 5 cannot drain: the shrinking step says why', () => {
    const objs = edges(3)
    edge(objs).spec.template.spec.containers[0]!.image = 'ossrs/srs:v5.0.213'
    const plan = canary(objs, {percent: 34, to: 'v6.0.155'})
    expect(plan.steps.find((s) => s.drains)!.drains!.cannotDrain).toMatch(/SRS 5.x has no working graceful quit/)
  })

  test('refusals are values, in the order the command reports them', () => {
    const objs = edges(4)
    const hpa = {metadata: {name: 'edge-hpa'}, spec: {scaleTargetRef: {kind: 'Deployment', name: 'srs-edge-deploy'}}} as HorizontalPodAutoscaler
    expect(planCanary(target(objs, 'srs-edge-deploy', [hpa]), {percent: 25, to: 'v4.0.6', force: false}).refusals[0]).toMatchObject({reason: 'Refused', exitCode: 1, message: expect.stringContaining('HorizontalPodAutoscaler edge-hpa')})

    for (const s of canary(objs, {percent: 25}).steps) apply(objs, s.writes)
    const other = canary(objs, {percent: 50, to: 'v6.0.155'})
    expect(other.refusals.map((r) => r.message)).toEqual(['a canary of ossrs/srs:v4.0.6 is already running (srs-edge-deploy-canary); this asks for ossrs/srs:v6.0.155'])
    expect(canary(objs, {percent: 50, to: 'v6.0.155', force: true}).refusals).toEqual([])

    edge(objs).metadata.generation = 7
    expect(canary(objs, {percent: 50}).refusals.map((r) => r.message)).toEqual(['Deployment srs-edge-deploy is still rolling out'])
  })

  test('WebRTC behind a Service without session affinity is refused for a Deployment', () => {
    const objs = edges(2)
    const cm = objs.configMaps.find((c) => c.metadata.name === 'srs-edge-config')!
    cm.data!['srs.conf'] = `${cm.data!['srs.conf']}\nrtc_server { enabled on; listen 8000; }\nvhost rtc.example { rtc { enabled on; } }\n`
    expect(canary(objs, {percent: 50}).refusals[0]!.message).toMatch(/WebRTC is enabled .* Service srs-edge-service has no session affinity/)
    objs.services.find((s) => s.metadata.name === 'srs-edge-service')!.spec.sessionAffinity = 'ClientIP'
    expect(canary(objs, {percent: 50}).refusals).toEqual([])
  })
})

describe('planCanary on the guide origin StatefulSet', () => {
  const origins = () => loadTopology('origin-cluster.yaml')

  test.each([
    // percent, partition, canary ordinals
    [34, 2, 1],
    [50, 1, 2],
    [67, 1, 2],
    [100, 0, 3],
    [0, 3, 0],
  ])('%i %% of 3 origins: partition %i, %i canary ordinals', (percent, partition, canaryOrdinals) => {
    const plan = canary(origins(), {percent}, 'srs-origin')
    expect(plan.kind).toBe('StatefulSet')
    expect(ends(plan.steps)).toEqual([['set-partition', {stable: partition, canary: canaryOrdinals, weight: Math.round((1000 * canaryOrdinals) / 3) / 10, partition}]])
    expect(plan.steps[0]!.writes[0]).toMatchObject({resource: 'statefulsets', type: 'strategic', body: {spec: {updateStrategy: {rollingUpdate: {partition}}}}})
    expect(plan.canary).toBe(`srs-origin ordinals >= ${partition}`)
  })

  test('re-run: the same partition again is the same one idempotent write; promote then sets partition 0', () => {
    const objs = origins()
    const first = canary(objs, {percent: 34}, 'srs-origin')
    apply(objs, first.steps[0]!.writes)
    const again = canary(objs, {percent: 34}, 'srs-origin')
    expect(again.refusals).toEqual([])
    expect(again.steps[0]!.writes).toEqual(first.steps[0]!.writes)
    const promote = planPromote(target(objs, 'srs-origin'))
    expect(promote.refusals).toEqual([])
    expect(ends(promote.steps)).toEqual([['set-partition', {stable: 0, canary: 3, weight: 100, partition: 0}]])
    apply(objs, promote.steps[0]!.writes)
    expect(planPromote(target(objs, 'srs-origin')).refusals.map((r) => r.reason)).toEqual(['NoCanary'])
  })

  test('OnDelete refuses only applying; a second canary of another image is refused', () => {
    const objs = origins()
    objs.statefulsets[0]!.spec.updateStrategy = {type: 'OnDelete'}
    expect(canary(objs, {percent: 34}, 'srs-origin').refusals).toEqual([expect.objectContaining({whenApplying: true, message: 'StatefulSet srs-origin uses the OnDelete update strategy'})])
    const running = origins()
    apply(running, canary(running, {percent: 34}, 'srs-origin').steps[0]!.writes)
    expect(canary(running, {percent: 67, to: 'v6.0.155'}, 'srs-origin').refusals[0]!.message).toBe('a canary of ossrs/srs:v4.0.6 is already running on srs-origin (partition 2)')
  })
})

describe('planPromote and planAbort on the edge Deployment', () => {
  function withCanary(replicas: number, percent: number): ObservedObjects {
    const objs = edges(replicas)
    for (const s of canary(objs, {percent}).steps) apply(objs, s.writes)
    return objs
  }

  test('promote: rolling update at the current size, back to the total, then the canary drains and goes', () => {
    const objs = withCanary(4, 25)
    const plan = promoteOf(objs)
    expect(plan.refusals).toEqual([])
    expect(plan.steps.map((s) => [s.description, s.end])).toEqual([
      ['update srs-edge-deploy to ossrs/srs:v4.0.6 (rolling, 3 pods)', {stable: 3, canary: 1, weight: 25}],
      ['scale srs-edge-deploy to 4', {stable: 4, canary: 1, weight: 20}],
      ['scale srs-edge-deploy-canary to 0', {stable: 4, canary: 0, weight: 0}],
      ['delete srs-edge-deploy-canary', {stable: 4, canary: 0, weight: 0}],
    ])
    expect(plan.steps[0]!.drains?.track).toBe('stable')
    expect(plan.steps[2]!.waitAfterDone).toEqual([{kind: 'drained', what: 'canary srs-edge-deploy-canary', selector: 'app=srs-edge,srs.kubectl.io/track=canary', remaining: 0}])
    for (const s of plan.steps) apply(objs, s.writes)
    const stable = objs.deployments.find((d) => d.metadata.name === 'srs-edge-deploy')!
    expect(objs.deployments.map((d) => d.metadata.name).filter((n) => n.startsWith('srs-edge'))).toEqual(['srs-edge-deploy'])
    expect([stable.spec.replicas, stable.spec.template.spec.containers[0]!.image]).toEqual([4, 'ossrs/srs:v4.0.6'])
    expect(Object.keys(stable.metadata.annotations ?? {}).filter((k) => k.startsWith('srs.kubectl.io/'))).toEqual([])
    expect(promoteOf(objs).refusals.map((r) => r.reason)).toEqual(['NoCanary'])
  })

  test('abort: the stable grows back to the total first (verified), then the canary drains and goes; then there is nothing to abort', () => {
    const objs = withCanary(3, 67)
    const plan = planAbort(target(objs, 'srs-edge-deploy'))!
    expect(plan.steps.map((s) => [s.description, s.end])).toEqual([
      ['scale srs-edge-deploy to 3', {stable: 3, canary: 2, weight: 40}],
      ['scale srs-edge-deploy-canary to 0', {stable: 3, canary: 0, weight: 0}],
      ['delete srs-edge-deploy-canary', {stable: 3, canary: 0, weight: 0}],
    ])
    expect(plan.steps[0]!.waitAfterDone).toEqual([{kind: 'verified', what: 'stable srs-edge-deploy', selector: 'app=srs-edge,srs.kubectl.io/track!=canary', count: 3, image: 'ossrs/srs:v4.0.5'}])
    for (const s of plan.steps) apply(objs, s.writes)
    expect(planAbort(target(objs, 'srs-edge-deploy'))).toBeUndefined()
  })

  function promoteOf(objs: ObservedObjects) {
    return planPromote(target(objs, 'srs-edge-deploy'))
  }
})

describe('planUndo', () => {
  const revisions = [
    {revision: 1, image: 'ossrs/srs:v4.0.5', changeCause: null, current: false},
    {revision: 2, image: 'ossrs/srs:v4.0.6', changeCause: 'kubectl srs promote', current: true},
  ]

  test('the previous revision by default, a refusal for one that does not exist, a no-op for the current one', () => {
    const objs = edges(2)
    const d = edge(objs)
    d.metadata.uid = 'u1'
    const rs = {
      metadata: {name: 'rs1', annotations: {'deployment.kubernetes.io/revision': '1'}, ownerReferences: [{uid: 'u1', kind: 'Deployment', controller: true, name: 'srs-edge-deploy', apiVersion: 'apps/v1'}]},
      spec: {template: structuredClone(d.spec.template)},
    }
    const src = {revisions, replicaSets: [rs], controllerRevisions: []}
    const t = target(objs, 'srs-edge-deploy')
    const plan = planUndo(t, src, undefined)
    expect(plan.steps.map((s) => [s.listedAs, s.end])).toEqual([['roll back to revision 1', {stable: 2, canary: 0, weight: 0}]])
    expect(plan.steps[0]!.writes[0]).toMatchObject({op: 'patch', type: 'json'})
    expect(planUndo(t, src, 9).refusals).toEqual([{message: 'revision 9 of Deployment srs-edge-deploy not found', reason: 'NotFound', hint: 'list them with `kubectl srs rollback srs-edge-deploy --history`'}])
    expect(planUndo(t, src, 2)).toMatchObject({steps: [], refusals: [], message: 'skipped rollback: srs-edge-deploy already runs revision 2'})
  })
})

describe('least-loaded first: the pods that go, and the deletion costs that make the controller take them', () => {
  function pod(name: string, labels: Record<string, string>, image: string, ready = true): Pod {
    return {
      metadata: {name, namespace: 'live', labels},
      spec: {containers: [{name: 'srs', image}]},
      status: {phase: 'Running', conditions: [{type: 'Ready', status: ready ? 'True' : 'False'}]},
    }
  }
  const edgePod = (name: string, ready = true) => pod(name, {app: 'srs-edge'}, 'ossrs/srs:v4.0.5', ready)

  test('a Deployment scale-down takes the pods with the fewest viewers; costs rank every pod of the track and are restored', () => {
    const objs = edges(4)
    objs.pods.push(...['e0', 'e1', 'e2', 'e3'].map((n) => edgePod(n)))
    const plan = canary(objs, {percent: 25}, 'srs-edge-deploy')
    const noViewers = plan.steps.find((s) => s.drains)!
    expect(noViewers.leaving).toEqual([{pod: 'e0', viewers: null}])
    const withViewers = planCanary(
      target(objs, 'srs-edge-deploy'),
      {percent: 25, to: 'v4.0.6', force: false},
      new Map([
        ['e0', 5],
        ['e1', 0],
        ['e2', 3],
        ['e3', 2],
      ]),
    )
    const shrinkStep = withViewers.steps.find((s) => s.drains)!
    expect(shrinkStep.leaving).toEqual([{pod: 'e1', viewers: 0}])
    expect(shrinkStep.deletionCosts).toEqual({selector: 'app=srs-edge,srs.kubectl.io/track!=canary', order: ['e1', 'e3', 'e2', 'e0'], remaining: 3, restore: true})
    // growing steps take nobody away
    expect(withViewers.steps.filter((s) => !s.drains).every((s) => !s.leaving && !s.deletionCosts)).toBe(true)
  })

  test('a pod that is not Ready goes before an idle one, as the ReplicaSet controller ranks them', () => {
    const objs = edges(4)
    objs.pods.push(edgePod('e0'), edgePod('e1'), edgePod('e2', false), edgePod('e3'))
    const plan = planCanary(
      target(objs, 'srs-edge-deploy'),
      {percent: 50, to: 'v4.0.6', force: false},
      new Map([
        ['e0', 0],
        ['e1', 0],
        ['e2', 9],
        ['e3', 4],
      ]),
    )
    expect(plan.steps.find((s) => s.drains)!.leaving).toEqual([
      {pod: 'e2', viewers: 9},
      {pod: 'e0', viewers: 0},
    ])
  })

  test('promote: the rolling update takes every old pod, fewest viewers first (costs kept: they all go); the canary goes whole (no costs)', () => {
    const objs = edges(3)
    for (const s of canary(objs, {percent: 34}).steps) apply(objs, s.writes)
    objs.pods.push(edgePod('s0'), edgePod('s1'), pod('c0', {app: 'srs-edge', 'srs.kubectl.io/track': 'canary'}, 'ossrs/srs:v4.0.6'))
    const plan = planPromote(
      target(objs, 'srs-edge-deploy'),
      new Map([
        ['s0', 4],
        ['s1', 1],
        ['c0', 2],
      ]),
    )
    expect(plan.steps[0]!.leaving).toEqual([
      {pod: 's1', viewers: 1},
      {pod: 's0', viewers: 4},
    ])
    expect(plan.steps[0]!.deletionCosts).toMatchObject({order: ['s1', 's0'], restore: false})
    const removal = plan.steps.find((s) => s.kind === 'scale-canary')!
    expect([removal.leaving, removal.deletionCosts]).toEqual([[{pod: 'c0', viewers: 2}], undefined])
  })

  test('a StatefulSet partition names the ordinals it restarts and their viewers', () => {
    const objs = loadTopology('origin-cluster.yaml')
    objs.pods.push(...[0, 1, 2].map((i) => pod(`srs-origin-${i}`, {app: 'srs-origin'}, 'ossrs/srs:v4.0.5')))
    const viewers = new Map([
      ['srs-origin-0', 1],
      ['srs-origin-1', 6],
      ['srs-origin-2', 3],
    ])
    const plan = planCanary(target(objs, 'srs-origin'), {percent: 67, to: 'v4.0.6', force: false}, viewers)
    expect(plan.steps[0]!.leaving).toEqual([
      {pod: 'srs-origin-1', viewers: 6, ordinal: 1},
      {pod: 'srs-origin-2', viewers: 3, ordinal: 2},
    ])
    expect(plan.steps[0]!.deletionCosts).toBeUndefined()
    // Each restarted ordinal is waited for (how it left) before the canary's versions are verified.
    expect(plan.steps[0]!.waitAfterDone!.map((w) => w.kind)).toEqual(['restarted', 'verified'])
    expect(plan.steps[0]!.waitAfterDone![0]).toMatchObject({kind: 'restarted', pods: ['srs-origin-1', 'srs-origin-2']})
    expect(plan.steps[0]!.drains).toEqual({track: 'stable', selector: 'app=srs-origin'})
  })

  test('--handoff-after is refused on a leaving SRS that cannot drain, and where the viewers would not fit the pods left', () => {
    const objs = edges(2)
    objs.pods.push(edgePod('e0'), edgePod('e1'))
    const t = target(objs, 'srs-edge-deploy')
    const viewers = new Map([
      ['e0', 3],
      ['e1', 4],
    ])
    const plan = planCanary(t, {percent: 50, to: 'v4.0.6', force: false}, viewers)
    expect(handOffRefusal(t, plan.steps, viewers, new Map([['e0', '4.0.5']]))).toBeUndefined()
    expect(handOffRefusal(t, plan.steps, viewers, new Map([['e0', '5.0.213']]))).toMatchObject({exitCode: 2, message: expect.stringContaining('e0 runs SRS 5.0.213, which cannot drain gracefully')})
    expect(handOffRefusal(t, plan.steps, viewers, new Map([['e0', '6.0.131']]))?.exitCode).toBe(2)
    const tight = structuredClone(t)
    Object.assign(tight.model.settings.global, {maxConnections: {...tight.model.settings.global.maxConnections, value: 3}})
    expect(handOffRefusal(tight, plan.steps, viewers, new Map())).toMatchObject({exitCode: 2, message: expect.stringContaining('leaves 2 pod(s) of max_connections 3 (room for 6) for the 7 viewers of srs-edge-deploy')})
  })

  test('versionDrains: 4.x and 6.0.132+ drain, 5.x and 6.0 before 6.0.132 do not', () => {
    expect(['4.0.271', '6.0.132', '6.0.157', '7.0.1'].map(versionDrains)).toEqual([true, true, true, true])
    expect(['5.0.213', '6.0.131', '6.0.48'].map(versionDrains)).toEqual([false, false, false])
  })
})
