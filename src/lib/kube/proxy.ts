/**
 * Proxies as kubectl picks and uses them. The cluster's proxy-url wins (http, https, socks5);
 * without it, HTTPS_PROXY / HTTP_PROXY and NO_PROXY are read with Go's rules
 * (golang.org/x/net/http/httpproxy): upper case first, a value without a scheme is http://,
 * localhost and loopback addresses are never proxied, NO_PROXY takes "*", CIDRs, IPs and domains
 * (with or without a leading "." or "*.", each optionally with a port). Tunnels are CONNECT
 * (http/https proxies) or SOCKS5 (no auth or username/password), both written on node:net/tls:
 * a few dozen lines each, no dependency, nothing loaded for users without a proxy.
 */
import net from 'node:net'
import tls from 'node:tls'

export function proxyFor(server: URL, cluster: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const fromConfig = cluster['proxy-url']
  if (typeof fromConfig === 'string' && fromConfig !== '') return new URL(fromConfig)
  const https = server.protocol === 'https:'
  const first = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '')
  // Go ignores HTTP_PROXY in a CGI environment (httpoxy); kubectl never is one, but keep the rule.
  const raw = https ? first('HTTPS_PROXY', 'https_proxy') : env.REQUEST_METHOD ? undefined : first('HTTP_PROXY', 'http_proxy')
  if (!raw) return undefined
  const port = server.port || (https ? '443' : '80')
  if (!useProxy(server.hostname.replace(/^\[|\]$/g, ''), port, first('NO_PROXY', 'no_proxy') ?? '')) return undefined
  let url: URL | undefined
  try {
    url = new URL(raw)
    if (!['http:', 'https:', 'socks5:', 'socks5h:'].includes(url.protocol)) url = undefined
  } catch {
    url = undefined
  }
  return url ?? new URL(`http://${raw}`)
}

/** Go's httpproxy useProxy: false for loopback, localhost and whatever NO_PROXY matches. */
export function useProxy(host: string, port: string, noProxy: string): boolean {
  host = host.toLowerCase()
  if (host === 'localhost') return false
  const ip = net.isIP(host) ? host : undefined
  if (ip && isLoopback(ip)) return false
  for (let entry of noProxy.split(',')) {
    entry = entry.trim().toLowerCase()
    if (entry === '') continue
    if (entry === '*') return false
    if (entry.includes('/')) {
      if (ip && inCidr(ip, entry)) return false
      continue
    }
    let entryHost = entry
    let entryPort = ''
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry)
    if (m) {
      entryHost = m[1]!.replace(/^\[|\]$/g, '')
      entryPort = m[2]!
    }
    if (net.isIP(entryHost)) {
      if (ip && sameIp(ip, entryHost) && (entryPort === '' || entryPort === port)) return false
      continue
    }
    if (entryHost.startsWith('*.')) entryHost = entryHost.slice(1)
    const matchHost = !entryHost.startsWith('.')
    if (matchHost) entryHost = `.${entryHost}`
    if (host.endsWith(entryHost) || (matchHost && host === entryHost.slice(1))) {
      if (entryPort === '' || entryPort === port) return false
    }
  }
  return true
}

function isLoopback(ip: string): boolean {
  if (net.isIPv4(ip)) return ip.startsWith('127.')
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (v4) return v4[1]!.startsWith('127.')
  return sameIp(ip, '::1')
}

function ipBytes(ip: string): number[] {
  if (net.isIPv4(ip)) return ip.split('.').map(Number)
  const [head, tail] = ip.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups = [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t]
  return groups.flatMap((g) => {
    const n = parseInt(g, 16)
    return [n >> 8, n & 0xff]
  })
}

function sameIp(a: string, b: string): boolean {
  const x = ipBytes(a)
  const y = ipBytes(b)
  return x.length === y.length && x.every((v, i) => v === y[i])
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/') as [string, string]
  if (!net.isIP(base) || net.isIPv4(base) !== net.isIPv4(ip)) return false
  const bits = Number(bitsText)
  const a = ipBytes(ip)
  const b = ipBytes(base)
  for (let i = 0; i < a.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8))
    if (take === 0) break
    const mask = (0xff << (8 - take)) & 0xff
    if ((a[i]! & mask) !== (b[i]! & mask)) return false
  }
  return true
}

/** Marks an error as the proxy's, so that it is reported with a proxy hint. */
export class ProxyError extends Error {
  constructor(
    message: string,
    readonly proxy: string,
    readonly code?: string,
  ) {
    super(message)
    this.name = 'ProxyError'
  }
}

