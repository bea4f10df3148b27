/**
 * A deterministic simulator for Quorum nodes: virtual time, a seeded PRNG, a
 * network that drops, duplicates, reorders and delays messages and partitions
 * nodes, crashes and restarts (storage survives), pauses, and per-node
 * clock-rate drift within the configured bound. The same seed always yields
 * the same run, so a failing seed replays exactly.
 */
import { Node, type NodeDeps, type NodeEvent } from '../../src/node/node.js'
import type { NodeConfig } from '../../src/node/config.js'
import type { Message } from '../../src/paxos/message.js'
import type { LeaderRecord, NodeId } from '../../src/paxos/proposal.js'
import { MemoryStorage } from '../../src/storage/memory.js'
import { decodeMessage, encodeMessage } from '../../src/transport/codec.js'
import { Checker, type Violation } from './checker.js'
import { EventQueue } from './queue.js'
import { Rng } from './rng.js'

export type NodeFactory = (config: NodeConfig, deps: NodeDeps) => Node

export interface SimParams {
  readonly clusterSize: number
  readonly leaseMs: number
  readonly heartbeatMs: number
  readonly maxDriftRatio: number
  /** Whether storage survives crashes and records grants (else: quarantine at every start). */
  readonly durable: boolean
  /** Per-message probabilities while faults are on. */
  readonly loss: number
  readonly duplication: number
  /** One-way delay: base plus uniform jitter (jitter reorders). */
  readonly delayMs: number
  readonly jitterMs: number
  /** Expected events per second of virtual time while faults are on. */
  readonly crashRate: number
  readonly pauseRate: number
  readonly partitionRate: number
  readonly resignRate: number
  /** Length of the faulty phase, in virtual ms. */
  readonly faultMs: number
  readonly priorities: readonly number[]
  /** Send every message through the wire codec (encode, then decode), as the libp2p transport does. */
  readonly wire: boolean
}

export interface SimStats {
  messages: number
  delivered: number
  events: number
  elections: number
  leadersElected: number
  distinctLeaders: number
  failovers: number
  resigns: number
  crashes: number
  partitions: number
  pauses: number
  /** Accepted messages for the reserved round-0 ballot of a named successor (the fast handover). */
  fastAccepts: number
  /** Virtual ms from the end of faults until every node agreed on a live leader (-1: never). */
  convergenceMs: number
  virtualMs: number
}

export interface SimResult {
  readonly seed: number
  readonly params: SimParams
  readonly violations: readonly Violation[]
  readonly stats: SimStats
  readonly l1BoundMs: number
}

type SimEvent =
  | { time: number, seq: number, kind: 'deliver', to: number, from: number, msg: Message }
  | { time: number, seq: number, kind: 'wake', node: number, gen: number }
  | { time: number, seq: number, kind: 'fault' }
  | { time: number, seq: number, kind: 'restart', node: number }
  | { time: number, seq: number, kind: 'heal' }

interface SimNode {
  /** With a lossy disk: saves not yet synced (lost if the node crashes before `at`). */
  readonly unsynced: Array<{ readonly state: NonNullable<ReturnType<MemoryStorage['peek']>>, readonly at: number }>
  readonly id: NodeId
  readonly index: number
  readonly storage: MemoryStorage
  readonly rate: number
  readonly metadata: Readonly<Record<string, string>>
  node: Node | null
  offset: number
  incarnation: number
  gen: number
  pausedUntil: number
  group: number
}

/**
 * How long after faults stop every node must agree on a live leader: the
 * quarantine of a node restarted at the heal (leaseMs·(1+ρ)/(1−ρ)), the old
 * leader's lease running out where it is still granted (leaseMs), then eight
 * election rounds, each at most a round timeout plus its randomized backoff
 * (1.25·roundTimeoutMs + 1.5·electionDelayMs). With the defaults
 * (roundTimeoutMs = leaseMs/4, electionDelayMs = leaseMs/20) that is
 * quarantine + 4.1·leaseMs.
 */
