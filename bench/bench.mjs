#!/usr/bin/env node
// npm run bench: startup and status timings against the local cluster, next to what users do
// today (kubectl), measured in the same run so that machine noise hits both sides alike.
// Writes bench/results.md. Not part of the test suite: it reports numbers, it does not pass/fail.
//
//   BENCH_SIZES=100,300,1000  BENCH_RUNS=5  npm run bench
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const KUBECONFIG = path.join(ROOT, '.cluster/kubeconfig')
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const SIZES = (process.env.BENCH_SIZES ?? '100,300,1000').split(',').map(Number).filter((n) => n > 0)
const MANUAL_SAMPLE = 50
const env = {...process.env, KUBECONFIG, PATH: `${path.join(ROOT, 'bin')}:${process.env.PATH}`, NO_COLOR: '1'}

/** Runs a command once; returns wall time (ms) and peak RSS (MB) as GNU time reports them. */
function once(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
  const last = r.stderr.trim().split('\n').at(-1).split(' ')
  return {ms: Number(last[0]) * 1000, mb: Number(last[1]) / 1024, code: r.status}
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
execFileSync('npm', ['run', '--silent', 'build'], {cwd: ROOT, stdio: 'ignore'})
const node0 = measure('node', ['-e', '0'], 10)
row('`node -e 0` (the runtime floor)', node0.ms)
row('`kubectl version --client`', measure('kubectl', ['version', '--client'], 10).ms)
const help = measure('node', [path.join(ROOT, 'bin/run.js'), '--help'], 10)
row('`kubectl-srs --help` (bin/run.js)', help.ms, `${(help.ms / node0.ms).toFixed(2)}× node -e 0`)
row('`kubectl-srs --version` (bin/run.js)', measure('node', [path.join(ROOT, 'bin/run.js'), '--version'], 10).ms)
row('`kubectl srs --help` (through kubectl)', measure('kubectl', ['srs', '--help'], 10).ms)
// The release build (npm run release), when built: the esbuild bundle run by this node, and the
// linux-amd64 single executable (its own Node, with V8's code cache).
const bundle = path.join(ROOT, 'release/kubectl-srs.cjs')
const sea = path.join(ROOT, 'release/linux-amd64/kubectl-srs')
for (const arg of ['--help', '--version']) {
  if (existsSync(bundle)) row(`\`${arg}\`, bundle (node release/kubectl-srs.cjs)`, measure('node', [bundle, arg], 10).ms)
  if (existsSync(sea)) row(`\`${arg}\`, single executable (release/linux-amd64/kubectl-srs)`, measure(sea, [arg], 10).ms)
}

// --- status at scale --------------------------------------------------------------------------
execFileSync('bash', [path.join(ROOT, 'test/cluster/cluster.sh'), 'up'], {stdio: 'inherit'})
for (const n of SIZES) {
  const ns = `bench-${n}`
  spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=true'], {env})
  kubectl(['create', 'namespace', ns])
  kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'srs-edge-bench'},
    spec: {replicas: n, selector: {matchLabels: {app: 'bench'}}, template: {metadata: {labels: {app: 'bench'}, annotations: {'sim.srs.test/connections': '12', 'sim.srs.test/streams': 'live/a'}}, spec: {containers: [{name: 'srs', image: 'ossrs/srs:6', ports: [{containerPort: 1985}]}]}}},
  }))
  const t0 = Date.now()
  for (;;) {
    const ready = Number(kubectl(['get', 'deployment', 'srs-edge-bench', '-n', ns, '-o', 'jsonpath={.status.readyReplicas}']) || 0)
    if (ready === n) break
    if (Date.now() - t0 > 300_000) throw new Error(`${n} pods not ready after 5 min`)
    execFileSync('sleep', ['1'])
  }
  console.log(`${n} pods ready in ${Date.now() - t0} ms`)
  once('kubectl', ['srs', 'status', '-n', ns, '-o', 'json']) // warm the apiserver's caches once
  const ours = measure('kubectl', ['srs', 'status', '-n', ns, '-o', 'json'])
  // The manual way: list pods, then one pod-proxy GET per pod, one after another.
  const pods = JSON.parse(kubectl(['get', 'pods', '-n', ns, '-o', 'json'])).items.map((p) => p.metadata.name)
  const list = measure('kubectl', ['get', 'pods', '-n', ns, '-o', 'json'], 3)
  const sample = pods.slice(0, MANUAL_SAMPLE)
  const s0 = Date.now()
  for (const p of sample) spawnSync('kubectl', ['get', '--raw', `/api/v1/namespaces/${ns}/pods/${p}:1985/proxy/api/v1/summaries`], {env})
  const perPod = (Date.now() - s0) / sample.length
  const manual = list.ms + perPod * n
  row(`status -o json, ${n} pods`, ours.ms, `peak ${Math.round(ours.mb)} MB, exit ${ours.codes.join('/')}`)
  row(`manual: kubectl get pods + ${n} × get --raw summaries (sampled on ${sample.length}, scaled)`, manual, `${(manual / ours.ms).toFixed(1)}× slower than status`)
  spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=false'], {env})
}

// --- one canary step ---------------------------------------------------------------------------
// What `kubectl srs canary` adds on top of the pods' own start and stop: the same step done by
// hand with kubectl (apply a one-pod canary Deployment sharing the Service label, rollout status,
// scale the stable down by one, rollout status), measured in turn on the same 4-pod edge.
{
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
    kubectl(['scale', '-n', ns, 'deployment/srs-edge-deploy', '--replicas=4'])
    kubectl(['rollout', 'status', '-n', ns, 'deployment/srs-edge-deploy', '--timeout=120s'])
    kubectl(['delete', '-n', ns, 'deployment/srs-edge-manual-canary', '--wait=true'])
  }
  row('`kubectl srs canary --percent 25` on 4 edges (waits Ready, verifies the version, drains one)', median(ours))
  row('the same step by hand: apply canary + rollout status + scale stable + rollout status', median(manual), `the plugin adds ${Math.round(median(ours) - median(manual))} ms`)
  spawnSync('kubectl', ['delete', 'namespace', ns, '--wait=false'], {env})
}

mkdirSync(path.join(ROOT, 'bench'), {recursive: true})
const text = `# Benchmarks

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB,
Node ${process.version}, load average before the run ${os.loadavg()[0].toFixed(1)}. Medians of ${RUNS} runs (10 for start-up).
Simulated SRS pods (test/cluster/podsim) behind a real kube-apiserver.

| what | ms | notes |
|---|---|---|
${rows.join('\n')}
`
writeFileSync(path.join(ROOT, 'bench/results.md'), text)
console.log(`\nwrote bench/results.md`)
