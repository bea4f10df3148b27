import { describe, expect, it } from 'vitest'
import { Uint8ArrayList } from 'uint8arraylist'
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'
import { coalescingWrites, oneChunkPerWrite } from '../../src/transport/coalesce.js'

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
    expect(oneChunkPerWrite(conn)).toBe(true)
    const r = (conn as unknown as { sendData: (d: Uint8ArrayList) => unknown }).sendData(new Uint8ArrayList(Uint8Array.of(0, 3), Uint8Array.of(7, 8, 9)))
    expect(writes).toEqual([Uint8Array.of(0, 3, 7, 8, 9)])
    expect(r).toEqual({ sentBytes: 5, canSendMore: true })
  })

  it('wraps an encrypter so that the connections it secures are joined', async () => {
    const seen: MessageStream[] = []
    const inner: ConnectionEncrypter = {
      protocol: '/fake/1',
      secureInbound: async c => { seen.push(c); return { connection: c, remotePeer: null as never } },
      secureOutbound: async c => { seen.push(c); return { connection: c, remotePeer: null as never } }
    }
    const enc = coalescingWrites(() => inner)({})
    const { conn, writes } = fakeConnection()
    await enc.secureOutbound(conn)
    ;(seen[0] as unknown as { sendData: (d: Uint8ArrayList) => unknown }).sendData(new Uint8ArrayList(Uint8Array.of(1), Uint8Array.of(2)))
    expect(writes).toEqual([Uint8Array.of(1, 2)])
    expect(enc.protocol).toBe('/fake/1')
  })

  it('leaves a connection of another shape alone', () => {
    expect(oneChunkPerWrite({} as unknown as MessageStream)).toBe(false)
  })
})
