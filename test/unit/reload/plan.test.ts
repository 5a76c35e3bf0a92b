import {describe, expect, test} from '@jest/globals'
import {handOffRefusal, planReload, type ReloadWorkloadInput} from '../../../src/lib/reload/plan.js'

const changed = Date.parse('2026-12-03T10:00:00Z')
const before = changed - 60_000
const after = changed + 60_000

const edges: ReloadWorkloadInput = {
  kind: 'Deployment',
  name: 'srs-edge-deploy',
  replicas: 4,
  configMap: 'srs-edge-config',
  configChangedAt: changed,
  rawReload: false,
  pods: [
    {name: 'edge-a', ready: true, startedAt: before, viewers: 30, publishes: []},
    {name: 'edge-b', ready: true, startedAt: before, viewers: 2, publishes: []},
    {name: 'edge-c', ready: true, startedAt: after, viewers: 9, publishes: []},
    {name: 'edge-d', ready: true, startedAt: before, viewers: undefined, publishes: []},
  ],
}

const origins: ReloadWorkloadInput = {
  kind: 'StatefulSet',
  name: 'srs-origin',
  replicas: 3,
  configMap: 'srs-origin-config',
  configChangedAt: changed,
  rawReload: false,
  pods: [0, 1, 2].map((i) => ({name: `srs-origin-${i}`, ordinal: i, ready: true, startedAt: before, viewers: 1, publishes: i === 1 ? ['live/b', 'live/a'] : []})),
}

describe('reload plan', () => {
  test('Deployment: pods started after the change are left alone; the others replaced least-loaded first, unknown loads last', () => {
    const plan = planReload([edges], {maxUnavailable: 1})
    expect(plan.upToDate).toEqual([{pod: 'edge-c', workload: 'srs-edge-deploy'}])
    expect(plan.steps).toEqual([
      {kind: 'replace', workload: 'srs-edge-deploy', replicas: 4, pods: ['edge-b']},
      {kind: 'replace', workload: 'srs-edge-deploy', replicas: 4, pods: ['edge-a']},
      {kind: 'replace', workload: 'srs-edge-deploy', replicas: 4, pods: ['edge-d']},
    ])
  })

  test('--max-unavailable 2 replaces two at a time behind two surge pods', () => {
    expect(planReload([edges], {maxUnavailable: 2}).steps.map((s) => s.kind === 'replace' && s.pods)).toEqual([['edge-b', 'edge-a'], ['edge-d']])
  })

  test('StatefulSet: by ordinal, highest first, naming the streams whose publishers reconnect', () => {
    const plan = planReload([origins], {maxUnavailable: 1})
    expect(plan.steps.map((s) => s.kind === 'restart' && s.pod)).toEqual(['srs-origin-2', 'srs-origin-1', 'srs-origin-0'])
    expect(plan.publishers).toEqual([{pod: 'srs-origin-1', streams: ['live/a', 'live/b']}])
  })

  test('raw API reload allowed: one reload step, no restart', () => {
    const plan = planReload([{...origins, rawReload: true}], {maxUnavailable: 1})
    expect(plan.steps).toEqual([{kind: 'raw-reload', workload: 'srs-origin', pods: ['srs-origin-0', 'srs-origin-1', 'srs-origin-2']}])
    expect(plan.publishers).toEqual([])
  })

  test('only the pods an origin command left pending', () => {
    const plan = planReload([edges, origins], {maxUnavailable: 1, onlyPods: ['edge-a', 'srs-origin-0']})
    expect(plan.steps.map((s) => (s.kind === 'restart' ? s.pod : s.kind === 'replace' ? s.pods : []))).toEqual([['edge-a'], 'srs-origin-0'])
  })

  test('an unknown change time restarts every pod', () => {
    expect(planReload([{...edges, configChangedAt: undefined}], {maxUnavailable: 1}).upToDate).toEqual([])
  })

  test('--max-unavailable below 1 is a usage error', () => {
    expect(() => planReload([edges], {maxUnavailable: 0})).toThrow('invalid value for --max-unavailable: 0')
  })

  test('a restart is refused under an HPA, during a rollout and during a canary; a raw API reload or nothing to do is not', () => {
    const refused = (w: ReloadWorkloadInput) => planReload([w], {maxUnavailable: 1}).refusals.map((r) => [r.exitCode, r.message])
    expect(refused({...edges, hpa: 'edge-hpa'})).toEqual([[1, 'HorizontalPodAutoscaler edge-hpa scales deployment/srs-edge-deploy: it would scale while reload restarts its pods and take back the surge pods that keep its capacity']])
    expect(refused({...edges, rollingOut: '1 of 4 pods updated'})).toEqual([[1, 'deployment/srs-edge-deploy is still rolling out (1 of 4 pods updated)']])
    expect(refused({...edges, canary: {canary: 'srs-edge-deploy-canary'}})).toEqual([
      [1, 'a canary is in progress on deployment/srs-edge-deploy (deployment/srs-edge-deploy-canary): restarting would move the split and cut the viewers the canary is judged by'],
    ])
    expect(refused({...edges, name: 'srs-edge-deploy-canary', canary: {canaryOf: 'srs-edge-deploy'}})).toEqual([
      [1, 'deployment/srs-edge-deploy-canary is the canary of srs-edge-deploy: restarting would move the split and cut the viewers the canary is judged by'],
    ])
    expect(refused({...origins, canary: {partition: 2}})).toEqual([[1, 'a canary is in progress on statefulset/srs-origin (partition 2): restarting would move the split and cut the viewers the canary is judged by']])
    expect(planReload([{...edges, hpa: 'edge-hpa', rollingOut: 'x', canary: {canary: 'c'}}], {maxUnavailable: 1}).refusals[0]!.hint).toContain('kubectl delete hpa edge-hpa')
    // nothing restarted: nothing refused
    expect(refused({...edges, rawReload: true, hpa: 'edge-hpa', rollingOut: 'x', canary: {canary: 'c'}})).toEqual([])
    expect(refused({...edges, pods: edges.pods.filter((p) => p.startedAt === after), hpa: 'edge-hpa'})).toEqual([])
  })
})

