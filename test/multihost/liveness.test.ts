/**
 * Liveness faults found by the fault runs (issue 17), on node processes in
 * network namespaces: a connection that went dead without a FIN or RST must be
 * noticed and replaced, so that a node cut off and reconnected hears the leader
 * again within a lease or two, not at TCP's next retransmission.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canCreateNamespaces, VirtualLan } from './netns.js'
import { agreement, startNode, type NodeProc } from './cluster.js'

const LEASE = 1000
const CAN = canCreateNamespaces()

describe.skipIf(!CAN)('liveness on a virtual LAN', () => {
  let lan: VirtualLan
  let procs: NodeProc[] = []

  beforeAll(() => { lan = new VirtualLan(3, 'live') })
  afterAll(() => { lan?.destroy() })
  afterEach(async () => {
    for (const h of lan.hosts) lan.setLink(h, true)
    for (const p of procs) p.signal('SIGKILL')
    await Promise.all(procs.map(async p => { await p.exit() }))
    procs = []
  })

  it('a node cut off without a word sees its peers leave within a few leases, and rejoins soon after the heal', async () => {
    procs = lan.hosts.map(h => startNode(lan, h, { size: 3, leaseMs: LEASE }))
    const leader = await agreement(procs, 30 * LEASE)
    const cut = procs.find(p => p !== leader)!
    const from = cut.events.length
    const leaderFrom = leader.events.length
    // The veth goes down: packets vanish, no FIN and no RST reach either side.
    lan.setLink(cut.host, false)
    const cutAt = Date.now()
    // Generous bounds: the ping monitor closes a silent connection within about 2 leases.
    await cut.next(e => e.ev === 'peer:leave' && e.peerId === leader.id, 6 * LEASE, from)
    await leader.next(e => e.ev === 'peer:leave' && e.peerId === cut.id, 6 * LEASE, leaderFrom)
    expect(Date.now() - cutAt).toBeLessThan(6 * LEASE)
    // Long enough for TCP's retransmission timer to back off well past a lease.
    await new Promise(resolve => setTimeout(resolve, 8 * LEASE))
    lan.setLink(cut.host, true)
    const healedAt = Date.now()
    const now = await agreement(procs, 10 * LEASE)
    expect(cut.leader).toBe(now.id)
    expect(Date.now() - healedAt).toBeLessThan(10 * LEASE)
  })
})
