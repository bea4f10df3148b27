/**
 * The libp2p transport on its own, over real TCP + Noise + yamux: a broadcast
 * with `first` and `fanout` reaches `first` and no more peers than `fanout`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { Libp2pTransport, type Libp2pTransportComponents } from '../../src/transport/libp2p.js'
import type { Message } from '../../src/paxos/message.js'
import { NETNS_OK, waitFor } from './env.js'

const PROTOCOL = '/quorum/transport-test/1.0.0'
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { await Promise.allSettled(cleanup.splice(0).map(async f => { await f() })) })

async function node (): Promise<{ libp2p: Libp2p, transport: Libp2pTransport, got: string[] }> {
  let components: Libp2pTransportComponents | null = null
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
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
})
