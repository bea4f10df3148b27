/**
 * Keeps this node connected to its cluster. libp2p 3 does not dial the peers
 * that discovery (mDNS) finds, so this does: it dials each discovered peer and
 * each bootstrap address, redials with exponential backoff after a failure or
 * a disconnect, and keeps one connection per peer when both sides dialed at once.
 *
 * What it hears of a peer: libp2p's `peer:discovery`, which fires only the
 * first time a peer enters the peer store, and `peer:update`, which fires only
 * when its record changes. A peer that restarts with the same key on the same
 * address changes nothing, so neither fires for it. And the first answers to
 * a starting node's mDNS query come while libp2p is still starting its
 * services, before start() here (which waits until the cluster's protocol
 * handler is registered, so that no peer identifies this node without it).
 * Hence the dialer listens from its construction and keeps what it hears
 * before start() for start(); and `watch()` takes a discovery service (mDNS)
 * whose every answer it hears, so a known peer that came back is dialed again.
 *
 * A redial waits out its backoff only while nothing new is heard of the
 * peer: an answer of a watched service (the peer itself answered, so it is
 * up) or a change of its addresses (a restart on a new port) ends the wait,
 * and the peer is dialed by the rule of #discovered. Before, a peer killed
 * and restarted was heard of at once, on its new address, and ignored until
 * the redial timer its old address had run up (up to maxBackoffMs) fired.
 * The failures still count towards maxAttempts, so answers that keep coming
 * from a peer that cannot be dialed do not keep it forever. A dial already
 * under way is not interrupted.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Address, ComponentLogger, Connection, Libp2pEvents, Logger, PeerDiscoveryEvents, PeerId, PeerInfo, PeerUpdate, TypedEventTarget } from '@libp2p/interface'
import type { ConnectionManager } from '@libp2p/interface-internal'

export interface DialerComponents {
  readonly peerId: PeerId
  readonly connectionManager: ConnectionManager
  readonly events: TypedEventTarget<Libp2pEvents>
  readonly logger: ComponentLogger
}

export interface DialerOptions {
  /** Addresses to keep dialing (with or without /p2p/<peer ID>). */
  readonly bootstrap: readonly string[]
  /** Whether a connected peer speaks the cluster's protocol (known after identify). */
  readonly isMember: (peer: PeerId) => boolean
  readonly minBackoffMs?: number
  readonly maxBackoffMs?: number
  /** Failed dials of a discovered peer before it is forgotten (bootstrap addresses are never forgotten). */
  readonly maxAttempts?: number
  /**
   * How long the larger peer ID of a pair waits for the smaller one to dial a
   * discovered peer before it dials itself (see #discovered).
   */
  readonly yieldMs?: number
}

interface Target {
  readonly key: string
  readonly dial: PeerId | Multiaddr
  readonly peer: PeerId | null
  readonly permanent: boolean
  failures: number
  timer: NodeJS.Timeout | null
  /** The timer is a redial's backoff (not the wait of #discovered), which news of the peer ends. */
  backoff: boolean
  dialing: boolean
}

/** Whether two address lists name the same addresses (in any order). */
function sameAddresses (a: readonly Address[], b: readonly Address[]): boolean {
  if (a.length !== b.length) return false
  const names = new Set(a.map(x => x.multiaddr.toString()))
  return b.every(x => names.has(x.multiaddr.toString()))
}

/** Peers heard of before start(), kept for it (a bound: mDNS on a busy LAN can name many). */
const MAX_EARLY = 1024

export class Dialer {
  readonly #c: DialerComponents
  readonly #opts: Required<DialerOptions>
  readonly #log: Logger
  readonly #targets = new Map<string, Target>()
  /** Discovery services whose every answer counts (see watch()). */
  readonly #sources = new Set<TypedEventTarget<PeerDiscoveryEvents>>()
  /** Peers heard of while not running, dialed at start(). */
  readonly #early = new Map<string, PeerId>()
  #listening = false
  #running = false
  dials = 0

