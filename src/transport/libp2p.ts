/**
 * The Transport over libp2p streams. Each node keeps one long-lived outbound
 * stream per peer for the protocol `/quorum/<cluster>/2.0.0`, and reads each
 * peer's inbound stream. Frames are length-prefixed protobuf (see codec.ts).
 *
 * - The sender of a message is the remote peer that Noise authenticated
 *   (`connection.remotePeer`), never a field the peer writes.
 * - A malformed frame is dropped and counted; a peer that keeps sending them is
 *   disconnected. An oversized frame resets the stream. Nothing here throws into
 *   the host application.
 * - Writes respect backpressure: while a stream's buffer is full, messages to
 *   that peer are dropped (the protocol tolerates loss) instead of queued
 *   without bound. Whether a stream is full is read from the stream itself
 *   (`writableNeedsDrain`), so a stream that was reset while full cannot leave
 *   its successor silenced. A stream whose write side closed under a write is
 *   replaced by a new one; no send throws into the caller.
 */
import { pipe } from 'it-pipe'
import * as lp from 'it-length-prefixed'
import { toString as bytesToString } from 'uint8arrays/to-string'
import type { ComponentLogger, Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { Message } from '../paxos/message.js'
import type { NodeId } from '../paxos/proposal.js'
import { decodeMessage, encodeMessage } from './codec.js'
import { CodecError, TransportError } from '../errors.js'
import { batchWindowUpdates } from './patches/window.js'
import type { Transport, TransportHandlers } from './transport.js'
import type { PeerExchangeStats } from './peer-exchange.js'

/** Version of the wire protocol, part of the protocol ID. */
export const PROTOCOL_VERSION = '2.0.0'

/** The protocol ID of a cluster: nodes of different clusters never exchange a frame. */
export function protocolFor (clusterName: string): string {
  return `/quorum/${clusterName}/${PROTOCOL_VERSION}`
}

/** The libp2p components the transport uses. */
export interface Libp2pTransportComponents {
  readonly peerId: PeerId
  readonly registrar: Registrar
  readonly connectionManager: ConnectionManager
  readonly logger: ComponentLogger
}

/** Options of a {@link Libp2pTransport}. */
export interface Libp2pTransportOptions {
  readonly protocol: string
  /** Largest frame accepted or sent, in bytes (default 64 KiB). */
  readonly maxFrameBytes?: number
  /** Invalid frames from one peer within `invalidWindowMs` before it is disconnected (default 20). */
  readonly maxInvalidFrames?: number
  readonly invalidWindowMs?: number
  /** How long stop() waits for outbound streams to flush (default 500 ms). */
  readonly closeTimeoutMs?: number
  /** Peers allowed to take part (default: all); others' streams are reset and they are sent nothing. */
  readonly allow?: (peer: NodeId) => boolean
  /**
   * Messages per second one peer may send, on average (default 500), with
   * bursts of twice that; a peer that exceeds it is disconnected and logged.
   * An honest peer sends a few per second.
   */
  readonly maxMessagesPerSecond?: number
}

/** Messages per second one peer may send when `maxMessagesPerSecond` is not given. */
export const DEFAULT_MAX_MESSAGES_PER_SECOND = 500

/**
 * Counters of what crossed the wire, for monitoring and benchmarks. The peer
 * exchange's (peer-exchange.ts) stay 0 unless an Election runs one beside this transport.
 */
export interface TransportStats extends PeerExchangeStats {
  framesSent: number
  framesReceived: number
  bytesSent: number
  bytesReceived: number
  invalidFrames: number
  oversizedFrames: number
  droppedBackpressure: number
  disconnectedForAbuse: number
  streamsOpened: number
  refusedPeers: number
  /** Inbound streams whose window updates were left to their muxer: not js-yamux's, or not of the shape patches/window.ts expects. */
  unbatchedStreams: number
}

interface Outbound {
  readonly peer: PeerId
  stream: Stream | null
  opening: Promise<void> | null
  /** Messages waiting for the stream to open (bounded). */
  readonly pending: Uint8ArrayList[]
}

/** Whether `s` can take a frame now (its status can read 'open' while its write side is already closing). */
function writable (s: Stream): boolean {
  return s.status === 'open' && s.writeStatus === 'writable'
}

const MAX_PENDING = 64

/** The {@link Transport} over libp2p streams (see the file header). */
export class Libp2pTransport implements Transport {
  readonly localId: NodeId
  readonly stats: TransportStats = {
    framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0, invalidFrames: 0, oversizedFrames: 0, droppedBackpressure: 0, disconnectedForAbuse: 0, streamsOpened: 0, refusedPeers: 0, unbatchedStreams: 0,
    peerListsSent: 0, peerListsReceived: 0, peerListsInvalid: 0, peerListsRefused: 0, peerEntriesInvalid: 0, peersLearned: 0
  }

  readonly #components: Libp2pTransportComponents
  readonly #protocol: string
  readonly #maxFrame: number
  readonly #maxInvalid: number
  readonly #invalidWindowMs: number
  readonly #closeTimeoutMs: number
  readonly #allow: (peer: NodeId) => boolean
  readonly #rate: number
  /** Token buckets per peer: tokens left and when they were last topped up. */
  readonly #buckets = new Map<NodeId, { tokens: number, at: number }>()
  readonly #log: Logger
  #handlers: TransportHandlers | null = null
  readonly #out = new Map<NodeId, Outbound>()
  readonly #inbound = new Set<Stream>()
  readonly #invalid = new Map<NodeId, number[]>()

  constructor (components: Libp2pTransportComponents, opts: Libp2pTransportOptions) {
    this.#components = components
    this.localId = components.peerId.toString()
    this.#protocol = opts.protocol
    this.#maxFrame = opts.maxFrameBytes ?? 64 * 1024
    this.#maxInvalid = opts.maxInvalidFrames ?? 20
    this.#invalidWindowMs = opts.invalidWindowMs ?? 60_000
    this.#closeTimeoutMs = opts.closeTimeoutMs ?? 500
    this.#allow = opts.allow ?? (() => true)
    this.#rate = opts.maxMessagesPerSecond ?? DEFAULT_MAX_MESSAGES_PER_SECOND
    this.#log = components.logger.forComponent('quorum:transport')
  }

  get protocol (): string { return this.#protocol }

  async start (handlers: TransportHandlers): Promise<void> {
    this.#handlers = handlers
    await this.#components.registrar.handle(this.#protocol, (stream, connection) => { this.#onInbound(stream, connection) }, {
      maxInboundStreams: 4,
      maxOutboundStreams: 4
    })
  }

  async stop (): Promise<void> {
    this.#handlers = null
    await this.#components.registrar.unhandle(this.#protocol)
    const closing = [...this.#out.values()].map(async o => {
      const s = o.stream
      if (s === null) return
      try {
        await s.close({ signal: AbortSignal.timeout(this.#closeTimeoutMs) })
      } catch (err) {
        s.abort(err as Error)
      }
    })
    await Promise.all(closing)
    this.#out.clear()
    for (const s of this.#inbound) s.abort(new TransportError('quorum transport stopped'))
    this.#inbound.clear()
  }

  /** A peer that speaks the protocol is connected (from the registrar topology). */
  addPeer (peer: PeerId): void {
    const id = peer.toString()
    if (!this.#allow(id)) { this.#log('ignoring %s: not a listed voter', id); return }
    if (!this.#out.has(id)) this.#out.set(id, { peer, stream: null, opening: null, pending: [] })
  }

  removePeer (peer: PeerId): void {
    const id = peer.toString()
    this.#buckets.delete(id)
    const o = this.#out.get(id)
    this.#out.delete(id)
    o?.stream?.abort(new TransportError('peer disconnected'))
  }

  peers (): NodeId[] { return [...this.#out.keys()] }

  send (to: NodeId, msg: Message): void {
    if (this.#handlers === null) return
    const o = this.#out.get(to)
    if (o === undefined) return
    const frame = this.#frame(msg)
    if (frame !== null) this.#write(to, o, frame)
  }

  broadcast (msg: Message, first?: NodeId, fanout = Infinity, only?: readonly NodeId[]): void {
    if (this.#handlers === null || this.#out.size === 0) return
    const frame = this.#frame(msg)
    if (frame === null) return
    const head = first === undefined || (only !== undefined && !only.includes(first)) ? undefined : this.#out.get(first)
    let sent = 0
    if (head !== undefined && sent++ < fanout) this.#write(first!, head, frame)
    // With `only` (the leader's heartbeats, a relay's forwards), the work is that list's, not every peer's.
    const targets: Iterable<[NodeId, Outbound | undefined]> = only === undefined ? this.#out : only.map(id => [id, this.#out.get(id)])
    for (const [id, o] of targets) if (o !== undefined && o !== head && sent++ < fanout) this.#write(id, o, frame)
  }

  #frame (msg: Message): Uint8ArrayList | null {
    let bytes: Uint8Array
    try {
      bytes = encodeMessage(msg)
    } catch (err) {
      // A count beyond what the wire carries (LIMITS.maxCount): never sent garbled.
      this.#log.error('not sending a %s frame: %s', msg.type, (err as Error).message)
      return null
    }
    if (bytes.length > this.#maxFrame) {
      // Configuration limits keep frames far below this; never send what peers would reset on.
      this.#log.error('not sending a %s frame of %d bytes: above maxFrameBytes %d', msg.type, bytes.length, this.#maxFrame)
      return null
    }
    return lp.encode.single(bytes)
  }

  #write (id: NodeId, o: Outbound, frame: Uint8ArrayList): void {
    const s = o.stream
    if (s === null || !writable(s)) { this.#queue(id, o, frame); return }
    if (s.writableNeedsDrain) { this.stats.droppedBackpressure++; return }
    try {
      s.send(frame)
    } catch (err) {
      // Closed for writing between the check and the send (a duplicate connection being closed):
      // not an error of the host's, just a stream to replace.
      this.#log('stream to %s closed under a write (%s): opening another', id, (err as Error).message)
      if (o.stream === s) o.stream = null
      this.#queue(id, o, frame)
      return
    }
    this.stats.framesSent++
    this.stats.bytesSent += frame.byteLength
  }

  /** Keeps `frame` (bounded) until a stream to `id` is open, and opens one. */
  #queue (id: NodeId, o: Outbound, frame: Uint8ArrayList): void {
    if (o.pending.length < MAX_PENDING) o.pending.push(frame)
    else this.stats.droppedBackpressure++
    this.#open(id, o)
  }

  #open (id: NodeId, o: Outbound): void {
    if (o.opening !== null || this.#handlers === null) return
    if (o.stream !== null && !writable(o.stream)) o.stream = null
    o.opening = (async () => {
      try {
        // Whichever connection is open now: the one a stream was on may have been closed as a duplicate.
        const connection = this.#components.connectionManager.getConnections(o.peer).find(c => c.status === 'open')
        if (connection === undefined) throw new TransportError('no open connection')
        const s = await connection.newStream(this.#protocol, { signal: AbortSignal.timeout(5000) })
        this.stats.streamsOpened++
        if (this.#out.get(id) !== o || this.#handlers === null) { s.abort(new TransportError('not needed')); return }
        o.stream = s
        s.addEventListener('close', () => { if (o.stream === s) o.stream = null })
        // This side only writes; the remote's frames come on its own stream to us.
        const frames = o.pending.splice(0)
        for (const f of frames) this.#write(id, o, f)
      } catch (err) {
        this.#log('could not open a stream to %s: %s', id, (err as Error).message)
        o.pending.length = 0
      } finally {
        o.opening = null
      }
    })()
  }

  #onInbound (stream: Stream, connection: Connection): void {
    const from = connection.remotePeer.toString()
    if (this.#handlers === null) { stream.abort(new TransportError('not running')); return }
    if (!this.#allow(from)) {
      this.stats.refusedPeers++
      this.#log('refusing a stream from %s: not a listed voter', from)
      stream.abort(new TransportError('not a voter of this cluster'))
      return
    }
    this.#inbound.add(stream)
    // This side only reads here: without this, every frame read is answered with a window update.
    if (!batchWindowUpdates(stream, this.#log)) {
      this.stats.unbatchedStreams++
      this.#log('stream from %s: window updates left to its muxer %s', from, connection.multiplexer)
    }
    const maxDataLength = this.#maxFrame
    void pipe(
      stream,
      source => lp.decode(source, { maxDataLength }),
      async source => {
        for await (const chunk of source) {
          this.stats.framesReceived++
          this.stats.bytesReceived += chunk.byteLength
          this.#deliver(from, chunk.subarray(), connection)
        }
      }
    ).catch((err: Error) => {
      if ((err as { name?: string }).name === 'InvalidDataLengthError' || /too long|exceeds|max/i.test(err.message)) {
        this.stats.oversizedFrames++
        this.#log('oversized frame from %s, resetting the stream: %s', from, err.message)
        stream.abort(err)
      } else {
        this.#log('inbound stream from %s ended: %s', from, err.message)
      }
    }).finally(() => {
      this.#inbound.delete(stream)
    })
  }

  #deliver (from: NodeId, bytes: Uint8Array, connection: Connection): void {
    if (!this.#withinRate(from)) {
      this.#buckets.delete(from)
      this.stats.disconnectedForAbuse++
      this.#log.error('disconnecting %s: more than %d messages per second', from, this.#rate)
      connection.abort(new TransportError('quorum message rate exceeded'))
      return
    }
    let msg: Message
    try {
      msg = decodeMessage(bytes)
    } catch (err) {
      if (!(err instanceof CodecError)) throw err
      this.stats.invalidFrames++
      this.#log('dropped an invalid frame from %s (%s): %s', from, err.message, bytesToString(bytes.subarray(0, 32), 'base16'))
      this.#countInvalid(from, connection)
      return
    }
    try {
      this.#handlers?.message(from, msg)
    } catch (err) {
      // The node never throws on input; if it ever did, the stream must survive it.
      this.#log.error('handler failed on a %s from %s: %s', msg.type, from, (err as Error).message)
    }
  }

  #withinRate (from: NodeId): boolean {
    const now = Date.now()
    const b = this.#buckets.get(from) ?? { tokens: 2 * this.#rate, at: now }
    b.tokens = Math.min(2 * this.#rate, b.tokens + (now - b.at) * this.#rate / 1000)
    b.at = now
    this.#buckets.set(from, b)
    if (b.tokens < 1) return false
    b.tokens--
    return true
  }

  #countInvalid (from: NodeId, connection: Connection): void {
    const now = Date.now()
    const times = (this.#invalid.get(from) ?? []).filter(t => now - t < this.#invalidWindowMs)
    times.push(now)
    this.#invalid.set(from, times)
    if (times.length >= this.#maxInvalid) {
      this.#invalid.delete(from)
      this.stats.disconnectedForAbuse++
      this.#log.error('disconnecting %s: %d invalid frames within %d ms', from, times.length, this.#invalidWindowMs)
      connection.abort(new TransportError('too many invalid quorum frames'))
    }
  }
}
