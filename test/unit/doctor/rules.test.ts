/**
 * Every doctor rule, positive and negative, on the guide's topology (test/topologies), the
 * hardened variant (test/e2e/fixtures/hardened-topology.yaml) and small edits of them.
 */
import {describe, expect, test} from '@jest/globals'
import {buildDoctorReport, RULE_IDS, runRules} from '../../../src/lib/doctor/index.js'
import {drainSupport, neededGraceSeconds} from '../../../src/lib/doctor/rules/graceful.js'
import {isPinnedTag} from '../../../src/lib/doctor/rules/image.js'
import type {Container, Deployment, StatefulSet} from '../../../src/lib/kube/types.js'
import {fired, hardenedInput, inputFromYaml, rebuild, seedInput, topologyFile} from './load.js'
import type {DoctorInput} from '../../../src/lib/doctor/index.js'

const edge = (i: DoctorInput): Deployment => i.objects.deployments.find((d) => d.metadata.name === 'srs-edge-deploy')!
const origin = (i: DoctorInput): StatefulSet => i.objects.statefulsets.find((s) => s.metadata.name === 'srs-origin')!
const srsOf = (o: Deployment | StatefulSet): Container => o.spec.template.spec.containers.find((c) => c.name === 'srs')!
const workloads = (i: DoctorInput, rule: string) => fired(i, rule).map((f) => f.workload)

/** Replaces text in a ConfigMap's srs.conf, then rebuilds the topology. */
function editConf(i: DoctorInput, cm: string, from: string | RegExp, to: string): DoctorInput {
  const c = i.objects.configMaps.find((x) => x.metadata.name === cm)!
  const before = c.data!['srs.conf']!
  c.data!['srs.conf'] = before.replace(from, to)
  if (c.data!['srs.conf'] === before) throw new Error(`edit of ${cm} changed nothing`)
  return rebuild(i)
}

describe('the guide as written and the hardened variant', () => {
  test('the guide: what the seeds warn about, per workload', () => {
    const {findings} = runRules([seedInput()], {drainBudgetSeconds: 60})
    expect(findings.map((f) => `${f.workload} ${f.rule} ${f.severity}`)).toEqual([
      'srs-origin resources warning',
      'srs-origin probes warning',
      'srs-origin inotify-reload warning',
      'srs-origin raw-api-reload warning',
      'srs-origin api-port-exposed error',
      'srs-origin floating-tag warning',
      'srs-origin network-policy warning',
      'srs-origin hls-cleanup warning',
      'srs-edge-deploy resources warning',
      'srs-edge-deploy probes warning',
      'srs-edge-deploy inotify-reload warning',
      'srs-edge-deploy raw-api-reload warning',
      'srs-edge-deploy network-policy warning',
    ])
    for (const f of findings) {
      expect(f.why).not.toContain('\n')
      expect(f.found).not.toContain('\n')
      expect(f.fix.length).toBeGreaterThan(10)
    }
  })

  test('the hardened variant: no findings at any severity', () => {
    expect(runRules([hardenedInput()], {drainBudgetSeconds: 60}).findings).toEqual([])
  })

  test('the report: counts, failOn and the workload filter', () => {
    const report = buildDoctorReport('ctx', [seedInput()], {drainBudgetSeconds: 60, failOn: 'error'}, new Date(0))
    expect(report).toMatchObject({apiVersion: 'kubectl-srs/v1alpha1', kind: 'SrsDoctorReport', context: 'ctx', failOn: 'error', summary: {workloads: 2, errors: 1, warnings: 12, info: 0, failed: true}})
    const edgeOnly = buildDoctorReport('ctx', [seedInput()], {drainBudgetSeconds: 60, failOn: 'error', workload: 'srs-edge-deploy'})
    expect(edgeOnly.summary).toMatchObject({workloads: 1, errors: 0, failed: false})
    expect(buildDoctorReport('ctx', [seedInput()], {drainBudgetSeconds: 60, failOn: 'warning', workload: 'srs-edge-deploy'}).summary.failed).toBe(true)
    const skipped = buildDoctorReport('ctx', [seedInput()], {drainBudgetSeconds: 60, failOn: 'error', skip: ['api-port-exposed']})
    expect(skipped.summary.failed).toBe(false)
  })

  test('rules that need NetworkPolicies or CronJobs are skipped, not guessed, when they cannot be listed', () => {
    const report = buildDoctorReport('ctx', [{...seedInput(), networkPolicies: null, cronJobs: null}], {drainBudgetSeconds: 60, failOn: 'error'})
    expect(report.findings.map((f) => f.rule)).not.toContain('network-policy')
    expect(report.findings.map((f) => f.rule)).not.toContain('hls-cleanup')
    expect(report.skipped.map((s) => s.rule)).toEqual(['network-policy', 'hls-cleanup'])
  })

  test('every rule id is documented in docs/doctor.md', async () => {
    const {readFileSync} = await import('node:fs')
    const {ROOT} = await import('./load.js')
    const doc = readFileSync(`${ROOT}/docs/doctor.md`, 'utf8')
    for (const id of RULE_IDS) expect(doc).toContain(`### \`${id}\``)
  })
})

