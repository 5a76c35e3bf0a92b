import {afterEach, describe, expect, test} from '@jest/globals'
import net from 'node:net'
import {httpOverHeldStream} from '../../../src/lib/kube/held-http.js'

/**
 * A server that answers as SRS 6 does: every answer says `Connection: Close`, yet the connection is
 * read on while the client keeps it open (or, with `closeAfter`, closed after that many answers).
 */
function srsLikeServer(opts: {connectionHeader: string; closeAfter?: number}) {
  const accepted: net.Socket[] = []
  const seen: string[] = []
  const server = net.createServer((sock) => {
    accepted.push(sock)
    let buf = ''
    let answered = 0
    sock.on('data', (d: Buffer) => {
      buf += d.toString()
      let end: number
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end)
        buf = buf.slice(end + 4)
        const [method, path] = head.split(' ')
        seen.push(`${method} ${path} ${/\r\nconnection: (\S+)/i.exec(head)?.[1] ?? ''}`)
        const body = JSON.stringify({code: 0, path})
        sock.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: ${opts.connectionHeader}\r\n\r\n${body}`)
        if (opts.closeAfter !== undefined && ++answered >= opts.closeAfter) sock.end()
      }
    })
  })
  return {
    accepted,
    seen,
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))),
    close: () => {
      for (const s of accepted) s.destroy()
      server.close()
    },
  }
}

let cleanup: (() => void)[] = []
afterEach(() => {
  for (const c of cleanup) c()
  cleanup = []
})

async function held(server: ReturnType<typeof srsLikeServer>) {
  const port = await server.listen()
  const sock = net.connect(port, '127.0.0.1')
  await new Promise((resolve) => sock.once('connect', resolve))
  cleanup.push(
    () => sock.destroy(),
    () => server.close(),
  )
  return {h: httpOverHeldStream(sock, sock, {port, describe: 'the test server'}), sock}
}

describe('HTTP over a held stream', () => {
  test('answers with Connection: Close (SRS 5/6) do not end the held connection: every request goes over the one connection', async () => {
    const server = srsLikeServer({connectionHeader: 'Close'})
    const {h} = await held(server)
    const answers = [await h.request('/api/v1/clients/', {timeoutMs: 2000}), await h.request('/api/v1/clients/1', {timeoutMs: 2000, method: 'DELETE'}), await h.request('/api/v1/clients/', {timeoutMs: 2000})]
    expect(answers.map((a) => [a.status, JSON.parse(a.body) as unknown])).toEqual([
      [200, {code: 0, path: '/api/v1/clients/'}],
      [200, {code: 0, path: '/api/v1/clients/1'}],
      [200, {code: 0, path: '/api/v1/clients/'}],
    ])
    expect(server.accepted).toHaveLength(1)
    // keep-alive asked for each time: SRS stops reading after an answer to a request that is not
    expect(server.seen).toEqual(['GET /api/v1/clients/ keep-alive', 'DELETE /api/v1/clients/1 keep-alive', 'GET /api/v1/clients/ keep-alive'])
  })

  test('keep-alive answers (SRS 4) work the same', async () => {
    const server = srsLikeServer({connectionHeader: 'Keep-Alive'})
    const {h} = await held(server)
    for (let i = 0; i < 3; i++) expect((await h.request('/api/v1/versions', {timeoutMs: 2000})).status).toBe(200)
    expect(server.accepted).toHaveLength(1)
  })

  test('requests made at once go one after another', async () => {
    const server = srsLikeServer({connectionHeader: 'Close'})
    const {h} = await held(server)
    const answers = await Promise.all(['/a', '/b', '/c'].map((p) => h.request(p, {timeoutMs: 2000})))
    expect(answers.map((a) => (JSON.parse(a.body) as {path: string}).path)).toEqual(['/a', '/b', '/c'])
  })

  test('a connection the peer closed fails the next request at once, saying so', async () => {
    const server = srsLikeServer({connectionHeader: 'Close', closeAfter: 1})
    const {h, sock} = await held(server)
    const closed = new Promise((resolve) => sock.once('end', resolve))
    expect((await h.request('/a', {timeoutMs: 2000})).status).toBe(200)
    await closed
    await expect(h.request('/b', {timeoutMs: 2000})).rejects.toThrow(/the held connection to the test server closed/)
  })
})