export function livenessBoundMs (p: Pick<SimParams, 'leaseMs' | 'maxDriftRatio'>): number {
  const quarantine = p.leaseMs * (1 + p.maxDriftRatio) / (1 - p.maxDriftRatio)
  const roundTimeoutMs = p.leaseMs / 4
  const electionDelayMs = p.leaseMs / 20
  return quarantine + p.leaseMs + 8 * (1.25 * roundTimeoutMs + 1.5 * electionDelayMs)
}

export class Simulation {
  readonly params: SimParams
  readonly checker: Checker
  readonly stats: SimStats = {
    messages: 0, delivered: 0, events: 0, elections: 0, leadersElected: 0, distinctLeaders: 0, failovers: 0,
    resigns: 0, crashes: 0, partitions: 0, pauses: 0, fastAccepts: 0, convergenceMs: -1, virtualMs: 0
  }

  readonly #seed: number
  readonly #rng: Rng
  readonly #net: Rng
  readonly #nodes: SimNode[] = []
  readonly #byId = new Map<NodeId, SimNode>()
  readonly #queue = new EventQueue<SimEvent>()
  readonly #makeNode: NodeFactory
  /** Broken-disk mode: a save is acknowledged at once but synced only this many ms later. */
  readonly #lossyStorageMs: number
  #seq = 0
  #now = 0
  #faults = true
  #healAt: number
  #leaders = new Set<NodeId>()
  #lastElectedNode: NodeId | null = null
  readonly trace: string[] | null

  constructor (seed: number, params: SimParams, opts: { makeNode?: NodeFactory, trace?: boolean, lossyStorageMs?: number } = {}) {
    this.#seed = seed
    this.#lossyStorageMs = opts.lossyStorageMs ?? 0
    this.params = params
    this.#rng = new Rng(seed)
    this.#net = this.#rng.fork()
    this.#makeNode = opts.makeNode ?? ((c, d) => new Node(c, d))
    this.trace = opts.trace === true ? [] : null
    const meta = new Map<NodeId, Record<string, string>>()
    for (let i = 0; i < params.clusterSize; i++) {
      const id = `n${i + 1}`
      const drift = params.maxDriftRatio
      const sn: SimNode = {
        id,
        index: i,
        storage: new MemoryStorage({ durable: params.durable }),
        unsynced: [],
        // Extremes are where drift bugs live, so pick them often.
        rate: this.#rng.chance(0.5) ? this.#rng.pick([1 - drift, 1 + drift]) : this.#rng.float(1 - drift, 1 + drift),
        metadata: { url: `http://${id}.example:8080` },
        node: null,
        offset: 0,
        incarnation: 0,
        gen: 0,
        pausedUntil: 0,
        group: 0
      }
      meta.set(id, sn.metadata)
      this.#nodes.push(sn)
      this.#byId.set(id, sn)
    }
    this.checker = new Checker(params.clusterSize, meta)
    this.#healAt = params.faultMs
  }

