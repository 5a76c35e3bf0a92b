import {describe, expect, test} from '@jest/globals'
import type {Pod} from '../../../src/lib/kube/types.js'
import {buildTopology, configPathOf, runsSrsServer} from '../../../src/lib/srs/topology.js'
import {loadTopology} from '../../helpers/topologies.js'

/** Objects of topology files as the apiserver would return them (namespace set, no pods). */
const load = loadTopology

function pod(name: string, ownerKind: string, owner: string, labels: Record<string, string>): Pod {
  return {metadata: {name, namespace: 'live', labels, ownerReferences: [{kind: ownerKind, name: owner, uid: 'x', controller: true}]}, spec: {containers: [{name: 'srs', image: 'ossrs/srs:3'}]}}
}

describe('topology of the SRS guide', () => {
  test('origin cluster + edges: roles, config sources and links', () => {
    const topo = buildTopology('live', load('origin-cluster.yaml', 'edge-cluster.yaml'))
    const byName = Object.fromEntries(topo.workloads.map((w) => [w.name, w]))
    // nginx-origin-deploy runs an ossrs/srs image only to copy files: not an SRS server
    expect(Object.keys(byName).sort()).toEqual(['srs-edge-deploy', 'srs-origin'])
    expect(byName['srs-origin']).toMatchObject({
      kind: 'StatefulSet',
      role: 'origin-cluster',
      apiPort: 1985,
      serviceName: 'socs',
      config: {kind: 'configmap', configMap: 'srs-origin-config', key: 'srs.conf', path: '/usr/local/srs/conf/srs.conf'},
    })
    expect(byName['srs-origin']!.coworkers).toEqual(['srs-origin-0.socs:1985', 'srs-origin-1.socs:1985', 'srs-origin-2.socs:1985'])
    expect(byName['srs-edge-deploy']).toMatchObject({role: 'edge', hasPreStop: true, terminationGracePeriodSeconds: 120, services: ['srs-edge-service']})
    expect(byName['srs-edge-deploy']!.origins).toEqual(['srs-origin-0.socs', 'srs-origin-1.socs', 'srs-origin-2.socs'])
    expect(topo.originClusters.map((c) => [c.mode, c.name, c.members.map((m) => m.host)])).toEqual([['statefulset', 'srs-origin', ['srs-origin-0.socs', 'srs-origin-1.socs', 'srs-origin-2.socs']]])
    expect(topo.drift).toEqual([])
  })

  test('a scale-up without config change: drift names the missing coworker and edge origin', () => {
    const objs = load('origin-cluster.yaml', 'edge-cluster.yaml')
    objs.statefulsets[0]!.spec.replicas = 4
    const topo = buildTopology('live', objs)
    expect(topo.drift.map((d) => [d.kind, d.entry])).toEqual([
      ['coworker-missing', 'srs-origin-3.socs:1985'],
      ['edge-origin-missing', 'srs-origin-3.socs'],
    ])
    expect(topo.drift[0]!.message).toBe('srs-origin-config does not list coworker srs-origin-3.socs:1985')
  })

  test('a scale-down: drift names the stale entries', () => {
    const objs = load('origin-cluster.yaml', 'edge-cluster.yaml')
    objs.statefulsets[0]!.spec.replicas = 2
    const topo = buildTopology('live', objs)
    expect(topo.drift.map((d) => [d.kind, d.entry])).toEqual([
      ['coworker-stale', 'srs-origin-2.socs:1985'],
      ['edge-origin-stale', 'srs-origin-2.socs'],
    ])
  })

  test('origins as Deployments form one cluster through their Services', () => {
    const topo = buildTopology('live', load('origins-as-deployments.yaml'))
    expect(topo.originClusters).toHaveLength(1)
    const cluster = topo.originClusters[0]!
    expect(cluster.mode).toBe('deployments')
    expect(cluster.members.map((m) => [m.host, m.workload])).toEqual([
      ['srs-origin-0-socs', 'srs-origin-0-deploy'],
      ['srs-origin-1-socs', 'srs-origin-1-deploy'],
      ['srs-origin-2-socs', 'srs-origin-2-deploy'],
    ])
    expect(topo.drift.filter((d) => d.kind !== 'config-problem')).toEqual([])
  })

  test('the manual r5/r6 canary pair is one group with the newer image as canary track', () => {
    const topo = buildTopology('live', load('edge-canary-pair.yaml'))
    expect(topo.groups).toHaveLength(1)
    expect(topo.groups[0]!.service).toBe('srs-edge-service')
    expect(topo.groups[0]!.tracks.map((t) => [t.workload, t.role, t.replicas])).toEqual([
      ['srs-edge-r5-deploy', 'stable', 3],
      ['srs-edge-r6-deploy', 'canary', 1],
    ])
  })

  test('an edge naming an origin Service that does not exist is drift', () => {
    const objs = load('edge-cluster.yaml')
    const cm = objs.configMaps.find((c) => c.metadata.name === 'srs-edge-config')!
    cm.data!['srs.conf'] = cm.data!['srs.conf']!.replace(/origin\s+[^;]+;/, 'origin          srs-origin-service;')
    const topo = buildTopology('live', objs)
    expect(topo.drift.map((d) => [d.kind, d.entry])).toEqual([['edge-origin-unknown', 'srs-origin-service']])
  })

  test('pods belong to their workload by owner and selector', () => {
    const objs = load('origin-cluster.yaml', 'edge-cluster.yaml')
    objs.pods.push(pod('srs-origin-0', 'StatefulSet', 'srs-origin', {app: 'srs-origin'}))
    objs.pods.push(pod('srs-edge-deploy-5d8f7c9b6-abcde', 'ReplicaSet', 'srs-edge-deploy-5d8f7c9b6', {app: 'srs-edge'}))
    objs.pods.push(pod('srs-edge-deploy-canary-7c9-xyz', 'ReplicaSet', 'srs-edge-deploy-canary-7c9', {app: 'srs-edge'}))
    const topo = buildTopology('live', objs)
    const edge = topo.workloads.find((w) => w.name === 'srs-edge-deploy')!
    expect(edge.pods.map((p) => p.metadata.name)).toEqual(['srs-edge-deploy-5d8f7c9b6-abcde'])
  })

  test('a missing ConfigMap is reported, not fatal', () => {
    const objs = load('edge-cluster.yaml')
    objs.configMaps = []
    const topo = buildTopology('live', objs)
    expect(topo.drift).toEqual([expect.objectContaining({kind: 'config-problem', message: 'ConfigMap srs-edge-config does not exist'})])
  })
})

describe('containers and config paths', () => {
  test('a replaced command runs SRS only when it starts objs/srs', () => {
    expect(runsSrsServer({name: 'a'})).toBe(true)
    expect(runsSrsServer({name: 'a', command: ['./objs/srs', '-c', 'conf/edge.conf']})).toBe(true)
    expect(runsSrsServer({name: 'a', command: ['/bin/sh', '-c'], args: ['ulimit -n 10000 && exec ./objs/srs -c conf/srs.conf']})).toBe(true)
    expect(runsSrsServer({name: 'a', command: ['/bin/sh'], args: ['-c', 'cp -R ./objs/nginx/html/* /tmp/html && sleep infinity']})).toBe(false)
  })

  test('-c decides the config path; without it the mounted keys do', () => {
    expect(configPathOf({name: 'a', command: ['./objs/srs', '-c', 'conf/edge.conf']})).toBe('/usr/local/srs/conf/edge.conf')
    expect(configPathOf({name: 'a'}, ['srs.conf'])).toBe('/usr/local/srs/conf/srs.conf')
    expect(configPathOf({name: 'a'}, ['docker.conf'])).toBe('/usr/local/srs/conf/docker.conf')
  })
})
