import {describe, expect, test} from '@jest/globals'
import {ExitCode} from '../../../src/lib/errors.js'
import type {ConfigMap} from '../../../src/lib/kube/types.js'
import {editListText, memberEntries, parseMemberEntry, rewriteList, type ClusterNaming} from '../../../src/lib/origin/lists.js'
import {cloneOriginMember, managedConfigMapWarning, planOriginChange, workloadsAskedBy, type OriginRequest, type OriginScalePlan} from '../../../src/lib/origin/plan.js'
import {buildTopology, type ObservedObjects} from '../../../src/lib/srs/topology.js'
import {loadTopology} from '../../helpers/topologies.js'

const load = loadTopology

function plan(objs: ObservedObjects, req: Partial<OriginRequest> & {op: OriginRequest['op']}): OriginScalePlan {
  return planOriginChange(buildTopology('live', objs), objs, {count: 1, ...req})
}

function thrown(fn: () => unknown): {message: string; hint?: string; exitCode: number} {
  try {
    fn()
  } catch (error) {
    return error as {message: string; hint?: string; exitCode: number}
  }
  throw new Error('expected an error')
}

const sts: ClusterNaming = {mode: 'statefulset', name: 'srs-origin', service: 'socs', namespace: 'live', apiPort: 1985}
const deps: ClusterNaming = {mode: 'deployments', name: 'srs-origin-N-socs', namespace: 'live', apiPort: 1985}

describe('lists', () => {
  test('member entries are recognised with DNS suffixes and ports, others are not', () => {
    expect(parseMemberEntry(sts, 'srs-origin-3.socs:1985')).toEqual({ordinal: 3, dnsSuffix: '', port: '1985'})
    expect(parseMemberEntry(sts, 'srs-origin-12.socs.live.svc.cluster.local')).toEqual({ordinal: 12, dnsSuffix: '.live.svc.cluster.local', port: undefined})
    expect(parseMemberEntry(sts, 'srs-origin-1.socs.other.svc')).toBeUndefined()
    expect(parseMemberEntry(sts, 'backup-origin:1935')).toBeUndefined()
    expect(parseMemberEntry(deps, 'srs-origin-2-socs:1985')).toMatchObject({ordinal: 2})
    expect(parseMemberEntry(deps, 'srs-origin-2.socs')).toBeUndefined()
  })

  test('new entries follow the list: suffix and port of its members; coworkers always carry the API port', () => {
    expect(memberEntries(sts, 'origin', ['srs-origin-0.socs'], [0, 1])).toEqual(['srs-origin-0.socs', 'srs-origin-1.socs'])
    expect(memberEntries(sts, 'origin', ['srs-origin-0.socs.live.svc:19350'], [1])).toEqual(['srs-origin-1.socs.live.svc:19350'])
    expect(memberEntries(sts, 'coworkers', [], [0])).toEqual(['srs-origin-0.socs:1985'])
    expect(memberEntries(deps, 'coworkers', ['srs-origin-0-socs:1985'], [3, 0])).toEqual(['srs-origin-0-socs:1985', 'srs-origin-3-socs:1985'])
  })

  test('rewrite keeps entries that point elsewhere where they were', () => {
    expect(rewriteList(sts, 'origin', ['backup:1935', 'srs-origin-0.socs', 'srs-origin-9.socs', 'far.example.com'], [0, 1, 2])).toEqual(['backup:1935', 'srs-origin-0.socs', 'srs-origin-1.socs', 'srs-origin-2.socs', 'far.example.com'])
    expect(rewriteList(sts, 'origin', ['backup:1935'], [0])).toEqual(['backup:1935', 'srs-origin-0.socs'])
  })

  test('the edit changes only the list bytes and is a no-op when the list is right', () => {
    const text = load('origin-cluster.yaml').configMaps[0]!.data!['srs.conf']!
    const e = editListText(sts, 'coworkers', text, [0, 1, 2, 3], 'cm')
    expect(e.changed).toBe(true)
    expect(e.after).toBe(text.replace('srs-origin-2.socs:1985;', 'srs-origin-2.socs:1985 srs-origin-3.socs:1985;'))
    expect(editListText(sts, 'coworkers', e.after, [0, 1, 2, 3], 'cm')).toMatchObject({changed: false, after: e.after})
  })

  test('a config that does not parse is refused, never overwritten', () => {
    expect(() => editListText(sts, 'coworkers', 'vhost x { cluster { coworkers a:1;', [0], 'cm')).toThrow(/does not parse/)
  })
})

