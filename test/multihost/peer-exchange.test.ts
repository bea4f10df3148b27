/**
 * Peer exchange on node processes in network namespaces on a bridge, mDNS
 * off (issue 18, item 6): in a bootstrap star, where B and C know only A's
 * address, B and C come to connect to each other through A's peer lists; and
 * when A is killed with SIGKILL, B and C, two of three voters, elect on their
 * own. Before peer exchange they never connected, and stayed leaderless.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canCreateNamespaces, VirtualLan } from './netns.js'
import { agreement, startNode, type NodeProc } from './cluster.js'

const LEASE = 1000
const CAN = canCreateNamespaces()

describe.skipIf(!CAN)('peer exchange on a virtual LAN', () => {
  let lan: VirtualLan
  let procs: NodeProc[] = []

  beforeAll(() => { lan = new VirtualLan(3, 'pex') })
  afterAll(() => { lan?.destroy() })
  afterEach(async () => {
    for (const p of procs) p.signal('SIGKILL')
    await Promise.all(procs.map(async p => { await p.exit() }))
    procs = []
  })

  it('in a bootstrap star the leaves connect to each other, and elect within 10 leases of the hub\'s SIGKILL', async () => {
    const [ha, hb, hc] = lan.hosts as [typeof lan.hosts[0], typeof lan.hosts[0], typeof lan.hosts[0]]
    // The hub stands first, so that its kill is a failover, not only the loss of a follower.
    const hub = startNode(lan, ha, { size: 3, leaseMs: LEASE, mdns: false, listenPort: 4001, priority: 5 })
    procs.push(hub)
    await hub.next(e => e.ev === 'ready', 30 * LEASE)
    // An address without a peer ID, as an operator writes it.
    const boot = [`/ip4/${ha.address}/tcp/4001`]
    const [b, c] = [hb, hc].map(h => startNode(lan, h, { size: 3, leaseMs: LEASE, mdns: false, bootstrap: boot }))
    procs.push(b!, c!)
    await Promise.all([b!, c!].map(async p => await p.next(e => e.ev === 'ready', 30 * LEASE)))
    // Generous bounds for a loaded machine: the exchange itself takes milliseconds.
    await b!.next(e => e.ev === 'peer:join' && e.peerId === c!.id, 30 * LEASE)
    await c!.next(e => e.ev === 'peer:join' && e.peerId === b!.id, 30 * LEASE)
    const first = await agreement(procs, 30 * LEASE)
    // All three are voters before the hub goes (right after founding, under load, the third one may
    // still be joining: a window this test is not about).
    await first.next(e => e.ev === 'configuration' && (e.voters as string[]).length === 3, 30 * LEASE)

    const killedAt = Date.now()
    hub.signal('SIGKILL')
    await hub.exit()
    const second = await agreement([b!, c!], 10 * LEASE)
    expect(Date.now() - killedAt).toBeLessThan(10 * LEASE)
    expect(second.id).not.toBe(hub.id)
    if (first === hub) expect(second.epoch).toBeGreaterThan(first.epoch)
    for (const p of procs) expect(p.events.filter(e => e.ev === 'error')).toEqual([])
  })
})
