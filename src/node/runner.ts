/**
 * Drives a Node with real time, a Storage and a Transport, and reports what it
 * does as events. The rule it keeps: each batch the node produces is persisted
 * first, and only then are its events emitted and its messages sent; batches
 * go out strictly in order. A batch the node marks as not `sync` (it only
 * learned something) goes out without waiting for its own save, which follows
 * in the background, still in order. Saves are written one at a time and
 * coalesce: while one is being written, the batches behind it wait, and the
 * next save writes the newest state, which covers all of them (group commit).
 * If storage fails, the runner stops the node rather than vote with state it
 * could not keep.
 */
import { EventEmitter } from 'node:events'
import type { Epoch, LeaderRecord } from '../paxos/proposal.js'
import type { Message } from '../paxos/message.js'
import type { PersistentState, Storage } from '../storage/storage.js'
import type { Transport } from '../transport/transport.js'
import { systemClock, systemRandom, type Clock, type Random } from './clock.js'
import type { NodeConfig } from './config.js'
import { Node, type DemotionReason, type NodeDeps, type NodeEvent, type Ready } from './node.js'
import { memberOf, type Configuration } from '../paxos/configuration.js'
import { ClusterMismatchError, ForgottenStateWarning, ListenerError, SafetyViolationError, SettingMismatchError, StorageFailedError, TransportError, type QuorumError } from '../errors.js'

/** How long a background save waits (see #saveSoon). */
export const LAZY_SAVE_DELAY_MS = 50

/** Events of a {@link NodeRunner}. */
export interface RunnerEvents {
  leaderChosen: [record: LeaderRecord]
  elected: [info: { epoch: Epoch }]
  demoted: [info: { epoch: Epoch, reason: DemotionReason }]
  leaderLost: [record: LeaderRecord]
  /**
   * A typed error (see src/errors.ts): StorageFailedError (the node stopped),
   * SafetyViolationError, SettingMismatchError (refused), ClusterMismatchError, ListenerError or TransportError.
   */
  error: [err: QuorumError]
  /** Something the operator should know that does not stop the node: SettingMismatchError (adopted), ForgottenStateWarning. */
  warning: [err: QuorumError]
  /** The cluster's configuration changed (a newer version was learned). */
  configuration: [config: Configuration]
}

/**
 * A timer that fires this much later than its deadline, in ms, means the
 * event loop was stalled (a GC pause, a blocked loop, a process descheduled or
 * stopped): the node ticks only after the I/O already waiting is handled.
 */
export const LATE_TIMER_MS = 10

/** The timers a runner arms (by default the global ones; the simulator passes virtual ones). */
export interface Timers {
  readonly setTimeout: (fn: () => void, ms: number) => unknown
  readonly clearTimeout: (handle: unknown) => void
  /**
   * Runs `fn` once the I/O that is already waiting has been handled (the
   * global setImmediate: Node.js runs due timers before it polls for I/O).
   * Without it, a late timer ticks the node at once.
   */
  readonly afterIo?: (fn: () => void) => void
}

const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: handle => { clearTimeout(handle as NodeJS.Timeout) },
  afterIo: fn => { setImmediate(fn) }
}

/** Options of {@link NodeRunner.stop}. */
export interface StopOptions {
  /**
   * How long a voter waits for the leader to take it out of the configuration
   * before it exits (0: do not ask, as for a restart on the same data
   * directory, where the node comes back as the same voter). The leader first
   * promotes an observer to take its place, if one is ready.
   * @default stabilizationMs + 2 × leaseMs
   */
  readonly leaveMs?: number
}

/** Options of a {@link NodeRunner}. */
export interface RunnerOptions {
  /** Node configuration; `nodeId` defaults to the transport's local ID. */
  readonly config: Omit<NodeConfig, 'nodeId'> & { readonly nodeId?: string }
  readonly storage: Storage
  readonly transport: Transport
  readonly clock?: Clock
  readonly random?: Random
  /** Test hook: build the node (e.g. a broken variant). */
  readonly makeNode?: (config: NodeConfig, deps: NodeDeps) => Node
  /** Test hook: timers in the clock's time (default: the global setTimeout and clearTimeout). */
  readonly timers?: Timers
}

