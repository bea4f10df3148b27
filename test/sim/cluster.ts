/**
 * The simulated cluster: virtual time, a seeded PRNG, the network
 * (network.ts), a disk per node (disk.ts), crashes and restarts, pauses,
 * resignations and per-node clock-rate drift within the configured bound.
 * Each node runs either under the real NodeRunner (persist-before-release,
 * save coalescing and the lazy save run under faults, on virtual timers, a
 * simulated transport and a slow disk that loses in-flight writes at a crash)
 * or as a bare Node stepped directly (faster). The same seed always yields the
 * same run, so a failing seed replays exactly.
 */
import { Node, type NodeDeps, type NodeEvent } from '../../src/node/node.js'
import { NodeRunner, type Timers } from '../../src/node/runner.js'
import type { NodeConfig } from '../../src/node/config.js'
import type { Message } from '../../src/paxos/message.js'
import { majority, type NodeId } from '../../src/paxos/proposal.js'
import type { PersistentState, Storage } from '../../src/storage/storage.js'
import type { Transport, TransportHandlers } from '../../src/transport/transport.js'
import { Checker, type ClusterView, type Ghost, type Property, type ReplicaView, type Violation } from './checker.js'
import { SimDisk, type DiskStats } from './disk.js'
import { Network, type NetworkStats, type Packet } from './network.js'
import { livenessBoundMs, resolvedConfig, scheduledNodes, slots, type SimOptions } from './options.js'
import { EventQueue } from './queue.js'
import { Rng } from './rng.js'
import { plan, type Plan, type ScheduleHost, type Wait } from './schedule.js'

export type NodeFactory = (config: NodeConfig, deps: NodeDeps) => Node

/** Ways to break the system under test on purpose (see variants.ts). */
export interface ClusterHooks {
  readonly makeNode?: NodeFactory
  /** Wraps each node's storage (the runner driver only). */
  readonly wrapStorage?: (s: Storage) => Storage
  /** A broken disk: a save is acknowledged at once but durable only this many ms later. */
  readonly lossyStorageMs?: number
}

export interface SimStats extends NetworkStats, DiskStats {
  events: number
  elections: number
  leadersElected: number
  distinctLeaders: number
  failovers: number
  resigns: number
  crashes: number
  pauses: number
  /** Voters crashed just after a grant (and restarted within 2ρ·leaseMs of it). */
  bounces: number
  /** Graceful stops: a node left the configuration, then started again. */
  leaves: number
  /** What the seed's schedule did: nodes it started and stopped. */
  scheduleSteps: number
  /** 1 if the schedule ran to its end before the heal. */
  scheduleFinished: number
  /** Restarts within 2ρ·leaseMs (real time) of the node's last grant. */
  restartsNearGrant: number
  /** Epochs in which one value was accepted at two or more different ballots. */
  valuesAtTwoBallots: number
  /** Runner driver: batches with state to persist, and how many of them a later write covered instead (group commit). */
  persistBatches: number
  savesCoalesced: number
  /** Accepted messages for the reserved round-0 ballot of a named successor (the fast handover). */
  fastAccepts: number
  /** Virtual ms from the end of faults until every node agreed on a live leader (-1: never). */
  convergenceMs: number
  virtualMs: number
}

export interface SimResult {
  readonly seed: number
  readonly options: SimOptions
  readonly violations: readonly Violation[]
  readonly stats: SimStats
  readonly livenessBoundMs: number
  readonly trace: string[] | null
}

interface Token { cancelled: boolean }

type SimEvent =
  | { time: number, seq: number, kind: 'deliver', packet: Packet }
  | { time: number, seq: number, kind: 'wake', node: number, gen: number }
  /** Code of a node's process (a runner timer, a completed write handed back): skipped once it crashed, deferred while paused. */
  | { time: number, seq: number, kind: 'call', node: number, life: number, token: Token, fn: () => void }
  /** The disk, which runs on while its process is paused. */
  | { time: number, seq: number, kind: 'disk', fn: () => void }
  | { time: number, seq: number, kind: 'fault' }
  | { time: number, seq: number, kind: 'restart', node: number }
  | { time: number, seq: number, kind: 'heal' }
  /** The schedule looks whether what it waits for has come. */
  | { time: number, seq: number, kind: 'schedule' }

/** A transport over the simulated network, for a NodeRunner. */
class SimTransport implements Transport {
  readonly localId: NodeId
  handlers: TransportHandlers | null = null
  readonly #peers: NodeId[]
  readonly #out: (to: NodeId | null, msg: Message, first?: NodeId, fanout?: number, only?: readonly NodeId[]) => void

  constructor (localId: NodeId, peers: NodeId[], out: (to: NodeId | null, msg: Message, first?: NodeId, fanout?: number, only?: readonly NodeId[]) => void) {
    this.localId = localId
    this.#peers = peers
    this.#out = out
  }

