import { describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { defaultLogger } from '@libp2p/logger'
import { streamPair } from '@libp2p/utils'
import * as lp from 'it-length-prefixed'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { CodecError } from '../../src/errors.js'
import {
  decodePeerList, encodePeerList, entriesToLearn, LIMITS, PeerExchange, peerExchangeProtocolFor,
  type MergeContext, type PeerExchangeComponents, type PeerListEntry
} from '../../src/transport/peer-exchange.js'
import { PeerList } from '../../src/transport/pb/peers.js'

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const peers = async (n: number): Promise<PeerId[]> => await Promise.all(Array.from({ length: n }, newPeer))
const ma = (s: string): Multiaddr => multiaddr(s)
const ids = (es: readonly PeerListEntry[]): string[] => es.map(e => e.id.toString())
const enc = new TextEncoder()

describe('peer list encoding and validation', () => {
  it('round-trips entries, and keeps the sender within the limits', async () => {
    const [a, b] = await peers(2)
    const list = [{ id: a!, addrs: [ma('/ip4/10.0.0.1/tcp/4001'), ma('/ip6/::1/tcp/4001')] }, { id: b!, addrs: [ma('/dns4/node-b.lan/tcp/4001')] }]
    const { entries, invalid } = decodePeerList(encodePeerList(list))
    expect(invalid).toBe(0)
    expect(ids(entries)).toEqual([a!.toString(), b!.toString()])
    expect(entries[0]!.addrs.map(x => x.toString())).toEqual(['/ip4/10.0.0.1/tcp/4001', '/ip6/::1/tcp/4001'])
    const many = Array.from({ length: 10 }, (_, i) => ma(`/ip4/10.0.0.${i}/tcp/1`))
    const big = Array.from({ length: LIMITS.entries + 5 }, () => ({ id: a!, addrs: many }))
    const wire = PeerList.decode(encodePeerList(big))
    expect(wire.peers).toHaveLength(LIMITS.entries)
    expect(wire.peers[0]!.addrs).toHaveLength(LIMITS.addrsPerEntry)
  })

  it('rejects a list it cannot read as a whole with a CodecError', async () => {
    const [a] = await peers(1)
    const entry = { id: a!.toString(), addrs: [ma('/ip4/10.0.0.1/tcp/1').bytes] }
    const tooMany = PeerList.encode({ peers: Array.from({ length: LIMITS.entries + 1 }, () => entry) })
    expect(() => decodePeerList(tooMany)).toThrow(CodecError)
    const tooManyAddrs = PeerList.encode({ peers: [{ id: a!.toString(), addrs: Array.from({ length: LIMITS.addrsPerEntry + 1 }, () => entry.addrs[0]!) }] })
    expect(() => decodePeerList(tooManyAddrs)).toThrow(/too many/)
    expect(() => decodePeerList(new Uint8Array(LIMITS.listBytes + 1))).toThrow(/above/)
    expect(() => decodePeerList(Uint8Array.from([0x0a, 0xff, 0xff, 0xff]))).toThrow(CodecError)
  })

  it('drops and counts each entry that does not validate, and keeps the rest', async () => {
    const [a, b, c] = await peers(3)
    const good = ma('/ip4/10.0.0.1/tcp/4001').bytes
    const { entries, invalid } = decodePeerList(PeerList.encode({
      peers: [
        { id: a!.toString(), addrs: [good] },
        { id: 'not a peer id', addrs: [good] },
        { id: '', addrs: [good] },
        { id: 'Q'.repeat(LIMITS.idChars + 1), addrs: [good] },
        // No address at all, or none that parses.
        { id: b!.toString(), addrs: [] },
        { id: b!.toString(), addrs: [Uint8Array.from([1, 2, 3]), new Uint8Array(0), new Uint8Array(LIMITS.addrBytes + 1).fill(4)] },
        // An address naming another peer ID: dropped; naming its own: kept without /p2p.
        { id: c!.toString(), addrs: [ma(`/ip4/10.0.0.3/tcp/1/p2p/${a!.toString()}`).bytes, ma(`/ip4/10.0.0.3/tcp/2/p2p/${c!.toString()}`).bytes] },
        // A repeat of an earlier entry.
        { id: a!.toString(), addrs: [good] }
      ]
    }))
    expect(ids(entries)).toEqual([a!.toString(), c!.toString()])
    expect(entries[1]!.addrs.map(x => x.toString())).toEqual(['/ip4/10.0.0.3/tcp/2'])
    expect(invalid).toBe(6)
  })

  it('turns random bytes into a CodecError or valid entries, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), bytes => {
      try {
        const { entries } = decodePeerList(bytes)
        for (const e of entries) expect(e.addrs.length).toBeGreaterThan(0)
      } catch (err) {
        expect(err).toBeInstanceOf(CodecError)
      }
    }), { numRuns: 3000 })
  })

  it('turns structurally valid lists of random strings and bytes into valid entries and a count, never a throw', () => {
    const entry = fc.record({ id: fc.string({ maxLength: 60 }), addrs: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: LIMITS.addrsPerEntry }) })
    fc.assert(fc.property(fc.array(entry, { maxLength: 20 }), list => {
      const { entries, invalid } = decodePeerList(PeerList.encode({ peers: list }))
      expect(entries.length + invalid).toBe(list.length)
    }), { numRuns: 2000 })
  })
})

