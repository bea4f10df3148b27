/**
 * A hostile peer on the cluster's protocol: garbage, oversized frames and
 * forged identities are dropped and counted, a persistent offender is
 * disconnected, and the honest nodes keep electing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Libp2p } from 'libp2p'
import { multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import type { Stream } from '@libp2p/interface'
import { createElection, type Election } from '../../src/index.js'
import { encodeMessage } from '../../src/core.js'
import { bareNode, NETNS_OK, waitFor } from './env.js'

const LEASE = 600
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { await Promise.allSettled(cleanup.splice(0).map(async f => { await f() })) })

const until = async (what: string, cond: () => boolean, timeoutMs = 30 * LEASE): Promise<void> => { await waitFor(what, cond, timeoutMs) }

async function honest (name: string, n: number): Promise<Election[]> {
  const es = await Promise.all(Array.from({ length: n }, async () => await createElection({ clusterName: name, clusterSize: 3, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdnsIntervalMs: 200 })))
  cleanup.push(async () => { await Promise.all(es.map(async e => { await e.stop() })) })
  return es
}

async function attacker (): Promise<Libp2p> {
  const node = await bareNode()
  cleanup.push(async () => { await node.stop() })
  return node
}

async function openTo (node: Libp2p, target: Election): Promise<Stream> {
  return await node.dialProtocol(multiaddr(target.multiaddrs[0]!), target.protocol)
}

describe.skipIf(!NETNS_OK)('hostile peers', () => {
  it('drops and counts garbage, disconnects a persistent offender, and the cluster keeps electing', async () => {
    const es = await honest('hostile', 3)
    const victim = es[0]!
    const bad = await attacker()
    const s = await openTo(bad, victim)
    for (let i = 0; i < 5; i++) s.send(lp.encode.single(Uint8Array.from([0xff, 0xff, 0xff, i])))
    await until('garbage counted', () => victim.wireStats.invalidFrames >= 5, 5000)
    expect(victim.wireStats.disconnectedForAbuse).toBe(0)
    for (let i = 0; i < 30; i++) s.send(lp.encode.single(Uint8Array.from([0x08, 0x63, 0xff, i])))
    await until('offender disconnected', () => victim.wireStats.disconnectedForAbuse === 1, 5000)
    await until('connection gone', () => bad.getConnections().length === 0, 5000)
    await until('honest agreement', () => es.filter(e => e.isLeader).length === 1 && es.every(e => e.leader !== null))
  })

  it('resets a stream that announces an oversized frame', async () => {
    const [victim] = await honest('oversize', 1)
    const bad = await attacker()
    const s = await openTo(bad, victim!)
    const closed = new Promise(resolve => { s.addEventListener('close', resolve, { once: true }) })
    // A length prefix of 10 MiB: the victim must not wait to buffer it.
    s.send(lp.encode.single(new Uint8Array(100 * 1024)))
    await until('oversized counted', () => victim!.wireStats.oversizedFrames === 1, 5000)
    await closed
    expect(s.status === 'reset' || s.status === 'aborted' || s.status === 'closed').toBe(true)
  })

  it('ignores messages that claim another node\'s identity', async () => {
    const es = await honest('forgery', 3)
    await until('agreement', () => es.filter(e => e.isLeader).length === 1 && es.every(e => e.leader !== null))
    const leader = es.find(e => e.isLeader)!
    const victim = es.find(e => e !== leader)!
    const epoch = victim.epoch
    const bad = await attacker()
    const s = await openTo(bad, victim)
    // A heartbeat for a later epoch naming the real leader, and a ballot naming it: both come from `bad`, so both are dropped.
    // (A member lying about what was chosen is Byzantine, outside the failure model; membership keeps strangers out.)
    // It carries the cluster's own configuration, so only the sender's identity gives it away.
    const c = victim.configuration!
    const forged = { epoch: epoch + 1, leaderId: leader.nodeId, metadata: { evil: 'yes' }, config: { ...c, voters: c.voters.map(id => ({ id, since: 1 })) } }
    s.send(lp.encode.single(encodeMessage({ type: 'heartbeat', epoch: epoch + 1, seq: 1, value: forged, ackFrom: 'all' })))
    s.send(lp.encode.single(encodeMessage({ type: 'prepare', epoch: epoch + 1, ballot: { round: 1e6, nodeId: leader.nodeId } })))
    await until('frames read', () => victim.wireStats.framesReceived > 0 && victim.wireStats.invalidFrames === 0, 5000)
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(victim.leader?.metadata).not.toHaveProperty('evil')
    expect(victim.leader?.leaderId).toBe(leader.nodeId)
    expect(victim.epoch).toBe(epoch)
  })
})

describe.skipIf(!NETNS_OK)('per-peer limits', () => {
  it('disconnects a peer that floods valid messages', async () => {
    const [victim] = await honest('flood', 1)
    const bad = await attacker()
    const s = await openTo(bad, victim!)
    const frame = lp.encode.single(encodeMessage({ type: 'statusRequest', epoch: 0 }))
    for (let i = 0; i < 3000; i++) s.send(frame)
    await until('flooder disconnected', () => victim!.wireStats.disconnectedForAbuse === 1, 5000)
    await until('connection gone', () => bad.getConnections().length === 0, 5000)
    expect(victim!.wireStats.invalidFrames).toBe(0)
  })
})
