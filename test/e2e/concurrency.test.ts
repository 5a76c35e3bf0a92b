/**
 * Concurrency that origins.test.ts (two add-origin at once) does not cover:
 * - add-origin while someone keeps editing another key of the same ConfigMap: the list edit is a
 *   read-modify-write with the read's resourceVersion, so the other key survives byte for byte;
 * - canary while the stable Deployment is still rolling out: refused, clearly, nothing changed.
 */
import {afterAll, describe, expect, test} from '@jest/globals'
import path from 'node:path'
import type {OriginChangeResult} from '../../src/lib/origin/result.js'
import {createNamespace, eventually, kubectl, kubectlJson, ROOT, run, srs} from '../helpers/cli.js'

const TOPO = path.join(ROOT, 'test/topologies')
const namespaces: {remove: () => void}[] = []
afterAll(() => namespaces.forEach((n) => n.remove()))

async function setup(prefix: string, files: string[], pods: number): Promise<string> {
  const ns = createNamespace(prefix)
  namespaces.push(ns)
  kubectl(['apply', '-n', ns.name, ...files.flatMap((f) => ['-f', path.join(TOPO, f)])])
  await eventually(`${pods} pods Running`, () => kubectlJson<{items: {status: {phase: string}}[]}>(['get', 'pods', '-n', ns.name]).items.filter((p) => p.status.phase === 'Running').length >= pods, {timeoutMs: 120_000})
  return ns.name
}

const configMap = (ns: string, name: string) => kubectlJson<{data: Record<string, string>}>(['get', 'configmap', name, '-n', ns]).data

describe('concurrent edits', () => {
  test('add-origin while another key of the same ConfigMap is edited over and over: that key survives byte for byte', async () => {
    const ns = await setup('conc-cm', ['pvc.yaml', 'origin-cluster.yaml', 'edge-cluster.yaml'], 5)
    const before = configMap(ns, 'srs-origin-config')['srs.conf']!
    // Bytes an editor must not touch: CRLF, tabs, trailing blanks, unicode, no final newline.
    const value = (i: number) => `# note ${i}\r\n\tkey = "värde ✓" \u00a0 \n{{ not yaml }}; ${'x'.repeat(i % 7)}  `
    let written = -1
    let stop = false
    const editor = (async () => {
      for (let i = 0; !stop; i++) {
        const r = await run('kubectl', ['patch', 'configmap', 'srs-origin-config', '-n', ns, '--type', 'merge', '-p', JSON.stringify({data: {'notes.txt': value(i)}})])
        if (r.code !== 0) throw new Error(r.stderr)
        written = i
      }
    })()
    await eventually('the editor running', () => written >= 1)
    const startedAt = written
    const r = await srs(['add-origin', '-n', ns, '--no-wait', '-o', 'json'], {timeoutMs: 240_000})
    const during = written - startedAt
    stop = true
    await editor
    // The other key really was being written all through the command.
    expect(during).toBeGreaterThanOrEqual(3)
    expect([0, 3]).toContain(r.code) // 3: written, waiting for SRS 3 to load the lists (it cannot say)
    const result = JSON.parse(r.stdout) as OriginChangeResult
    expect(result.added).toEqual(['srs-origin-3.socs'])
    const after = configMap(ns, 'srs-origin-config')
    expect(after['notes.txt']).toBe(value(written))
    const four = [0, 1, 2, 3].map((i) => `srs-origin-${i}.socs:1985`).join(' ')
    expect(after['srs.conf']).toContain(`coworkers       ${four};`)
    // Only the coworkers line changed in srs.conf.
    expect(after['srs.conf']!.replace(/coworkers .*;/, '')).toBe(before.replace(/coworkers .*;/, ''))
    expect(configMap(ns, 'srs-edge-config')['srs.conf']).toContain(`origin          ${[0, 1, 2, 3].map((i) => `srs-origin-${i}.socs`).join(' ')};`)
  })

  test('canary while the stable Deployment is still rolling out: refused with what to do, nothing changed', async () => {
    const ns = await setup('conc-roll', ['edge-cluster.yaml'], 2)
    // A template change whose new pods start only after 60 s: the rollout is in progress meanwhile.
    kubectl(['patch', 'deployment', 'srs-edge-deploy', '-n', ns, '--type', 'merge', '-p', JSON.stringify({spec: {template: {metadata: {annotations: {'sim.srs.test/start-delay-ms': '60000'}}}}})])
    const snapshot = () => kubectl(['get', 'deployments', '-n', ns, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.replicas} {.spec.template.spec.containers[0].image} {.metadata.annotations}{"\\n"}{end}'])
    const before = snapshot()
    const r = await srs(['canary', 'srs-edge-deploy', '-n', ns, '--to', 'v4.0.6', '--percent', '50'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error: Deployment srs-edge-deploy is still rolling out$/m)
    expect(r.stderr).toMatch(/^hint: wait for `kubectl rollout status deployment\/srs-edge-deploy`, then run the canary again$/m)
    expect(snapshot()).toBe(before)
    expect(snapshot()).not.toContain('srs-edge-deploy-canary')
  })
})
