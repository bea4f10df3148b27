/**
 * Peer exchange: members tell each other which members they are connected
 * to, so that a node that knows one member comes to connect to all of them.
 * A bootstrap star (B and C know only A) becomes a full mesh, and survives
 * the loss of its hub.
 *
 * Design, and why:
 * - **Its own protocol, `/quorum/<cluster>/peers/1.0.0`**, not frames on the
 *   election's stream. That stream carries the consensus protocol, whose
 *   messages the node consumes (src/paxos, src/node); a list of addresses is
 *   for the dialer, has its own limits, and is rare (when a member connects,
 *   and while members are missing), so a stream per list costs nothing that
 *   matters. A node without peer exchange refuses the protocol and nothing
 *   else changes; the cluster name in the protocol ID keeps clusters apart,
 *   as it does for the election's.
 * - **One length-prefixed protobuf `PeerList` per stream** (pb/peers.proto):
 *   the sender opens a stream, writes the list, closes; the receiver reads one
 *   frame of at most `LIMITS.listBytes`.
 * - **What is listed:** the members this node is connected to now (peers
 *   whose identify listed the cluster's protocol: the election's topology),
 *   save the recipient, each with the addresses libp2p's peer store holds for
 *   it: identify's signed listen addresses first, never the ephemeral port of
 *   an inbound connection. A dead member drops out of every list with its
 *   connections. With a `voters` list, only voters are listed or heard.
 * - **When:** `settleMs` after a member connects (connects close together
 *   make one round), to every connected member, so that both ends of a new
 *   pair hear of each other at once and the dialer's rule (the smaller peer ID
 *   dials, the larger waits a little) saves a handshake. Then, only while this
 *   node has fewer members than `peersWanted` (clusterSize − 1), every
 *   `intervalMs` (jittered): its list, even an empty one, asks too, since a
 *   member that receives a list lacking some of its own members answers with
 *   its list (marked a reply, which is never answered). So a node notices a
 *   member it lost or never had, and a whole cluster sends nothing. (A round
 *   to every member every 10 s, whole or not, cost 0.3 points of idle CPU per
 *   node: 1.20 and 1.31 % against 0.89 and 0.98 % without peer exchange, and
 *   0.92 and 0.92 % as it is now; 5 nodes, `npm run bench -- --phases idle
 *   --trials 3 --idle 30000`.)
 * - **Receiving:** the list is decoded within bounds (frame size, entries,
 *   addresses per entry, address length). A list that does not decode is
 *   dropped and counted; so is each entry that does not validate (peer ID,
 *   addresses, duplicates), while the rest of its list is kept. Nothing a peer
 *   sends can throw into the host. Entries for peers that are allowed, not
 *   this node, not the sender and not connected have their addresses merged
 *   into the peer store and go to `Dialer.want()`, with its backoff and rule.
 *   Loopback addresses are kept only from a sender on loopback (they name the
 *   listed peer's own host).
 * - **Trust:** a listed address is a hint. Noise authenticates the peer ID
 *   of every connection, so a false address costs one failed dial, never an
 *   impersonation. Lists are heard from allowed peers that speak this
 *   cluster's peer-exchange protocol, at most `LIMITS.burst` at once and one
 *   a second on average per sender; more are refused and counted.
 */
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { isLoopback, lpStream } from '@libp2p/utils'
import type { ComponentLogger, Connection, Logger, PeerId, PeerStore, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { Uint8ArrayList } from 'uint8arraylist'
import { CodecError, TransportError } from '../errors.js'
import type { NodeId } from '../paxos/proposal.js'
import { PeerList } from './pb/peers.js'

/** Version of the peer-exchange protocol, part of its ID. */
export const PEER_EXCHANGE_VERSION = '1.0.0'

/** The peer-exchange protocol ID of a cluster. */
export function peerExchangeProtocolFor (clusterName: string): string {
  return `/quorum/${clusterName}/peers/${PEER_EXCHANGE_VERSION}`
}

/** Bounds on a peer list; the sender keeps within them, the receiver enforces them. */
export const LIMITS = {
  /** Largest list frame, in bytes. */
  listBytes: 16 * 1024,
  /** Entries per list: more members than this are listed a random subset at a time. */
  entries: 64,
  addrsPerEntry: 8,
  addrBytes: 256,
  /** Characters of a peer ID (an Ed25519 or RSA one is 52 or 46). */
  idChars: 128,
  /** Lists one sender may send at once; then one a second. */
  burst: 5
} as const

/** One listed member: its peer ID and addresses (without /p2p/<peer ID>). */
export interface PeerListEntry {
  readonly id: PeerId
  readonly addrs: readonly Multiaddr[]
}

/** The wire form of `entries` (at most LIMITS.entries of them, LIMITS.addrsPerEntry addresses each). */
export function encodePeerList (entries: readonly PeerListEntry[], reply = false): Uint8Array {
  return PeerList.encode({
    reply,
    peers: entries.slice(0, LIMITS.entries).map(e => ({
      id: e.id.toString(),
      addrs: e.addrs.filter(a => a.bytes.byteLength <= LIMITS.addrBytes).slice(0, LIMITS.addrsPerEntry).map(a => a.bytes)
    }))
  })
}

/**
 * Decodes a list (and whether it is a reply). Throws a CodecError when the list as a whole cannot be read
 * (not protobuf, too large, too many entries or addresses); otherwise returns
 * the entries that validate and how many did not: an entry whose peer ID does
 * not parse, that repeats an earlier one, or that has no valid address (one
 * that parses, is at most LIMITS.addrBytes long and names no other peer ID).
 */
export function decodePeerList (bytes: Uint8Array | Uint8ArrayList): { entries: PeerListEntry[], invalid: number, reply: boolean } {
  if (bytes.byteLength > LIMITS.listBytes) throw new CodecError(`peer list of ${bytes.byteLength} bytes, above ${LIMITS.listBytes}`)
  let list: PeerList
  try {
    list = PeerList.decode(bytes, { limits: { peers: LIMITS.entries, peers$: { addrs: LIMITS.addrsPerEntry } } })
  } catch (err) {
    throw new CodecError(`unreadable peer list: ${(err as Error).message}`)
  }
  const entries: PeerListEntry[] = []
  const seen = new Set<string>()
  let invalid = 0
  for (const p of list.peers) {
    const id = parsePeerId(p.id)
    const addrs = id === null ? [] : p.addrs.flatMap(b => validAddr(b, id))
    if (id === null || addrs.length === 0 || seen.has(id.toString())) { invalid++; continue }
    seen.add(id.toString())
    entries.push({ id, addrs })
  }
  return { entries, invalid, reply: list.reply }
}

function parsePeerId (text: string): PeerId | null {
  if (text.length === 0 || text.length > LIMITS.idChars) return null
  try { return peerIdFromString(text) } catch { return null }
}

/** `bytes` as an address of `id` without its /p2p part, or nothing if it is not one. */
function validAddr (bytes: Uint8Array, id: PeerId): Multiaddr[] {
  if (bytes.byteLength === 0 || bytes.byteLength > LIMITS.addrBytes) return []
  let ma: Multiaddr
  try {
    ma = multiaddr(bytes)
    const named = ma.getComponents().filter(c => c.code === CODE_P2P).map(c => c.value)
    if (named.some(v => v !== id.toString())) return []
    if (named.length > 0) ma = ma.decapsulateCode(CODE_P2P)
  } catch {
    return []
  }
  return ma.bytes.byteLength === 0 ? [] : [ma]
}

/** What the receiver knows when it merges a list. */
export interface MergeContext {
  readonly self: PeerId
  readonly from: PeerId
  /** Whether a peer may take part (the voters list; default all). */
  readonly allow: (peer: NodeId) => boolean
  /** Whether this node has an open connection to `peer`. */
  readonly connected: (peer: PeerId) => boolean
  /** Keep loopback addresses: true when the sender itself is on loopback. */
  readonly keepLoopback: boolean
}

/**
 * The entries of a decoded list this node should learn and dial: not itself,
 * not the sender, allowed, not connected, and with an address left once
 * loopback ones are dropped (unless `keepLoopback`).
 */
export function entriesToLearn (entries: readonly PeerListEntry[], ctx: MergeContext): PeerListEntry[] {
  return entries.flatMap(e => {
    if (e.id.equals(ctx.self) || e.id.equals(ctx.from) || !ctx.allow(e.id.toString()) || ctx.connected(e.id)) return []
    const addrs = ctx.keepLoopback ? e.addrs : e.addrs.filter(a => !isLoopback(a))
    return addrs.length === 0 ? [] : [{ id: e.id, addrs }]
  })
}

/** Counters of the peer exchange (part of the transport's, see libp2p.ts). */
export interface PeerExchangeStats {
  peerListsSent: number
  peerListsReceived: number
  /** Lists that could not be read (they are dropped whole). */
  peerListsInvalid: number
  /** Lists refused: from a peer not allowed, or above the rate. */
  peerListsRefused: number
  /** Entries of readable lists that did not validate (dropped; the rest of the list is kept). */
  peerEntriesInvalid: number
  /** Listed peers that were not connected, handed to the dialer. */
  peersLearned: number
}

export interface PeerExchangeComponents {
  readonly peerId: PeerId
  readonly registrar: Registrar
  readonly connectionManager: ConnectionManager
  readonly peerStore: PeerStore
  readonly logger: ComponentLogger
}

export interface PeerExchangeOptions {
  /** The election's protocol: peers that speak it are the members exchanged. */
  readonly memberProtocol: string
  /** The peer-exchange protocol (peerExchangeProtocolFor). */
  readonly protocol: string
  /** Where learned peers go. */
  readonly dialer: { want: (peer: PeerId) => void }
  /** Counters to add to (default: a fresh set). */
  readonly stats?: PeerExchangeStats
  readonly allow?: (peer: NodeId) => boolean
  /** Members this node should have (clusterSize − 1): below it, it sends its list every `intervalMs` (default: always). */
  readonly peersWanted?: number
  /** Mean gap between periodic rounds while members are missing, in ms (default 10000; each is jittered by ±25 %). */
  readonly intervalMs?: number
  /** Delay from a member's connection to the round it causes, in ms (default 50). */
  readonly settleMs?: number
}

const STREAM_TIMEOUT_MS = 5000

/** The peer exchange of one node (see the file header). */
export class PeerExchange {
  readonly stats: PeerExchangeStats
  readonly #c: PeerExchangeComponents
  readonly #o: PeerExchangeOptions
  readonly #allow: (peer: NodeId) => boolean
  readonly #intervalMs: number
  readonly #peersWanted: number
  readonly #settleMs: number
  readonly #log: Logger
  /** Connected members, by peer ID (from the topology; pruned of closed connections at each round). */
  readonly #members = new Map<string, PeerId>()
  /** Token buckets of senders: lists left and when last topped up. */
  readonly #buckets = new Map<string, { tokens: number, at: number }>()
  /** Peers a list is being sent to now (one at a time each). */
  readonly #sending = new Set<string>()
  #topologyId: string | null = null
  #round: NodeJS.Timeout | null = null
  #roundAt = Infinity
  #roundKind: 'connect' | 'periodic' = 'periodic'
  #running = false

  constructor (components: PeerExchangeComponents, opts: PeerExchangeOptions) {
    this.#c = components
    this.#o = opts
    this.stats = opts.stats ?? { peerListsSent: 0, peerListsReceived: 0, peerListsInvalid: 0, peerListsRefused: 0, peerEntriesInvalid: 0, peersLearned: 0 }
    this.#allow = opts.allow ?? (() => true)
    this.#intervalMs = opts.intervalMs ?? 10_000
    this.#peersWanted = opts.peersWanted ?? Infinity
    this.#settleMs = opts.settleMs ?? 50
    this.#log = components.logger.forComponent('quorum:peer-exchange')
  }

  async start (): Promise<void> {
    if (this.#running) return
    this.#running = true
    await this.#c.registrar.handle(this.#o.protocol, (stream, connection) => { void this.#receive(stream, connection) }, {
      maxInboundStreams: 2,
      maxOutboundStreams: 2
    })
    this.#topologyId = await this.#c.registrar.register(this.#o.memberProtocol, {
      onConnect: peer => {
        if (!this.#allow(peer.toString())) return
        this.#members.set(peer.toString(), peer)
        this.#schedule(this.#settleMs, 'connect')
      },
      onDisconnect: peer => { this.#members.delete(peer.toString()); this.#buckets.delete(peer.toString()) }
    })
    this.#schedule(this.#nextPeriodic(), 'periodic')
  }

  async stop (): Promise<void> {
    if (!this.#running) return
    this.#running = false
    if (this.#round !== null) clearTimeout(this.#round)
    this.#round = null
    this.#roundAt = Infinity
    if (this.#topologyId !== null) this.#c.registrar.unregister(this.#topologyId)
    this.#topologyId = null
    this.#members.clear()
    this.#buckets.clear()
    await this.#c.registrar.unhandle(this.#o.protocol)
  }

  #nextPeriodic (): number { return this.#intervalMs * (0.75 + Math.random() / 2) }

  /**
   * Runs a round in `ms` unless one is due sooner: after a connection, to
   * every member; a periodic one only while members are missing.
   */
  #schedule (ms: number, kind: 'connect' | 'periodic'): void {
    if (!this.#running) return
    const at = Date.now() + ms
    if (this.#round !== null && this.#roundAt <= at) {
      if (kind === 'connect') this.#roundKind = 'connect'
      return
    }
    if (this.#round !== null) clearTimeout(this.#round)
    this.#roundAt = at
    this.#roundKind = kind
    this.#round = setTimeout(() => {
      const connect = this.#roundKind === 'connect'
      this.#round = null
      this.#roundAt = Infinity
      this.#schedule(this.#nextPeriodic(), 'periodic')
      this.#prune()
      if (!connect && this.#members.size >= this.#peersWanted) return
      this.#exchange(connect).catch((err: Error) => { this.#log.error('peer exchange round failed: %s', err.message) })
    }, ms)
    this.#round.unref()
  }

  /** Forgets members whose connections closed, and their rate buckets. */
  #prune (): void {
    for (const [id, peer] of this.#members) if (this.#open(peer) === undefined) this.#members.delete(id)
    for (const id of this.#buckets.keys()) if (!this.#members.has(id)) this.#buckets.delete(id)
  }

  #open (peer: PeerId): Connection | undefined {
    return this.#c.connectionManager.getConnections(peer).find(c => c.status === 'open')
  }

  /**
   * Sends every connected member the list of the others. After a connection,
   * only lists that name someone; in a periodic round empty ones too (they ask).
   */
  async #exchange (afterConnect: boolean): Promise<void> {
    const members = [...this.#members.values()]
    if (afterConnect && members.length < 2) return
    const entries = await this.#entries(members)
    await Promise.all(members.map(async to => {
      const list = this.#listFor(to, entries)
      if (list.length > 0 || !afterConnect) await this.#send(to, encodePeerList(list))
    }))
  }

  async #entries (members: readonly PeerId[]): Promise<PeerListEntry[]> {
    return (await Promise.all(members.map(async peer => await this.#entryOf(peer)))).flatMap(e => e === null ? [] : [e])
  }

  /** The entries for `to`: all but its own, a random subset if too many. */
  #listFor (to: PeerId, entries: readonly PeerListEntry[]): PeerListEntry[] {
    const others = entries.filter(e => !e.id.equals(to))
    return others.length > LIMITS.entries ? shuffled(others).slice(0, LIMITS.entries) : others
  }

  /** A member with the addresses the peer store holds for it, signed ones first; null if none. */
  async #entryOf (peer: PeerId): Promise<PeerListEntry | null> {
    try {
      const known = await this.#c.peerStore.get(peer)
      const addrs = [...known.addresses]
        .sort((a, b) => Number(b.isCertified) - Number(a.isCertified))
        .map(a => a.multiaddr)
        .map(a => a.decapsulateCode(CODE_P2P))
        .filter(a => a.bytes.byteLength > 0 && a.bytes.byteLength <= LIMITS.addrBytes)
        .slice(0, LIMITS.addrsPerEntry)
      return addrs.length === 0 ? null : { id: peer, addrs }
    } catch {
      return null
    }
  }

  async #send (to: PeerId, list: Uint8Array): Promise<void> {
    const key = to.toString()
    const connection = this.#open(to)
    if (connection === undefined || this.#sending.has(key)) return
    this.#sending.add(key)
    let stream: Stream | undefined
    try {
      const signal = AbortSignal.timeout(STREAM_TIMEOUT_MS)
      stream = await connection.newStream(this.#o.protocol, { signal })
      await lpStream(stream, { maxDataLength: LIMITS.listBytes }).write(list, { signal })
      await stream.close({ signal })
      this.stats.peerListsSent++
    } catch (err) {
      // A peer without peer exchange, or one that went away: the next round tries again.
      this.#log('could not send a peer list to %p: %s', to, (err as Error).message)
      stream?.abort(err as Error)
    } finally {
      this.#sending.delete(key)
    }
  }

  async #receive (stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer
    if (!this.#running || !this.#allow(from.toString()) || !this.#withinRate(from.toString())) {
      this.stats.peerListsRefused++
      this.#log('refusing a peer list from %p', from)
      stream.abort(new TransportError('peer list refused'))
      return
    }
    let bytes: Uint8ArrayList
    try {
      const signal = AbortSignal.timeout(STREAM_TIMEOUT_MS)
      bytes = await lpStream(stream, { maxDataLength: LIMITS.listBytes }).read({ signal })
      await stream.close({ signal })
    } catch (err) {
      this.stats.peerListsInvalid++
      this.#log('dropped an unreadable peer list stream from %p: %s', from, (err as Error).message)
      stream.abort(err as Error)
      return
    }
    try {
      await this.#merge(bytes, connection)
    } catch (err) {
      // Whatever a list holds, it must not throw into the host: this runs from a stream handler.
      this.stats.peerListsInvalid++
      if (err instanceof CodecError) this.#log('dropped an invalid peer list from %p: %s', from, err.message)
      else this.#log.error('failed on a peer list from %p: %s', from, (err as Error).message)
    }
  }

  /**
   * Decodes a list from `connection`'s peer, hands the peers to learn to the
   * dialer, and answers a list (not a reply) that lacks some of this node's members.
   */
  async #merge (bytes: Uint8ArrayList, connection: Connection): Promise<void> {
    const { entries, invalid, reply } = decodePeerList(bytes)
    this.stats.peerListsReceived++
    this.stats.peerEntriesInvalid += invalid
    if (invalid > 0) this.#log('%d invalid entries in a peer list from %p', invalid, connection.remotePeer)
    const learn = entriesToLearn(entries, {
      self: this.#c.peerId,
      from: connection.remotePeer,
      allow: this.#allow,
      connected: peer => this.#open(peer) !== undefined,
      keepLoopback: isLoopback(connection.remoteAddr)
    })
    for (const e of learn) {
      if (!this.#running) return
      try {
        await this.#c.peerStore.merge(e.id, { multiaddrs: [...e.addrs] })
      } catch (err) {
        this.#log('could not store the addresses of %p: %s', e.id, (err as Error).message)
        continue
      }
      this.stats.peersLearned++
      this.#log('%p named %p, not connected: dialing', connection.remotePeer, e.id)
      this.#o.dialer.want(e.id)
    }
    const from = connection.remotePeer
    if (reply || !this.#running || !this.#members.has(from.toString())) return
    const named = new Set(entries.map(e => e.id.toString()))
    const lacking = [...this.#members.values()].filter(m => !m.equals(from) && !named.has(m.toString()) && this.#open(m) !== undefined)
    if (lacking.length === 0) return
    await this.#send(from, encodePeerList(this.#listFor(from, await this.#entries([...this.#members.values()])), true))
  }

  #withinRate (from: string): boolean {
    const now = Date.now()
    const b = this.#buckets.get(from) ?? { tokens: LIMITS.burst, at: now }
    b.tokens = Math.min(LIMITS.burst, b.tokens + (now - b.at) / 1000)
    b.at = now
    this.#buckets.set(from, b)
    if (b.tokens < 1) return false
    b.tokens--
    return true
  }
}

function shuffled<T> (xs: readonly T[]): T[] {
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}
