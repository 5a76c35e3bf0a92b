/** Status reports for the top tests: an edge Deployment with a canary behind one Service. */
import type {PodReport, StatusReport, WorkloadReport} from '../../../src/lib/status/report.js'

export interface PodSpec {
  name: string
  viewers?: number | null
  kbpsOut?: number
  terminating?: boolean
}

export function pod(p: PodSpec): PodReport {
  const answered = !p.terminating && p.viewers !== null
  return {
    name: p.name,
    phase: 'Running',
    ready: true,
    terminating: p.terminating ?? false,
    restarts: 0,
    ageSeconds: 60,
    podIP: '10.244.1.1',
    image: 'ossrs/srs:v4.0.6',
    imageTag: 'v4.0.6',
    srs: answered
      ? {
          version: '4.0.6',
          versionCheck: 'match',
          serverId: null,
          serviceId: null,
          pid: 1,
          uptimeSeconds: 60,
          connections: (p.viewers ?? 0) + 1,
          viewers: p.viewers ?? 0,
          players: p.viewers ?? 0,
          publishers: 0,
          streams: 1,
          streamsPublished: 1,
          clients: p.viewers ?? 0,
          kbpsIn: 1500,
          kbpsOut: p.kbpsOut ?? 0,
          cpuPercent: 1,
          memKbyte: 1024,
        }
      : null,
    error: p.terminating ? {reason: 'draining', message: 'pod is terminating'} : answered ? null : {reason: 'timeout', message: 'timed out'},
    apiRoute: answered ? 'proxy' : null,
  }
}

function workload(name: string, pods: PodSpec[]): WorkloadReport {
  return {
    namespace: 'live',
    kind: 'Deployment',
    name,
    role: 'edge',
    ready: pods.length,
    desired: pods.length,
    images: ['ossrs/srs:v4.0.6'],
    apiPort: 1985,
    apiAuth: null,
    config: {source: 'configmap', configMap: 'srs-edge-config', key: 'srs.conf', problem: null},
    links: {origins: [], coworkers: []},
    services: ['srs-edge-service'],
    partition: null,
    pods: pods.map(pod),
  }
}

export function canaryReport(stable: PodSpec[], canary: PodSpec[], opts: {requestedWeight?: number | null; generatedAt?: string} = {}): StatusReport {
  const workloads = [workload('srs-edge-deploy', stable), workload('srs-edge-deploy-canary', canary)]
  const live = (w: WorkloadReport) => w.pods.filter((p) => !p.terminating)
  return {
    apiVersion: 'kubectl-srs/v1alpha1',
    kind: 'SrsStatus',
    context: 'test',
    generatedAt: opts.generatedAt ?? '2026-12-03T17:00:00.000Z',
    namespaces: ['live'],
    workloads,
    groups: [
      {
        namespace: 'live',
        service: 'srs-edge-service',
        requestedWeight: opts.requestedWeight === undefined ? 50 : opts.requestedWeight,
        tracks: workloads.map((w, i) => ({
          workload: w.name,
          role: i === 0 ? 'stable' : 'canary',
          image: 'ossrs/srs:v4.0.6',
          pods: live(w).length,
          readyPods: live(w).length,
          connections: 0,
          weightByPods: 50,
          weightByConnections: null,
        })),
      },
    ],
    warnings: [],
    access: {complete: true, listedBy: 'namespace', namespacesRead: null, denied: []},
    summary: {workloads: 2, pods: 0, podsAnswered: 0, podsDegraded: 0, connections: 0, viewers: 0},
  }
}
