/**
 * pods/portforward over a websocket (v4.channel.k8s.io), on a socket the caller has already
 * upgraded through the plugin's own connection path (proxy, TLS, credentials, impersonation), so
 * port-forwards go where every other request goes. RFC 6455 framing for a client is a few dozen
 * lines: binary frames masked on the way out, unmasked ones in, pings answered, close echoed.
 *
 * The channel protocol: each message starts with its channel byte; for one forwarded port,
 * channel 0 carries the data and channel 1 the kubelet's error text, and the first message on
 * each channel starts with the port number (2 bytes, little-endian), which is not data.
 */
import {createHash, randomBytes} from 'node:crypto'
import {EventEmitter} from 'node:events'
import type net from 'node:net'

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io'
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** The headers of the upgrade request, and the Sec-WebSocket-Accept the server must answer. */
export function upgradeHeaders(): {headers: Record<string, string>; accept: string} {
  const key = randomBytes(16).toString('base64')
  return {
    headers: {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Protocol': PORT_FORWARD_PROTOCOL,
    },
    accept: createHash('sha1')
      .update(key + WEBSOCKET_GUID)
      .digest('base64'),
  }
}

const OP_CONTINUATION = 0
const OP_BINARY = 2
const OP_CLOSE = 8
const OP_PING = 9
const OP_PONG = 10

/** One client frame: FIN set, masked as RFC 6455 requires of clients. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10)
  head[0] = 0x80 | opcode
  if (len < 126) head[1] = 0x80 | len
  else if (len < 65536) {
    head[1] = 0x80 | 126
    head.writeUInt16BE(len, 2)
  } else {
    head[1] = 0x80 | 127
    head.writeBigUInt64BE(BigInt(len), 2)
  }
  const mask = randomBytes(4)
  const body = Buffer.allocUnsafe(len)
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i & 3]!
  return Buffer.concat([head, mask, body])
}

/** Splits a byte stream into whole messages (continuations joined); keeps what is incomplete. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0)
  private fragments: Buffer[] = []
  private fragmentOp = 0

  constructor(private readonly onMessage: (opcode: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    for (;;) {
      if (this.buf.length < 2) return
      const fin = (this.buf[0]! & 0x80) !== 0
      const opcode = this.buf[0]! & 0x0f
      const masked = (this.buf[1]! & 0x80) !== 0
      let len = this.buf[1]! & 0x7f
      let at = 2
      if (len === 126) {
        if (this.buf.length < 4) return
        len = this.buf.readUInt16BE(2)
        at = 4
      } else if (len === 127) {
        if (this.buf.length < 10) return
        len = Number(this.buf.readBigUInt64BE(2))
        at = 10
      }
      const maskAt = at
      if (masked) at += 4
      if (this.buf.length < at + len) return
      let payload = this.buf.subarray(at, at + len)
      if (masked) {
        const mask = this.buf.subarray(maskAt, maskAt + 4)
        payload = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!))
      }
      this.buf = this.buf.subarray(at + len)
      if (opcode >= 8) {
        this.onMessage(opcode, payload)
        continue
      }
      if (opcode !== OP_CONTINUATION) this.fragmentOp = opcode
      this.fragments.push(payload)
      if (fin) {
        const whole = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments)
        this.fragments = []
        this.onMessage(this.fragmentOp, whole)
      }
    }
  }
}

/**
 * One forwarded port over an upgraded socket: data from the pod goes to `output`, the kubelet's
 * error text to `errors`, what `input` yields goes to the pod. Emits 'close' once the websocket
 * or its socket is gone.
 */
export class PortForwardSocket extends EventEmitter {
  private closed = false
  private emitted = false
  private readonly portSeen = [false, false]

  constructor(
    private readonly socket: net.Socket,
    head: Buffer,
    output: NodeJS.WritableStream,
    errors: NodeJS.WritableStream | null,
    input: NodeJS.ReadableStream,
  ) {
    super()
    const reader = new FrameReader((opcode, payload) => {
      if (opcode === OP_PING) return void this.send(OP_PONG, payload)
      if (opcode === OP_CLOSE) return void this.close()
      if (opcode !== OP_BINARY || payload.length === 0) return
      const channel = payload[0]!
      let data = payload.subarray(1)
      if (channel < 2 && !this.portSeen[channel]) {
        this.portSeen[channel] = true
        data = data.subarray(2)
      }
      if (data.length === 0) return
      if (channel === 0) output.write(data)
      else if (channel === 1) errors?.write(data)
    })
    socket.on('data', (c: Buffer) => reader.push(c))
    socket.on('close', () => this.finish())
    socket.on('error', () => this.finish())
    input.on('data', (chunk: Buffer | string) => this.send(OP_BINARY, Buffer.concat([Buffer.from([0]), Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)])))
    if (head.length) reader.push(head)
  }

  private send(opcode: number, payload: Buffer): void {
    if (!this.closed && this.socket.writable) this.socket.write(clientFrame(opcode, payload))
  }

  /** Sends a normal close and ends the socket; the server's close is not waited for. */
  close(): void {
    if (this.closed) return
    const code = Buffer.alloc(2)
    code.writeUInt16BE(1000)
    this.send(OP_CLOSE, code)
    this.closed = true
    this.socket.end()
    // A server that never closes its side must not keep the process alive.
    setTimeout(() => this.socket.destroy(), 1000).unref()
    this.finish()
  }

  private finish(): void {
    this.closed = true
    if (this.emitted) return
    this.emitted = true
    this.emit('close')
  }
}