describe('add-origin plans', () => {
  test('StatefulSet: scale to 4, wait for all four, set both lists, confirm', () => {
    const p = plan(load('origin-cluster.yaml', 'edge-cluster.yaml'), {op: 'add'})
    expect(p).toMatchObject({from: 3, to: 4, added: [3], removed: [], members: [0, 1, 2, 3], anchor: {kind: 'StatefulSet', name: 'srs-origin'}})
    expect(p.steps.map((s) => s.kind)).toEqual(['scale-statefulset', 'wait-ready', 'edit-config', 'edit-config', 'confirm-reload'])
    expect(p.steps[1]).toMatchObject({pods: ['srs-origin-0', 'srs-origin-1', 'srs-origin-2', 'srs-origin-3']})
    const edits = p.steps.filter((s) => s.kind === 'edit-config')
    expect(edits.map((e) => [e.configMap, e.list, e.listAfter.length])).toEqual([
      ['srs-origin-config', 'coworkers', 4],
      ['srs-edge-config', 'origin', 4],
    ])
    expect(edits[1]).toMatchObject({listAfter: ['srs-origin-0.socs', 'srs-origin-1.socs', 'srs-origin-2.socs', 'srs-origin-3.socs'], readers: ['srs-edge-deploy']})
    // objects for Git: the StatefulSet with 4 replicas and both ConfigMaps with their whole new text
    expect(p.objects.map((o) => `${(o as {kind: string}).kind}/${(o as {metadata: {name: string}}).metadata.name}`)).toEqual(['StatefulSet/srs-origin', 'ConfigMap/srs-origin-config', 'ConfigMap/srs-edge-config'])
    expect(JSON.stringify(p.objects)).not.toMatch(/resourceVersion|"status"/)
  })

  test('--count 3 adds three ordinals; a resumed run finishes its recorded target instead', () => {
    expect(plan(load('origin-cluster.yaml'), {op: 'add', count: 3})).toMatchObject({to: 6, added: [3, 4, 5]})
    const objs = load('origin-cluster.yaml')
    objs.statefulsets[0]!.spec.replicas = 4
    expect(plan(objs, {op: 'add', resumeTarget: 4})).toMatchObject({from: 4, to: 4, added: [], resumed: true})
  })

  test('Deployments: clone the highest origin into srs-origin-3-deploy and srs-origin-3-socs', () => {
    const p = plan(load('origins-as-deployments.yaml'), {op: 'add'})
    expect(p).toMatchObject({from: 3, to: 4, added: [3], anchor: {kind: 'Deployment', name: 'srs-origin-0-deploy'}, cluster: {mode: 'deployments'}})
    expect(p.steps.map((s) => s.kind)).toEqual(['create-origin', 'wait-ready', 'edit-config', 'edit-config', 'confirm-reload'])
    const create = p.steps[0] as Extract<OriginScalePlan['steps'][number], {kind: 'create-origin'}>
    expect(create.clonedFrom).toBe('srs-origin-2-deploy')
    expect(create.deployment.metadata).toMatchObject({name: 'srs-origin-3-deploy', labels: {app: 'srs-origin-3'}})
    expect(create.deployment.spec.selector.matchLabels).toEqual({app: 'srs-origin-3'})
    expect(create.deployment.spec.template.metadata?.labels).toEqual({app: 'srs-origin-3'})
    // the shared ConfigMap stays shared
    expect(create.deployment.spec.template.spec.volumes).toEqual([{name: 'config-volume', configMap: {name: 'srs-origin-config'}}])
    expect(create.service).toMatchObject({metadata: {name: 'srs-origin-3-socs'}, spec: {selector: {app: 'srs-origin-3'}, ports: [{name: 'srs-origin-3-socs-service-1935-1935', port: 1935}]}})
    // the unmounted srs-edge-config is an edge config of this cluster: it is kept right too
    expect(p.steps.filter((s) => s.kind === 'edit-config').map((s) => [s.configMap, s.listAfter.at(-1)])).toEqual([
      ['srs-origin-config', 'srs-origin-3-socs:1985'],
      ['srs-edge-config', 'srs-origin-3-socs'],
    ])
  })

  test('a clone whose selector does not carry the ordinal is refused', () => {
    const objs = load('origins-as-deployments.yaml')
    const dep = objs.deployments[2]!
    const svc = objs.services.find((s) => s.metadata.name === 'srs-origin-2-socs')!
    const shared = {...dep, spec: {...dep.spec, selector: {matchLabels: {role: 'origin'}}, template: {...dep.spec.template, metadata: {labels: {role: 'origin'}}}}}
    expect(() => cloneOriginMember(deps, shared, svc, 2, 3)).toThrow(/same pods/)
  })

  test('SRS 7: only scale, and say why', () => {
    const objs = load('origin-cluster.yaml')
    const s = objs.statefulsets[0]!
    s.spec.template.spec.containers[0]!.image = 'ossrs/srs:v7.0.40'
    const p = plan(objs, {op: 'add', workload: 'srs-origin', count: 2})
    expect(p.cluster.mode).toBe('srs7')
    expect(p.steps.map((x) => x.kind)).toEqual(['scale-statefulset', 'wait-ready'])
    expect(p.notes[0]).toMatch(/SRS 7.*proxy.*only the replicas change/)
  })
})