describe('resources', () => {
  test('fires without requests/limits, with role-aware advice', () => {
    const [o, e] = fired(seedInput(), 'resources')
    expect(o!.fix).toContain('origins: more CPU')
    expect(e!.fix).toContain('edges: little CPU, more memory')
    expect(e!.fix).toContain('memory: 3Gi')
  })
  test('names only what is missing; silent when all four are set', () => {
    const i = hardenedInput()
    delete srsOf(edge(i)).resources!.limits
    expect(fired(i, 'resources').map((f) => f.found)).toEqual(['container srs has no limits.cpu, limits.memory'])
    expect(fired(hardenedInput(), 'resources')).toEqual([])
  })
  test('origins writing HLS to the container disk get ephemeral-storage advice', () => {
    const i = hardenedInput()
    const sts = origin(i)
    delete srsOf(sts).resources
    srsOf(sts).volumeMounts = srsOf(sts).volumeMounts!.filter((m) => m.name !== 'cache-volume')
    expect(fired(rebuild(i), 'resources')[0]!.fix).toContain('ephemeral-storage')
  })
})

describe('probes', () => {
  test('suggests an httpGet on the SRS API /api/v1/versions', () => {
    const [f] = fired(seedInput(), 'probes')
    expect(f!.fix).toMatch(/livenessProbe:\n {2}httpGet:\n {4}path: \/api\/v1\/versions\n {4}port: 1985/)
    expect(f!.fix).toContain('readinessProbe:')
  })
  test('only the missing probe; tcpSocket on RTMP when the API is off', () => {
    const i = hardenedInput()
    delete srsOf(edge(i)).readinessProbe
    const [f] = fired(i, 'probes')
    expect(f!.found).toBe('container srs has no readinessProbe')
    expect(f!.fix).not.toContain('livenessProbe')
    const noApi = editConf(seedInput(), 'srs-edge-config', /http_api \{\n\s+enabled\s+on;/, 'http_api {\n        enabled off;')
    expect(fired(noApi, 'probes').find((x) => x.workload === 'srs-edge-deploy')!.fix).toContain('tcpSocket:\n    port: 1935')
  })
  test('silent with both probes', () => expect(fired(hardenedInput(), 'probes')).toEqual([]))
})

describe('graceful quit', () => {
  test('edge-prestop: an edge without a preStop, or with one that does not start the grace quit', () => {
    const i = hardenedInput()
    delete srsOf(edge(i)).lifecycle
    expect(fired(i, 'edge-prestop').map((f) => f.found)).toEqual(['edge container srs has no preStop hook'])
    srsOf(edge(i)).lifecycle = {preStop: {exec: {command: ['sleep', '5']}}}
    expect(fired(i, 'edge-prestop')[0]!.found).toContain('does not start')
    expect(fired(i, 'edge-prestop')[0]!.fix).toContain('["/usr/local/srs/etc/init.d/srs", "grace"]')
    srsOf(edge(i)).lifecycle = {preStop: {exec: {command: ['/bin/sh', '-c', 'kill -QUIT 1']}}}
    expect(fired(i, 'edge-prestop')).toEqual([])
    // origins may restart directly (edges retry), so no preStop is asked of them
    expect(workloads(seedInput(), 'edge-prestop')).toEqual([])
  })

  test('force-grace-quit: error on an edge without it, fix in its ConfigMap', () => {
    const i = editConf(seedInput(), 'srs-edge-config', /force_grace_quit\s+on;\n/, '')
    const [f] = fired(i, 'force-grace-quit')
    expect(f).toMatchObject({workload: 'srs-edge-deploy', severity: 'error'})
    expect(f!.found).toContain('the default')
    expect(f!.fix).toContain('force_grace_quit    on;')
    expect(fired(seedInput(), 'force-grace-quit')).toEqual([])
  })

  test('force-grace-quit: an origin asking to drain with a preStop grace hook counts too; from env without a ConfigMap', () => {
    const i = seedInput()
    srsOf(origin(i)).lifecycle = {preStop: {exec: {command: ['/usr/local/srs/etc/init.d/srs', 'grace']}}}
    expect(workloads(rebuild(i), 'force-grace-quit')).toEqual(['srs-origin'])
    const bare = inputFromYaml(`apiVersion: apps/v1
kind: Deployment
metadata: {name: e}
spec:
  selector: {matchLabels: {app: e}}
  template:
    metadata: {labels: {app: e}}
    spec:
      containers:
      - name: srs
        image: ossrs/srs:v6.0.155
        lifecycle: {preStop: {exec: {command: ["/usr/local/srs/etc/init.d/srs", "grace"]}}}
`)
    expect(fired(bare, 'force-grace-quit')[0]!.fix).toContain('name: SRS_FORCE_GRACE_QUIT')
  })

  test('grace-period: 1 s tick + grace_start_wait + grace_final_wait + the drain budget', () => {
    const w = seedInput().topology.workloads.find((x) => x.name === 'srs-edge-deploy')!
    expect(neededGraceSeconds(w, 60)).toBe(63)
    expect(fired(seedInput(), 'grace-period')).toEqual([])
    expect(fired(seedInput(), 'grace-period', {drainBudgetSeconds: 118})[0]!.found).toContain('terminationGracePeriodSeconds is 120s; draining needs at least 121s')
    const i = seedInput()
    delete edge(i).spec.template.spec.terminationGracePeriodSeconds
    const [f] = fired(rebuild(i), 'grace-period')
    expect(f!.found).toMatch(/^terminationGracePeriodSeconds is 30s/)
    expect(f!.fix).toContain('terminationGracePeriodSeconds: 120')
  })

  test('drain-version: 5.0 and 6.0 before 6.0.132 cannot drain; 4.0 and 6.0.132+ can; 3 is unverified', () => {
    expect(['v5.0.213', '5', 'v6.0.131', 'v6.0-d5'].map(drainSupport)).toEqual(['broken', 'broken', 'broken', 'broken'])
    expect(['v4.0.5', '4', 'v6.0.132', 'v6.0.155', 'v6.0-d6', 'v6.0-a1'].map(drainSupport)).toEqual(['works', 'works', 'works', 'works', 'works', 'works'])
    expect(drainSupport('3')).toBe('unverified')
    expect(['latest', '6'].map(drainSupport)).toEqual(['unknown', 'unknown'])
    const i = seedInput()
    srsOf(edge(i)).image = 'ossrs/srs:v5.0.213'
    expect(fired(rebuild(i), 'drain-version')).toEqual([expect.objectContaining({workload: 'srs-edge-deploy', severity: 'error'})])
    srsOf(edge(i)).image = 'ossrs/srs:3'
    expect(fired(rebuild(i), 'drain-version')).toEqual([
      expect.objectContaining({
        severity: 'info',
        found: 'image ossrs/srs:3 is SRS 3: only the guide says its graceful quit works (v3.0-b1); doctor has no other source for 3.x',
      }),
    ])
    // origins as written (SRS 3) are not expected to drain
    expect(fired(seedInput(), 'drain-version')).toEqual([])
  })
})

describe('reload', () => {
  test('inotify-reload fires when off, stays silent when on', () => {
    expect(workloads(seedInput(), 'inotify-reload')).toEqual(['srs-origin', 'srs-edge-deploy'])
    expect(fired(seedInput(), 'inotify-reload')[0]!.fix).toContain('inotify_auto_reload    on;')
    expect(fired(hardenedInput(), 'inotify-reload')).toEqual([])
  })
  test('inotify-reload: why auto_reload_for_docker does not help, as SRS decides it (srs_detect_docker)', () => {
    const [f] = fired(seedInput(), 'inotify-reload')
    expect(f!.why).toBe('ConfigMap edits then change the file but not the running SRS; auto_reload_for_docker turns inotify on only when SRS finds /docker in /proc/1/cgroup, which pods on containerd or cgroup v2 nodes do not show')
  })
  test('inotify-reload: a subPath mount never updates, whatever inotify says', () => {
    const i = hardenedInput()
    srsOf(edge(i)).volumeMounts = [{name: 'config-volume', mountPath: '/usr/local/srs/conf/srs.conf', subPath: 'srs.conf'}]
    const [f] = fired(rebuild(i), 'inotify-reload')
    expect(f!.found).toContain('subPath')
  })
  test('raw-api-reload: origin cluster members and edges that list origins; not a plain origin', () => {
    expect(workloads(seedInput(), 'raw-api-reload')).toEqual(['srs-origin', 'srs-edge-deploy'])
    expect(fired(hardenedInput(), 'raw-api-reload')).toEqual([])
    const single = inputFromYaml(topologyFile('single-origin.yaml'))
    expect(fired(single, 'raw-api-reload')).toEqual([])
  })
})

describe('drift', () => {
  test('a scale-down without config change: stale coworker and stale edge origin, with the corrected lists', () => {
    const i = seedInput()
    origin(i).spec.replicas = 2
    const found = fired(rebuild(i), 'drift')
    expect(found.map((f) => [f.workload, f.severity])).toEqual([
      ['srs-origin', 'error'],
      ['srs-edge-deploy', 'error'],
    ])
    expect(found[0]!.fix).toContain('coworkers       srs-origin-0.socs:1985 srs-origin-1.socs:1985;')
    expect(found[1]!.fix).toContain('origin          srs-origin-0.socs srs-origin-1.socs;')
  })
  test('a missing ConfigMap is reported; the guide as written has no drift', () => {
    const i = seedInput()
    i.objects.configMaps = i.objects.configMaps.filter((c) => c.metadata.name !== 'srs-edge-config')
    expect(fired(rebuild(i), 'drift')[0]!.found).toBe('ConfigMap srs-edge-config does not exist')
    expect(fired(seedInput(), 'drift')).toEqual([])
  })
})

describe('exposure', () => {
  test('api-port-exposed: the guide LoadBalancer srs-api-service selecting pod srs-origin-0', () => {
    const [f] = fired(seedInput(), 'api-port-exposed')
    expect(f).toMatchObject({workload: 'srs-origin', severity: 'error', found: 'Service srs-api-service (LoadBalancer) exposes the SRS API port 1985'})
    expect(f!.fix).toContain('type: ClusterIP')
  })
  test('api-port-exposed: names the releases that have http_api auth (SRS 5.0.152, 6.0.40)', () => {
    const [f] = fired(seedInput(), 'api-port-exposed')
    expect(f!.why).toBe('the SRS API kicks clients and, with raw_api, reloads the config; SRS 4, 5 before 5.0.152 and 6 before 6.0.40 have no API auth at all (http_api.auth), so the Internet would control the server')
  })
  test('api-port-exposed: a mixed public Service (single origin) keeps its streams and moves the API', () => {
    const [f] = fired(inputFromYaml(topologyFile('single-origin.yaml')), 'api-port-exposed')
    expect(f!.fix).toContain('drop port 1985 from srs-origin-service')
  })
  test('api-port-exposed: NodePort and named target ports count; ClusterIP and other ports do not', () => {
    const i = seedInput()
    const svc = i.objects.services.find((s) => s.metadata.name === 'srs-api-service')!
    svc.spec.type = 'NodePort'
    srsOf(origin(i)).ports = [{containerPort: 1985, name: 'api'}]
    svc.spec.ports = [{port: 80, targetPort: 'api'}]
    expect(workloads(i, 'api-port-exposed')).toEqual(['srs-origin'])
    svc.spec.type = 'ClusterIP'
    expect(fired(i, 'api-port-exposed')).toEqual([])
    expect(fired(hardenedInput(), 'api-port-exposed')).toEqual([])
  })
  test('api-port-exposed follows the workload http_api listen port', () => {
    const i = editConf(seedInput(), 'srs-origin-config', /listen\s+1985;/, 'listen 1986;')
    expect(fired(i, 'api-port-exposed')).toEqual([])
  })
  test('network-policy: an empty podSelector selects all; an Egress-only policy does not count', () => {
    const i = seedInput()
    i.networkPolicies = [{metadata: {name: 'egress'}, spec: {podSelector: {}, policyTypes: ['Egress']}}]
    expect(workloads(i, 'network-policy')).toEqual(['srs-origin', 'srs-edge-deploy'])
    i.networkPolicies.push({metadata: {name: 'deny'}, spec: {podSelector: {}}})
    expect(fired(i, 'network-policy')).toEqual([])
    expect(fired(hardenedInput(), 'network-policy')).toEqual([])
  })
})

describe('floating-tag', () => {
  test('major-only, latest and missing tags float; full versions, release tags and digests do not', () => {
    for (const t of ['3', 'v4', '4.0', 'latest', 'develop']) expect([t, isPinnedTag(t)]).toEqual([t, false])
    for (const t of ['v4.0.5', '4.0.271', 'v6.0.155', 'v6.0-a1', 'v5.0-r3']) expect([t, isPinnedTag(t)]).toEqual([t, true])
    const i = hardenedInput()
    srsOf(edge(i)).image = 'registry.example.com/ossrs/srs'
    expect(fired(rebuild(i), 'floating-tag')[0]!.found).toBe('image registry.example.com/ossrs/srs has no tag (so latest)')
    srsOf(edge(i)).image = 'ossrs/srs@sha256:' + 'a'.repeat(64)
    expect(fired(rebuild(i), 'floating-tag')).toEqual([])
    expect(fired(seedInput(), 'floating-tag')[0]!.fix).toContain('image: ossrs/srs:v4.0.271')
  })
})

describe('hls-cleanup', () => {
  test('HLS on pvc-nas without a CronJob fires; the guide CronJob on the same claim silences it', () => {
    expect(workloads(seedInput(), 'hls-cleanup')).toEqual(['srs-origin'])
    const withCron = inputFromYaml(topologyFile('origin-cluster.yaml'), topologyFile('hls-cleanup-cronjob.yaml'))
    expect(fired(withCron, 'hls-cleanup')).toEqual([])
    withCron.cronJobs![0]!.spec.suspend = true
    expect(workloads(withCron, 'hls-cleanup')).toEqual(['srs-origin'])
  })
  test('HLS on an emptyDir (single origin) is not a shared volume', () => {
    expect(fired(inputFromYaml(topologyFile('single-origin.yaml')), 'hls-cleanup')).toEqual([])
  })
})

describe('webrtc-affinity', () => {
  const rtcConf = `apiVersion: v1
kind: ConfigMap
metadata: {name: rtc}
data:
  srs.conf: |-
    listen 1935;
    http_api { enabled on; listen 1985; }
    rtc_server { enabled on; listen 8000; }
    vhost __defaultVhost__ { rtc { enabled on; } }
`
  const deploy = (name: string, replicas = 1) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {run: ${name}}}
  template:
    metadata: {labels: {run: ${name}, app: rtc}}
    spec:
      volumes: [{name: conf, configMap: {name: rtc}}]
      containers:
      - name: srs
        image: ossrs/srs:v6.0.155
        volumeMounts: [{name: conf, mountPath: /usr/local/srs/conf}]
`
  const svc = (affinity: string) => `---
apiVersion: v1
kind: Service
metadata: {name: rtc-svc}
spec:
  type: LoadBalancer
  selector: {app: rtc}
  ${affinity}
  ports: [{name: rtc, port: 8000, protocol: UDP}]
`
  test('two Deployments behind one Service without ClientIP affinity', () => {
    const i = inputFromYaml(rtcConf + deploy('rtc-a') + deploy('rtc-b') + svc(''))
    expect(fired(i, 'webrtc-affinity').map((f) => [f.workload, f.severity])).toEqual([
      ['rtc-a', 'error'],
      ['rtc-b', 'error'],
    ])
    expect(fired(i, 'webrtc-affinity')[0]!.fix).toContain('sessionAffinity: ClientIP')
  })
  test('silent with ClientIP affinity, with one single-pod Deployment, or without rtc', () => {
    expect(fired(inputFromYaml(rtcConf + deploy('rtc-a') + deploy('rtc-b') + svc('sessionAffinity: ClientIP')), 'webrtc-affinity')).toEqual([])
    expect(fired(inputFromYaml(rtcConf + deploy('rtc-a') + svc('')), 'webrtc-affinity')).toEqual([])
    expect(fired(inputFromYaml(rtcConf.replace('rtc { enabled on; }', '') + deploy('rtc-a') + deploy('rtc-b') + svc('')), 'webrtc-affinity')).toEqual([])
  })
  test('one Deployment with several replicas spreads sessions too', () => {
    expect(fired(inputFromYaml(rtcConf + deploy('rtc-a', 3) + svc('')), 'webrtc-affinity')[0]!.found).toContain('over 3 pods')
  })
})
