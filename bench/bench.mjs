#!/usr/bin/env node
// npm run bench: startup and status timings against the local cluster, next to what users do
// today (kubectl), measured in the same run so that machine noise hits both sides alike.
// Writes bench/results.md. Not part of the test suite: it reports numbers, it does not pass/fail.
//
//   BENCH_SIZES=100,300,1000  BENCH_RUNS=5  npm run bench      (BENCH_SEA=0: skip building the single executable)
//   BENCH_PARTS=startup,scale  npm run bench    only these parts (startup, credentials, scale, canary); a
//                                               partial run prints its rows and leaves results.md as it is
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const KUBECONFIG = path.join(ROOT, '.cluster/kubeconfig')
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const SIZES = (process.env.BENCH_SIZES ?? '100,300,1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
const MANUAL_SAMPLE = 50
const ALL_PARTS = ['startup', 'credentials', 'scale', 'canary']
const PARTS = (process.env.BENCH_PARTS ?? ALL_PARTS.join(',')).split(',').filter((p) => ALL_PARTS.includes(p))
const env = {...process.env, KUBECONFIG, PATH: `${path.join(ROOT, 'bin')}:${process.env.PATH}`, NO_COLOR: '1'}

/** Runs a command once; returns wall time (ms), peak RSS (MB) and CPU seconds as GNU time reports them. */
function once(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return {ms: Number(last[0]) * 1000, mb: Number(last[1]) / 1024, cpu: Number(last[2]) + Number(last[3]), code: r.status}
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

function measure(cmd, args, runs = RUNS) {
  const samples = Array.from({length: runs}, () => once(cmd, args))
  return {ms: median(samples.map((s) => s.ms)), mb: Math.max(...samples.map((s) => s.mb)), codes: [...new Set(samples.map((s) => s.code))]}
}

function kubectl(args, input) {
  return execFileSync('kubectl', args, {env, input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
}

const rows = []
const row = (what, ms, extra = '') => {
  rows.push(`| ${what} | ${Math.round(ms)} | ${extra} |`)
  console.log(`${what}: ${Math.round(ms)} ms ${extra}`)
}

// --- cold start -------------------------------------------------------------------------------
// Interleaved: every round runs each command once, so a burst of load on the machine hits all
// of them alike instead of whichever happened to be measured then.
// The linux-amd64 single executable of this tree (what krew installs), unless BENCH_SEA=0;
// release.mjs runs `npm run build` itself, which the dev entry needs too.
if (process.env.BENCH_SEA !== '0' && process.platform === 'linux' && process.arch === 'x64') {
  execFileSync('node', [path.join(ROOT, 'scripts/release.mjs'), '--fetch-node', '--targets', 'linux-amd64'], {cwd: ROOT, stdio: 'inherit'})
} else {
  execFileSync('npm', ['run', '--silent', 'build'], {cwd: ROOT, stdio: 'ignore'})
}
const bundle = path.join(ROOT, 'release/kubectl-srs.cjs')
const sea = path.join(ROOT, 'release/linux-amd64/kubectl-srs')
const startup = [
  ['`node -e 0` (the runtime floor)', 'node', ['-e', '0']],
  ['`kubectl version --client`', 'kubectl', ['version', '--client']],
  ['`kubectl-srs --help` (bin/run.js)', 'node', [path.join(ROOT, 'bin/run.js'), '--help']],
  ['`kubectl-srs --version` (bin/run.js)', 'node', [path.join(ROOT, 'bin/run.js'), '--version']],
  ['`kubectl srs --help` (through kubectl)', 'kubectl', ['srs', '--help']],
  // The release build (npm run release), when built: the esbuild bundle run by this node, and the
  // linux-amd64 single executable (its own Node, with V8's code cache).
  ...(existsSync(bundle)
    ? [
        ['`--help`, bundle (node release/kubectl-srs.cjs)', 'node', [bundle, '--help']],
        ['`--version`, bundle (node release/kubectl-srs.cjs)', 'node', [bundle, '--version']],
      ]
    : []),
  ...(existsSync(sea)
    ? [
        ['`--help`, single executable (release/linux-amd64/kubectl-srs)', sea, ['--help']],
        ['`--version`, single executable (release/linux-amd64/kubectl-srs)', sea, ['--version']],
      ]
    : []),
]
if (PARTS.includes('startup')) {
  const startupSamples = startup.map(() => [])
  for (let round = 0; round < 15; round++) startup.forEach(([, cmd, args], i) => startupSamples[i].push(once(cmd, args).ms))
  const node0 = median(startupSamples[0])
  startup.forEach(([what, , args], i) => {
    const ms = median(startupSamples[i])
    row(what, ms, args.includes('--help') ? `${(ms / node0).toFixed(2)}× node -e 0` : '')
  })
}

// --- status at scale --------------------------------------------------------------------------
execFileSync('bash', [path.join(ROOT, 'test/cluster/cluster.sh'), 'up'], {stdio: 'inherit'})
const clusterPids = Object.fromEntries(['kube-apiserver', 'etcd', 'podsim', 'hostfwd'].map((name) => [name, Number(readFileSync(path.join(ROOT, '.cluster/run', `${name}.pid`), 'utf8').trim())]))
/** CPU seconds each control-plane process has used so far (utime + stime from /proc). */
function clusterCpu() {
  return Object.fromEntries(
    Object.entries(clusterPids).map(([name, pid]) => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return [name, (Number(fields[11]) + Number(fields[12])) / 100]
    }),
  )
}
// --- credentials: a static token next to an exec plugin ---------------------------------------
// EKS, GKE and AKS kubeconfigs get their token from an exec plugin on every command: that path
// must cost no more than the token's (the plugin here is a shell script printing the same token).
if (PARTS.includes('credentials')) {
  const ns = 'bench-credentials'
  spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=true'], {env})
  kubectl(['create', 'namespace', ns])
  const dir = path.join(ROOT, '.cluster/bench')
  mkdirSync(dir, {recursive: true})
  const admin = readFileSync(KUBECONFIG, 'utf8')
  const token = /token: (\S+)/.exec(admin)[1]
  const plugin = path.join(dir, 'cred.sh')
  writeFileSync(plugin, `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' '${token}'\n`, {mode: 0o755})
  const execKubeconfig = path.join(dir, 'exec.kubeconfig')
  writeFileSync(execKubeconfig, admin.replace(/token: \S+/, `exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: Never}`))
  const variants = [
    ['`status`, empty namespace, token kubeconfig (bin/run.js)', KUBECONFIG],
    ['`status`, empty namespace, exec-plugin kubeconfig (bin/run.js)', execKubeconfig],
  ]
  const samples = variants.map(() => [])
  for (let round = 0; round < 15; round++) {
    variants.forEach(([, kc], i) => samples[i].push(once('node', [path.join(ROOT, 'bin/run.js'), 'status', '-n', ns, '--kubeconfig', kc]).ms))
  }
  const token0 = median(samples[0])
  variants.forEach(([what], i) => row(what, median(samples[i]), i ? `${((median(samples[i]) / token0 - 1) * 100).toFixed(0)} % vs token` : ''))
  spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=false'], {env})
}

for (const n of PARTS.includes('scale') ? SIZES : []) {
  const ns = `bench-${n}`
  spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=true'], {env})
  kubectl(['create', 'namespace', ns])
  kubectl(
    ['apply', '-n', ns, '-f', '-'],
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'srs-edge-bench'},
      spec: {
        replicas: n,
        selector: {matchLabels: {app: 'bench'}},
        template: {metadata: {labels: {app: 'bench'}, annotations: {'sim.srs.test/connections': '12', 'sim.srs.test/streams': 'live/a'}}, spec: {containers: [{name: 'srs', image: 'ossrs/srs:6', ports: [{containerPort: 1985}]}]}},
      },
    }),
  )
  const t0 = Date.now()
  for (;;) {
    const ready = Number(kubectl(['get', 'deployment', 'srs-edge-bench', '-n', ns, '-o', 'jsonpath={.status.readyReplicas}']) || 0)
    if (ready === n) break
    if (Date.now() - t0 > 300_000) throw new Error(`${n} pods not ready after 5 min`)
    execFileSync('sleep', ['1'])
  }
  console.log(`${n} pods ready in ${Date.now() - t0} ms`)
  const statusArgs = ['status', '-n', ns, '-o', 'json']
  once('kubectl', ['srs', ...statusArgs]) // warm the apiserver's caches once
  // Interleaved again: the dev entry through kubectl (as in a source checkout), the single
  // executable krew installs, and the floor (the same proxied GETs by a bare HTTP/2 client).
  const dev = []
  const shipped = []
  const floor = []
  // top's refresh is status's collection plus the frame: one `top -o json` (one refresh) next to
  // one status, both through kubectl, in the same rounds.
  const topArgs = ['top', '-n', ns, '-o', 'json']
  const topDev = []
  const topShipped = []
  const cpuSplit = {plugin: 0, 'kube-apiserver': 0, etcd: 0, podsim: 0, hostfwd: 0}
  for (let i = 0; i < RUNS; i++) {
    dev.push(once('kubectl', ['srs', ...statusArgs]))
    topDev.push(once('kubectl', ['srs', ...topArgs]))
    if (existsSync(sea)) topShipped.push(once(sea, topArgs))
    if (existsSync(sea)) {
      const before = clusterCpu()
      const r = once(sea, statusArgs)
      const after = clusterCpu()
      shipped.push(r)
      cpuSplit.plugin += r.cpu / RUNS
      for (const k of Object.keys(before)) cpuSplit[k] += (after[k] - before[k]) / RUNS
    }
    floor.push(JSON.parse(execFileSync('node', [path.join(ROOT, 'bench/floor.mjs'), ns], {env, encoding: 'utf8'})))
  }
  const summary = (samples) => ({ms: median(samples.map((s) => s.ms)), mb: Math.max(...samples.map((s) => s.mb)), cpu: median(samples.map((s) => s.cpu)), codes: [...new Set(samples.map((s) => s.code))]})
  const ours = summary(shipped.length ? shipped : dev)
  const devStatus = summary(dev)
  // The manual way: list pods, then one pod-proxy GET per pod, one after another.
  const pods = JSON.parse(kubectl(['get', 'pods', '-n', ns, '-o', 'json'])).items.map((p) => p.metadata.name)
  const list = measure('kubectl', ['get', 'pods', '-n', ns, '-o', 'json'], 3)
  const sample = pods.slice(0, MANUAL_SAMPLE)
  const s0 = Date.now()
  for (const p of sample) spawnSync('kubectl', ['get', '--raw', `/api/v1/namespaces/${ns}/pods/${p}:1985/proxy/api/v1/summaries`], {env})
  const perPod = (Date.now() - s0) / sample.length
  const manual = list.ms + perPod * n
  if (shipped.length) row(`status -o json, ${n} pods (single executable)`, ours.ms, `peak ${Math.round(ours.mb)} MB, ${ours.cpu.toFixed(1)} s CPU, exit ${ours.codes.join('/')}`)
  row(`status -o json, ${n} pods (bin/run.js through kubectl)`, devStatus.ms, `peak ${Math.round(devStatus.mb)} MB, ${devStatus.cpu.toFixed(1)} s CPU, exit ${devStatus.codes.join('/')}`)
  const topDevRun = summary(topDev)
  if (topShipped.length) {
    const t = summary(topShipped)
    row(`top -o json (one refresh), ${n} pods (single executable)`, t.ms, `peak ${Math.round(t.mb)} MB, ${t.cpu.toFixed(1)} s CPU, exit ${t.codes.join('/')}; ${((t.ms / ours.ms - 1) * 100).toFixed(0)} % vs status`)
  }
  row(
    `top -o json (one refresh), ${n} pods (bin/run.js through kubectl)`,
    topDevRun.ms,
    `peak ${Math.round(topDevRun.mb)} MB, ${topDevRun.cpu.toFixed(1)} s CPU, exit ${topDevRun.codes.join('/')}; ${((topDevRun.ms / devStatus.ms - 1) * 100).toFixed(0)} % vs status`,
  )
  const floorMs = median(floor.map((f) => f.ms))
  row(`floor: the same ${floor[0].requests} proxied GETs, bare HTTP/2 client, 32 at once`, floorMs, `client ${(median(floor.map((f) => f.cpuMs)) / 1000).toFixed(1)} s CPU; status is ${Math.round(ours.ms - floorMs)} ms above it`)
  if (shipped.length) {
    const split = Object.entries(cpuSplit)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')
    row(`CPU time of one status run, ${n} pods, all processes (${os.cpus().length} cores)`, Object.values(cpuSplit).reduce((a, b) => a + b, 0) * 1000, `seconds: ${split}`)
  }
  row(`manual: kubectl get pods + ${n} × get --raw summaries (sampled on ${sample.length}, scaled)`, manual, `${(manual / ours.ms).toFixed(1)}× slower than status`)
  spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=false'], {env})
}