/** Runs a {@link Node} on real timers over a Storage and a Transport. */
export class NodeRunner extends EventEmitter<RunnerEvents> {
  readonly #opts: RunnerOptions
  readonly #clock: Clock
  readonly #timers: Timers
  #node: Node | null = null
  #timer: unknown = null
  #timerAt = Infinity
  #chain: Promise<void> = Promise.resolve()
  /** A background save waiting for the election's burst of messages to pass. */
  #lazyTimer: unknown = null
  /** Saves run one after another on this chain; each link resolves false once storage failed. */
  #saving: Promise<boolean> = Promise.resolve(true)
  #running = false
  /** The newest state handed out for saving, numbered; and the number of the newest one saved. */
  #latest: { readonly gen: number, readonly state: PersistentState } | null = null
  #savedGen = 0
  /** The epoch of the last 'elected' the host heard and no 'demoted' followed yet. */
  #electedEpoch: Epoch | null = null
  /** Messages handled, for measurements. */
  received = 0

  constructor (opts: RunnerOptions) {
    super()
    this.#opts = opts
    this.#clock = opts.clock ?? systemClock
    this.#timers = opts.timers ?? systemTimers
  }

  get node (): Node | null { return this.#node }
  get running (): boolean { return this.#running }
  get isLeader (): boolean { return this.#running && this.#node?.isLeader === true }
  get leader (): LeaderRecord | null { return this.#running ? this.#node?.leader ?? null : null }
  get epoch (): Epoch { return this.#node?.epoch ?? 0 }

  async start (): Promise<void> {
    if (this.#running) return
    const { storage, transport } = this.#opts
    const config: NodeConfig = { ...this.#opts.config, nodeId: this.#opts.config.nodeId ?? transport.localId }
    const state = await storage.load()
    // A runner started again (after stop(), or after storage failed) begins afresh from what is
    // stored: a failed save chain or an unsaved generation of the last run must not carry over.
    this.#chain = Promise.resolve()
    this.#saving = Promise.resolve(true)
    this.#latest = null
    this.#savedGen = 0
    const deps: NodeDeps = { clock: this.#clock, random: this.#opts.random ?? systemRandom, state, durableStorage: storage.durable }
    const node = this.#opts.makeNode?.(config, deps) ?? new Node(config, deps)
    this.#node = node
    this.#running = true
    await transport.start({ message: (from, msg) => { this.#onMessage(from, msg) } })
    try { node.start() } catch (err) { return this.#broke(err) }
    this.#flush()
  }

  /**
   * Stops the node. A leader resigns first, so the others elect a successor at
   * once instead of waiting for its lease to run out.
   */
  async stop (opts: StopOptions = {}): Promise<void> {
    if (!this.#running) return
    const node = this.#node!
    const leaveMs = opts.leaveMs ?? node.config.stabilizationMs + 2 * node.config.leaseMs
    if (leaveMs > 0) {
      await this.leave(leaveMs)
      if (!this.#running) return
    }
    if (node.isLeader) {
      try { node.resign() } catch (err) { return this.#broke(err) }
      this.#flush()
    }
    await this.#chain
    if (this.#lazyTimer !== null) {
      this.#timers.clearTimeout(this.#lazyTimer)
      this.#lazyTimer = null
      await this.#save(this.#latest!.gen)
    }
    await this.#saving
    this.#halt()
    await this.#opts.transport.stop()
  }

  /**
   * Asks to leave the configuration (see Node.leave): resolves true once the
   * leader took this voter out, false after `timeoutMs` (or at once if this
   * node is the one voter of its configuration). A node that is no voter says
   * it is leaving all the same, and returns (false) at once, or, in a
   * configuration below its target, once `node.left`: the leader must not
   * promote a node that is about to stop.
   */
  async leave (timeoutMs: number): Promise<boolean> {
    if (!this.#running) return false
    const node = this.#node!
    const config = node.configuration
    if (config === null) return false
    const voter = memberOf(config, node.id) !== undefined
    // Only the one voter cannot leave; a non-voter beside a lone leader must say it goes, or be promoted as it stops.
    if (voter && config.voters.length <= 1) return false
    try { node.leave() } catch (err) { this.#broke(err); return false }
    this.#flush()
    await this.#until(() => node.left || !this.#running, timeoutMs)
    return voter && node.left
  }

  /** The node's clock, in ms. */
  now (): number { return this.#clock.now() }

  /** Resolves once `done()` holds (checked every 10 ms) or `ms` passed. */
  async #until (done: () => boolean, ms: number): Promise<void> {
    const end = this.#clock.now() + ms
    while (!done() && this.#clock.now() < end) {
      await new Promise<void>(resolve => { this.#timers.setTimeout(resolve, 10) })
    }
  }

  /** Stops without resigning and without flushing: what a crash looks like to the others. */
  async crash (): Promise<void> {
    if (!this.#running) return
    this.#halt()
    await this.#opts.transport.stop()
  }

  /** Steps down if leading; resolves once the Resign is sent. */
  async resign (): Promise<boolean> {
    if (!this.#running) return false
    let done: boolean
    try { done = this.#node!.resign() } catch (err) { this.#broke(err); return false }
    this.#flush()
    await this.#chain
    return done
  }

  /** 'error' is reported to listeners; with none, it must not throw into the host application. */
  #fail (err: QuorumError): void {
    this.lastError = err
    if (this.listenerCount('error') > 0) this.emit('error', err)
  }

  /** The last error reported, whether or not anyone listened. */
  lastError: QuorumError | null = null

  /**
   * An input of the node threw: a broken invariant (SafetyViolationError) or
   * another bug. The node's state can no longer be trusted, so nothing of that
   * step is stored, sent or emitted; the node stops and the error is reported
   * (a SafetyViolationError, invariant 'node-threw' for any other throw). It
   * never carries on, and never throws into the host application.
   */
  #broke (err: unknown): void {
    this.#halt()
    this.#opts.transport.stop().catch(() => {})
    this.#fail(err instanceof SafetyViolationError ? err : new SafetyViolationError('node-threw', err instanceof Error ? err.message : String(err), { cause: err }))
  }

  #halt (): void {
    this.#running = false
    if (this.#lazyTimer !== null) this.#timers.clearTimeout(this.#lazyTimer)
    this.#lazyTimer = null
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer)
    this.#timer = null
    this.#timerAt = Infinity
  }

  #onMessage (from: string, msg: Message): void {
    if (!this.#running) return
    this.received++
    try { this.#node!.step(from, msg) } catch (err) { return this.#broke(err) }
    this.#flush()
  }

  #onTimer (): void {
    const lateMs = this.#clock.now() - this.#timerAt
    this.#timer = null
    this.#timerAt = Infinity
    if (!this.#running) return
    // After a stall, the leader's heartbeats may be waiting in the socket while the timer that
    // says they are overdue runs first: hear them before deciding the leader is lost.
    const afterIo = this.#timers.afterIo
    if (lateMs > LATE_TIMER_MS && afterIo !== undefined) afterIo(() => { this.#tick() })
    else this.#tick()
  }

  #tick (): void {
    if (!this.#running) return
    try { this.#node!.tick() } catch (err) { return this.#broke(err) }
    this.#flush()
  }

  #flush (): void {
    const node = this.#node!
    const rd = node.ready()
    if (rd.persist !== null || rd.messages.length > 0 || rd.events.length > 0) {
      let gen = 0
      if (rd.persist !== null) {
        gen = (this.#latest?.gen ?? 0) + 1
        this.#latest = { gen, state: rd.persist }
      }
      this.#chain = this.#chain.then(async () => { await this.#release(rd, gen) })
    }
    this.#arm(node.nextDeadline())
  }

  /** Releases batch `rd`; `gen` numbers its state to persist (0: none). */
  async #release (rd: Ready, gen: number): Promise<void> {
    if (!this.#running) return
    if (gen > this.#savedGen) {
      // Never release a reply whose state was not stored.
      if (rd.sync && !(await this.#save(gen))) return
      if (!rd.sync) this.#saveSoon()
    }
    // Events before messages: the host learns that it leads (or no longer does) before
    // the announcements to every peer are written, each of which costs a socket write
    // (about 1 ms of CPU on a small VM during an election; docs/benchmarks.md). Both
    // follow the save.
    for (const e of rd.events) {
      try {
        this.#emitEvent(e)
      } catch (err) {
        // A listener of the host threw: report it, and keep going (a rejected chain would
        // stall the node for good).
        this.#fail(new ListenerError(e.type, err))
      }
    }
    const t = this.#opts.transport
    for (const out of rd.messages) {
      try {
        if (out.to === null) t.broadcast(out.msg, out.first, out.fanout, out.only)
        else t.send(out.to, out.msg)
      } catch (err) {
        // A lost message is tolerated by the protocol; a broken chain would stall the node.
        this.#fail(new TransportError(`transport failed to send a ${out.msg.type}: ${(err as Error).message}`, { cause: err }))
      }
    }
  }

  #emitEvent (e: NodeEvent): void {
    switch (e.type) {
      case 'leaderChosen': this.emit('leaderChosen', e.record); break
      // Told again: the host heard 'leaderLost' for this leader.
      case 'leaderFound': this.emit('leaderChosen', e.record); break
      case 'elected':
        // A batch released late (its save outlasted a stall) may tell of a lease already over:
        // the host hears 'elected' only while it holds, and then 'demoted' for it.
        if (!this.#node!.isLeader || this.#node!.leader?.epoch !== e.epoch) break
        this.#electedEpoch = e.epoch
        this.emit('elected', { epoch: e.epoch })
        break
      case 'demoted':
        if (this.#electedEpoch !== e.epoch) break
        this.#electedEpoch = null
        this.emit('demoted', { epoch: e.epoch, reason: e.reason })
        break
      case 'leaderLost': this.emit('leaderLost', e.record); break
      case 'conflict':
        this.#fail(new SafetyViolationError('agreement', `epoch ${e.known.epoch} chosen as ${e.known.leaderId}, reported as ${e.reported.leaderId}`))
        break
      case 'settingMismatch': {
        const err = new SettingMismatchError(e.field, e.local, e.cluster, e.adopted)
        if (e.adopted) this.emit('warning', err)
        else this.#fail(err)
        break
      }
      case 'foreignCluster': this.#fail(new ClusterMismatchError(e.from, e.clusterId, e.ours)); break
      case 'forgotten': this.emit('warning', new ForgottenStateWarning(e.version)); break
      case 'configuration': this.emit('configuration', e.config); break
      case 'candidate': break
    }
  }

  /**
   * A background save, made LAZY_SAVE_DELAY_MS later: what it stores (a learned record) may
   * be lost in a crash, and until then the election's messages need the CPU and the disk
   * more. A save that replies wait for, made meanwhile, covers it.
   */
  #saveSoon (): void {
    if (this.#lazyTimer !== null) return
    this.#lazyTimer = this.#timers.setTimeout(() => {
      this.#lazyTimer = null
      if (this.#latest !== null && this.#latest.gen > this.#savedGen) void this.#save(this.#latest.gen)
    }, LAZY_SAVE_DELAY_MS)
  }

  /** Stores the newest state once everything before it is stored; resolves false if storage failed. */
  async #save (gen: number): Promise<boolean> {
    this.#saving = this.#saving.then(async ok => {
      if (!ok || !this.#running) return false
      if (gen <= this.#savedGen) return true
      // The newest state, not just this batch's: it covers the batches queued behind this one.
      const latest = this.#latest!
      try {
        await this.#opts.storage.save(latest.state)
        this.#savedGen = latest.gen
        return true
      } catch (err) {
        this.#halt()
        this.#fail(new StorageFailedError(err))
        return false
      }
    })
    return await this.#saving
  }

  /**
   * Keeps the one timer at the node's next deadline, moving it later too, so
   * that a deadline that has moved does not run the node's tick for nothing.
   * A follower's deadline moves with every heartbeat. Node itself still wakes
   * at the earlier time when a timer is moved later from an I/O callback (it
   * finds nothing due and sleeps again), so a follower still has about one
   * empty wakeup per lease; only the work in it is saved.
   */
  #arm (deadline: number | null): void {
    if (!this.#running) return
    if (this.#timer !== null && this.#timerAt === deadline) return
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer)
    this.#timer = null
    this.#timerAt = deadline ?? Infinity
    if (deadline === null) return
    // +1 ms: setTimeout may fire a little early relative to performance.now().
    this.#timer = this.#timers.setTimeout(() => { this.#onTimer() }, Math.max(0, deadline - this.#clock.now()) + 1)
  }
}
