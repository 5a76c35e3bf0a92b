/**
 * The REST client's transport against real local TLS servers: HTTP/2 when the server speaks it,
 * HTTP/1.1 when it does not (a TLS proxy in front of the apiserver), a new session after the
 * server went away, and DISABLE_HTTP2. (The apiserver itself is exercised by every e2e test.)
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import http2 from 'node:http2'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {createKubeClient} from '../../../src/lib/kube/client.js'
import {H2Connection} from '../../../src/lib/kube/h2.js'
import {resolveKubeconfig} from '../../../src/lib/kube/kubeconfig.js'
import {Resources} from '../../../src/lib/kube/resources.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'srs-h2-'))
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], {stdio: 'ignore'})
const tls = {key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`)}

/** Answers a pod list naming the protocol that carried the request and the token it saw. */
function answer(httpVersion: string, auth: string | undefined): string {
  return JSON.stringify({kind: 'PodList', apiVersion: 'v1', metadata: {resourceVersion: '1'}, items: [{metadata: {name: `via-${httpVersion}`, annotations: {auth: auth ?? ''}}}]})
}

function kubeconfigFor(port: number, serverPath = ''): string {
  const file = path.join(dir, `kc-${port}${serverPath.replace(/\//g, '_')}`)
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:' + port + serverPath + '", certificate-authority: ' + `${dir}/cert.pem` + '}}]',
      'users: [{name: u, user: {token: t0k3n}}]',
      'contexts: [{name: x, context: {cluster: c, user: u, namespace: live}}]',
      'current-context: x',
    ].join('\n'),
  )
  return file
}

async function listPodNames(port: number, env: NodeJS.ProcessEnv = {}): Promise<{names: string[]; auth: string[]}> {
  const saved = process.env.DISABLE_HTTP2
  if (env.DISABLE_HTTP2 === undefined) delete process.env.DISABLE_HTTP2
  else process.env.DISABLE_HTTP2 = env.DISABLE_HTTP2
  try {
    const kube = await createKubeClient(resolveKubeconfig({kubeconfig: kubeconfigFor(port)}, {}), {requestTimeoutMs: 5000})
    try {
      const list = await kube.list<{metadata: {name: string; annotations: {auth: string}}}>(Resources.pods)
      return {names: list.items.map((p) => p.metadata.name), auth: list.items.map((p) => p.metadata.annotations.auth)}
    } finally {
      kube.close()
    }
  } finally {
    if (saved === undefined) delete process.env.DISABLE_HTTP2
    else process.env.DISABLE_HTTP2 = saved
  }
}

const sessions: http2.ServerHttp2Session[] = []

describe('kube client transport', () => {
  let both: http2.Http2SecureServer
  let h1only: https.Server
  const port = (s: {address(): AddressInfo | string | null}) => (s.address() as AddressInfo).port

  beforeAll(async () => {
    both = http2.createSecureServer({...tls, allowHTTP1: true}, (req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(answer(req.httpVersion, req.headers.authorization))
    })
    h1only = https.createServer(tls, (req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(answer(req.httpVersion, req.headers.authorization))
    })
    both.on('session', (s) => sessions.push(s))
    await Promise.all([new Promise<void>((r) => both.listen(0, '127.0.0.1', r)), new Promise<void>((r) => h1only.listen(0, '127.0.0.1', r))])
  })

  afterAll(async () => {
    // Closing waits for open sessions: a client that leaves one open would show here as a hang.
    await Promise.all([new Promise((r) => both.close(r)), new Promise((r) => h1only.close(r))])
  }, 10_000)

  it('speaks HTTP/2 to a server that offers it, with the credentials of the kubeconfig', async () => {
    expect(await listPodNames(port(both))).toEqual({names: ['via-2.0'], auth: ['Bearer t0k3n']})
  })

  it('falls back to HTTP/1.1 when the server (or a TLS proxy) does not speak HTTP/2', async () => {
    expect(await listPodNames(port(h1only))).toEqual({names: ['via-1.1'], auth: ['Bearer t0k3n']})
  })

  it('DISABLE_HTTP2 keeps to HTTP/1.1, as for client-go', async () => {
    expect(await listPodNames(port(both), {DISABLE_HTTP2: '1'})).toEqual({names: ['via-1.1'], auth: ['Bearer t0k3n']})
  })

  it('opens a new session when the server closed the previous one (apiserver restart)', async () => {
    sessions.splice(0)
    const kube = await createKubeClient(resolveKubeconfig({kubeconfig: kubeconfigFor(port(both))}, {}), {requestTimeoutMs: 5000})
    try {
      expect((await kube.list<{metadata: {name: string}}>(Resources.pods)).items[0]!.metadata.name).toBe('via-2.0')
      // Close every open session (GOAWAY, then the connection ends), as a restarting apiserver does.
      expect(sessions).toHaveLength(1)
      for (const s of sessions.splice(0)) s.close()
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect((await kube.list<{metadata: {name: string}}>(Resources.pods)).items[0]!.metadata.name).toBe('via-2.0')
      expect(sessions).toHaveLength(1)
    } finally {
      kube.close()
    }
  })
})

