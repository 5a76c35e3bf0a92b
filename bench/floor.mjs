#!/usr/bin/env node
// The floor under `status`: the same proxied GETs status makes (summaries and the streams page of
// every pod), sent by a bare HTTP/2 client over one connection with status's default concurrency,
// answers read and dropped. What is left of status's time above this is ours (start-up, listing,
// parsing, the report); this part is the control plane's (apiserver, etcd, the pods).
//
//   node bench/floor.mjs NAMESPACE [CONCURRENCY]   → prints {"ms":…,"cpuMs":…,"requests":…} on stdout
//
// Uses the built dist/ for the kubeconfig only (same credentials as status).
import http2 from 'node:http2'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const {resolveKubeconfig} = await import(path.join(ROOT, 'dist/lib/kube/kubeconfig.js'))
const {staticCredentials} = await import(path.join(ROOT, 'dist/lib/kube/client.js'))

const [ns, concurrencyArg] = process.argv.slice(2)
if (!ns) {
  console.error('usage: node bench/floor.mjs NAMESPACE [CONCURRENCY]')
  process.exit(2)
}
const concurrency = Number(concurrencyArg ?? 32)
const config = resolveKubeconfig({}, process.env)
const tls = staticCredentials(config)
if (!tls) throw new Error('the floor measurement needs static credentials in the kubeconfig')
const session = http2.connect(new URL(config.server).origin, {ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized})
const auth = tls.headers?.Authorization

function get(p) {
  return new Promise((resolve, reject) => {
    const stream = session.request({':path': p, ...(auth ? {authorization: auth} : {}), accept: 'application/json, */*'})
    const chunks = []
    let status = 0
    stream.on('response', (h) => (status = h[':status']))
    stream.on('data', (c) => chunks.push(c))
    stream.on('end', () => resolve({status, body: Buffer.concat(chunks).toString('utf8')}))
    stream.on('error', reject)
  })
}

const list = await get(`/api/v1/namespaces/${ns}/pods?limit=5000`)
const pods = JSON.parse(list.body)
  .items.filter((p) => p.status?.podIP)
  .map((p) => p.metadata.name)
const paths = pods.flatMap((p) => [`/api/v1/namespaces/${ns}/pods/${p}:1985/proxy/api/v1/summaries`, `/api/v1/namespaces/${ns}/pods/${p}:1985/proxy/api/v1/streams/?start=0&count=100`])

const cpu0 = process.cpuUsage()
const t0 = performance.now()
let next = 0
let failed = 0
await Promise.all(
  Array.from({length: concurrency}, async () => {
    while (next < paths.length) {
      const answer = await get(paths[next++])
      if (answer.status !== 200) failed++
    }
  }),
)
const ms = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
session.close()
console.log(JSON.stringify({ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), requests: paths.length, failed}))