describe('entriesToLearn', () => {
  it('learns only allowed peers that are not this node, the sender or connected, without loopback from afar', async () => {
    const [self, from, connected, outsider, fresh, localOnly] = await peers(6)
    const lan = ma('/ip4/10.0.0.9/tcp/4001')
    const lo = ma('/ip4/127.0.0.1/tcp/4001')
    const entries = [self!, from!, connected!, outsider!, fresh!].map(id => ({ id, addrs: [lan, lo] }))
    entries.push({ id: localOnly!, addrs: [lo] })
    const ctx: MergeContext = {
      self: self!,
      from: from!,
      allow: id => id !== outsider!.toString(),
      connected: p => p.equals(connected!),
      keepLoopback: false
    }
    const learned = entriesToLearn(entries, ctx)
    expect(ids(learned)).toEqual([fresh!.toString()])
    expect(learned[0]!.addrs.map(x => x.toString())).toEqual([lan.toString()])
    // From a sender on loopback (one host), loopback addresses are the listed peer's own.
    const local = entriesToLearn(entries, { ...ctx, keepLoopback: true })
    expect(ids(local)).toEqual([fresh!.toString(), localOnly!.toString()])
    expect(local[0]!.addrs).toHaveLength(2)
  })
})

/**
 * A little world of PeerExchanges on fake components: connections whose
 * streams are @libp2p/utils stream pairs delivered to the other side's handler.
 */
class World {
  readonly nodes = new Map<string, { px: PeerExchange, wants: string[], merged: string[], onConnect: (p: PeerId) => void, handler: (s: Stream, c: Connection) => void }>()
  readonly links = new Set<string>()
  readonly addr = new Map<string, Multiaddr>()

