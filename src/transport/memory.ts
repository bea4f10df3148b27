/**
 * An in-process transport for tests and the memory demo: every message is
 * delivered asynchronously (on a later macrotask, after an optional latency),
 * in order per pair unless latency jitter reorders it.
 */
import type { Message } from '../paxos/message.js'
import type { NodeId } from '../paxos/proposal.js'
import type { Transport, TransportHandlers } from './transport.js'
import { TransportError } from '../errors.js'

/** Options of a {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** One-way latency in ms (default 0: the next macrotask). */
  readonly latencyMs?: number
}

/** An in-process network: make one transport per node with `transport(id)`. */
export class MemoryNetwork {
  readonly #members = new Map<NodeId, MemoryTransport>()
  readonly latencyMs: number
  /** Messages handed to the network, for measurements. */
  sent = 0

  constructor (opts: MemoryNetworkOptions = {}) {
    this.latencyMs = opts.latencyMs ?? 0
  }

  /** Creates the transport of node `id`; it joins the network when started. */
  transport (id: NodeId): MemoryTransport {
    return new MemoryTransport(this, id)
  }

  /** @internal */
  join (t: MemoryTransport): void {
    if (this.#members.has(t.localId)) throw new TransportError(`node ID ${t.localId} is already on this memory network`)
    for (const other of this.#members.values()) { other.peerUp(t.localId); t.peerUp(other.localId) }
    this.#members.set(t.localId, t)
  }

  /** @internal */
  leave (t: MemoryTransport): void {
    if (this.#members.get(t.localId) !== t) return
    this.#members.delete(t.localId)
    for (const other of this.#members.values()) other.peerDown(t.localId)
  }

  /** @internal */
  deliver (from: NodeId, to: NodeId, msg: Message): void {
    this.sent++
    const run = (): void => { this.#members.get(to)?.receive(from, msg) }
    if (this.latencyMs > 0) setTimeout(run, this.latencyMs)
    else setImmediate(run)
  }

  members (): NodeId[] { return [...this.#members.keys()] }
}

/** One node's endpoint on a {@link MemoryNetwork}. */
export class MemoryTransport implements Transport {
  readonly localId: NodeId
  readonly #network: MemoryNetwork
  #handlers: TransportHandlers | null = null

  constructor (network: MemoryNetwork, id: NodeId) {
    this.#network = network
    this.localId = id
  }

  async start (handlers: TransportHandlers): Promise<void> {
    if (this.#handlers !== null) throw new TransportError('transport already started')
    this.#handlers = handlers
    this.#network.join(this)
  }

  async stop (): Promise<void> {
    this.#network.leave(this)
    this.#handlers = null
  }

  send (to: NodeId, msg: Message): void {
    if (this.#handlers !== null && to !== this.localId) this.#network.deliver(this.localId, to, msg)
  }

  broadcast (msg: Message, first?: NodeId, fanout = Infinity, only?: readonly NodeId[]): void {
    if (this.#handlers === null) return
    const members = only === undefined ? this.#network.members() : this.#network.members().filter(id => only.includes(id))
    const head = first !== undefined && first !== this.localId && members.includes(first) ? [first] : []
    const targets = [...head, ...members.filter(id => id !== this.localId && id !== first)].slice(0, fanout)
    for (const id of targets) this.#network.deliver(this.localId, id, msg)
  }

  peers (): NodeId[] {
    return this.#handlers === null ? [] : this.#network.members().filter(id => id !== this.localId)
  }

  /** @internal */
  receive (from: NodeId, msg: Message): void { this.#handlers?.message(from, msg) }
  /** @internal */
  peerUp (peer: NodeId): void { this.#handlers?.peerUp?.(peer) }
  /** @internal */
  peerDown (peer: NodeId): void { this.#handlers?.peerDown?.(peer) }
}
