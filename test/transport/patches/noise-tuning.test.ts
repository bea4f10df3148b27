import { describe, expect, it } from 'vitest'
import { Uint8ArrayList } from 'uint8arraylist'
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { defaultLogger } from '@libp2p/logger'
import { cheapShortReads, noiseFrameLength, oneChunkPerWrite, tunedNoise } from '../../../src/transport/patches/noise-tuning.js'
import { errorLog, recordingLogger } from './log.js'

/** A connection whose sendData writes one "socket write" per chunk, like @libp2p/tcp's. */
function fakeConnection (): { conn: MessageStream, writes: Uint8Array[] } {
  const writes: Uint8Array[] = []
  const conn = {
    sendData (data: Uint8ArrayList) {
      for (const buf of data) writes.push(buf)
      return { sentBytes: data.byteLength, canSendMore: true }
    }
  }
  return { conn: conn as unknown as MessageStream, writes }
}

describe('one chunk per write', () => {
  it('joins the chunks of a write into one, bytes unchanged', () => {
    const { conn, writes } = fakeConnection()
    expect(oneChunkPerWrite(conn, errorLog())).toBe(true)
    const r = (conn as unknown as { sendData: (d: Uint8ArrayList) => unknown }).sendData(new Uint8ArrayList(Uint8Array.of(0, 3), Uint8Array.of(7, 8, 9)))
    expect(writes).toEqual([Uint8Array.of(0, 3, 7, 8, 9)])
    expect(r).toEqual({ sentBytes: 5, canSendMore: true })
  })

  it('wraps an encrypter: the connection below is joined, the secured one reads lengths cheaply', async () => {
    for (const side of ['secureInbound', 'secureOutbound'] as const) {
      const seen: MessageStream[] = []
      const secured = { decoder: new LengthPrefixedDecoder({ lengthDecoder: throwingLength, encodingLength: () => 2 }) } as unknown as MessageStream
      const inner: ConnectionEncrypter = {
        protocol: '/fake/1',
        secureInbound: async c => { seen.push(c); return { connection: secured, remotePeer: null as never } },
        secureOutbound: async c => { seen.push(c); return { connection: secured, remotePeer: null as never } }
      }
      const enc = tunedNoise(() => inner)({ logger: defaultLogger() })
      const { conn, writes } = fakeConnection()
      expect((await enc[side](conn)).connection).toBe(secured)
      ;(seen[0] as unknown as { sendData: (d: Uint8ArrayList) => unknown }).sendData(new Uint8ArrayList(Uint8Array.of(1), Uint8Array.of(2)))
      expect(writes).toEqual([Uint8Array.of(1, 2)])
      expect((secured as unknown as { decoder: { lengthDecoder: unknown } }).decoder.lengthDecoder).toBe(noiseFrameLength)
      expect(enc.protocol).toBe('/fake/1')
    }
  })

  it('leaves a connection of an unexpected shape alone: false, and one error per patch and log, never a throw', () => {
    const log = errorLog()
    expect(oneChunkPerWrite({} as unknown as MessageStream, log)).toBe(false)
    expect(oneChunkPerWrite({ sendData: 'x' } as unknown as MessageStream, log)).toBe(false)
    expect(oneChunkPerWrite(null as unknown as MessageStream, log)).toBe(false)
    const lengthDecoder = throwingLength
    const shapes = [{}, { decoder: null }, { decoder: { lengthDecoder: 1 } }, { decoder: { lengthDecoder } }, { decoder: { lengthDecoder, encodingLength: () => 1 } }, null]
    for (const shape of shapes) expect(cheapShortReads(shape as unknown as MessageStream, log)).toBe(false)
    // Nothing was changed on the way.
    expect(shapes[4]).toEqual({ decoder: { lengthDecoder, encodingLength: expect.any(Function) } })
    expect((shapes[4] as { decoder: { lengthDecoder: unknown } }).decoder.lengthDecoder).toBe(throwingLength)
    expect(log.errors).toEqual([
      'upstream patch oneChunkPerWrite not applied: the connection below Noise has a sendData of type undefined, not a function (it was checked against @chainsafe/libp2p-noise 17.0.0, @libp2p/utils 7.4.1, @libp2p/tcp 11.0.28, @libp2p/pnet 3.0.27); left as upstream made it',
      'upstream patch cheapShortReads not applied: the Noise connection\'s decoder is undefined, not an object (it was checked against @chainsafe/libp2p-noise 17.0.0, @libp2p/utils 7.4.1, @libp2p/tcp 11.0.28, @libp2p/pnet 3.0.27); left as upstream made it'
    ])
    // Each reason, as another logger hears it first.
    const reasons = shapes.map(shape => { const l = errorLog(); cheapShortReads(shape as unknown as MessageStream, l); return l.errors[0] })
    expect(reasons.map(r => r?.replace(/^upstream patch cheapShortReads not applied: (.*) \(it was.*$/, '$1'))).toEqual([
      'the Noise connection\'s decoder is undefined, not an object',
      'the Noise connection\'s decoder is null, not an object',
      'the Noise decoder\'s lengthDecoder is number, not a function',
      'the Noise decoder\'s encodingLength is undefined, not a function',
      'the Noise decoder\'s length prefix is 1 bytes, not 2',
      'the Noise connection\'s decoder is undefined, not an object'
    ])
  })

  it('tunedNoise logs, and does not throw, when what Noise returns is of an unexpected shape', async () => {
    const rec = recordingLogger()
    const inner: ConnectionEncrypter = {
      protocol: '/fake/1',
      secureInbound: async () => ({ connection: {} as MessageStream, remotePeer: 'peer' as never }),
      secureOutbound: async () => ({ connection: {} as MessageStream, remotePeer: 'peer' as never })
    }
    const enc = tunedNoise(() => inner)({ logger: rec.logger })
    for (let i = 0; i < 3; i++) await enc.secureOutbound(fakeConnection().conn)
    expect(rec.errors).toHaveLength(1)
    expect(rec.errors[0]).toMatch(/^quorum:noise-tuning: upstream patch cheapShortReads not applied/)
    expect(rec.messages.filter(m => m.includes('left partly untuned'))).toHaveLength(3)
  })
})

/** @chainsafe/libp2p-noise's own length reader (encoder.js), which builds a RangeError per short read. */
function throwingLength (data: Uint8ArrayList | Uint8Array): number {
  if (data.length < 2) throw RangeError('Could not decode int16BE')
  return data instanceof Uint8Array ? (data[0]! << 8) + data[1]! : data.getUint16(0)
}

describe('Noise frame lengths without an exception per chunk', () => {
  it('reads big-endian lengths from arrays and lists, as Noise does', () => {
    for (const n of [0, 1, 255, 256, 0x1234, 65535]) {
      const bytes = Uint8Array.of(n >> 8, n & 255, 9)
      expect(noiseFrameLength(bytes)).toBe(n)
      expect(noiseFrameLength(new Uint8ArrayList(bytes.subarray(0, 1), bytes.subarray(1)))).toBe(n)
      expect(noiseFrameLength(bytes)).toBe(throwingLength(bytes))
    }
  })

  it('reads 0 from fewer than 2 bytes, without throwing', () => {
    for (const short of [new Uint8Array(0), Uint8Array.of(1), new Uint8ArrayList(), new Uint8ArrayList(Uint8Array.of(1))]) {
      expect(noiseFrameLength(short)).toBe(0)
    }
  })

  it('a patched decoder yields the same frames as Noise\'s own, however the bytes are split', () => {
    // Three frames: lengths 3, 0 (an empty frame is skipped by the decoder) and 300.
    const frames = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.from({ length: 300 }, (_, i) => i & 255)]
    const wire = new Uint8ArrayList(...frames.flatMap(f => [Uint8Array.of(f.length >> 8, f.length & 255), f])).subarray()
    const run = (patch: boolean, cuts: number[]): Uint8Array[] => {
      const conn = { decoder: new LengthPrefixedDecoder({ lengthDecoder: throwingLength, encodingLength: () => 2 }) }
      if (patch) expect(cheapShortReads(conn as unknown as MessageStream, errorLog())).toBe(true)
      const out: Uint8Array[] = []
      let at = 0
      for (const cut of [...cuts, wire.length]) {
        for (const f of conn.decoder.decode(wire.subarray(at, cut))) out.push(f.subarray())
        at = cut
      }
      return out
    }
    for (let a = 0; a <= wire.length; a += 7) {
      for (const b of [a, a + 1, a + 2, wire.length]) {
        const cuts = [a, Math.min(b, wire.length)]
        const got = run(true, cuts)
        expect(got).toEqual(run(false, cuts))
        expect(got).toEqual([frames[0], frames[2]])
      }
    }
  })
})

