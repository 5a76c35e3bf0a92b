/**
 * Cluster DNS of the local cluster (test/cluster/README.md, "Cluster DNS"): CoreDNS on the
 * kube-dns ClusterIP, and pods that run a real process get kubelet's ClusterFirst resolv.conf.
 * Real SRS edges find their origins by name (`srs-origin-0.socs`), so a Job pod in the
 * guide's namespace must resolve the StatefulSet pod through its headless Service, the
 * Service itself and a Service of another namespace, with the short names a pod uses.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import path from 'node:path'
import {createNamespace, eventually, kubectl, kubectlJson} from '../helpers/cli.js'
import {TOPOLOGIES} from '../helpers/topologies.js'

let ns: {name: string; remove: () => void}

beforeAll(() => {
  ns = createNamespace('dns')
  kubectl(['apply', '-n', ns.name, '-f', path.join(TOPOLOGIES, 'origin-cluster.yaml')])
  kubectl(['rollout', 'status', '-n', ns.name, 'statefulset/srs-origin', '--timeout', '60s'])
})

afterAll(() => ns.remove())

function job(name: string, script: string): string {
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {name},
    spec: {
      backoffLimit: 0,
      template: {spec: {restartPolicy: 'Never', containers: [{name: 'resolve', image: 'busybox:1.36', command: ['/bin/sh', '-c', script]}]}},
    },
  })
}

/** `getent hosts NAME` lines of the Job's log: name → addresses. */
function resolved(log: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const line of log.split('\n')) {
    const m = /^resolved (\S+):(.*)$/.exec(line)
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], m[2].trim().split(/\s+/).filter(Boolean))
  }
  return out
}

describe('cluster DNS', () => {
  test('the kube-dns Service holds the DNS ClusterIP', () => {
    const svc = kubectlJson<{spec: {clusterIP: string}}>(['get', 'service', '-n', 'kube-system', 'kube-dns'])
    expect(svc.spec.clusterIP).toBe('10.96.0.10')
  })

  test('a Job pod resolves the StatefulSet pod through its headless Service, Services here and in other namespaces', async () => {
    const pods = kubectlJson<{items: {metadata: {name: string}; status: {podIP: string}}[]}>(['get', 'pods', '-n', ns.name, '-l', 'app=srs-origin'])
    const ipOf = new Map(pods.items.map((p) => [p.metadata.name, p.status.podIP]))
    const apiService = kubectlJson<{spec: {clusterIP: string}}>(['get', 'service', '-n', ns.name, 'srs-api-service']).spec.clusterIP
    const names = ['srs-origin-0.socs', 'srs-origin-2.socs', 'socs', 'srs-api-service', 'kubernetes.default']
    const script = ['cat /etc/resolv.conf', ...names.map((n) => `echo "resolved ${n}: $(getent ahostsv4 ${n} | awk '$2 == "STREAM" {print $1}' | uniq | tr '\\n' ' ')"`)].join('\n')
    kubectl(['apply', '-n', ns.name, '-f', '-'], job('resolve', script))
    kubectl(['wait', '-n', ns.name, '--for=condition=complete', 'job/resolve', '--timeout', '60s'])
    const log = await eventually('the Job log', () => {
      const l = kubectl(['logs', '-n', ns.name, 'job/resolve'])
      return l.includes('resolved kubernetes.default') && l
    })

    // kubelet's ClusterFirst file: the pod's namespace first in the search path
    expect(log).toContain(`search ${ns.name}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`)
    const got = resolved(log)
    expect(got.get('srs-origin-0.socs')).toEqual([ipOf.get('srs-origin-0')])
    expect(got.get('srs-origin-2.socs')).toEqual([ipOf.get('srs-origin-2')])
    // a headless Service answers with every ready pod
    expect([...(got.get('socs') ?? [])].sort()).toEqual([...ipOf.values()].sort())
    expect(got.get('srs-api-service')).toEqual([apiService])
    expect(got.get('kubernetes.default')).toEqual(['10.96.0.1'])
  })
})
