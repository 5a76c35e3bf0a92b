/**
 * `kubectl logs` on the local cluster: the apiserver asks podsim's kubelet server
 * (/containerLogs), which serves what a Job pod's process printed and what a simulated SRS
 * prints to its console (start, reload, quit), as a kubelet would.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {spawnSync} from 'node:child_process'
import {createNamespace, eventually, KUBECONFIG, kubectl, kubectlJson, run} from '../helpers/cli.js'

let ns: {name: string; remove: () => void}
const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /

beforeAll(() => {
  ns = createNamespace('logs')
})
afterAll(() => ns?.remove())

function kubectlFails(args: string[]): Promise<{code: number; stderr: string}> {
  return run('kubectl', args, {env: {...process.env, KUBECONFIG}})
}

describe('kubectl logs', () => {
  test('of a Job pod: what its command wrote to stdout and stderr, with timestamps on request', async () => {
    kubectl(['create', 'job', 'echoes', '-n', ns.name, '--image', 'busybox:1.36', '--', '/bin/sh', '-c', 'echo first; echo second >&2; printf third'])
    kubectl(['wait', '-n', ns.name, '--for=condition=Complete', 'job/echoes', '--timeout=60s'])
    // stdout and stderr are separate pipes (as under containerd): lines keep their order within a
    // stream, not across streams, so 'second' (stderr) may land anywhere.
    const lines = kubectl(['logs', '-n', ns.name, 'job/echoes']).trimEnd().split('\n')
    expect([...lines].sort()).toEqual(['first', 'second', 'third'])
    expect(lines.filter((l) => l !== 'second')).toEqual(['first', 'third'])
    expect(kubectl(['logs', '-n', ns.name, 'job/echoes', '--tail', '1'])).toBe(`${lines.at(-1)}\n`)
    const stamped = kubectl(['logs', '-n', ns.name, 'job/echoes', '--timestamps']).trimEnd().split('\n')
    expect(stamped).toHaveLength(3)
    for (const line of stamped) expect(line).toMatch(RFC3339_NANO)
    expect(stamped.map((l) => l.replace(RFC3339_NANO, ''))).toEqual(lines)
  })

  test('of an SRS pod: the lines SRS prints at start and on a reload; --previous after a restart', async () => {
    kubectl(['create', 'deployment', 'srs', '-n', ns.name, '--image', 'ossrs/srs:6'])
    kubectl(['rollout', 'status', '-n', ns.name, 'deployment/srs', '--timeout', '60s'])
    const pod = kubectlJson<{items: {metadata: {name: string}}[]}>(['get', 'pods', '-n', ns.name, '-l', 'app=srs']).items[0]!.metadata.name
    expect(kubectl(['logs', '-n', ns.name, pod])).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]\[INFO\]\[\d+\]\[\w+\] XCORE-SRS\/6\.0\.\d+\n/)
    const none = await kubectlFails(['logs', '-n', ns.name, pod, '--previous'])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain(`previous terminated container "srs" in pod "${pod}" not found`)

    const netns = process.env.SRS_K8S_NETNS ?? 'srsk8s'
    const signal = (sig: string) => spawnSync('ip', ['netns', 'exec', netns, 'curl', '-sf', '-X', 'POST', `http://127.0.0.1:19850/pods/${ns.name}/${pod}/signal?sig=${sig}`], {encoding: 'utf8'})
    expect(signal('HUP').status).toBe(0)
    await eventually('the reload in the log', () => kubectl(['logs', '-n', ns.name, pod]).includes('reload config success, state=90.'))

    // A fast quit ends this instance; the container restarts and its former log is --previous.
    expect(signal('INT').status).toBe(0)
    await eventually('restartCount 1', () => kubectlJson<{status: {containerStatuses?: {restartCount: number; ready: boolean}[]}}>(['get', 'pod', pod, '-n', ns.name]).status.containerStatuses?.some((c) => c.restartCount === 1 && c.ready))
    const previous = kubectl(['logs', '-n', ns.name, pod, '--previous'])
    for (const line of ['XCORE-SRS/6.', 'reload config success, state=90.', 'sig=2, user terminate program, fast quit', 'main cycle terminated, system quit normally.', 'srs terminated']) {
      expect([line, previous.includes(line)]).toEqual([line, true])
    }
    const current = kubectl(['logs', '-n', ns.name, pod])
    expect(current).toContain('XCORE-SRS/6.')
    expect(current).not.toContain('reload config success')
  })
})