describe('the workloads whose SRS API a run asks (checked for credentials before the first write)', () => {
  test('add: the origins scaled and waited for, and every reader of an edited ConfigMap', () => {
    expect(workloadsAskedBy(plan(load('origin-cluster.yaml', 'edge-cluster.yaml'), {op: 'add'}))).toEqual(['srs-edge-deploy', 'srs-origin'])
    // the Deployment cloned from, and the clone that does not exist yet
    const deps = workloadsAskedBy(plan(load('origins-as-deployments.yaml'), {op: 'add'}))
    expect(deps).toEqual(expect.arrayContaining(['srs-origin-0-deploy', 'srs-origin-1-deploy', 'srs-origin-2-deploy', 'srs-origin-3-deploy']))
  })

  test('remove: the readers and the origins that must stop publishing; SRS 7: the StatefulSet only', () => {
    expect(workloadsAskedBy(plan(load('origin-cluster.yaml', 'edge-cluster.yaml'), {op: 'remove'}))).toEqual(['srs-edge-deploy', 'srs-origin'])
    const objs = load('origin-cluster.yaml')
    objs.statefulsets[0]!.spec.template.spec.containers[0]!.image = 'ossrs/srs:v7.0.40'
    expect(workloadsAskedBy(plan(objs, {op: 'add', workload: 'srs-origin'}))).toEqual(['srs-origin'])
  })
})

describe('remove-origin and sync-origins plans', () => {
  test('StatefulSet remove: lists first, confirm, wait for streams to leave, then scale down', () => {
    const p = plan(load('origin-cluster.yaml', 'edge-cluster.yaml'), {op: 'remove'})
    expect(p).toMatchObject({from: 3, to: 2, removed: [2]})
    expect(p.steps.map((s) => s.kind)).toEqual(['edit-config', 'edit-config', 'confirm-reload', 'wait-unpublished', 'scale-statefulset'])
    expect(p.steps[3]).toMatchObject({pods: ['srs-origin-2']})
  })

  test('Deployments remove: delete the highest Deployment and its Service last', () => {
    const p = plan(load('origins-as-deployments.yaml'), {op: 'remove', count: 2})
    expect(p.steps.map((s) => s.kind)).toEqual(['edit-config', 'edit-config', 'confirm-reload', 'wait-unpublished', 'delete-origin', 'delete-origin'])
    expect(p.steps.slice(4)).toEqual([
      {kind: 'delete-origin', ordinal: 2, deployment: 'srs-origin-2-deploy', service: 'srs-origin-2-socs'},
      {kind: 'delete-origin', ordinal: 1, deployment: 'srs-origin-1-deploy', service: 'srs-origin-1-socs'},
    ])
  })

  test('the last origin cannot be removed', () => {
    const e = thrown(() => plan(load('origin-cluster.yaml'), {op: 'remove', count: 3}))
    expect(e.exitCode).toBe(ExitCode.Usage)
    expect(e.message).toMatch(/at least one must stay/)
  })

  test('sync after kubectl scale: lists follow the replicas, nothing is scaled; in step means no change', () => {
    const objs = load('origin-cluster.yaml', 'edge-cluster.yaml')
    objs.statefulsets[0]!.spec.replicas = 5
    const p = plan(objs, {op: 'sync', count: 0})
    expect(p.steps.map((s) => s.kind)).toEqual(['wait-ready', 'edit-config', 'edit-config', 'confirm-reload'])
    expect(p.steps.filter((s) => s.kind === 'edit-config').every((s) => s.changed && s.listAfter.length === 5)).toBe(true)
    const clean = plan(load('origin-cluster.yaml', 'edge-cluster.yaml'), {op: 'sync', count: 0})
    expect(clean.steps.filter((s) => s.kind === 'edit-config').some((s) => s.changed)).toBe(false)
  })
})