describe('request URLs', () => {
  // A server that answers every request with the path and query it received.
  let echo: http2.Http2SecureServer
  beforeAll(async () => {
    echo = http2.createSecureServer({...tls, allowHTTP1: true}, (req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{metadata: {name: req.url}}]}))
    })
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r))
  })
  afterAll(() => new Promise((r) => echo.close(r)))

  it.each([
    ['HTTP/2', undefined],
    ['HTTP/1.1', '1'],
  ])("keep the server URL's own path and encode the query (%s)", async (_name, disable) => {
    const saved = process.env.DISABLE_HTTP2
    if (disable) process.env.DISABLE_HTTP2 = disable
    else delete process.env.DISABLE_HTTP2
    const port = (echo.address() as AddressInfo).port
    // Rancher and other gateways put the apiserver under a path of their own.
    const kube = await createKubeClient(resolveKubeconfig({kubeconfig: kubeconfigFor(port, '/k8s/clusters/c-1')}, {}), {requestTimeoutMs: 5000})
    try {
      const list = await kube.list<{metadata: {name: string}}>(Resources.pods, {labelSelector: 'app in (srs-edge,srs origin)'})
      expect(list.items[0]!.metadata.name).toBe('/k8s/clusters/c-1/api/v1/namespaces/live/pods?labelSelector=app+in+%28srs-edge%2Csrs+origin%29&limit=500')
      // A proxied SRS path keeps its own query string as given.
      const proxied = await kube.podProxy('live', 'srs-edge-0', 1985, '/api/v1/streams/?start=0&count=100')
      expect(JSON.parse(proxied.body).items[0].metadata.name).toBe('/k8s/clusters/c-1/api/v1/namespaces/live/pods/srs-edge-0:1985/proxy/api/v1/streams/?start=0&count=100')
    } finally {
      kube.close()
      if (saved === undefined) delete process.env.DISABLE_HTTP2
      else process.env.DISABLE_HTTP2 = saved
    }
  })
})

describe('streams the server refused', () => {
  it('are sent again: an apiserver answers one unauthenticated request per connection and refuses the rest', async () => {
    // As kube-apiserver's HTTP/2 DoS mitigation: after a 401 to an unauthenticated client, GOAWAY.
    const server = http2.createSecureServer(tls)
    let answered = 0
    server.on('stream', (stream) => {
      const session = stream.session!
      // Closing with an error code makes the server's own stream emit 'error': expected here.
      stream.on('error', () => undefined)
      if ((session as {answeredOne?: boolean}).answeredOne) {
        stream.close(http2.constants.NGHTTP2_REFUSED_STREAM)
        return
      }
      ;(session as {answeredOne?: boolean}).answeredOne = true
      answered++
      stream.respond({':status': 401, 'content-type': 'application/json'})
      stream.end('{"kind":"Status","apiVersion":"v1","code":401}')
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id)
      setTimeout(() => session.close(), 50)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const h2 = new H2Connection(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, {ca: tls.cert})
    try {
      const answers = await Promise.all(Array.from({length: 5}, (_, i) => h2.request('GET', `/api/v1/namespaces/n/pods?i=${i}`, {}, undefined, 5000)))
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401])
      expect(answered).toBe(5)
    } finally {
      h2.close()
      await new Promise((r) => server.close(r))
    }
  })
})
