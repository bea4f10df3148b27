/**
 * A tiny synchronous harness for node tests: one shared manual clock, instant
 * delivery, and a filter to cut links. Tests drive it step by step.
 *
 * Broadcasts reach `ids` and every node added under another ID (an observer,
 * a joiner), as the transports reach every connected node. Nodes that start
 * together found the cluster with a configuration of the first leader and
 * the nodes that promised it; the leader then promotes the others one change
 * at a time (`settle` waits for that).
 */
import { Node, type NodeEvent } from '../../src/node/node.js'
import { resolveConfig, type NodeConfig } from '../../src/node/config.js'
import type { Configuration } from '../../src/paxos/configuration.js'
import type { Message } from '../../src/paxos/message.js'
import type { Epoch, LeaderRecord, NodeId } from '../../src/paxos/proposal.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { record, testConfig } from '../support/records.js'

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
  /** Every ID broadcasts reach: `ids`, then the others added, in order. */
  readonly #members: NodeId[]

  constructor (readonly ids: readonly NodeId[], readonly base: Partial<NodeConfig> = {}, readonly durable = true) {
    this.#members = [...ids]
  }

  add (id: NodeId, config: Partial<NodeConfig> = {}): Node {
    if (!this.#members.includes(id)) this.#members.push(id)
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

  /** Advances in steps of a twentieth of a lease until some node leads (at most `maxMs`); returns it. */
  firstLeader (maxMs = 10 * this.#settings.leaseMs): NodeId {
    const end = this.now + maxMs
    while (this.leaders().length === 0 && this.now < end) this.advance(this.#settings.leaseMs / 20)
    const leaders = this.leaders()
    if (leaders.length !== 1) throw new Error(`expected one leader by ${end}, got [${leaders.join(', ')}]`)
    return leaders[0]!
  }

  /**
   * Advances until exactly one node leads under a configuration whose voters
   * are `voters` (default: `ids`) and every running node knows that epoch (at
   * most `maxMs`); returns the leader.
   */
  settle (voters: readonly NodeId[] = this.ids, maxMs = 20 * this.#settings.leaseMs): NodeId {
    const want = [...voters].sort().join(',')
    const end = this.now + maxMs
    for (;;) {
      const leaders = this.leaders()
      const leader = leaders.length === 1 ? this.node(leaders[0]!) : null
      const config = leader?.configuration ?? null
      if (leader !== null && config !== null && config.voters.map(m => m.id).join(',') === want &&
        [...this.nodes.values()].every(n => n.epoch === leader.epoch)) return leader.id
      if (this.now >= end) throw new Error(`not settled on voters [${want}] by ${end}: leaders [${leaders.join(', ')}], voters [${config?.voters.map(m => m.id).join(', ') ?? '-'}]`)
      this.advance(this.#settings.leaseMs / 20)
    }
  }

  /** A configuration with this cluster's settings (leaseMs, heartbeatMs, maxDriftRatio, target), voters `voters` (default `ids`). */
  config (voters: readonly NodeId[] = this.ids, overrides: Partial<Configuration> = {}): Configuration {
    const { leaseMs, heartbeatMs, maxDriftRatio, clusterSize } = this.#settings
    return testConfig(voters, { leaseMs, heartbeatMs, maxDriftRatio, target: clusterSize, ...overrides })
  }

  /** A record of `epoch` led by `leaderId` under `config` (default: `this.config()`). */
  record (epoch: Epoch, leaderId: NodeId, config: Configuration = this.config(), metadata: Readonly<Record<string, string>> = {}): LeaderRecord {
    return record(epoch, leaderId, { config, metadata })
  }

  /**
   * Gives `id` the stored state of a node that took part in the cluster from
   * its start (rule 11: joinedAt 0), so that it votes under a hand-made
   * record naming it; call before `add`.
   */
  founding (id: NodeId): void {
    this.stored.set(id, { acceptor: [], learned: null, highestRound: 0, fastEpoch: 0, candidateEpoch: 0, grant: null, joinedAt: 0 })
  }

  /** The voters of `id`'s newest configuration (empty before any). */
  votersOf (id: NodeId): NodeId[] { return this.node(id).configuration?.voters.map(m => m.id) ?? [] }

  get #settings (): { leaseMs: number, heartbeatMs: number, maxDriftRatio: number, clusterSize: number } {
    return resolveConfig({ nodeId: 'x', clusterSize: this.ids.length, ...this.base })
  }

  eventsOf (type: NodeEvent['type'], node?: NodeId): NodeEvent[] {
    return this.events.filter(x => x.e.type === type && (node === undefined || x.node === node)).map(x => x.e)
  }

  sent (type: Message['type']): Sent[] { return this.log.filter(s => s.msg.type === type) }

  #collect (id: NodeId, n: Node): void {
    const rd = n.ready()
    if (rd.persist !== null) this.stored.set(id, rd.persist)
    for (const e of rd.events) this.events.push({ node: id, e })
    for (const out of rd.messages) {
      const others = this.#members.filter(x => x !== id && x !== out.first && (out.only === undefined || out.only.includes(x)))
      const targets = (out.to !== null ? [out.to] : out.first !== undefined && out.first !== id ? [out.first, ...others] : others).slice(0, out.fanout ?? Infinity)
      for (const to of targets) {
        const s = { from: id, to, msg: out.msg }
        this.log.push(s)
        this.#queue.push(s)
      }
    }
  }
}
