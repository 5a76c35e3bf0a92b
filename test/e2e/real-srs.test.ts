/**
 * podsim's real-SRS mode (test/cluster/README.md, "Real SRS builds"), on a cluster of its own
 * started with SRS_K8S_REAL_SRS: pods of a mapped image run the build's objs/srs in a network
 * namespace of their own. No SRS build exists here, so the build folder's objs/srs is podsim's
 * stand-in (podsim called as `srs`), a real process that reads -c and listens where its
 * config says.
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {eventually} from '../helpers/cli.js'
import {ownCluster, type OwnCluster} from '../helpers/own-cluster.js'

const NS = 'live'

let cluster: OwnCluster | undefined
let build = ''

function k(args: string[], input?: string): string {
  return cluster!.kubectl(args, input)
}

function proxied(pod: string, port: number, p: string): string {
  return k(['get', '--raw', `/api/v1/namespaces/${NS}/pods/${pod}:${port}/proxy${p}`])
}

interface Standin {
  pid: number
  conf: string
  confNow: string
  cwd: string
  pidFile: string
  local: string
}

const config = (extra: string): string => `listen 1935; daemon off;${extra}\nhttp_api { enabled on; listen 1986; }\n`

function manifest(conf: string): string {
  const indented = conf
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: srs-real-config}
data:
  srs.conf: |
${indented}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: srs-real}
spec:
  replicas: 2
  selector: {matchLabels: {app: srs-real}}
  template:
    metadata: {labels: {app: srs-real}}
    spec:
      terminationGracePeriodSeconds: 10
      volumes: [{name: config-volume, configMap: {name: srs-real-config}}]
      containers:
      - name: srs
        image: ossrs/srs:6
        command: ["./objs/srs", "-c", "conf/srs.conf"]
        ports: [{containerPort: 1986}]
        volumeMounts: [{name: config-volume, mountPath: /usr/local/srs/conf}]
        lifecycle: {preStop: {exec: {command: ["/usr/local/srs/etc/init.d/srs", "grace"]}}}
`
}

function pods(): {name: string; ip: string}[] {
  const list = JSON.parse(k(['get', 'pods', '-n', NS, '-l', 'app=srs-real', '-o', 'json'])) as {
    items: {metadata: {name: string; deletionTimestamp?: string}; status: {podIP?: string}}[]
  }
  return list.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => ({name: p.metadata.name, ip: p.status.podIP ?? ''}))
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function veths(): string {
  return execFileSync('ip', ['-n', cluster!.netns, '-o', 'link', 'show', 'type', 'veth'], {encoding: 'utf8'})
}

beforeAll(async () => {
  build = mkdtempSync(path.join(os.tmpdir(), 'srs-realsrs-build-'))
  mkdirSync(path.join(build, 'objs'))
  cluster = await ownCluster('rs', `ossrs/srs:6=${build}`)
  symlinkSync(path.join(cluster.state, 'bin/podsim'), path.join(build, 'objs/srs')) // the global setup built everything
  cluster.up()
  k(['create', 'namespace', NS])
}, 240_000)

afterAll(() => {
  cluster?.down()
  if (build) rmSync(build, {recursive: true, force: true})
}, 120_000)

describe('real SRS builds for mapped images', () => {
  test('each pod runs the build in its own network namespace, on the port its ConfigMap names, and quits on delete', async () => {
    k(['apply', '-n', NS, '-f', '-'], manifest(config('')))
    k(['rollout', 'status', '-n', NS, 'deployment/srs-real', '--timeout', '60s'])
    k(['run', 'sim', '-n', NS, '--image', 'ossrs/srs:4', '--port', '1985'])

    // Both answer through the apiserver's pod proxy at their own IP on 1986, as the real
    // process: the stand-in's version, not the simulated 6.0.155; 1985 is not listened on.
    const running = pods()
    expect(running).toHaveLength(2)
    const seen: Standin[] = []
    for (const pod of running) {
      expect(JSON.parse(proxied(pod.name, 1986, '/api/v1/versions')).data.version).toBe('6.0.0')
      const s = JSON.parse(proxied(pod.name, 1986, '/standin')) as Standin
      expect({local: s.local, cwd: s.cwd, conf: s.conf, confNow: s.confNow, pidFile: s.pidFile}).toEqual({
        local: `${pod.ip}:1986`,
        cwd: '/usr/local/srs',
        conf: 'conf/srs.conf',
        confNow: config(''),
        pidFile: String(s.pid),
      })
      expect(() => proxied(pod.name, 1985, '/api/v1/versions')).toThrow()
      seen.push(s)
    }
    expect(seen[0]!.pid).not.toBe(seen[1]!.pid)
    expect(veths().trim().split('\n')).toHaveLength(2)

    // The image that is not mapped keeps the simulated SRS.
    await eventually('sim answering', () => JSON.parse(proxied('sim', 1985, '/api/v1/versions')).data.version === '4.0.271')

    // A ConfigMap change reaches the file the real process reads (the projected ..data swap).
    const t0 = Date.now()
    k(['apply', '-n', NS, '-f', '-'], manifest(config(' server_id changed;')))
    await eventually('changed config seen by both', () => pods().every((p) => (JSON.parse(proxied(p.name, 1986, '/standin')) as Standin).confNow === config(' server_id changed;')))
    console.log(`ConfigMap change seen by the real processes after ${Date.now() - t0} ms`)

    // Scale to zero: the preStop grace hook becomes SIGQUIT; processes, veths and routes go,
    // the logs stay in the pods' state folders.
    k(['scale', '-n', NS, 'deployment/srs-real', '--replicas', '0'])
    k(['wait', '-n', NS, '--for=delete', 'pod', '-l', 'app=srs-real', '--timeout', '30s'])
    for (const [i, pod] of running.entries()) {
      await eventually(`pid ${seen[i]!.pid} gone`, () => !alive(seen[i]!.pid), {timeoutMs: 5000})
      const log = readFileSync(path.join(cluster!.state, 'podsim/pods', NS, pod.name, 'srs.log'), 'utf8')
      expect(log).toContain('got SIGQUIT: graceful quit')
      expect(execFileSync('ip', ['-n', cluster!.netns, 'route', 'show', 'table', 'local', `${pod.ip}/32`], {encoding: 'utf8'})).toBe('')
    }
    expect(veths()).toBe('')
  })
})