/**
 * A socket to `host:port` through the proxy; TLS to the target is the caller's. An https proxy
 * is verified with `proxyTls`, the cluster's TLS settings, as Go's transport does (it clones
 * the client's TLS config for the proxy: its CA, insecure-skip-tls-verify, client certificate,
 * and tls-server-name, else the proxy's host name).
 */
export function tunnel(proxy: URL, host: string, port: number, timeoutMs: number, proxyTls: tls.ConnectionOptions = {}): Promise<net.Socket> {
  const shown = `${proxy.protocol}//${proxy.host}`
  return new Promise<net.Socket>((resolve, reject) => {
    const proxyPort = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : proxy.protocol === 'http:' ? 80 : 1080))
    const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '')
    const socket: net.Socket =
      proxy.protocol === 'https:' ? tls.connect({...proxyTls, host: proxyHost, port: proxyPort, servername: proxyTls.servername ?? (net.isIP(proxyHost) ? undefined : proxyHost)}) : net.connect({host: proxyHost, port: proxyPort})
    let settled = false
    const fail = (err: Error & {code?: string}) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      reject(err instanceof ProxyError ? err : new ProxyError(`proxy ${shown}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : (err.code ?? err.message)}`, shown, err.code))
    }
    const timer = timeoutMs > 0 ? setTimeout(() => fail(Object.assign(new Error('timed out'), {code: 'ETIMEDOUT'})), timeoutMs) : undefined
    socket.on('error', fail)
    const done = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.removeListener('error', fail)
      resolve(socket)
    }
    const user = decodeURIComponent(proxy.username)
    const pass = decodeURIComponent(proxy.password)
    socket.once(proxy.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      if (proxy.protocol.startsWith('socks5')) socks5(socket, host, port, user, pass, done, fail)
      else connectMethod(socket, host, port, user, pass, done, fail)
    })
  })
}

function connectMethod(socket: net.Socket, host: string, port: number, user: string, pass: string, done: () => void, fail: (e: Error) => void): void {
  const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`
  let req = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`
  if (user || pass) req += `Proxy-Authorization: Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}\r\n`
  socket.write(`${req}\r\n`)
  let buf = Buffer.alloc(0)
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    const end = buf.indexOf('\r\n\r\n')
    if (end < 0) return
    socket.removeListener('data', onData)
    const status = /^HTTP\/1\.[01] (\d{3})(.*)/.exec(buf.subarray(0, end).toString('latin1'))
    if (status?.[1] !== '200') return fail(new Error(`CONNECT ${authority} answered ${status ? `${status[1]}${status[2]}` : 'something that is not HTTP'}`))
    const rest = buf.subarray(end + 4)
    if (rest.length) socket.unshift(rest)
    done()
  }
  socket.on('data', onData)
}

function socks5(socket: net.Socket, host: string, port: number, user: string, pass: string, done: () => void, fail: (e: Error) => void): void {
  const withAuth = Boolean(user || pass)
  socket.write(Buffer.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0]))
  let stage: 'method' | 'auth' | 'reply' = 'method'
  let buf = Buffer.alloc(0)
  const request = () => {
    let addr: Buffer
    if (net.isIPv4(host)) addr = Buffer.from([1, ...host.split('.').map(Number)])
    else if (net.isIPv6(host)) addr = Buffer.from([4, ...ipBytes(host)])
    else addr = Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host)])
    const p = Buffer.alloc(2)
    p.writeUInt16BE(port)
    socket.write(Buffer.concat([Buffer.from([5, 1, 0]), addr, p]))
    stage = 'reply'
  }
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    if (stage === 'method') {
      if (buf.length < 2) return
      const method = buf[1]!
      buf = buf.subarray(2)
      if (method === 0) request()
      else if (method === 2 && withAuth) {
        const u = Buffer.from(user)
        const pw = Buffer.from(pass)
        socket.write(Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([pw.length]), pw]))
        stage = 'auth'
      } else return fail(new Error('SOCKS5 proxy accepts none of the offered authentication methods'))
    }
    if (stage === 'auth') {
      if (buf.length < 2) return
      if (buf[1] !== 0) return fail(new Error('SOCKS5 proxy rejected the username and password'))
      buf = buf.subarray(2)
      request()
    }
    if (stage === 'reply') {
      if (buf.length < 5) return
      const atyp = buf[3]
      const len = atyp === 1 ? 10 : atyp === 4 ? 22 : 7 + buf[4]!
      if (buf.length < len) return
      socket.removeListener('data', onData)
      if (buf[1] !== 0) return fail(new Error(`SOCKS5 proxy could not connect to ${host}:${port} (reply ${buf[1]})`))
      const rest = buf.subarray(len)
      if (rest.length) socket.unshift(rest)
      done()
    }
  }
  socket.on('data', onData)
}
