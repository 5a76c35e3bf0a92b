/**
 * Proxies on loopback for the kubeconfig conformance suite: each counts what passed through it,
 * so a test can tell which route kubectl and the plugin took to the apiserver.
 *  - connectProxy: an HTTP proxy that takes CONNECT (what proxy-url http://, HTTPS_PROXY use),
 *    optionally over TLS (proxy-url https://) and asking for credentials (Proxy-Authorization);
 *  - socks5Proxy: SOCKS5 without authentication (proxy-url socks5://);
 *  - prefixProxy: a reverse proxy that serves the apiserver under a path prefix, as Rancher does
 *    (upgrades too: port-forwards).
 * `hosts` maps names only the proxy can resolve (a server named kubernetes.default.svc) to
 * loopback addresses: a client that went direct instead of through the proxy fails to resolve it.
 */
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import tls from 'node:tls'
import type {AddressInfo} from 'node:net'

export interface CountingProxy {
  url: string
  /** "host:port" of every tunnel or request that passed, in order. */
  seen: string[]
  close(): Promise<void>
}

function dialTarget(host: string, port: number, hosts: Record<string, string>): net.Socket {
  return net.connect({host: hosts[host] ?? host, port})
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>()
  server.on('connection', (s: net.Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  return sockets
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/**
 * `tls`: the proxy itself speaks TLS with this certificate (proxy-url https://). `auth`:
 * "user:pass" the proxy demands in Proxy-Authorization (407 otherwise); the URL carries them.
 */
export async function connectProxy(hosts: Record<string, string> = {}, opts: {tls?: {cert: Buffer; key: Buffer}; auth?: string} = {}): Promise<CountingProxy> {
  const seen: string[] = []
  const refuse = (_req: http.IncomingMessage, res: http.ServerResponse) => void res.writeHead(405).end('only CONNECT')
  const server = opts.tls ? https.createServer(opts.tls, refuse) : http.createServer(refuse)
  const sockets = track(server)
  const expected = opts.auth ? `Basic ${Buffer.from(opts.auth).toString('base64')}` : undefined
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? ''
    if (expected && req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n')
      return
    }
    seen.push(target)
    const i = target.lastIndexOf(':')
    const upstream = dialTarget(target.slice(0, i).replace(/^\[|\]$/g, ''), Number(target.slice(i + 1)), hosts)
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'))
    client.on('error', () => upstream.destroy())
  })
  const port = await listen(server)
  const userinfo = opts.auth ? `${opts.auth.split(':').map(encodeURIComponent).join(':')}@` : ''
  return {url: `${opts.tls ? 'https' : 'http'}://${userinfo}127.0.0.1:${port}`, seen, close: closer(server, sockets)}
}

export async function socks5Proxy(hosts: Record<string, string> = {}): Promise<CountingProxy> {
  const seen: string[] = []
  const server = net.createServer((client) => {
    let buf = Buffer.alloc(0)
    let stage: 'greeting' | 'request' | 'piped' = 'greeting'
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return
        const methods = buf.subarray(2, 2 + buf[1]!)
        buf = buf.subarray(2 + buf[1]!)
        if (buf.length === 0 && !methods.includes(0)) return void client.end(Buffer.from([5, 0xff]))
        client.write(Buffer.from([5, 0]))
        stage = 'request'
      }
      if (stage === 'request') {
        if (buf.length < 5) return
        const atyp = buf[3]!
        let host: string
        let end: number
        if (atyp === 1) {
          end = 8
          if (buf.length < end + 2) return
          host = [...buf.subarray(4, 8)].join('.')
        } else if (atyp === 3) {
          end = 5 + buf[4]!
          if (buf.length < end + 2) return
          host = buf.subarray(5, end).toString('utf8')
        } else if (atyp === 4) {
          end = 20
          if (buf.length < end + 2) return
          host = (buf.subarray(4, 20).toString('hex').match(/.{4}/g) ?? []).join(':')
        } else return void client.destroy()
        const port = buf.readUInt16BE(end)
        const rest = buf.subarray(end + 2)
        seen.push(`${host}:${port}`)
        client.off('data', onData)
        stage = 'piped'
        const upstream = dialTarget(host, port, hosts)
        upstream.once('connect', () => {
          client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
          if (rest.length) upstream.write(rest)
          upstream.pipe(client)
          client.pipe(upstream)
        })
        upstream.on('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])))
        client.on('error', () => upstream.destroy())
        client.on('close', () => upstream.destroy())
      }
    }
    client.on('data', onData)
    client.on('error', () => client.destroy())
  })
  const sockets = track(server)
  const port = await listen(server)
  return {url: `socks5://127.0.0.1:${port}`, seen, close: closer(server, sockets)}
}

/**
 * HTTPS on loopback (with the serving certificate given, so the kubeconfig's CA still applies;
 * kubectl sends no bearer token over plain HTTP) under `prefix`, forwarded to the apiserver at
 * `upstream` (its certificate not checked: both ends are this machine). Requests outside the
 * prefix get 404, so a client that drops the prefix fails.
 */
export async function prefixProxy(prefix: string, upstream: string, serving: {cert: Buffer; key: Buffer}): Promise<CountingProxy> {
  const seen: string[] = []
  const base = new URL(upstream)
  const agent = new https.Agent({keepAlive: true, rejectUnauthorized: false})
  const server = https.createServer(serving, (req, res) => {
    const url = req.url ?? '/'
    if (!url.startsWith(`${prefix}/`)) return void res.writeHead(404, {'content-type': 'text/plain'}).end(`not under ${prefix}`)
    seen.push(url)
    const headers = {...req.headers, host: base.host}
    const out = https.request({host: base.hostname, port: base.port, path: url.slice(prefix.length), method: req.method, headers, agent}, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    out.on('error', () => res.writeHead(502).end())
    req.pipe(out)
  })
  // Upgrades (port-forward websockets): the same path rewrite, then bytes both ways.
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const url = req.url ?? '/'
    if (!url.startsWith(`${prefix}/`)) return void client.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
    seen.push(url)
    const upstreamSocket = tls.connect({host: base.hostname, port: Number(base.port), rejectUnauthorized: false})
    upstreamSocket.once('secureConnect', () => {
      const lines = [`${req.method} ${url.slice(prefix.length)} HTTP/1.1`]
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${/^host$/i.test(req.rawHeaders[i]!) ? base.host : req.rawHeaders[i + 1]}`)
      upstreamSocket.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length) upstreamSocket.write(head)
      upstreamSocket.pipe(client)
      client.pipe(upstreamSocket)
    })
    upstreamSocket.on('error', () => client.destroy())
    client.on('error', () => upstreamSocket.destroy())
    client.on('close', () => upstreamSocket.destroy())
    sockets.add(upstreamSocket)
    upstreamSocket.on('close', () => sockets.delete(upstreamSocket))
  })
  const sockets = track(server)
  const port = await listen(server)
  const close = closer(server, sockets)
  return {
    url: `https://127.0.0.1:${port}${prefix}`,
    seen,
    close: async () => {
      agent.destroy()
      await close()
    },
  }
}