  get now (): number { return this.#now }

  /** Runs the faulty phase, then the healed phase until L1 holds (or its bound passes). */
  run (): SimResult {
    for (const sn of this.#nodes) this.#boot(sn)
    this.#schedule({ kind: 'fault' }, this.#nextFaultDelay())
    this.#schedule({ kind: 'heal' }, this.params.faultMs)
    const bound = livenessBoundMs(this.params)
    const deadline = this.params.faultMs + bound
    let stableUntil = Infinity
    let guard = 0
    while (this.#queue.size > 0 && this.checker.ok) {
      const ev = this.#queue.peek()!
      if (ev.time > deadline || ev.time > stableUntil) break
      this.#queue.pop()
      this.#now = ev.time
      this.#process(ev)
      this.stats.events++
      this.#checkLeaders()
      if (!this.#faults && this.stats.convergenceMs < 0 && this.#converged()) {
        this.stats.convergenceMs = this.#now - this.#healAt
        // Keep running a while in the healed state: the leader must stay put.
        stableUntil = this.#now + 2 * this.params.leaseMs
      }
      if (++guard > 5_000_000) throw new Error(`seed ${this.#seed}: simulation did not finish (event storm)`)
    }
    if (this.checker.ok && this.stats.convergenceMs < 0) {
      this.checker.violation('L1', this.#now, `no agreement on a live leader within ${Math.round(bound)} ms after faults stopped: ${this.#describeViews()}`)
    }
    this.stats.virtualMs = this.#now
    return { seed: this.#seed, params: this.params, violations: this.checker.violations, stats: this.stats, l1BoundMs: bound }
  }

  // ---- nodes ------------------------------------------------------------------

  #local (sn: SimNode): number {
    return sn.offset + sn.rate * this.#now
  }

  #boot (sn: SimNode): void {
    sn.incarnation++
    sn.gen++
    // A new process: its monotonic clock starts anywhere.
    sn.offset = this.#rng.float(0, 1e6) - sn.rate * this.#now
    const config: NodeConfig = {
      nodeId: sn.id,
      clusterSize: this.params.clusterSize,
      leaseMs: this.params.leaseMs,
      heartbeatMs: this.params.heartbeatMs,
      maxDriftRatio: this.params.maxDriftRatio,
      priority: this.params.priorities[sn.index] ?? 0,
      metadata: sn.metadata
    }
    const nodeRng = this.#rng.fork()
    sn.node = this.#makeNode(config, {
      clock: { now: () => this.#local(sn) },
      random: nodeRng,
      state: sn.storage.peek(),
      durableStorage: sn.storage.durable
    })
    sn.node.start()
    this.#afterStep(sn)
  }

  #crash (sn: SimNode): void {
    if (sn.node === null) return
    this.#log(`crash ${sn.id}`)
    // What reached the disk survives; what was still in the page cache is gone.
    for (const u of sn.unsynced) if (u.at <= this.#now) sn.storage.put(u.state)
    sn.unsynced.length = 0
    sn.node = null
    sn.gen++
    sn.pausedUntil = 0
    this.#leaders.delete(sn.id)
    this.stats.crashes++
  }

  /** Persist, then send, then report: the order a real driver must keep. */
  #afterStep (sn: SimNode): void {
    const node = sn.node
    if (node === null) return
    const rd = node.ready()
    if (rd.persist !== null) {
      if (this.#lossyStorageMs > 0) sn.unsynced.push({ state: rd.persist, at: this.#now + this.#lossyStorageMs })
      // A background save (rd.sync false) on a slow disk: a crash within half a lease loses it.
      else if (!rd.sync) sn.unsynced.push({ state: rd.persist, at: this.#now + this.params.leaseMs / 2 })
      else {
        // A save the messages wait for; it covers the background saves before it.
        sn.unsynced.length = 0
        sn.storage.put(rd.persist)
      }
    }
    for (const out of rd.messages) {
      this.checker.onSend(this.#now, sn.id, out.msg)
      if (out.msg.type === 'accepted' && out.msg.ballot.round === 0) this.stats.fastAccepts++
      if (out.to === null) {
        let sent = 0
        for (const other of this.#nodes) if (other !== sn && sent++ < (out.fanout ?? Infinity)) this.#transmit(sn, other, out.msg)
      } else {
        const to = this.#byId.get(out.to)
        if (to !== undefined) this.#transmit(sn, to, out.msg)
      }
    }
    for (const e of rd.events) this.#onNodeEvent(sn, e)
    this.#scheduleWake(sn)
  }

  #onNodeEvent (sn: SimNode, e: NodeEvent): void {
    this.#log(`${sn.id} ${e.type} ${JSON.stringify(e)}`)
    this.checker.onEvent(this.#now, sn.id, sn.incarnation, e)
    if (e.type === 'candidate') this.stats.elections++
    if (e.type === 'elected') {
      this.stats.leadersElected++
      if (this.#lastElectedNode !== null && this.#lastElectedNode !== sn.id) this.stats.failovers++
      this.#lastElectedNode = sn.id
    }
  }

  #scheduleWake (sn: SimNode): void {
    const node = sn.node
    if (node === null) return
    const deadline = node.nextDeadline()
    sn.gen++
    if (deadline === null) return
    // Local deadline to virtual time, rounded up past it so the node sees it due.
    // A deadline already past (a node that keeps one due) is polled every ms, not spun on.
    const t = deadline <= this.#local(sn) ? this.#now + 1 : (deadline - sn.offset) / sn.rate + 0.001
    this.#schedule({ kind: 'wake', node: sn.index, gen: sn.gen }, t - this.#now)
  }

  // ---- network ----------------------------------------------------------------

  #transmit (from: SimNode, to: SimNode, msg: Message): void {
    this.stats.messages++
    // A message the codec would refuse never arrives on a real network: find out here.
    if (this.params.wire) msg = decodeMessage(encodeMessage(msg))
    if (this.#faults) {
      if (from.group !== to.group) return
      if (this.#net.chance(this.params.loss)) return
    }
    const copies = this.#faults && this.#net.chance(this.params.duplication) ? 2 : 1
    for (let i = 0; i < copies; i++) {
      const delay = this.params.delayMs + this.#net.next() * this.params.jitterMs
      this.#schedule({ kind: 'deliver', to: to.index, from: from.index, msg }, delay)
    }
  }

  // ---- events -----------------------------------------------------------------

  #schedule (e: Omit<SimEvent, 'time' | 'seq'> & Record<string, unknown>, delay: number): void {
    this.#queue.push({ ...e, time: this.#now + Math.max(0, delay), seq: this.#seq++ } as SimEvent)
  }

  #process (ev: SimEvent): void {
    switch (ev.kind) {
      case 'deliver': {
        const sn = this.#nodes[ev.to]!
        if (sn.node === null) return
        const from = this.#nodes[ev.from]!
        if (this.#faults && from.group !== sn.group) return
        if (sn.pausedUntil > this.#now) { this.#schedule({ ...ev }, sn.pausedUntil - this.#now); return }
        this.stats.delivered++
        sn.node.step(from.id, ev.msg)
        this.#afterStep(sn)
        return
      }
      case 'wake': {
        const sn = this.#nodes[ev.node]!
        if (sn.node === null || ev.gen !== sn.gen) return
        if (sn.pausedUntil > this.#now) { this.#schedule({ ...ev }, sn.pausedUntil - this.#now); return }
        sn.node.tick()
        this.#afterStep(sn)
        return
      }
      case 'restart': {
        const sn = this.#nodes[ev.node]!
        if (sn.node === null) { this.#log(`restart ${sn.id}`); this.#boot(sn) }
        return
      }
      case 'fault':
        if (!this.#faults) return
        this.#injectFault()
        this.#schedule({ kind: 'fault' }, this.#nextFaultDelay())
        return
      case 'heal':
        this.#heal()
    }
  }

  #nextFaultDelay (): number {
    const p = this.params
    const rate = p.crashRate + p.pauseRate + p.partitionRate + p.resignRate
    if (rate <= 0) return p.faultMs + 1
    return -Math.log(1 - this.#rng.next()) * 1000 / rate
  }

  #injectFault (): void {
    const p = this.params
    const total = p.crashRate + p.pauseRate + p.partitionRate + p.resignRate
    let x = this.#rng.next() * total
    // Faults often hit the leader: that is where failover bugs hide.
    const leader = [...this.#leaders][0]
    const target = leader !== undefined && this.#rng.chance(0.5) ? this.#byId.get(leader)! : this.#rng.pick(this.#nodes)
    if ((x -= p.crashRate) < 0) {
      if (target.node === null) return
      this.#crash(target)
      this.#schedule({ kind: 'restart', node: target.index }, this.#rng.float(0, 3 * p.leaseMs))
    } else if ((x -= p.pauseRate) < 0) {
      if (target.node === null) return
      const d = this.#rng.float(0.1, 2.5) * p.leaseMs
      this.#log(`pause ${target.id} for ${d.toFixed(1)}`)
      target.pausedUntil = Math.max(target.pausedUntil, this.#now + d)
      this.stats.pauses++
    } else if ((x -= p.partitionRate) < 0) {
      const groups = this.#rng.int(1, 3)
      for (const sn of this.#nodes) sn.group = this.#rng.int(0, groups - 1)
      this.#log(`partition ${this.#nodes.map(n => `${n.id}:${n.group}`).join(' ')}`)
      this.stats.partitions++
    } else {
      const leaders = this.#nodes.filter(sn => sn.node?.isLeader === true)
      for (const sn of leaders) {
        this.#log(`resign ${sn.id}`)
        if (sn.node!.resign()) this.stats.resigns++
        this.#afterStep(sn)
      }
    }
  }

  #heal (): void {
    this.#log('heal')
    this.#faults = false
    this.#healAt = this.#now
    for (const sn of this.#nodes) {
      sn.group = 0
      if (sn.pausedUntil > this.#now) sn.pausedUntil = this.#now
      if (sn.node === null) this.#boot(sn)
      else this.#scheduleWake(sn)
    }
  }

  // ---- checks -----------------------------------------------------------------

  #checkLeaders (): void {
    this.#leaders.clear()
    for (const sn of this.#nodes) if (sn.node !== null && sn.node.isLeader) this.#leaders.add(sn.id)
    if (this.#leaders.size > 1) this.checker.checkLeaders(this.#now, [...this.#leaders])
    if (this.#leaders.size === 1) {
      const id = [...this.#leaders][0]!
      if (!this.#seenLeaders.has(id)) { this.#seenLeaders.add(id); this.stats.distinctLeaders++ }
    }
  }

  readonly #seenLeaders = new Set<NodeId>()

  #converged (): boolean {
    let agreed: LeaderRecord | null = null
    for (const sn of this.#nodes) {
      const l = sn.node?.leader ?? null
      if (l === null) return false
      if (agreed === null) agreed = l
      else if (agreed.epoch !== l.epoch || agreed.leaderId !== l.leaderId) return false
    }
    return agreed !== null && this.#byId.get(agreed.leaderId)?.node?.isLeader === true
  }

  #describeViews (): string {
    return this.#nodes.map(sn => {
      const l = sn.node?.leader
      return `${sn.id}=${sn.node === null ? 'down' : l == null ? 'none' : `${l.leaderId}@${l.epoch}`}${sn.node?.isLeader === true ? '*' : ''}`
    }).join(' ')
  }

  #log (line: string): void {
    if (this.trace !== null) this.trace.push(`${this.#now.toFixed(3)} ${line}`)
  }
}

/** Derives a run's parameters from its seed, so runs differ in kind, not only in order. */
export function paramsForSeed (seed: number): SimParams {
  const r = new Rng(seed ^ 0x5eed)
  const clusterSize = r.pick([3, 5, 7])
  const leaseMs = r.pick([300, 1000, 2000])
  const calm = r.chance(0.15)
  return {
    clusterSize,
    leaseMs,
    heartbeatMs: leaseMs / r.pick([3, 4, 6]),
    maxDriftRatio: r.pick([0, 0.01, 0.01, 0.05]),
    durable: r.chance(0.5),
    loss: calm ? 0 : r.pick([0, 0.01, 0.05, 0.2, 0.4]),
    duplication: calm ? 0 : r.pick([0, 0.02, 0.1]),
    delayMs: r.float(0.1, 3),
    jitterMs: r.pick([0, 1, 10, 0.2 * leaseMs]),
    crashRate: calm ? 0 : r.pick([0, 0.05, 0.3]) * 1000 / leaseMs,
    pauseRate: calm ? 0 : r.pick([0, 0.05, 0.3]) * 1000 / leaseMs,
    partitionRate: calm ? 0 : r.pick([0, 0.05, 0.2]) * 1000 / leaseMs,
    resignRate: r.pick([0, 0.1, 0.3]) * 1000 / leaseMs,
    faultMs: leaseMs * r.int(10, 25),
    priorities: Array.from({ length: clusterSize }, () => (r.chance(0.3) ? r.int(0, 3) : 0)),
    wire: r.chance(0.1)
  }
}

export function simulate (seed: number, opts: { makeNode?: NodeFactory, trace?: boolean, params?: SimParams, lossyStorageMs?: number } = {}): SimResult & { trace: string[] | null } {
  const sim = new Simulation(seed, opts.params ?? paramsForSeed(seed), opts)
  const result = sim.run()
  return { ...result, trace: sim.trace }
}
