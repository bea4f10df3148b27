/**
 * Libp2pTransport's write path against fake streams (no network): what happens
 * to a peer's frames when a stream fills up, fails to drain, closes under a
 * write, or is replaced.
 */
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { Libp2pTransport, type Libp2pTransportComponents } from '../../src/transport/libp2p.js'
import type { Message } from '../../src/paxos/message.js'

/** A stream that records what it was sent; `full` makes send() report a full buffer. */
class FakeStream extends EventTarget {
  status: 'open' | 'closed' | 'aborted' | 'reset' = 'open'
  writeStatus: 'writable' | 'closing' | 'closed' = 'writable'
  writableNeedsDrain = false
  full = false
  throwOnSend: Error | null = null
  readonly sent: Uint8Array[] = []
  #drain: { promise: Promise<void>, resolve: () => void, reject: (err: Error) => void } | null = null

  send (data: { subarray: () => Uint8Array }): boolean {
    if (this.throwOnSend !== null) throw this.throwOnSend
    this.sent.push(data.subarray())
    if (this.full) this.writableNeedsDrain = true
    return !this.full
  }

  async onDrain (): Promise<void> {
    if (this.#drain === null) {
      let resolve = (): void => {}
      let reject = (_err: Error): void => {}
      const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
      this.#drain = { promise, resolve, reject }
    }
    await this.#drain.promise
  }

  /** The remote reset it: drains fail, and it reports closed. */
  reset (): void {
    this.status = 'reset'
    this.writeStatus = 'closed'
    this.#drain?.reject(new Error('stream reset'))
    this.dispatchEvent(new Event('close'))
  }

  drained (): void {
    this.full = false
    this.writableNeedsDrain = false
    this.#drain?.resolve()
    this.#drain = null
    this.dispatchEvent(new Event('drain'))
  }

  abort (): void { this.reset() }
  async close (): Promise<void> { this.status = 'closed' }
}

const flush = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve)) }

const heartbeat = (seq: number): Message => ({ type: 'heartbeatAck', epoch: 1, seq })

async function setup (): Promise<{ transport: Libp2pTransport, peer: PeerId, streams: FakeStream[], logged: string[] }> {
  const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const streams: FakeStream[] = []
  const logged: string[] = []
  const log = Object.assign((...args: unknown[]) => { logged.push(String(args[0])) }, { error: (...args: unknown[]) => { logged.push(`error: ${String(args[0])}`) }, trace: () => {}, enabled: false })
  const components = {
    peerId: self,
    registrar: { handle: async () => {}, unhandle: async () => {} },
    connectionManager: {
      getConnections: () => [{ status: 'open', newStream: async () => { const s = new FakeStream(); streams.push(s); return s } }]
    },
    logger: { forComponent: () => log }
  } as unknown as Libp2pTransportComponents
  const transport = new Libp2pTransport(components, { protocol: '/quorum/test/2.0.0' })
  await transport.start({ message: () => {} })
  transport.addPeer(peer)
  return { transport, peer, streams, logged }
}

describe('Libp2pTransport write path', () => {
  it('drops frames while a stream needs draining, and sends again once it drained', async () => {
    const { transport, peer, streams } = await setup()
    transport.send(peer.toString(), heartbeat(1))
    await flush()
    expect(streams).toHaveLength(1)
    const s = streams[0]!
    s.full = true
    transport.send(peer.toString(), heartbeat(2)) // fills it
    transport.send(peer.toString(), heartbeat(3)) // dropped
    expect(s.sent).toHaveLength(2)
    expect(transport.stats.droppedBackpressure).toBe(1)
    s.drained()
    await flush()
    transport.send(peer.toString(), heartbeat(4))
    expect(s.sent).toHaveLength(3)
  })

  it('a stream reset while it needed draining does not silence the peer: the next stream carries frames', async () => {
    const { transport, peer, streams } = await setup()
    transport.send(peer.toString(), heartbeat(1))
    await flush()
    const first = streams[0]!
    first.full = true
    transport.send(peer.toString(), heartbeat(2))
    first.reset() // the drain it waited for now fails
    await flush()
    transport.send(peer.toString(), heartbeat(3)) // opens a new stream
    await flush()
    expect(streams).toHaveLength(2)
    const second = streams[1]!
    expect(second.sent).toHaveLength(1)
    transport.send(peer.toString(), heartbeat(4))
    transport.send(peer.toString(), heartbeat(5))
    expect(second.sent).toHaveLength(3)
  })

  it('a stream closed for writing under a send is replaced, not thrown into the caller', async () => {
    const { transport, peer, streams, logged } = await setup()
    transport.send(peer.toString(), heartbeat(1))
    await flush()
    const first = streams[0]!
    first.throwOnSend = new Error('Cannot write to a stream that is closed')
    expect(() => { transport.send(peer.toString(), heartbeat(2)) }).not.toThrow()
    await flush()
    expect(streams).toHaveLength(2)
    // The frame that met the closed stream goes out on the new one.
    expect(streams[1]!.sent).toHaveLength(1)
    expect(logged.some(l => l.startsWith('error:'))).toBe(false)
  })

  it('does not write to a stream whose write side is closing, though its status still reads open', async () => {
    const { transport, peer, streams } = await setup()
    transport.send(peer.toString(), heartbeat(1))
    await flush()
    streams[0]!.writeStatus = 'closing'
    transport.send(peer.toString(), heartbeat(2))
    await flush()
    expect(streams[0]!.sent).toHaveLength(1)
    expect(streams).toHaveLength(2)
    expect(streams[1]!.sent).toHaveLength(1)
  })
})