  async start (handlers: TransportHandlers): Promise<void> { this.handlers = handlers }
  async stop (): Promise<void> { this.handlers = null }
  send (to: NodeId, msg: Message): void { if (this.handlers !== null) this.#out(to, msg) }
  broadcast (msg: Message, first?: NodeId, fanout?: number, only?: readonly NodeId[]): void { if (this.handlers !== null) this.#out(null, msg, first, fanout, only) }
  peers (): NodeId[] { return [...this.#peers] }
}

/** A member from the start, a spare that joins, an observer by choice, or a node the schedule starts. */
type SlotKind = 'member' | 'spare' | 'observer' | 'scheduled'

class Replica implements ReplicaView {
  /** Its node ID now: on memory storage every incarnation is a new node under a new ID. */
  id: NodeId
  /** The slot's first ID, for logs. */
  readonly baseId: NodeId
  readonly index: number
  metadata: Readonly<Record<string, string>>
  /** 'observer' by choice; a spare joins during the faulty phase. */
  readonly role: 'voter' | 'observer'
  readonly spare: boolean
  /** Started by the schedule, into a running cluster. */
  readonly scheduled: boolean
  /** Its node's clusterSize (the scale schedule's nodes may carry another). */
  readonly clusterSize: number
  /** A graceful stop is under way: the node asked to leave, and stops at the latest at this time (Infinity: a schedule's leave, until it is taken out). */
  leavingUntil = -Infinity
  /** No part of the cluster: not started by the schedule yet, or stopped by it for good. Crash restarts and the heal leave it be. */
  absence: 'unstarted' | 'retired' | null = null
  /** A schedule's stop under way: ends it now (the heal does not wait for it). */
  stopping: (() => void) | null = null
  readonly rate: number
  readonly disk: SimDisk
  readonly storage: Storage
  offset = 0
  incarnation = 0
  gen = 0
  pausedUntil = 0
  bare: Node | null = null
  runner: NodeRunner | null = null
  transport: SimTransport | null = null
  ghost: Ghost | null = null
  silentUntilReal = -Infinity
  /** The bare driver's background saves not yet on the disk (lost if the node crashes before `at`). */
  readonly unsynced: Array<{ readonly state: PersistentState, readonly at: number }> = []
  /** The last grant seen (its local expiry) and when it was given or renewed, in real time. */
  lastGrantExpires: number | null = null
  lastGrantAtReal = -Infinity
  bounceArmed = false

  constructor (id: NodeId, index: number, rate: number, disk: SimDisk, storage: Storage, kind: SlotKind, clusterSize: number) {
    this.id = id
    this.baseId = id
    this.role = kind === 'observer' ? 'observer' : 'voter'
    this.spare = kind === 'spare'
    this.scheduled = kind === 'scheduled'
    this.absence = this.scheduled ? 'unstarted' : null
    this.clusterSize = clusterSize
    this.index = index
    this.rate = rate
    this.metadata = { url: `http://${id}.example:8080` }
    this.disk = disk
    this.storage = storage
  }

  get up (): boolean { return this.bare !== null || this.runner !== null }
  get absent (): boolean { return this.absence !== null }
  get node (): Node | null { return this.bare ?? (this.runner?.running === true ? this.runner.node : null) }
  get stored (): PersistentState | null { return this.disk.stored }
  local (now: number): number { return this.offset + this.rate * now }
  toReal (local: number): number { return (local - this.offset) / this.rate }
}

/** The runner's event for a node event (it reports leaderFound as leaderChosen, and the rest as errors or not at all). */
function runnerEventType (e: NodeEvent): string { return e.type === 'leaderFound' ? 'leaderChosen' : e.type }
const RUNNER_EVENTS = ['leaderChosen', 'elected', 'demoted', 'leaderLost'] as const

export class Cluster implements ClusterView {
  readonly options: SimOptions
  readonly checker: Checker
  readonly stats: SimStats
  readonly trace: string[] | null
  readonly replicas: Replica[] = []
  readonly #seed: number
  readonly #hooks: ClusterHooks
  readonly #rng: Rng
  readonly #diskRng: Rng
  readonly #network: Network
  readonly #queue = new EventQueue<SimEvent>()
  readonly #boundMs: number
  readonly #seenLeaders = new Set<NodeId>()
  readonly #ballotsOfValue = new Map<string, Set<string>>()
  /** The seed's schedule (schedule.ts), and what it waits for now. */
  #plan: Plan | null = null
  #waiting: { readonly wait: Wait, readonly deadline: number } | null = null
  #lastElected: NodeId | null = null
  /** Every node ID's metadata, new incarnations on memory storage included (S2 checks it). */
  readonly #metadata = new Map<NodeId, Record<string, string>>()
  #seq = 0
  #now = 0

  constructor (seed: number, options: SimOptions, hooks: ClusterHooks = {}, opts: { trace?: boolean, disable?: readonly Property[] } = {}) {
    this.#seed = seed
    this.options = options
    this.#hooks = hooks
    this.trace = opts.trace === true ? [] : null
    this.#rng = new Rng(seed)
    const netRng = this.#rng.fork()
    this.#diskRng = this.#rng.fork()
    this.#network = new Network(options, netRng, (p, delay) => { this.#schedule({ kind: 'deliver', packet: p }, delay) })
    this.stats = Object.assign(this.#network.stats, {
      writes: 0,
      lostWrites: 0,
      events: 0, elections: 0, leadersElected: 0, distinctLeaders: 0, failovers: 0, resigns: 0, crashes: 0, pauses: 0,
      bounces: 0, leaves: 0, scheduleSteps: 0, scheduleFinished: 0, restartsNearGrant: 0, persistBatches: 0, savesCoalesced: 0, valuesAtTwoBallots: 0, fastAccepts: 0, convergenceMs: -1, virtualMs: 0
    })
    const meta = this.#metadata
    const drift = options.maxDriftRatio
    for (let i = 0; i < slots(options); i++) {
      const id = `n${i + 1}`
      // Extremes are where drift bugs live, so pick them often.
      const rate = this.#rng.chance(0.5) ? this.#rng.pick([1 - drift, 1 + drift]) : this.#rng.float(1 - drift, 1 + drift)
      const disk = new SimDisk(options.durable, {
        schedule: (delay, fn) => { this.#schedule({ kind: 'disk', fn }, delay) },
        resume: fn => { this.#inProcess(this.replicas[i]!, fn) },
        latency: () => this.#diskLatency()
      }, () => this.#now, this.stats, { acknowledgeEarlyMs: options.driver === 'runner' ? hooks.lossyStorageMs : 0 })
      const kind = slotKind(options, i)
      const r = new Replica(id, i, rate, disk, hooks.wrapStorage?.(disk) ?? disk, kind, kind === 'scheduled' ? scheduledClusterSize(options, i) : options.clusterSize)
      meta.set(id, r.metadata)
      this.replicas.push(r)
    }
    this.#boundMs = livenessBoundMs(options)
    this.checker = new Checker(options, meta, this.#boundMs, opts.disable)
  }

  get now (): number { return this.#now }

  /** Runs the faulty phase, then the healed phase until L1 holds (or its bound passes). */
  async run (): Promise<SimResult> {
    const runner = this.options.driver === 'runner'
    for (const r of this.replicas) {
      if (r.spare) this.#schedule({ kind: 'restart', node: r.index }, this.#rng.float(0, this.options.faultMs))
      else if (!r.absent) this.#boot(r)
    }
    if (runner) await settle()
    this.#startPlan()
    this.#schedule({ kind: 'fault' }, this.#nextFaultDelay())
    this.#schedule({ kind: 'heal' }, this.options.faultMs)
    const liveness = this.checker.liveness
    let stableUntil = Infinity
    let guard = 0
    while (this.#queue.size > 0 && this.checker.ok) {
      const ev = this.#queue.peek()!
      if (ev.time > liveness.deadline || ev.time > stableUntil) break
      this.#queue.pop()
      this.#now = ev.time
      this.#process(ev)
      if (runner) await settle()
      this.stats.events++
      this.#observeGrants()
      this.checker.onStep(this)
      if (liveness.convergenceMs >= 0 && stableUntil === Infinity) {
        // Keep running a while in the healed state: the leader must stay put.
        stableUntil = this.#now + 2 * this.options.leaseMs
      }
      if (++guard > 5_000_000) throw new Error(`seed ${this.#seed}: simulation did not finish (event storm)`)
    }
    if (this.checker.ok) liveness.finish(this)
    if (this.trace !== null) {
      for (const r of this.replicas) {
        const n = r.node
        const c = n?.configuration
        this.#log(`state ${r.id}: ${r.absence ?? ''}${n === null ? 'down' : `${n.role} epoch ${n.epoch} voting ${n.voting} joinedAt ${n.joinedAt} quarantined ${n.quarantined} config ${c === null || c === undefined ? '-' : `v${c.version} [${c.voters.map(m => `${m.id}@${m.since}`).join(' ')}] target ${c.target}`}`}`)
      }
    }
    this.stats.convergenceMs = liveness.convergenceMs
    this.stats.virtualMs = this.#now
    if (runner) this.stats.savesCoalesced = Math.max(0, this.stats.persistBatches - this.stats.writes - this.stats.lostWrites)
    for (const r of this.replicas) if (r.runner !== null) void r.runner.crash()
    return { seed: this.#seed, options: this.options, violations: this.checker.violations, stats: this.stats, livenessBoundMs: this.#boundMs, trace: this.trace }
  }

  // ---- nodes ------------------------------------------------------------------

  #boot (r: Replica): void {
    r.absence = null
    r.incarnation++
    r.gen++
    r.leavingUntil = -Infinity
    if (!this.options.durable && r.incarnation > 1) {
      // Memory storage: the restarted process is a new member under a new ID.
      r.id = `${r.baseId}.${r.incarnation}`
      r.metadata = { url: `http://${r.id}.example:8080` }
      this.#metadata.set(r.id, r.metadata)
      r.ghost = null
    }
    if (r.incarnation > 1) {
      const sinceGrant = this.#now - r.lastGrantAtReal
      if (this.options.maxDriftRatio > 0 && sinceGrant < 2 * this.options.maxDriftRatio * this.options.leaseMs) this.stats.restartsNearGrant++
    }
    r.lastGrantExpires = null
    // A new process: its monotonic clock starts anywhere.
    r.offset = this.#rng.float(0, 1e6) - r.rate * this.#now
    const config: NodeConfig = {
      nodeId: r.id,
      clusterSize: r.clusterSize,
      leaseMs: this.options.leaseMs,
      heartbeatMs: this.options.heartbeatMs,
      maxDriftRatio: this.options.maxDriftRatio,
      priority: this.options.priorities[r.index] ?? 0,
      metadata: r.metadata,
      role: r.role,
      // A spare or a scheduled node is added to a running cluster, and a node started empty once
      // the cluster exists joins it: none of them founds one (rule 12).
      join: r.spare || r.scheduled || (r.disk.stored === null && this.#founded())
    }
    const clock = { now: () => r.local(this.#now) }
    const random = this.#rng.fork()
    const make = this.#hooks.makeNode ?? ((c: NodeConfig, d: NodeDeps) => new Node(c, d))
    if (this.options.driver === 'node') {
      r.bare = make(config, { clock, random, state: r.disk.stored, durableStorage: r.disk.durable })
      r.bare.start()
      this.#started(r)
      this.#afterStep(r)
      return
    }
    const life = r.incarnation
    const pending: NodeEvent[] = []
    const timers: Timers = {
      // The runner's timeouts are in its own clock's ms.
      setTimeout: (fn, ms) => {
        const token: Token = { cancelled: false }
        this.#schedule({ kind: 'call', node: r.index, life, token, fn }, ms / r.rate)
        return token
      },
      clearTimeout: token => { (token as Token).cancelled = true }
    }
    const peers = this.replicas.filter(p => p !== r).map(p => p.id)
    r.transport = new SimTransport(r.id, peers, (to, msg, first, fanout, only) => { this.#send(r, to, msg, first, fanout, only) })
    const runner = new NodeRunner({
      config,
      storage: r.storage,
      transport: r.transport,
      clock,
      random,
      timers,
      makeNode: (c, d) => this.#instrument(r, make(c, d), pending)
    })
    r.runner = runner
    for (const type of RUNNER_EVENTS) {
      runner.on(type, (arg: { epoch: number }) => {
        // The runner drops an 'elected' (and its 'demoted') released after the lease ended: skip those.
        const epochOf = (e: NodeEvent): number => 'epoch' in e ? e.epoch : 'record' in e ? e.record.epoch : -1
        const i = pending.findIndex(e => runnerEventType(e) === type && epochOf(e) === arg.epoch)
        if (i < 0) return
        for (let j = i - 1; j >= 0; j--) if (runnerEventType(pending[j]!) === type) pending.splice(j, 1)
        this.#onNodeEvent(r, pending.splice(pending.findIndex(e => runnerEventType(e) === type && epochOf(e) === arg.epoch), 1)[0]!)
      })
    }
    runner.on('error', err => { this.#log(`${r.id} error ${err.message}`) })
    void runner.start().then(() => { if (r.runner === runner) this.#started(r) })
  }

  /** Events the runner drops or reports as errors are seen as the node makes them; the rest as the runner emits them. */
  #instrument (r: Replica, node: Node, pending: NodeEvent[]): Node {
    const ready = node.ready.bind(node)
    node.ready = () => {
      const rd = ready()
      if (rd.persist !== null) this.stats.persistBatches++
      for (const e of rd.events) {
        if (e.type === 'candidate' || e.type === 'conflict' || e.type === 'foreignCluster' || e.type === 'settingMismatch') this.#onNodeEvent(r, e)
        else pending.push(e)
      }
      return rd
    }
    return node
  }

  /** A node just started: until when does it keep from voting (its quarantine)? */
  #started (r: Replica): void {
    const n = r.node
    const quarantineMs = this.options.leaseMs * (1 + this.options.maxDriftRatio) / (1 - this.options.maxDriftRatio)
    r.silentUntilReal = n?.quarantined === true ? this.#now + quarantineMs / r.rate : this.#now
  }

  #crash (r: Replica): void {
    if (!r.up) return
    this.#log(`crash ${r.id}`)
    // A runner that stopped itself (a graceful stop) has its node still: what it granted binds it.
    const g = (r.bare ?? r.runner?.node)?.grant ?? null
    if (g !== null) r.ghost = { epoch: g.epoch, leaderId: g.leaderId, untilReal: r.toReal(g.expiresAt) }
    r.silentUntilReal = Infinity
    // What reached the disk survives; what was still in the page cache or in flight is gone.
    for (const u of r.unsynced) if (u.at <= this.#now) r.disk.put(u.state)
    r.unsynced.length = 0
    r.disk.crash()
    r.bare = null
    if (r.runner !== null) void r.runner.crash()
    r.runner = null
    r.transport = null
    r.gen++
    r.pausedUntil = 0
    r.bounceArmed = false
    this.stats.crashes++
  }

  /** The bare driver: persist, then send, then report, the order a real driver must keep. */
  #afterStep (r: Replica): void {
    const node = r.bare
    if (node === null) return
    const rd = node.ready()
    if (rd.persist !== null) {
      const lossy = this.#hooks.lossyStorageMs ?? 0
      if (lossy > 0) r.unsynced.push({ state: rd.persist, at: this.#now + lossy })
      // A background save (rd.sync false) on a slow disk: a crash within half a lease loses it.
      else if (!rd.sync) r.unsynced.push({ state: rd.persist, at: this.#now + this.options.leaseMs / 2 })
      else {
        // A save the messages wait for; it covers the background saves before it.
        r.unsynced.length = 0
        r.disk.put(rd.persist)
      }
    }
    for (const out of rd.messages) this.#send(r, out.to, out.msg, out.first, out.fanout, out.only)
    for (const e of rd.events) this.#onNodeEvent(r, e)
    this.#scheduleWake(r)
  }

  #onNodeEvent (r: Replica, e: NodeEvent): void {
    this.#log(`${r.id} ${e.type} ${JSON.stringify(e)}`)
    this.checker.onEvent(this.#now, r, e)
    if (e.type === 'candidate') this.stats.elections++
    if (e.type === 'elected') {
      this.stats.leadersElected++
      if (!this.#seenLeaders.has(r.id)) { this.#seenLeaders.add(r.id); this.stats.distinctLeaders++ }
      if (this.#lastElected !== null && this.#lastElected !== r.id) this.stats.failovers++
      this.#lastElected = r.id
    }
  }

  #scheduleWake (r: Replica): void {
    const node = r.bare
    if (node === null) return
    const deadline = node.nextDeadline()
    r.gen++
    if (deadline === null) return
    // Local deadline to virtual time, rounded up past it so the node sees it due.
    // A deadline already past (a node that keeps one due) is polled every ms, not spun on.
    const t = deadline <= r.local(this.#now) ? this.#now + 1 : r.toReal(deadline) + 0.001
    this.#schedule({ kind: 'wake', node: r.index, gen: r.gen }, t - this.#now)
  }

  /** Runs `fn` in r's process: now, or once its pause ends; never once it crashed. */
  #inProcess (r: Replica, fn: () => void): void {
    if (r.pausedUntil > this.#now) this.#schedule({ kind: 'call', node: r.index, life: r.incarnation, token: { cancelled: false }, fn }, r.pausedUntil - this.#now)
    else fn()
  }

  #diskLatency (): number {
    const o = this.options
    return o.diskMs + this.#diskRng.next() * o.diskJitterMs + (this.#diskRng.chance(o.slowDisk) ? this.#diskRng.float(0, o.slowDiskMs) : 0)
  }

  /** A grant given or renewed since the last step: note when (and crash a voter armed to crash right after one). */
  #observeGrants (): void {
    for (const r of this.replicas) {
      const g = r.node?.grant ?? null
      if (g === null || g.expiresAt === r.lastGrantExpires) continue
      r.lastGrantExpires = g.expiresAt
      r.lastGrantAtReal = this.#now
      if (r.bounceArmed && this.#network.faulty && this.#mayLose(r)) {
        this.#log(`bounce ${r.id}`)
        this.#crash(r)
        this.stats.bounces++
        this.#schedule({ kind: 'restart', node: r.index }, this.#rng.float(0, 2 * this.options.maxDriftRatio * this.options.leaseMs))
      }
    }
  }

  // ---- network ----------------------------------------------------------------

  #send (r: Replica, to: NodeId | null, msg: Message, first?: NodeId, fanout?: number, only?: readonly NodeId[]): void {
    this.checker.onSend(this.#now, r, msg)
    if (this.trace !== null && process.env.SIM_TRACE_MESSAGES !== undefined && msg.type !== 'heartbeat' && msg.type !== 'heartbeatAck' && msg.type !== 'presence' && msg.type !== 'presenceDigest') {
      this.#log(`send ${r.id} → ${to ?? '*'} ${msg.type} ${JSON.stringify(msg, (k, v) => k === 'config' || k === 'metadata' ? undefined : v)}`)
    }
    if (msg.type === 'accepted') this.#noteAccepted(msg)
    if (to !== null) {
      const target = this.replicas.find(p => p.id === to)
      if (target !== undefined) this.#network.transmit(r.index, r.id, target.index, msg, this.#now)
      return
    }
    let left = fanout ?? Infinity
    const head = first === undefined ? undefined : this.replicas.find(p => p.id === first && p !== r)
    if (head !== undefined && left-- > 0) this.#network.transmit(r.index, r.id, head.index, msg, this.#now)
    for (const p of this.replicas) if (p !== r && p !== head && p.up && (only === undefined || only.includes(p.id)) && left-- > 0) this.#network.transmit(r.index, r.id, p.index, msg, this.#now)
  }

  #noteAccepted (msg: Extract<Message, { type: 'accepted' }>): void {
    if (msg.ballot.round === 0) this.stats.fastAccepts++
    const key = `${msg.epoch}/${msg.value.leaderId}`
    let ballots = this.#ballotsOfValue.get(key)
    if (ballots === undefined) { ballots = new Set(); this.#ballotsOfValue.set(key, ballots) }
    const b = `${msg.ballot.round}/${msg.ballot.nodeId}`
    if (ballots.has(b)) return
    ballots.add(b)
    if (ballots.size === 2) this.stats.valuesAtTwoBallots++
  }

  // ---- events -----------------------------------------------------------------

  #schedule (e: Omit<SimEvent, 'time' | 'seq'> & Record<string, unknown>, delay: number): void {
    this.#queue.push({ ...e, time: this.#now + Math.max(0, delay), seq: this.#seq++ } as SimEvent)
  }

  #defer (r: Replica, ev: SimEvent): boolean {
    if (r.pausedUntil <= this.#now) return false
    this.#schedule({ ...ev }, r.pausedUntil - this.#now)
    return true
  }

  #process (ev: SimEvent): void {
    switch (ev.kind) {
      case 'deliver': {
        const p = ev.packet
        const r = this.replicas[p.to]!
        if (!r.up) return
        if (this.#defer(r, ev)) return
        if (!this.#network.arrives(p, this.#now)) return
        const from = p.fromId
        if (r.bare !== null) {
          r.bare.step(from, p.msg)
          this.#afterStep(r)
        } else {
          r.transport?.handlers?.message(from, p.msg)
        }
        return
      }
      case 'wake': {
        const r = this.replicas[ev.node]!
        if (r.bare === null || ev.gen !== r.gen) return
        if (this.#defer(r, ev)) return
        r.bare.tick()
        this.#afterStep(r)
        return
      }
      case 'call': {
        const r = this.replicas[ev.node]!
        if (ev.token.cancelled || ev.life !== r.incarnation || !r.up) return
        if (this.#defer(r, ev)) return
        ev.fn()
        return
      }
      case 'disk':
        ev.fn()
        return
      case 'restart': {
        const r = this.replicas[ev.node]!
        if (!r.up && !r.absent) { this.#log(`restart ${r.id}`); this.#boot(r) }
        return
      }
      case 'schedule':
        this.#pollPlan()
        return
      case 'fault':
        if (!this.#network.faulty) return
        this.#injectFault()
        this.#schedule({ kind: 'fault' }, this.#nextFaultDelay())
        return
      case 'heal':
        this.#heal()
    }
  }

  #nextFaultDelay (): number {
    const o = this.options
    const rate = o.crashRate + o.pauseRate + o.partitionRate + o.resignRate + o.bounceRate + o.leaveRate
    if (rate <= 0) return o.faultMs + 1
    return -Math.log(1 - this.#rng.next()) * 1000 / rate
  }

  #injectFault (): void {
    const o = this.options
    const total = o.crashRate + o.pauseRate + o.partitionRate + o.resignRate + o.bounceRate + o.leaveRate
    let x = this.#rng.next() * total
    // Faults often hit the leader: that is where failover bugs hide.
    const leader = this.replicas.find(r => r.node?.isLeader === true)
    const target = leader !== undefined && this.#rng.chance(0.5) ? leader : this.#rng.pick(this.replicas)
    if ((x -= o.crashRate) < 0) {
      if (!target.up || !this.#mayLose(target)) return
      this.#crash(target)
      this.#schedule({ kind: 'restart', node: target.index }, this.#rng.float(0, 3 * o.leaseMs))
    } else if ((x -= o.pauseRate) < 0) {
      if (!target.up) return
      const d = this.#rng.float(0.1, 2.5) * o.leaseMs
      this.#log(`pause ${target.id} for ${d.toFixed(1)}`)
      target.pausedUntil = Math.max(target.pausedUntil, this.#now + d)
      this.stats.pauses++
    } else if ((x -= o.partitionRate) < 0) {
      this.#log(`partition ${this.#network.partition(this.#rng)}`)
    } else if ((x -= o.resignRate) < 0) {
      for (const r of this.replicas) {
        if (r.node?.isLeader !== true || r.pausedUntil > this.#now) continue
        this.#log(`resign ${r.id}`)
        if (r.bare !== null) {
          if (r.bare.resign()) this.stats.resigns++
          this.#afterStep(r)
        } else if (r.runner !== null) {
          this.stats.resigns++
          void r.runner.resign()
        }
      }
    } else if ((x -= o.bounceRate) < 0) {
      // Crash a voter the moment it next grants a lease (see #observeGrants).
      const voter = this.#rng.pick(this.replicas)
      if (voter.up && this.#mayLose(voter)) voter.bounceArmed = true
    } else {
      this.#leave(target)
    }
  }

  /**
   * On memory storage a crashed node never comes back as the same voter: a
   * crash is lost for good until the leader replaces it. The faults take no
   * more than that leaves a majority of the newest configuration's voters up
   * (of one more voter, as the next configuration may add the node lost), as
   * a rolling update or a failure of one pod at a time does.
   */
  #mayLose (r: Replica): boolean {
    if (this.options.durable) return true
    // Before the first configuration is chosen, any loss may be a voter of it.
    const newest = this.checker.newestChosen
    if (newest === null) return false
    const voters = newest.config.voters.map(m => m.id)
    const up = this.replicas.filter(p => p.up && p.leavingUntil === -Infinity && voters.includes(p.id) && p !== r).length
    // With one voter to spare: the next configuration may be adding the node lost.
    return up >= Math.floor((voters.length + 1) / 2) + 1
  }

  /** Whether any node learned a chosen record: the cluster exists. */
  #founded (): boolean {
    return this.checker.founded
  }

  /** A graceful stop: the node asks to leave the configuration, then stops (at the latest after 2 leases), and starts again later. */
  #leave (r: Replica): void {
    if (!r.up || r.leavingUntil !== -Infinity || !this.#mayLose(r)) return
    this.#log(`leave ${r.id}`)
    this.stats.leaves++
    const stopAfterMs = 2 * this.options.leaseMs
    r.leavingUntil = this.#now + stopAfterMs
    const restart = (): void => { this.#schedule({ kind: 'restart', node: r.index }, this.#rng.float(0, 3 * this.options.leaseMs)) }
    if (r.bare !== null) {
      r.bare.leave()
      this.#afterStep(r)
      const life = r.incarnation
      const token: Token = { cancelled: false }
      this.#schedule({ kind: 'call', node: r.index, life, token, fn: () => { this.#crash(r); restart() } }, stopAfterMs)
    } else if (r.runner !== null) {
      const runner = r.runner
      const life = r.incarnation
      void runner.stop({ leaveMs: stopAfterMs }).then(() => {
        if (r.runner === runner && r.incarnation === life) { this.#crash(r); restart() }
      })
    }
  }

  // ---- the schedule (schedule.ts) ----------------------------------------------

  #startPlan (): void {
    const o = this.options
    if (o.schedule === 'none') return
    // Its own stream: the seeds without a schedule draw as they did before there were schedules.
    this.#plan = plan(o.schedule, this.#scheduleHost(), this.#rng.fork())
    this.#advance(true)
  }

  /** Resumes the plan (with whether what it waited for came) up to its next wait. */
  #advance (held: boolean): void {
    const step = this.#plan!.next(held)
    if (step.done === true) {
      this.#plan = null
      this.stats.scheduleFinished = 1
      return
    }
    this.#waiting = { wait: step.value, deadline: this.#now + step.value.atMostMs }
    this.#schedule({ kind: 'schedule' }, this.options.heartbeatMs)
  }

  #pollPlan (): void {
    const w = this.#waiting
    if (this.#plan === null || w === null || !this.#network.faulty) return
    if (w.wait.done()) this.#advance(true)
    else if (this.#now >= w.deadline) this.#advance(false)
    else this.#schedule({ kind: 'schedule' }, this.options.heartbeatMs)
  }

  /** The schedule's hands on the cluster: the members it rolls, the nodes it may start, the stops. */
  #scheduleHost (): ScheduleHost<Replica> {
    const o = this.options
    const newestVoters = (): readonly NodeId[] => this.checker.newestChosen?.config.voters.map(m => m.id) ?? []
    return {
      members: this.replicas.slice(0, o.clusterSize),
      extra: this.replicas.filter(r => r.scheduled),
      durable: o.durable,
      leaseMs: o.leaseMs,
      stabilizationMs: resolvedConfig(o).stabilizationMs,
      start: r => {
        if (r.up) return
        this.stats.scheduleSteps++
        this.#boot(r)
      },
      stop: (r, forGood) => { this.#stopGracefully(r, forGood) },
      leave: r => this.#askToLeave(r),
      up: r => r.up,
      current: r => this.#knowsNewest(r),
      caughtUp: r => this.#caughtUp(r),
      isVoter: r => newestVoters().includes(r.id),
      isLeader: r => r.node?.isLeader === true,
      soleVoter: r => {
        const voters = r.node?.configuration?.voters ?? []
        return voters.length === 1 && voters[0]!.id === r.id
      },
      mayGo: (r, leaves) => {
        const voters = newestVoters()
        if (!voters.includes(r.id)) return true
        const others = this.replicas.filter(p => p !== r && p.up && p.leavingUntil === -Infinity && voters.includes(p.id))
        return others.length >= majority(voters.length - (leaves ? 1 : 0)) && others.some(p => this.#knowsNewest(p))
      },
      founded: () => this.#founded(),
      log: line => { this.#log(`schedule ${o.schedule}: ${line}`) }
    }
  }

  /** Up, not leaving, out of quarantine, and following the leader of the newest chosen epoch. */
  #caughtUp (r: Replica): boolean {
    const n = r.node
    return n !== null && r.leavingUntil === -Infinity && !n.quarantined && n.leader !== null && this.#knowsNewest(r)
  }

  /** Whether `r` knows the newest chosen epoch (and so which configuration it votes in). */
  #knowsNewest (r: Replica): boolean {
    const newest = this.checker.newestChosen
    return newest !== null && r.node !== null && r.node.epoch >= newest.epoch
  }

  /**
   * The schedule asks `r` to leave, once per incarnation (not while a random
   * graceful stop runs: that one ends in a restart); true once `r` is no
   * voter of the configuration it knows, and that is the newest (Node.left).
   * A node that is no voter is asked all the same, and is out at once (below
   * the target, once the leader can no longer be promoting it): it says it
   * leaves, as stop() has it do (NodeRunner.leave), so that the leader does
   * not promote it as it stops (seeds 2174, 2313, 3396, 4100, 4427, 4516
   * stopped observers without a word, and each was made a voter after it
   * stopped).
   */
  #askToLeave (r: Replica): boolean {
    const n = r.node
    const config = n?.configuration ?? null
    if (n === null || config === null || !this.#knowsNewest(r) || (r.leavingUntil !== -Infinity && r.leavingUntil !== Infinity)) return false
    if (r.leavingUntil === Infinity) return n.left
    r.leavingUntil = Infinity
    if (r.bare !== null) {
      r.bare.leave()
      this.#afterStep(r)
    } else {
      // The runner asks, and watches for the removal for a while; the schedule watches on.
      void r.runner?.leave(resolvedConfig(this.options).stabilizationMs + 2 * this.options.leaseMs)
    }
    return n.left
  }

  /** The schedule stops `r`: it resigns if leading, saves and stops; for good, or to be started again. */
  #stopGracefully (r: Replica, forGood: boolean): void {
    if (!r.up || r.stopping !== null) return
    this.stats.scheduleSteps++
    const life = r.incarnation
    r.stopping = () => {
      r.stopping = null
      if (forGood) r.absence = 'retired'
      this.#crash(r)
    }
    if (r.bare !== null) {
      r.bare.resign()
      this.#afterStep(r)
      r.stopping()
    } else if (r.runner !== null) {
      const runner = r.runner
      void runner.stop({ leaveMs: 0 }).then(() => { if (r.runner === runner && r.incarnation === life) r.stopping?.() })
    }
  }

  #heal (): void {
    this.#log('heal')
    this.#network.heal()
    this.checker.liveness.heal(this.#now)
    if (this.#plan !== null) this.#log(`schedule ${this.options.schedule}: cut short by the heal after ${this.stats.scheduleSteps} steps`)
    this.#plan = null
    for (const r of this.replicas) {
      r.bounceArmed = false
      if (r.pausedUntil > this.#now) r.pausedUntil = this.#now
      // A schedule's stop under way ends now; a random graceful stop too, and that node starts
      // again at once. A schedule's leave (no deadline) goes on: the node keeps running.
      r.stopping?.()
      if (r.leavingUntil !== -Infinity && r.leavingUntil !== Infinity) this.#crash(r)
      if (r.absent) continue
      if (!r.up) this.#boot(r)
      else this.#scheduleWake(r)
    }
  }

  #log (line: string): void {
    if (this.trace !== null) this.trace.push(`${this.#now.toFixed(3)} ${line}`)
  }
}

/** Which kind of node slot `i` is: members, spares, observers, then the schedule's nodes. */
function slotKind (o: SimOptions, i: number): SlotKind {
  if (i < o.clusterSize) return 'member'
  if (i < o.clusterSize + o.spares) return 'spare'
  if (i < o.clusterSize + o.spares + o.observers) return 'observer'
  return 'scheduled'
}

/** The clusterSize a scheduled node carries: the run's, or with scaleTargets the replica count it scales to (5, then 7). */
function scheduledClusterSize (o: SimOptions, i: number): number {
  if (!o.scaleTargets) return o.clusterSize
  const nth = i - (slots(o) - scheduledNodes(o))
  return nth < 2 ? 5 : 7
}

/** Lets every promise continuation queued so far run (no real I/O runs here, so this stays deterministic). */
async function settle (): Promise<void> {
  await new Promise<void>(resolve => { setImmediate(resolve) })
}