  constructor (components: DialerComponents, opts: DialerOptions) {
    this.#c = components
    this.#opts = { minBackoffMs: 100, maxBackoffMs: 5000, maxAttempts: 10, yieldMs: 500, ...opts }
    this.#log = components.logger.forComponent('quorum:dialer')
    this.#listen()
  }

  start (): void {
    this.#listen()
    this.#running = true
    const early = [...this.#early.values()]
    this.#early.clear()
    for (const peer of early) this.want(peer)
    for (const addr of this.#opts.bootstrap) {
      const ma = multiaddr(addr)
      const peerStr = ma.getComponents().find(c => c.name === 'p2p')?.value
      if (peerStr !== undefined && peerStr === this.#c.peerId.toString()) continue
      this.#add(`bootstrap:${addr}`, ma, null, true)
    }
  }

  stop (): void {
    this.#running = false
    this.#unlisten()
    this.#early.clear()
    for (const t of this.#targets.values()) if (t.timer !== null) clearTimeout(t.timer)
    this.#targets.clear()
  }

  /**
   * Hears every peer `source` reports (its 'peer' event: for mDNS, every
   * answer), not only those new to the peer store.
   */
  watch (source: TypedEventTarget<PeerDiscoveryEvents>): void {
    if (this.#sources.has(source)) return
    this.#sources.add(source)
    if (this.#listening) source.addEventListener('peer', this.#onAnswer)
  }

  /**
   * A peer this node should be connected to (discovered, or named by a
   * member): dialed unless a connection to it is open, by the rule of
   * #discovered. Before start(), kept for it.
   */
  want (peer: PeerId): void {
    if (peer.equals(this.#c.peerId)) return
    if (this.#c.connectionManager.getConnections(peer).length > 0) return
    this.#discovered(peer)
  }

  #listen (): void {
    if (this.#listening) return
    this.#listening = true
    this.#c.events.addEventListener('peer:discovery', this.#onDiscovery)
    this.#c.events.addEventListener('peer:disconnect', this.#onDisconnect)
    this.#c.events.addEventListener('peer:update', this.#onUpdate)
    for (const s of this.#sources) s.addEventListener('peer', this.#onAnswer)
  }

  #unlisten (): void {
    if (!this.#listening) return
    this.#listening = false
    this.#c.events.removeEventListener('peer:discovery', this.#onDiscovery)
    this.#c.events.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#c.events.removeEventListener('peer:update', this.#onUpdate)
    for (const s of this.#sources) s.removeEventListener('peer', this.#onAnswer)
  }

  /**
   * When both sides dialed at once there are two connections; each side keeps
   * the one the smaller peer ID initiated, so both keep the same one.
   */
  dedupe (peer: PeerId): void {
    const conns = this.#c.connectionManager.getConnections(peer).filter(c => c.status === 'open')
    if (conns.length < 2) return
    const wantOutbound = this.#c.peerId.toString() < peer.toString()
    const keep = conns.find(c => (c.direction === 'outbound') === wantOutbound) ?? conns[0]!
    for (const c of conns) {
      if (c !== keep) c.close().catch((err: Error) => { c.abort(err) })
    }
  }

  readonly #onDiscovery = (evt: CustomEvent<PeerInfo>): void => {
    this.want(evt.detail.id)
  }

  /** An answer of a watched discovery service: the peer is up now. */
  readonly #onAnswer = (evt: CustomEvent<PeerInfo>): void => {
    this.#heard(evt.detail.id)
    this.want(evt.detail.id)
  }

  readonly #onUpdate = (evt: CustomEvent<PeerUpdate>): void => {
    // A restarted peer that kept its key but not its address shows up as an update, not a discovery.
    // Only new addresses end a backoff: each failed dial also updates the peer (its metadata).
    const { peer, previous } = evt.detail
    if (!sameAddresses(previous?.addresses ?? [], peer.addresses)) this.#heard(peer.id)
    this.want(peer.id)
  }

  /** News of `peer`: a redial waiting out its backoff is due now (by the rule of #discovered). */
  #heard (peer: PeerId): void {
    const t = this.#targets.get(`peer:${peer.toString()}`)
    if (t === undefined || !t.backoff || t.timer === null) return
    clearTimeout(t.timer)
    t.timer = null
    t.backoff = false
    this.#log('heard of %p while backing off, dialing by the rule', peer)
  }

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const peer = evt.detail
    if (!this.#running || !this.#opts.isMember(peer)) return
    this.#log('lost the connection to %p, redialing', peer)
    const t = this.#add(`peer:${peer.toString()}`, peer, peer, false)
    this.#schedule(t)
  }

  /**
   * mDNS answers are multicast, so two nodes usually discover each other at
   * about the same moment; if both dialed, both would pay for a handshake and
   * one connection would then be closed (with whatever was in flight on it).
   * So the smaller peer ID dials at once, and the larger one dials only if no
   * connection has come after `yieldMs` (discovery may be one-sided).
   */
  #discovered (peer: PeerId): void {
    if (peer.equals(this.#c.peerId)) return
    if (!this.#running) {
      if (this.#listening && this.#early.size < MAX_EARLY) this.#early.set(peer.toString(), peer)
      return
    }
    const t = this.#add(`peer:${peer.toString()}`, peer, peer, false)
    if (t.timer !== null || t.dialing) return
    if (this.#c.peerId.toString() < peer.toString()) { this.#dialNow(t); return }
    t.timer = setTimeout(() => { t.timer = null; this.#dialNow(t) }, this.#opts.yieldMs)
  }

  #add (key: string, dial: PeerId | Multiaddr, peer: PeerId | null, permanent: boolean): Target {
    let t = this.#targets.get(key)
    if (t === undefined) {
      t = { key, dial, peer, permanent, failures: 0, timer: null, backoff: false, dialing: false }
      this.#targets.set(key, t)
      if (permanent) this.#dialNow(t)
    }
    return t
  }

  #schedule (t: Target): void {
    if (!this.#running || t.timer !== null || t.dialing) return
    const backoff = Math.min(this.#opts.maxBackoffMs, this.#opts.minBackoffMs * 2 ** Math.min(t.failures, 16))
    // Jitter keeps two nodes from redialing each other in lockstep.
    t.timer = setTimeout(() => { t.timer = null; t.backoff = false; this.#dialNow(t) }, backoff * (0.5 + Math.random() / 2))
    t.backoff = true
  }

  #dialNow (t: Target): void {
    if (!this.#running || t.dialing) return
    if (t.peer !== null && this.#c.connectionManager.getConnections(t.peer).length > 0) {
      t.failures = 0
      if (!t.permanent) this.#targets.delete(t.key)
      return
    }
    t.dialing = true
    this.dials++
    this.#c.connectionManager.openConnection(t.dial, { signal: AbortSignal.timeout(5000) })
      .then((conn: Connection) => {
        t.failures = 0
        if (!t.permanent) this.#targets.delete(t.key)
        else this.#watchBootstrap(t, conn)
      })
      .catch((err: Error) => {
        t.failures++
        this.#log('dial %s failed (%d): %s', t.key, t.failures, err.message)
        if (!t.permanent && t.failures >= this.#opts.maxAttempts) { this.#targets.delete(t.key); return }
        t.dialing = false
        this.#schedule(t)
      })
      .finally(() => { t.dialing = false })
  }

  /** A bootstrap address is redialed whenever its connection closes. */
  #watchBootstrap (t: Target, conn: Connection): void {
    const peer = conn.remotePeer
    const onDisconnect = (evt: CustomEvent<PeerId>): void => {
      if (!evt.detail.equals(peer)) return
      this.#c.events.removeEventListener('peer:disconnect', onDisconnect)
      if (this.#running && this.#targets.get(t.key) === t) this.#schedule(t)
    }
    this.#c.events.addEventListener('peer:disconnect', onDisconnect)
  }
}
