/**
 * HTTP/1.1 requests, one after another, over one byte stream that must outlive each of them: the
 * held port-forward of a hand-off, opened before a pod starts terminating, is the only way left to
 * reach an SRS that closed its listeners. SRS 5 and 6 answer every HTTP request with
 * `Connection: Close` (SrsHttpxConn::on_http_message) and yet keep reading requests on the
 * connection while the client keeps it open (SrsHttpConn::process_requests stops only on a request
 * that is not keep-alive); Node's HTTP client destroys its socket on such an answer. So each request
 * gets its own socket facade over the stream: Node may end the facade, the stream stays.
 */
import http from 'node:http'
import {Duplex, type Readable, type Writable} from 'node:stream'

export interface HeldHttpAnswer {
  status: number
  contentType: string
  body: string
}

export interface HeldHttp {
  /** One request; requests wait for the one before them (the stream carries one at a time). */
  request(path: string, opts: {timeoutMs: number; headers?: Record<string, string>; method?: string}): Promise<HeldHttpAnswer>
}

/** Why a request could not be answered over the held stream (closed, or a request before it did not come back). */
export class HeldStreamClosed extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'HeldStreamClosed'
  }
}

const noop = function (this: unknown) {
  return this
}

/**
 * Requests over `toPeer`/`fromPeer` (the two directions of one connection). `port` only names the
 * Host header. `onTimeout` is told when a request does not come back: the stream is then out of
 * step and no request is sent on it again.
 */
export function httpOverHeldStream(toPeer: Writable, fromPeer: Readable, opts: {port: number; describe: string; onTimeout?: (path: string, timeoutMs: number) => Error}): HeldHttp {
  let current: Duplex | undefined
  let broken: string | undefined
  fromPeer.on('data', (c: Buffer) => current?.push(c))
  const ended = () => {
    broken ??= `the held connection to ${opts.describe} closed`
    current?.push(null)
  }
  fromPeer.on('end', ended)
  fromPeer.on('close', ended)
  let queue: Promise<unknown> = Promise.resolve()

  const once = (path: string, r: {timeoutMs: number; headers?: Record<string, string>; method?: string}) =>
    new Promise<HeldHttpAnswer>((resolve, reject) => {
      if (broken) return reject(new HeldStreamClosed(broken))
      const facade: Duplex = Object.assign(
        new Duplex({
          read() {},
          write(chunk: Buffer, _enc, cb) {
            toPeer.write(chunk, cb)
          },
          // Node ends the facade after an answer with Connection: close; the stream goes on.
          final(cb) {
            cb()
          },
          destroy(_err, cb) {
            if (current === facade) current = undefined
            cb(null)
          },
        }),
        {setKeepAlive: noop, setNoDelay: noop, setTimeout: noop, ref: noop, unref: noop},
      )
      current = facade
      const timer = setTimeout(() => {
        broken = `a request to ${opts.describe} did not come back within ${r.timeoutMs} ms`
        facade.destroy()
        reject(opts.onTimeout?.(path, r.timeoutMs) ?? new HeldStreamClosed(broken))
      }, r.timeoutMs)
      // keep-alive stated: without it Node sends Connection: close, and SRS stops reading after the answer
      const req = http.request({method: r.method ?? 'GET', path, createConnection: () => facade, headers: {...r.headers, Host: `localhost:${opts.port}`, Connection: 'keep-alive'}}, (resp) => {
        const chunks: Buffer[] = []
        resp.on('data', (c: Buffer) => chunks.push(c))
        resp.on('end', () => {
          clearTimeout(timer)
          facade.destroy()
          resolve({status: resp.statusCode ?? 0, contentType: String(resp.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8')})
        })
        resp.on('error', (error) => {
          clearTimeout(timer)
          reject(error)
        })
      })
      req.on('error', (error) => {
        clearTimeout(timer)
        facade.destroy()
        reject(broken ? new HeldStreamClosed(broken) : error)
      })
      req.end()
    })

  return {
    request(path, r) {
      const answer = queue.then(() => once(path, r))
      queue = answer.catch(() => undefined)
      return answer
    },
  }
}
