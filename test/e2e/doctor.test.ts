/**
 * kubectl srs doctor end to end on the local cluster. Three namespaces, applied once each:
 * - seed: the guide's origin cluster + edges as written (test/topologies), which the seeds warn about;
 * - hardened: the same objects hardened (test/e2e/fixtures/hardened-topology.yaml), where nothing fires;
 * - regressions: what neither covers — origins scaled down without a config change (drift) and a
 *   WebRTC edge pair on SRS 5 without graceful quit behind one Service without session affinity.
 * Every rule must fire exactly on its expected workloads and never on the hardened namespace.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import path from 'node:path'
import type {DoctorReport} from '../../src/lib/doctor/index.js'
import {RULE_IDS} from '../../src/lib/doctor/rules/index.js'
import {createNamespace, kubectl, ROOT, srs} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')
const HARDENED = path.join(ROOT, 'test/e2e/fixtures/hardened-topology.yaml')

const RTC_EDGES = `apiVersion: v1
kind: ConfigMap
metadata:
  name: srs-rtc-edge-config
data:
  srs.conf: |-
    listen              1935;
    max_connections     1000;
    daemon              off;
    http_api {
        enabled         on;
        listen          1985;
    }
    rtc_server {
        enabled         on;
        listen          8000;
    }
    vhost __defaultVhost__ {
        cluster {
            mode            remote;
            origin          srs-origin-0.socs srs-origin-1.socs srs-origin-2.socs;
        }
        rtc {
            enabled     on;
        }
    }
${['a', 'b']
  .map(
    (x) => `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: srs-rtc-${x}
spec:
  replicas: 1
  selector:
    matchLabels:
      run: srs-rtc-${x}
  template:
    metadata:
      labels:
        run: srs-rtc-${x}
        app: srs-rtc
    spec:
      volumes:
      - name: config-volume
        configMap:
          name: srs-rtc-edge-config
      containers:
      - name: srs
        image: ossrs/srs:v5.0.213
        ports:
        - containerPort: 1935
        - containerPort: 1985
        - containerPort: 8000
          protocol: UDP
        volumeMounts:
        - name: config-volume
          mountPath: /usr/local/srs/conf
`,
  )
  .join('')}---
apiVersion: v1
kind: Service
metadata:
  name: srs-rtc-service
spec:
  type: LoadBalancer
  selector:
    app: srs-rtc
  ports:
  - name: rtmp
    port: 1935
    protocol: TCP
  - name: webrtc
    port: 8000
    protocol: UDP
`

type Where = 'seed' | 'regressions'

/** Where each rule fires, on which workloads. A new rule must be added here (checked below). */
const EXPECTED: Record<string, [Where, string[]]> = {
  resources: ['seed', ['srs-edge-deploy', 'srs-origin']],
  probes: ['seed', ['srs-edge-deploy', 'srs-origin']],
  'edge-prestop': ['regressions', ['srs-rtc-a', 'srs-rtc-b']],
  'grace-period': ['regressions', ['srs-rtc-a', 'srs-rtc-b']],
  'force-grace-quit': ['regressions', ['srs-rtc-a', 'srs-rtc-b']],
  'drain-version': ['regressions', ['srs-rtc-a', 'srs-rtc-b']],
  'inotify-reload': ['seed', ['srs-edge-deploy', 'srs-origin']],
  'raw-api-reload': ['seed', ['srs-edge-deploy', 'srs-origin']],
  drift: ['regressions', ['srs-origin', 'srs-rtc-a', 'srs-rtc-b']],
  'api-port-exposed': ['seed', ['srs-origin']],
  'floating-tag': ['seed', ['srs-origin']],
  'network-policy': ['seed', ['srs-edge-deploy', 'srs-origin']],
  'hls-cleanup': ['seed', ['srs-origin']],
  'webrtc-affinity': ['regressions', ['srs-rtc-a', 'srs-rtc-b']],
}

const ns = {} as Record<Where | 'hardened', {name: string; remove: () => void}>
const reports = {} as Record<Where | 'hardened', {code: number; report: DoctorReport}>

async function doctor(namespace: string, args: string[] = []): Promise<{code: number; report: DoctorReport; stderr: string}> {
  const r = await srs(['doctor', '-n', namespace, '-o', 'json', ...args])
  if (!r.stdout) throw new Error(`doctor printed nothing (exit ${r.code}): ${r.stderr}`)
  return {code: r.code, report: JSON.parse(r.stdout) as DoctorReport, stderr: r.stderr}
}