// --- one canary step ---------------------------------------------------------------------------
// What `kubectl srs canary` adds on top of the pods' own start and stop: the same step done by
// hand with kubectl (apply a one-pod canary Deployment sharing the Service label, rollout status,
// scale the stable down by one, rollout status), measured in turn on the same 4-pod edge.
if (PARTS.includes('canary')) {
  const ns = 'bench-canary'
  spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=true'], {env})
  kubectl(['create', 'namespace', ns])
  kubectl(['apply', '-n', ns, '-f', path.join(ROOT, 'test/topologies/edge-cluster.yaml')])
  kubectl(['scale', '-n', ns, 'deployment/srs-edge-deploy', '--replicas=4'])
  kubectl(['rollout', 'status', '-n', ns, 'deployment/srs-edge-deploy', '--timeout=120s'])
  const stable = JSON.parse(kubectl(['get', 'deployment', 'srs-edge-deploy', '-n', ns, '-o', 'json']))
  const manualCanary = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'srs-edge-manual-canary'},
    spec: {
      replicas: 1,
      selector: {matchLabels: {app: 'srs-edge', track: 'manual-canary'}},
      template: {
        ...stable.spec.template,
        metadata: {labels: {app: 'srs-edge', track: 'manual-canary'}},
        spec: {...stable.spec.template.spec, containers: stable.spec.template.spec.containers.map((c) => ({...c, image: 'ossrs/srs:v4.0.6'}))},
      },
    },
  }
  const ours = []
  const manual = []
  const manualDrained = []
  for (let i = 0; i < RUNS; i++) {
    const a = once('kubectl', ['srs', 'canary', 'srs-edge-deploy', '-n', ns, '--to', 'v4.0.6', '--percent', '25', '-o', 'json'])
    if (a.code !== 0) throw new Error(`kubectl srs canary exited ${a.code}`)
    ours.push(a.ms)
    kubectl(['srs', 'rollback', 'srs-edge-deploy', '-n', ns, '-o', 'json'])
    const t0 = Date.now()
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(manualCanary))
    kubectl(['rollout', 'status', '-n', ns, 'deployment/srs-edge-manual-canary', '--timeout=120s'])
    kubectl(['scale', '-n', ns, 'deployment/srs-edge-deploy', '--replicas=3'])
    kubectl(['rollout', 'status', '-n', ns, 'deployment/srs-edge-deploy', '--timeout=120s'])
    manual.push(Date.now() - t0)
    // rollout status returns while the scaled-down pod is still in SRS's graceful quit; an operator
    // who must not cut streams waits for it to be gone, as the plugin does.
    const leaving = JSON.parse(kubectl(['get', 'pods', '-n', ns, '-l', 'app=srs-edge', '-o', 'json'])).items.filter((p) => p.metadata.deletionTimestamp)
    for (const p of leaving) spawnSync('kubectl', ['wait', '-n', ns, '--for=delete', `pod/${p.metadata.name}`, '--timeout=120s'], {env})
    manualDrained.push(Date.now() - t0)
    kubectl(['scale', '-n', ns, 'deployment/srs-edge-deploy', '--replicas=4'])
    kubectl(['rollout', 'status', '-n', ns, 'deployment/srs-edge-deploy', '--timeout=120s'])
    kubectl(['delete', '-n', ns, 'deployment/srs-edge-manual-canary', '--wait=true'])
  }
  row('`kubectl srs canary --percent 25` on 4 edges (waits Ready, verifies the version, drains one)', median(ours))
  row('the same step by hand: apply canary + rollout status + scale stable + rollout status', median(manual), `the plugin adds ${Math.round(median(ours) - median(manual))} ms`)
  row('… and waiting, by hand, until the scaled-down pod is gone (kubectl wait --for=delete)', median(manualDrained), `the plugin adds ${Math.round(median(ours) - median(manualDrained))} ms`)
  spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=false'], {env})
}

if (PARTS.length < ALL_PARTS.length) {
  console.log(`\npartial run (${PARTS.join(', ')}): bench/results.md left as it is`)
  process.exit(0)
}
mkdirSync(path.join(ROOT, 'bench'), {recursive: true})
const text = `# Benchmarks

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB,
Node ${process.version}, load average before the run ${os.loadavg()[0].toFixed(1)}. Medians of ${RUNS} runs (15 for start-up), taken in interleaved rounds.
Simulated SRS pods (test/cluster/podsim) behind a real kube-apiserver.

| what | ms | notes |
|---|---|---|
${rows.join('\n')}
`
writeFileSync(path.join(ROOT, 'bench/results.md'), text)
console.log(`\nwrote bench/results.md`)