describe('bad input is refused before anything changes', () => {
  test.each([0, -1, 1.5, Number.NaN])('--count %p', (count) => {
    const e = thrown(() => plan(load('origin-cluster.yaml'), {op: 'add', count}))
    expect(e.exitCode).toBe(ExitCode.Usage)
  })

  test('no origin cluster in the namespace', () => {
    const e = thrown(() => plan(load('edge-cluster.yaml'), {op: 'add'}))
    expect(e.message).toBe('no origin cluster found in namespace live')
    expect(e.exitCode).toBe(ExitCode.Failed)
  })

  test('two clusters and no name: usage error naming both', () => {
    const objs = load('origin-cluster.yaml', 'origins-as-deployments.yaml')
    // the two files share ConfigMap names; give the Deployments their own copy
    objs.configMaps.find((c) => c.metadata.name === 'srs-origin-config' && c.data!['srs.conf']!.includes('-socs:'))!.metadata.name = 'srs-origin-deploy-config'
    for (const d of objs.deployments) if (d.metadata.name.endsWith('-deploy') && d.metadata.name.startsWith('srs-origin-')) d.spec.template.spec.volumes![0]!.configMap!.name = 'srs-origin-deploy-config'
    const e = thrown(() => plan(objs, {op: 'add'}))
    expect(e.exitCode).toBe(ExitCode.Usage)
    expect(e.message).toMatch(/2 origin clusters in namespace live: srs-origin, srs-origin-N-socs/)
    expect(plan(objs, {op: 'add', workload: 'srs-origin-1-deploy'}).cluster.mode).toBe('deployments')
  })

  test('an origin config without coworkers: the error says what to add', () => {
    const objs = load('origin-cluster.yaml')
    const cm = objs.configMaps[0]!
    cm.data!['srs.conf'] = cm.data!['srs.conf']!.replace(/\n\s*coworkers[^\n]*/, '')
    const e = thrown(() => plan(objs, {op: 'add'}))
    expect(e.message).toMatch(/has no coworkers directive/)
    expect(e.hint).toMatch(/coworkers srs-origin-0.socs:1985 srs-origin-1.socs:1985 srs-origin-2.socs:1985;/)
  })

  test('an origin without origin_cluster at all: not a cluster, and how to make it one', () => {
    const objs = load('origin-cluster.yaml')
    const cm = objs.configMaps[0]!
    cm.data!['srs.conf'] = cm.data!['srs.conf']!.replace(/\n\s*origin_cluster[^\n]*\n\s*coworkers[^\n]*/, '')
    const e = thrown(() => plan(objs, {op: 'add'}))
    expect(e.message).toMatch(/is not part of an origin cluster/)
    expect(e.hint).toMatch(/origin_cluster on; coworkers srs-origin-0.socs:1985/)
  })

  test('naming an edge is a usage error', () => {
    expect(thrown(() => plan(load('origin-cluster.yaml', 'edge-cluster.yaml'), {op: 'add', workload: 'srs-edge-deploy'})).exitCode).toBe(ExitCode.Usage)
  })
})

test('Helm and Argo CD managed ConfigMaps get a warning that the next sync reverts the edit', () => {
  const cm = (labels: Record<string, string>, annotations: Record<string, string> = {}): ConfigMap => ({metadata: {name: 'c', labels, annotations}})
  expect(managedConfigMapWarning(cm({'app.kubernetes.io/managed-by': 'Helm'}))).toMatch(/managed by Helm: the next helm upgrade reverts/)
  expect(managedConfigMapWarning(cm({}, {'argocd.argoproj.io/tracking-id': 'app:/ConfigMap:live/c'}))).toMatch(/Argo CD/)
  expect(managedConfigMapWarning(cm({app: 'x'}))).toBeUndefined()
  const objs = load('origin-cluster.yaml')
  objs.configMaps[0]!.metadata.labels = {'app.kubernetes.io/managed-by': 'Helm'}
  expect(plan(objs, {op: 'add'}).warnings).toHaveLength(1)
})