  async add (id: PeerId, i: number, o: { allow?: (p: string) => boolean, peersWanted?: number, intervalMs?: number } = {}): Promise<PeerExchange> {
    this.addr.set(id.toString(), ma(`/ip4/10.0.0.${i}/tcp/4001`))
    const self = { wants: [] as string[], merged: [] as string[], onConnect: (_p: PeerId) => {}, handler: (_s: Stream, _c: Connection) => {} }
    const components = {
      peerId: id,
      logger: defaultLogger(),
      registrar: {
        handle: async (_p: string, h: (s: Stream, c: Connection) => void) => { self.handler = h },
        unhandle: async () => {},
        register: async (_p: string, t: { onConnect: (p: PeerId) => void }) => { self.onConnect = t.onConnect; return 'topology' },
        unregister: () => {}
      },
      connectionManager: { getConnections: (peer: PeerId) => this.links.has(`${id.toString()} ${peer.toString()}`) ? [this.#connection(id, peer)] : [] },
      peerStore: {
        get: async (peer: PeerId) => ({ addresses: [{ multiaddr: this.addr.get(peer.toString())!, isCertified: true }] }),
        merge: async (peer: PeerId) => { self.merged.push(peer.toString()) }
      }
    } as unknown as PeerExchangeComponents
    const px = new PeerExchange(components, {
      memberProtocol: '/quorum/t/1.0.0',
      protocol: peerExchangeProtocolFor('t'),
      dialer: { want: p => { self.wants.push(p.toString()) } },
      settleMs: 10,
      intervalMs: o.intervalMs ?? 60_000,
      ...(o.peersWanted === undefined ? {} : { peersWanted: o.peersWanted }),
      ...(o.allow === undefined ? {} : { allow: o.allow })
    })
    this.nodes.set(id.toString(), { px, ...self, get onConnect () { return self.onConnect }, get handler () { return self.handler } })
    await px.start()
    return px
  }

  /** Connects two nodes, as identify would report it to each. */
  connect (a: PeerId, b: PeerId): void {
    this.links.add(`${a.toString()} ${b.toString()}`)
    this.links.add(`${b.toString()} ${a.toString()}`)
    this.nodes.get(a.toString())!.onConnect(b)
    this.nodes.get(b.toString())!.onConnect(a)
  }

  /** Cuts a link without a word (no topology event: the round finds it closed). */
  cut (a: PeerId, b: PeerId): void {
    this.links.delete(`${a.toString()} ${b.toString()}`)
    this.links.delete(`${b.toString()} ${a.toString()}`)
  }

  #connection (from: PeerId, to: PeerId): Connection {
    return {
      status: 'open',
      remotePeer: to,
      remoteAddr: this.addr.get(to.toString())!,
      newStream: async () => {
        const [out, inb] = await streamPair()
        this.nodes.get(to.toString())!.handler(inb, { remotePeer: from, remoteAddr: this.addr.get(from.toString())! } as unknown as Connection)
        return out
      }
    } as unknown as Connection
  }
}

describe('PeerExchange', () => {
  /** Waits out `ms` in which nothing should happen. */
  const settle = async (ms = 300): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
  /** Retries `check` until it passes (a liveness bound, generous for a loaded machine). */
  const eventually = async (check: () => void): Promise<void> => { await vi.waitFor(check, { timeout: 10_000, interval: 10 }) }

  it('in a star, tells each leaf of the other once both have connected, and the leaves dial each other', async () => {
    const [hub, b, c] = await peers(3)
    const w = new World()
    const pxs = [await w.add(hub!, 1), await w.add(b!, 2), await w.add(c!, 3)]
    w.connect(hub!, b!)
    await settle()
    // One member: nothing to tell.
    expect(pxs[0]!.stats.peerListsSent).toBe(0)
    w.connect(hub!, c!)
    await eventually(() => { expect(pxs[1]!.stats.peersLearned + pxs[2]!.stats.peersLearned).toBe(2) })
    expect(pxs[0]!.stats.peerListsSent).toBe(2)
    expect(w.nodes.get(b!.toString())!.wants).toEqual([c!.toString()])
    expect(w.nodes.get(c!.toString())!.wants).toEqual([b!.toString()])
    expect(w.nodes.get(b!.toString())!.merged).toEqual([c!.toString()])
    expect(pxs[1]!.stats).toMatchObject({ peerListsReceived: 1, peersLearned: 1, peerListsInvalid: 0, peerEntriesInvalid: 0 })
    // Once they are connected, the next round teaches nobody anything.
    w.connect(b!, c!)
    await settle()
    expect(pxs[1]!.stats.peersLearned).toBe(1)
    expect(pxs[2]!.stats.peersLearned).toBe(1)
    for (const px of pxs) await px.stop()
  })

  it('never lists or dials a peer outside the voters, and refuses lists from one', async () => {
    const [hub, b, c, outsider] = await peers(4)
    const voters = new Set([hub!, b!, c!].map(p => p.toString()))
    const allow = (p: string): boolean => voters.has(p)
    const w = new World()
    const pxHub = await w.add(hub!, 1, { allow })
    const pxB = await w.add(b!, 2, { allow })
    // The outsider runs no voters list, and lists everyone it knows.
    await w.add(outsider!, 4)
    await w.add(c!, 3, { allow })
    w.connect(hub!, b!)
    w.connect(hub!, outsider!)
    await settle()
    // The hub told b of nobody (the outsider is no member of its), and refused nothing yet.
    expect(w.nodes.get(b!.toString())!.wants).toEqual([])
    w.connect(outsider!, b!)
    w.connect(outsider!, c!)
    // b refuses the outsider's lists, and never wants it.
    await eventually(() => { expect(pxB.stats.peerListsRefused).toBeGreaterThan(0) })
    expect(w.nodes.get(b!.toString())!.wants).not.toContain(outsider!.toString())
    expect(pxHub.stats.peerListsSent).toBe(0)
  })

  it('counts and survives unreadable and over-fast lists from a member', async () => {
    const [a, b] = await peers(2)
    const w = new World()
    const pxA = await w.add(a!, 1)
    await w.add(b!, 2)
    w.connect(a!, b!)
    const conn = { remotePeer: b!, remoteAddr: w.addr.get(b!.toString())! } as unknown as Connection
    const send = async (bytes: Uint8Array | null): Promise<void> => {
      const [out, inb] = await streamPair()
      w.nodes.get(a!.toString())!.handler(inb, conn)
      if (bytes !== null) out.send(bytes)
      await out.close()
    }
    // Not protobuf; a length prefix above the limit; an empty stream; text.
    await send(Uint8Array.from([3, 0xff, 0xff, 0xff]))
    await send(Uint8Array.from([0xff, 0xff, 0x7f]))
    await send(null)
    await send(Uint8Array.from([5, ...enc.encode('hello')]))
    await eventually(() => { expect(pxA.stats.peerListsInvalid).toBe(4) })
    expect(pxA.stats.peerListsRefused).toBe(0)
    // An empty list is a list; and then its burst is spent: the next is refused at once.
    await send(Uint8Array.from([0]))
    await send(Uint8Array.from([0]))
    await eventually(() => { expect(pxA.stats).toMatchObject({ peerListsReceived: 1, peerListsRefused: 1 }) })
    expect(w.nodes.get(a!.toString())!.wants).toEqual([])
  })

  it('while a member is missing, asks with its list every interval; a member that has it answers; a whole cluster is quiet', async () => {
    const [hub, b, c] = await peers(3)
    const w = new World()
    const o = { peersWanted: 2, intervalMs: 100 }
    const pxs = [await w.add(hub!, 1, o), await w.add(b!, 2, o), await w.add(c!, 3, o)]
    w.connect(hub!, b!)
    w.connect(hub!, c!)
    w.connect(b!, c!)
    await settle(300)
    // Everyone has everyone: the periodic rounds send nothing.
    const sent = pxs.map(px => px.stats.peerListsSent)
    await settle(500)
    expect(pxs.map(px => px.stats.peerListsSent)).toEqual(sent)
    // b and c lose each other, and nobody tells anyone; b's next round asks the hub, which answers.
    w.cut(b!, c!)
    const wanted = w.nodes.get(b!.toString())!.wants.length
    await eventually(() => { expect(w.nodes.get(b!.toString())!.wants.length).toBeGreaterThan(wanted) })
    expect(w.nodes.get(b!.toString())!.wants.at(-1)).toBe(c!.toString())
    for (const px of pxs) await px.stop()
  })

  it('answers a list that lacks some of its members, but never a reply', async () => {
    const [a, b, c] = await peers(3)
    const w = new World()
    const pxA = await w.add(a!, 1)
    await w.add(b!, 2)
    await w.add(c!, 3)
    w.connect(a!, b!)
    w.connect(a!, c!)
    await eventually(() => { expect(pxA.stats.peerListsSent).toBe(2) })
    const conn = { remotePeer: b!, remoteAddr: w.addr.get(b!.toString())! } as unknown as Connection
    const send = async (bytes: Uint8Array): Promise<void> => {
      const [out, inb] = await streamPair()
      w.nodes.get(a!.toString())!.handler(inb, conn)
      out.send(lp.encode.single(bytes))
      await out.close()
    }
    await send(encodePeerList([], true))
    await eventually(() => { expect(pxA.stats.peerListsReceived).toBe(1) })
    await settle(100)
    expect(pxA.stats.peerListsSent).toBe(2)
    await send(encodePeerList([]))
    await eventually(() => { expect(pxA.stats.peerListsSent).toBe(3) })
    // A list that names all of a's other members needs no answer.
    await send(encodePeerList([{ id: c!, addrs: [w.addr.get(c!.toString())!] }]))
    await eventually(() => { expect(pxA.stats.peerListsReceived).toBe(3) })
    await settle(100)
    expect(pxA.stats.peerListsSent).toBe(3)
  })
})
