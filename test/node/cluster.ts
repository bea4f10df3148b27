/**
 * A tiny synchronous harness for node tests: one shared manual clock, instant
 * delivery, and a filter to cut links. Tests drive it step by step.
 */
import { Node, type NodeEvent } from '../../src/node/node.js'
import type { NodeConfig } from '../../src/node/config.js'
import type { Message } from '../../src/paxos/message.js'
import type { NodeId } from '../../src/paxos/proposal.js'
import type { PersistentState } from '../../src/storage/storage.js'

export interface Sent { readonly from: NodeId, readonly to: NodeId, readonly msg: Message }

export class Cluster {
  now = 1000
  readonly clock = { now: () => this.now }
  readonly nodes = new Map<NodeId, Node>()
  readonly stored = new Map<NodeId, PersistentState>()
  readonly events: Array<{ node: NodeId, e: NodeEvent }> = []
  readonly log: Sent[] = []
  /** Return false to drop a message. */
  link: (from: NodeId, to: NodeId, msg: Message) => boolean = () => true
  #seed = 7
  readonly random = { next: () => { this.#seed = (this.#seed * 1103515245 + 12345) & 0x7fffffff; return this.#seed / 0x80000000 } }
  readonly #queue: Sent[] = []

  constructor (readonly ids: readonly NodeId[], readonly base: Partial<NodeConfig> = {}, readonly durable = true) {}

  add (id: NodeId, config: Partial<NodeConfig> = {}): Node {
    const node = new Node({ nodeId: id, clusterSize: this.ids.length, ...this.base, ...config }, {
      clock: this.clock, random: this.random, state: this.stored.get(id) ?? null, durableStorage: this.durable
    })
    this.nodes.set(id, node)
    return node
  }

  startAll (): void {
    for (const id of this.ids) this.add(id)
    for (const n of this.nodes.values()) n.start()
    this.pump()
  }

  node (id: NodeId): Node { return this.nodes.get(id)! }

  /** Removes a node as a crash would (its stored state stays). */
  crash (id: NodeId): void { this.nodes.delete(id) }

  /** Delivers everything in flight, including what it causes. */
  pump (): void {
    for (let guard = 0; guard < 100_000; guard++) {
      for (const [id, n] of this.nodes) this.#collect(id, n)
      const next = this.#queue.shift()
      if (next === undefined) return
      const to = this.nodes.get(next.to)
      if (to !== undefined && this.link(next.from, next.to, next.msg)) to.step(next.from, next.msg)
    }
    throw new Error('message storm')
  }

  /** Injects one message as if `from` had sent it. */
  inject (from: NodeId, to: NodeId, msg: Message): void {
    this.nodes.get(to)!.step(from, msg)
    this.pump()
  }

  /** Advances the clock to `t`, firing every deadline on the way in order. */
  advanceTo (t: number): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next = Infinity
      for (const n of this.nodes.values()) { const d = n.nextDeadline(); if (d !== null && d < next) next = d }
      if (next > t) break
      this.now = Math.max(this.now, next)
      for (const n of this.nodes.values()) n.tick()
      this.pump()
    }
    this.now = Math.max(this.now, t)
    for (const n of this.nodes.values()) n.tick()
    this.pump()
  }

  advance (ms: number): void { this.advanceTo(this.now + ms) }

  leaders (): NodeId[] { return [...this.nodes].filter(([, n]) => n.isLeader).map(([id]) => id) }

  eventsOf (type: NodeEvent['type'], node?: NodeId): NodeEvent[] {
    return this.events.filter(x => x.e.type === type && (node === undefined || x.node === node)).map(x => x.e)
  }

  sent (type: Message['type']): Sent[] { return this.log.filter(s => s.msg.type === type) }

  #collect (id: NodeId, n: Node): void {
    const rd = n.ready()
    if (rd.persist !== null) this.stored.set(id, rd.persist)
    for (const e of rd.events) this.events.push({ node: id, e })
    for (const out of rd.messages) {
      const others = this.ids.filter(x => x !== id && x !== out.first)
      const targets = (out.to !== null ? [out.to] : out.first !== undefined && out.first !== id ? [out.first, ...others] : others).slice(0, out.fanout ?? Infinity)
      for (const to of targets) {
        const s = { from: id, to, msg: out.msg }
        this.log.push(s)
        this.#queue.push(s)
      }
    }
  }
}