describe('reload --handoff-after refusals', () => {
  const versions = (v: string, pods: string[]) => new Map(pods.map((p) => [p, v]))

  test('a pod to restart on an SRS that cannot drain is refused (exit 2) naming it; SRS 4, 6.0.132+ and unknown versions go on', () => {
    const plan = planReload([{...edges, maxConnections: 1000}], {maxUnavailable: 1})
    const pods = ['edge-a', 'edge-b', 'edge-d']
    expect(handOffRefusal([edges], plan, versions('6.0.131', pods))).toMatchObject({exitCode: 2, message: expect.stringContaining('--handoff-after: edge-b runs SRS 6.0.131, which cannot drain gracefully')})
    for (const ok of ['4.0.271', '6.0.132']) expect(handOffRefusal([{...edges, maxConnections: 1000}], plan, versions(ok, pods))).toBeUndefined()
    expect(handOffRefusal([edges], plan, new Map(pods.map((p) => [p, null])))).toBeUndefined()
  })

  test('room: a StatefulSet serves with one pod fewer while an ordinal restarts; a Deployment keeps its replicas behind the surge pod', () => {
    // 3 origins of 1 viewer each: 2 serving pods of max_connections 1 have room for 2, not 3
    const tight = {...origins, maxConnections: 1}
    const refusal = handOffRefusal([tight], planReload([tight], {maxUnavailable: 1}), new Map())
    expect(refusal).toMatchObject({exitCode: 2, message: expect.stringContaining('leaves 2 pod(s) of max_connections 1 (room for 2) for the 3 viewers of srs-origin')})
    expect(handOffRefusal([{...origins, maxConnections: 2}], planReload([origins], {maxUnavailable: 1}), new Map())).toBeUndefined()
    // 41 known viewers on 4 edges of max_connections 11 (room for 44): the surge keeps 4 serving
    expect(handOffRefusal([{...edges, maxConnections: 11}], planReload([edges], {maxUnavailable: 1}), new Map())).toBeUndefined()
    expect(handOffRefusal([{...edges, maxConnections: 10}], planReload([edges], {maxUnavailable: 1}), new Map())).toMatchObject({message: expect.stringContaining('room for 40) for the 41 viewers')})
  })
})