describe('tunedNoise on real Noise connections', () => {
  it('both patches apply to the installed Noise and @libp2p/utils, and messages cross intact both ways', async () => {
    const { noise } = await import('@chainsafe/libp2p-noise')
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const rec = recordingLogger()
    const { multiaddrConnectionPair } = await import('@libp2p/utils')
    const make = async (): Promise<{ enc: ConnectionEncrypter, id: ReturnType<typeof peerIdFromPrivateKey> }> => {
      const privateKey = await generateKeyPair('Ed25519')
      const id = peerIdFromPrivateKey(privateKey)
      const enc = tunedNoise(noise())({ peerId: id, privateKey, logger: rec.logger, upgrader: null as never })
      return { enc, id }
    }
    const [a, b] = await Promise.all([make(), make()])
    const [outbound, inbound] = multiaddrConnectionPair()
    const [sa, sb] = await Promise.all([
      a.enc.secureOutbound(outbound, { remotePeer: b.id, skipStreamMuxerNegotiation: true }),
      b.enc.secureInbound(inbound, { skipStreamMuxerNegotiation: true })
    ])
    expect(sa.remotePeer.equals(b.id)).toBe(true)
    expect(sb.remotePeer.equals(a.id)).toBe(true)
    for (const s of [sa, sb]) expect((s.connection as unknown as { decoder: { lengthDecoder: unknown } }).decoder.lengthDecoder).toBe(noiseFrameLength)
    // Both patches applied on both sides: nothing reported, no connection left untuned.
    expect(rec.errors).toEqual([])
    expect(rec.messages.filter(m => m.startsWith('quorum:noise-tuning'))).toEqual([])
    // The connections below Noise (@libp2p/utils' AbstractMultiaddrConnection, like TCP's) were joined.
    for (const c of [outbound, inbound]) expect(Object.hasOwn(c, 'sendData')).toBe(true)

    // Resolves with the bytes received once `bytes` of them came (a large message comes as several Noise frames).
    const received = async (s: typeof sa, bytes: number): Promise<Uint8Array> => await new Promise((resolve, reject) => {
      const got = new Uint8ArrayList()
      const timer = setTimeout(() => { reject(new Error(`received ${got.byteLength} of ${bytes} bytes`)) }, 5000)
      s.connection.addEventListener('message', evt => {
        got.append(evt.data)
        if (got.byteLength >= bytes) { clearTimeout(timer); resolve(got.subarray()) }
      })
    })
    const sizes = [1, 37, 220, 70_000]
    const messages = sizes.map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + k) & 255))
    const atB = received(sb, sizes.reduce((x, y) => x + y, 0))
    const atA = received(sa, 1)
    for (const m of messages) sa.connection.send(m)
    sb.connection.send(Uint8Array.of(42))
    expect(await atB).toEqual(new Uint8ArrayList(...messages).subarray())
    expect(await atA).toEqual(Uint8Array.of(42))
  })
})
