/**
 * The libp2p transport on its own, over real TCP + Noise + yamux: a broadcast
 * with `first` and `fanout` reaches `first` and no more peers than `fanout`;
 * and the upstream patches apply to real TCP connections and yamux streams.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { ComponentLogger } from '@libp2p/interface'
import { Libp2pTransport, type Libp2pTransportComponents } from '../../src/transport/libp2p.js'
import { tunedNoise } from '../../src/transport/patches/noise-tuning.js'
import { recordingLogger } from '../transport/patches/log.js'
import type { Message } from '../../src/paxos/message.js'
import { NETNS_OK, waitFor } from './env.js'

const PROTOCOL = '/quorum/transport-test/1.0.0'
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { await Promise.allSettled(cleanup.splice(0).map(async f => { await f() })) })

/** A node; `logger` makes it createElection's kind, with Noise tuned (patches/noise-tuning.ts) and logging there. */
async function node (logger?: ComponentLogger): Promise<{ libp2p: Libp2p, transport: Libp2pTransport, got: string[] }> {
  let components: Libp2pTransportComponents | null = null
  const libp2p = await createLibp2p({
    ...(logger === undefined ? {} : { logger }),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [logger === undefined ? noise() : tunedNoise(noise())],
    streamMuxers: [yamux()],
    // A service only to reach the components the transport needs.
    services: { grab: (c: Libp2pTransportComponents) => { components = c; return {} } }
  })
  const transport = new Libp2pTransport(components!, { protocol: PROTOCOL })
  const got: string[] = []
  await transport.start({ message: (from, msg) => { got.push(`${from}:${msg.type}`) } })
  cleanup.push(async () => { await transport.stop(); await libp2p.stop() })
  return { libp2p, transport, got }
}

describe.skipIf(!NETNS_OK)('Libp2pTransport', () => {
  it('broadcasts to `first` and to no more peers than `fanout`; without it, to all', async () => {
    const [a, ...others] = await Promise.all([node(), node(), node(), node()])
    for (const o of others) {
      await a!.libp2p.dial(o.libp2p.getMultiaddrs()[0]!)
      a!.transport.addPeer(o.libp2p.peerId)
    }
    const msg: Message = { type: 'resign', epoch: 1, successor: null }
    const last = others[2]!
    a!.transport.broadcast(msg, last.libp2p.peerId.toString(), 2)
    await waitFor('two deliveries', () => others.reduce((n, o) => n + o.got.length, 0) >= 2, 10_000)
    // Give a stray third delivery time to show.
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(last.got).toEqual([`${a!.libp2p.peerId.toString()}:resign`])
    expect(others.reduce((n, o) => n + o.got.length, 0)).toBe(2)
    a!.transport.broadcast(msg)
    await waitFor('a delivery to every peer', () => others.every(o => o.got.length >= 1) && others.reduce((n, o) => n + o.got.length, 0) >= 5, 10_000)
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(others.reduce((n, o) => n + o.got.length, 0)).toBe(5)
  })

  it('every upstream patch applies on real TCP connections, Noise and yamux streams: none reports, no stream is left unbatched', async () => {
    const rec = recordingLogger()
    const [a, b] = await Promise.all([node(rec.logger), node(rec.logger)])
    await a!.libp2p.dial(b!.libp2p.getMultiaddrs()[0]!)
    a!.transport.addPeer(b!.libp2p.peerId)
    // The transport opens streams on open connections only: wait for b's side of it.
    await waitFor('the connection at b', () => b!.libp2p.getConnections(a!.libp2p.peerId).length > 0, 10_000)
    b!.transport.addPeer(a!.libp2p.peerId)
    const msg: Message = { type: 'resign', epoch: 1, successor: null }
    for (let i = 0; i < 20; i++) { a!.transport.broadcast(msg); b!.transport.broadcast(msg) }
    await waitFor('20 deliveries each way', () => a!.got.length >= 20 && b!.got.length >= 20, 10_000)
    expect(a!.transport.stats.unbatchedStreams + b!.transport.stats.unbatchedStreams).toBe(0)
    expect(rec.errors.filter(e => e.includes('upstream patch'))).toEqual([])
    expect(rec.messages.filter(m => m.startsWith('quorum:noise-tuning') || m.includes('window updates left'))).toEqual([])
  })
})
