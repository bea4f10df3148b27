/**
 * Peer exchange over the real stack in one process (loopback, inside the
 * private namespace npm test runs in), mDNS off: a bootstrap star becomes a
 * mesh, and what a hostile peer sends on the peer-exchange protocol is
 * dropped and counted. The real-process version, with the hub killed, is
 * test/multihost/peer-exchange.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as lp from 'it-length-prefixed'
import { createElection, type Election } from '../../src/index.js'
import { encodePeerList, peerExchangeProtocolFor } from '../../src/transport/peer-exchange.js'
import { bareNode, NETNS_OK, waitFor } from './env.js'

const LEASE = 600
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { await Promise.allSettled(cleanup.splice(0).map(async f => { await f() })) })

const until = async (what: string, cond: () => boolean, timeoutMs = 30 * LEASE): Promise<void> => { await waitFor(what, cond, timeoutMs) }

async function node (name: string, bootstrap: string[] = []): Promise<Election> {
  const e = await createElection({ clusterName: name, clusterSize: 3, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap })
  cleanup.push(async () => { await e.stop() })
  return e
}

describe.skipIf(!NETNS_OK)('peer exchange', () => {
  it('turns a bootstrap star into a mesh: the leaves connect to each other, and elect without the hub', async () => {
    const hub = await node('pex-star')
    const [b, c] = await Promise.all([node('pex-star', [hub.multiaddrs[0]!]), node('pex-star', [hub.multiaddrs[0]!])])
    await until('the leaves to connect', () => b.peers.includes(c.nodeId) && c.peers.includes(b.nodeId))
    expect(b.wireStats.peersLearned + c.wireStats.peersLearned).toBeGreaterThan(0)
    await until('agreement', () => [hub, b, c].filter(e => e.isLeader).length === 1 && [hub, b, c].every(e => e.leader !== null))
    await hub.stop()
    await until('the leaves to elect alone', () => [b, c].some(e => e.isLeader) && [b, c].every(e => e.leader !== null && e.leader.leaderId !== hub.nodeId))
  })

  it('drops and counts garbage and bogus entries from a hostile peer; the member carries on', async () => {
    const member = await node('pex-hostile')
    const bad = await bareNode()
    cleanup.push(async () => { await bad.stop() })
    const protocol = peerExchangeProtocolFor('pex-hostile')
    const send = async (frame: Uint8Array): Promise<void> => {
      const s = await bad.dialProtocol(multiaddr(member.multiaddrs[0]!), protocol)
      s.send(frame)
      await s.close()
    }
    await send(lp.encode.single(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f])).subarray())
    await send(Uint8Array.from([0xff, 0xff, 0xff, 0x7f]))
    // A readable list naming a peer with an address of another, and one nobody listens at.
    const ghost = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const list = encodePeerList([{ id: ghost, addrs: [multiaddr('/ip4/127.0.0.1/tcp/9')] }])
    await send(lp.encode.single(list).subarray())
    await until('the lists counted', () => member.wireStats.peerListsInvalid === 2 && member.wireStats.peerListsReceived === 1, 10_000)
    expect(member.wireStats.peersLearned).toBe(1)
    // The member still runs, and still takes a healthy cluster.
    const others = await Promise.all([node('pex-hostile', [member.multiaddrs[0]!]), node('pex-hostile', [member.multiaddrs[0]!])])
    await until('agreement', () => [member, ...others].filter(e => e.isLeader).length === 1 && [member, ...others].every(e => e.leader !== null))
  })
})