beforeAll(async () => {
  ns.seed = createNamespace('doctor-seed')
  ns.hardened = createNamespace('doctor-hardened')
  ns.regressions = createNamespace('doctor-regr')
  kubectl(['apply', '-n', ns.seed.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', path.join(TOPO, 'edge-cluster.yaml')])
  kubectl(['apply', '-n', ns.hardened.name, '-f', HARDENED])
  kubectl(['apply', '-n', ns.regressions.name, '-f', path.join(TOPO, 'origin-cluster.yaml'), '-f', '-'], RTC_EDGES)
  // Two origins run while every list still names three: the drift add-origin/scale-down leaves.
  kubectl(['scale', '-n', ns.regressions.name, 'statefulset/srs-origin', '--replicas=2'])
  for (const k of ['seed', 'hardened', 'regressions'] as const) reports[k] = await doctor(ns[k].name)
}, 120_000)

afterAll(() => {
  for (const n of Object.values(ns)) n?.remove()
})

const firing = (k: Where | 'hardened', rule: string) =>
  reports[k].report.findings
    .filter((f) => f.rule === rule)
    .map((f) => f.workload)
    .sort()

describe('doctor on the guide as written, a hardened variant, and regressions', () => {
  test('every rule has an expected end-to-end case', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...RULE_IDS].sort())
  })

  test.each(Object.entries(EXPECTED))('%s fires where expected and never on the hardened topology', (rule, [where, expected]) => {
    expect(firing(where, rule)).toEqual(expected)
    expect(firing('hardened', rule)).toEqual([])
    for (const f of reports[where].report.findings.filter((x) => x.rule === rule)) {
      expect(f.namespace).toBe(ns[where].name)
      expect(f.why).not.toContain('\n')
      expect(f.fix.trim()).not.toBe('')
    }
  })

  test('the guide as written: what the seeds warn about, exit 3 on the exposed API port (error)', () => {
    const {code, report} = reports.seed
    expect(code).toBe(3)
    expect(report).toMatchObject({kind: 'SrsDoctorReport', failOn: 'error', summary: {workloads: 2, errors: 1, failed: true}})
    expect(report.findings).toContainEqual(expect.objectContaining({rule: 'floating-tag', workload: 'srs-origin', found: 'image ossrs/srs:3 has the floating tag 3'}))
    expect(report.findings).toContainEqual(expect.objectContaining({rule: 'probes', workload: 'srs-edge-deploy', severity: 'warning'}))
    expect(report.findings).toContainEqual(expect.objectContaining({rule: 'resources', workload: 'srs-origin', found: 'container srs has no resource requests or limits'}))
  })

  test('the hardened variant: no findings, exit 0 even with --fail-on warning', async () => {
    expect(reports.hardened.code).toBe(0)
    expect(reports.hardened.report.findings).toEqual([])
    expect(reports.hardened.report.summary).toMatchObject({workloads: 2, errors: 0, warnings: 0, info: 0, failed: false})
    const strict = await srs(['doctor', '-n', ns.hardened.name, '--fail-on', 'warning'])
    expect(strict.code).toBe(0)
    expect(strict.stdout).toBe(`No findings: 2 SRS workloads checked in namespace ${ns.hardened.name}.\n`)
  })

  test('--fail-on and --skip decide the exit status', async () => {
    const edgeOnly = await doctor(ns.seed.name, ['srs-edge-deploy'])
    expect(edgeOnly.report.workloads.map((w) => w.name)).toEqual(['srs-edge-deploy'])
    expect(edgeOnly.code).toBe(0) // warnings only
    expect((await doctor(ns.seed.name, ['srs-edge-deploy', '--fail-on', 'warning'])).code).toBe(3)
    expect((await doctor(ns.seed.name, ['--skip', 'api-port-exposed'])).code).toBe(0)
  })

  test('the table: one line per finding, then the fixes', async () => {
    const r = await srs(['doctor', '-n', ns.seed.name])
    expect(r.code).toBe(3)
    expect(r.stdout).toMatch(/^SEVERITY\s+RULE\s+WORKLOAD\s+FOUND$/m)
    expect(r.stdout).toMatch(/^error\s+api-port-exposed\s+statefulset\/srs-origin\s+Service srs-api-service \(LoadBalancer\) exposes the SRS API port 1985$/m)
    expect(r.stdout).toMatch(/^warning\s+floating-tag\s+statefulset\/srs-origin\s+image ossrs\/srs:3/m)
    expect(r.stdout).toContain('\nFixes\n')
    expect(r.stdout).toContain('       path: /api/v1/versions')
    expect(r.stdout).toMatch(/1 error, 12 warnings, 0 info in 2 SRS workloads/)
  })

  test('-o yaml, an unknown workload (exit 1) and an unknown rule (exit 2)', async () => {
    const yaml = await srs(['doctor', '-n', ns.regressions.name, '-o', 'yaml'])
    expect(yaml.code).toBe(3)
    expect(yaml.stdout).toContain('kind: SrsDoctorReport')
    expect(yaml.stdout).toContain('rule: webrtc-affinity')
    const missing = await srs(['doctor', 'nope', '-n', ns.seed.name])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no SRS Deployment or StatefulSet named "nope"')
    const bad = await srs(['doctor', '--skip', 'nope', '-n', ns.seed.name])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('unknown rule "nope"')
  })
})
