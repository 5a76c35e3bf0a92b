/**
 * The websocket framing of port-forwards (RFC 6455, client side) and the v4.channel.k8s.io
 * port-forward channels: what the apiserver and kubelet send is split into messages however the
 * bytes arrive, and the port number that opens each channel never reaches the caller as data.
 */
import {describe, expect, test} from '@jest/globals'
import {createHash} from 'node:crypto'
import {PassThrough} from 'node:stream'
import type net from 'node:net'
import {clientFrame, FrameReader, PortForwardSocket, upgradeHeaders} from '../../../src/lib/kube/portforward.js'

/** A frame as a server sends it: unmasked. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length
  const head = len < 126 ? Buffer.from([0, len]) : len < 65536 ? Buffer.from([0, 126, len >> 8, len & 0xff]) : Buffer.concat([Buffer.from([0, 127]), Buffer.alloc(8)])
  if (len >= 65536) head.writeBigUInt64BE(BigInt(len), 2)
  head[0] = (fin ? 0x80 : 0) | opcode
  return Buffer.concat([head, payload])
}

/** Reads a client frame back: FIN, opcode, and the payload unmasked. */
function unmask(frame: Buffer): {fin: boolean; opcode: number; masked: boolean; payload: Buffer} {
  let len = frame[1]! & 0x7f
  let at = 2
  if (len === 126) {
    len = frame.readUInt16BE(2)
    at = 4
  } else if (len === 127) {
    len = Number(frame.readBigUInt64BE(2))
    at = 10
  }
  const mask = frame.subarray(at, at + 4)
  const payload = Buffer.from(frame.subarray(at + 4, at + 4 + len).map((b, i) => b ^ mask[i & 3]!))
  return {fin: (frame[0]! & 0x80) !== 0, opcode: frame[0]! & 0x0f, masked: (frame[1]! & 0x80) !== 0, payload}
}

describe('client frames', () => {
  test.each([0, 125, 126, 65535, 65536])('a %i-byte payload is one masked final frame with the right length encoding', (n) => {
    const payload = Buffer.alloc(n, 7)
    const f = unmask(clientFrame(2, payload))
    expect({fin: f.fin, opcode: f.opcode, masked: f.masked, equal: f.payload.equals(payload)}).toEqual({fin: true, opcode: 2, masked: true, equal: true})
  })

  test('the upgrade asks for v4.channel.k8s.io, and the expected accept is the key hashed with the websocket GUID', () => {
    const {headers, accept} = upgradeHeaders()
    expect(headers['Sec-WebSocket-Protocol']).toBe('v4.channel.k8s.io')
    expect(accept).toBe(createHash('sha1').update(`${headers['Sec-WebSocket-Key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'))
  })
})

describe('FrameReader', () => {
  test('messages split across chunks, byte by byte, and fragmented messages come out whole', () => {
    const got: [number, string][] = []
    const reader = new FrameReader((op, p) => got.push([op, p.toString()]))
    const bytes = Buffer.concat([serverFrame(2, Buffer.from('first')), serverFrame(2, Buffer.from('sec'), false), serverFrame(9, Buffer.from('ping')), serverFrame(0, Buffer.from('ond'), true), serverFrame(2, Buffer.alloc(300, 'x'))])
    for (const b of bytes) reader.push(Buffer.from([b]))
    expect(got).toEqual([
      [2, 'first'],
      [9, 'ping'],
      [2, 'second'],
      [2, 'x'.repeat(300)],
    ])
  })
})

describe('PortForwardSocket', () => {
  function open() {
    const wire = new PassThrough()
    const sent: Buffer[] = []
    const socket = Object.assign(wire, {
      write: (b: Buffer) => {
        sent.push(b)
        return true
      },
      writable: true,
    }) as unknown as net.Socket
    const output = new PassThrough()
    const errors = new PassThrough()
    const input = new PassThrough()
    const pf = new PortForwardSocket(socket, Buffer.alloc(0), output, errors, input)
    return {wire, sent, output, errors, input, pf}
  }
  const port = Buffer.from([0xc1, 0x07]) // 1985, little-endian

  test('the port that opens each channel is dropped; data goes to output, the kubelet error text to errors', () => {
    const {wire, output, errors} = open()
    wire.emit('data', serverFrame(2, Buffer.concat([Buffer.from([0]), port])))
    wire.emit('data', serverFrame(2, Buffer.concat([Buffer.from([1]), port])))
    wire.emit('data', serverFrame(2, Buffer.from('\x00HTTP/1.1 200 OK\r\n')))
    wire.emit('data', serverFrame(2, Buffer.from('\x01refused')))
    expect(String(output.read())).toBe('HTTP/1.1 200 OK\r\n')
    expect(String(errors.read())).toBe('refused')
  })

  test('the first message may carry data after the port', () => {
    const {wire, output} = open()
    wire.emit('data', serverFrame(2, Buffer.concat([Buffer.from([0]), port, Buffer.from('data')])))
    expect(String(output.read())).toBe('data')
  })

  test('input goes out on channel 0 in masked frames; a ping is answered; close sends a close frame once and emits close', () => {
    const {wire, sent, input, pf} = open()
    let closes = 0
    pf.on('close', () => closes++)
    input.write(Buffer.from('GET / HTTP/1.1\r\n'))
    wire.emit('data', serverFrame(9, Buffer.from('p')))
    pf.close()
    pf.close()
    const frames = sent.map(unmask)
    expect(frames.map((f) => [f.opcode, f.masked])).toEqual([
      [2, true],
      [10, true],
      [8, true],
    ])
    expect(frames[0]!.payload.toString()).toBe('\x00GET / HTTP/1.1\r\n')
    expect(frames[1]!.payload.toString()).toBe('p')
    expect(frames[2]!.payload.readUInt16BE(0)).toBe(1000)
    expect(closes).toBe(1)
  })
})
