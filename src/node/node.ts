/**
 * One Quorum node: acceptor, proposer and learner combined, running one
 * single-decree Paxos instance per epoch (1, 2, 3, …) to choose the leader of
 * that epoch, plus the lease that keeps one leader in office between elections.
 *
 * It is a deterministic state machine in the spirit of etcd's raft package:
 * `start`, `step` (a message in), `tick` (time passed) and `resign` go in;
 * `ready()` hands out what to persist, the messages to send and the events.
 * It never reads a clock or a random source of its own, never does I/O.
 *
 * Lease rules (the numbers are local monotonic time, ρ = maxDriftRatio):
 * 1. A voter that receives a Heartbeat from the chosen leader L of epoch e grants
 *    L a lease until its own now + leaseMs. Until then it acknowledges no
 *    heartbeat from any other leader, and refuses Prepare and Accept for any
 *    epoch above e from anyone but L: the lease, not the ballot, decides.
 *    Accepting L's record in phase 2 grants the same lease (reported in
 *    Accepted), so a proposer of its own record holds a lease the moment it
 *    learns the record chosen; if another record is chosen the grant only
 *    delays the real leader until it lapses.
 * 2. L counts its lease from the *send* time of a heartbeat round that a
 *    majority acknowledged, for leaseMs·(1−ρ)/(1+ρ). Its clock may run fast by
 *    1+ρ relative to a voter's slow clock at 1−ρ, so this ends, in real time,
 *    no later than any acknowledging voter's grant. When it runs out without
 *    renewal L stops being leader at once, and never resumes that epoch.
 *    Any two majorities share a voter, and that voter never holds live grants
 *    for two leaders, so two leases never overlap in real time.
 *    L asks for acknowledgements only as its lease needs them (voters grant on
 *    every heartbeat all the same; each answer wakes L, which is most of its
 *    idle CPU): a round sent while the lease outlasts the next two rounds asks
 *    nobody; the next asks the voters that answered quickest, as many as a
 *    majority needs besides L. If that does not renew the lease, L asks
 *    everyone in every round for the next 10 leases, as it does until it is
 *    elected: three chances per lease at the default heartbeat (leaseMs/4),
 *    where the thrifty rounds leave two, which a lossy network would feel.
 *    Asking fewer voters can only delay a renewal, never make one: safety
 *    does not depend on it.
 * 3. When a voter's view of the leader expires (no heartbeat for leaseMs), it
 *    waits a randomized delay, shorter for a higher priority, then proposes
 *    itself for epoch e+1; phase 1 may reveal an accepted value, which it must
 *    propose instead.
 * 4. resign(): the leader stops leading, then broadcasts Resign naming the voter
 *    that answered it first as successor; voters drop their grant for that epoch
 *    so the next election need not wait for it. The successor proposes itself
 *    for e+1 at the reserved round-0 ballot without phase 1 (safe: nobody else
 *    may use round 0 there, see Proposer.acceptDirectly), once per epoch ever.
 *    The leader sends the Resign to its successor first; a voter that gets the
 *    successor's round-0 Accept before the Resign treats it as that Resign.
 *    The successor sends that Accept to a bare majority first, and to everyone
 *    if the round is not decided within electionDelayMs/4 (sending to fewer
 *    acceptors never endangers safety, only liveness, which the resend keeps).
 * 5. A starting node asks a majority for the newest chosen epoch before it
 *    proposes anything.
 * 6. A started node may have forgotten a grant it gave before a crash, so it
 *    quarantines for leaseMs·(1+ρ)/(1−ρ): no promise, accept or heartbeat
 *    acknowledgement. On durable storage the node records each new grant
 *    (epoch, leader) before acknowledging it, and quarantines only if such a
 *    record exists; on non-durable storage it always quarantines.
 * 7. A node records the newest epoch it stood in (sent an Accept carrying its
 *    own record) before that Accept leaves, and after a restart never leads
 *    that epoch or an older one, nor announces an older one. So its own
 *    learned record need not be stored before the new leader acts (it is
 *    stored lazily, see Ready.sync): a node that crashes before storing it
 *    does not take up the same epoch again. Other records are stored before
 *    they are announced.
 */
import { Acceptor } from '../paxos/acceptor.js'
import { Learner, type LearnResult } from '../paxos/learner.js'
import { Proposer } from '../paxos/proposer.js'
import { ballotEquals, leaderRecordEquals, majority, nextBallot, type Epoch, type LeaderRecord, type NodeId } from '../paxos/proposal.js'
import { MAX_ACK_FROM, type Accept, type Heartbeat, type Message, type Nack, type Prepare, type StatusReply } from '../paxos/message.js'
import type { PersistentState } from '../storage/storage.js'
import { resolveConfig, type NodeConfig, type ResolvedConfig } from './config.js'
import type { Clock, Random } from './clock.js'

/** Why a leader stopped leading. */
export type DemotionReason = 'lease-expired' | 'resigned' | 'newer-epoch' | 'membership'

/** What a node reports to the layer above, through `ready()`. */
export type NodeEvent =
  /** A leader was chosen for `record.epoch` (emitted once per epoch, in increasing order). */
  | { readonly type: 'leaderChosen', readonly record: LeaderRecord }
  /** This node holds a majority-acknowledged lease for `epoch`. */
  | { readonly type: 'elected', readonly epoch: Epoch }
  /** This node stopped being leader of `epoch`. */
  | { readonly type: 'demoted', readonly epoch: Epoch, readonly reason: DemotionReason }
  /** The known leader's lease expired here without renewal, or it resigned. */
  | { readonly type: 'leaderLost', readonly record: LeaderRecord }
  /** The leader reported lost is heard from again (same epoch): it leads after all. */
  | { readonly type: 'leaderFound', readonly record: LeaderRecord }
  /** This node stands for election in `epoch` with its own record. */
  | { readonly type: 'candidate', readonly epoch: Epoch }
  /**
   * More distinct voters are voting than `clusterSize` allows (a misconfigured
   * node, or a stranger): this node stops voting and leading until it is
   * restarted. Majorities of a wrong count need not overlap, so unavailability
   * is the safe answer.
   */
  | { readonly type: 'tooManyVoters', readonly voters: readonly NodeId[] }
  /** Two different values were reported chosen for one epoch: a safety violation seen here. */
  | { readonly type: 'conflict', readonly known: LeaderRecord, readonly reported: LeaderRecord }

/** A message to send: to one node, or (`to: null`) to every other node. */
export interface Outbound {
  /** Recipient, or null for every other node. */
  readonly to: NodeId | null
  readonly msg: Message
  /** For a broadcast: the node to send to before the others. */
  readonly first?: NodeId
  /** For a broadcast: send to at most this many peers (the node asks the rest later if need be). */
  readonly fanout?: number
}

/** One batch of output: persist `persist`, then emit `events` and send `messages`. */
export interface Ready {
  /** When non-null, store this (before sending `messages`, if `sync`). */
  readonly persist: PersistentState | null
  /**
   * Whether `messages` and `events` must wait until `persist` is stored. False
   * when the only change is one a crash may lose: the record of this node's
   * own election, learned (a restarted node learns it again from a majority;
   * `candidateEpoch` keeps it from leading that epoch again). The driver then
   * sends and emits at once and stores the state in the background, in order
   * with the other saves; the batches before this one must still have been
   * stored.
   */
  readonly sync: boolean
  readonly messages: readonly Outbound[]
  readonly events: readonly NodeEvent[]
}

/** What a node is given instead of reading clocks, random sources or storage itself. */
export interface NodeDeps {
  readonly clock: Clock
  readonly random: Random
  /** State loaded from storage, or null for a node that never saved any. */
  readonly state: PersistentState | null
  /** Whether the storage survives crashes (decides the quarantine rule). */
  readonly durableStorage: boolean
  /** Test hooks: replace a role with a variant (the simulator's broken variants use them). */
  readonly makeAcceptor?: (snapshot: PersistentState['acceptor']) => Acceptor
  readonly makeLearner?: (voters: number, newest: LeaderRecord | null) => Learner
}

interface Leadership {
  readonly record: LeaderRecord
  seq: number
  readonly rounds: Map<number, { readonly sentAt: number, readonly acks: Set<NodeId> }>
  /** The voter that answered the newest round first: the successor to suggest on resigning. */
  quickest: { seq: number, id: NodeId } | null
  /** Each voter's delay in answering its newest acknowledged round; a voter that left an ask unanswered is dropped. */
  readonly answerMs: Map<NodeId, number>
  /** The newest round that asked for acknowledgements, and whom it asked. */
  lastAsk: { readonly seq: number, readonly asked: Heartbeat['ackFrom'] } | null
  /** Until then every round asks everyone: an ask went unanswered recently (rule 2). */
  carefulUntil: number
  leaseUntil: number
  elected: boolean
  nextBeatAt: number
  /** A leader that gets no majority by then gives the epoch up. */
  readonly giveUpAt: number
}

interface Grant { readonly epoch: Epoch, readonly leaderId: NodeId, expiresAt: number }

interface Watch { readonly record: LeaderRecord, until: number, lost: boolean }

/** How long a leader asks every voter in every round after an ask went unanswered, in leases (rule 2). */
const CAREFUL_LEASES = 10

const EMPTY_READY: Ready = Object.freeze({ persist: null, sync: false, messages: [], events: [] })

/** One Quorum node as a deterministic state machine (see the file header for the lease rules). */
export class Node {
  readonly id: NodeId
  readonly config: ResolvedConfig
  readonly #clock: Clock
  readonly #random: Random
  readonly #quorum: number
  /** leaseMs·(1−ρ)/(1+ρ): how long a leader may count on a majority-acknowledged round. */
  readonly #leaderLeaseMs: number
  readonly #quarantineMs: number
  readonly #durable: boolean
  readonly #mustQuarantine: boolean

  readonly #acceptor: Acceptor
  readonly #learner: Learner
  #highestRound: number
  #fastEpoch: number
  /** A fast-path Accept to send again when voters still held the old lease (the Resign was overtaken). */
  #resend: { msg: Accept, at: number, left: number } | null = null
  /** The Accept this node sent for its own record: when first sent, and who granted a lease in reply. */
  #pendingRound: { readonly accept: Accept, readonly sentAt: number, readonly acks: Set<NodeId> } | null = null
  #storedGrant: PersistentState['grant']
  /** The newest epoch in which this node sent an Accept carrying its own record (persisted). */
  #candidateEpoch: Epoch
  #proposer: Proposer | null = null

  #started = false
  #quarantineUntil = 0
  #synced = false
  #statusReplies = new Set<NodeId>()
  #statusRetryAt: number | null = null
  #grant: Grant | null = null
  #watch: Watch | null = null
  #announcedEpoch = 0
  #electionAt: number | null = null
  #roundDeadline: number | null = null
  #leadership: Leadership | null = null
  /** Epochs up to this one are ones this node led and left; it never leads them again. */
  #retiredEpoch = 0
  /** After resigning, this node lets others go first. */
  #holdOffUntil = 0
  /** When each other voter last cast a vote here (promise, accepted, heartbeat ack), by local time. */
  readonly #votedAt = new Map<NodeId, number>()
  #membershipFault = false

  /** State changed that must be stored before this batch's messages leave. */
  #dirty = false
  /** State changed that may be stored after this batch's messages left (a learned record). */
  #lazyDirty = false
  /** A learned record went out in a batch that did not wait for its save, and no batch has waited since. */
  #learnUnsaved = false
  #messages: Outbound[] = []
  #events: NodeEvent[] = []
  readonly #loopback: Message[] = []

  constructor (config: NodeConfig, deps: NodeDeps) {
    this.config = resolveConfig(config)
    this.id = this.config.nodeId
    this.#clock = deps.clock
    this.#random = deps.random
    this.#quorum = majority(this.config.clusterSize)
    const rho = this.config.maxDriftRatio
    this.#leaderLeaseMs = this.config.leaseMs * (1 - rho) / (1 + rho)
    this.#quarantineMs = this.config.leaseMs * (1 + rho) / (1 - rho)
    const s = deps.state
    this.#acceptor = deps.makeAcceptor?.(s?.acceptor ?? []) ?? new Acceptor(s?.acceptor ?? [])
    this.#learner = deps.makeLearner?.(this.config.clusterSize, s?.learned ?? null) ??
      new Learner(this.config.clusterSize, s?.learned ?? null)
    this.#highestRound = s?.highestRound ?? 0
    this.#fastEpoch = s?.fastEpoch ?? 0
    this.#storedGrant = s?.grant ?? null
    this.#candidateEpoch = s?.candidateEpoch ?? 0
    // A previous incarnation may have led the epochs it stood in; this one never leads them.
    this.#retiredEpoch = this.#candidateEpoch
    // Its own record of candidateEpoch may have been learned and announced, then lost in a
    // crash: announce nothing older than that epoch again.
    this.#announcedEpoch = Math.max(0, this.#candidateEpoch - 1)
    this.#mustQuarantine = !deps.durableStorage || this.#storedGrant !== null
    this.#durable = deps.durableStorage
  }

  // ---- queries --------------------------------------------------------------

  /** True while this node holds a live, majority-acknowledged lease; read from the clock now. */
  get isLeader (): boolean {
    const l = this.#leadership
    return l !== null && l.elected && this.leaseHeld(l.leaseUntil, this.#clock.now())
  }

  /** The leader this node currently believes in, or null (none known, or its lease expired here). */
  get leader (): LeaderRecord | null {
    const w = this.#watch
    if (w === null || w.lost || w.record.epoch <= 0) return null
    if (w.record.leaderId === this.id) return this.isLeader ? w.record : null
    return w.record
  }

  /** The newest epoch known to be chosen (the fencing token of its leader). */
  get epoch (): Epoch { return this.#learner.newestEpoch }

  /** The newest chosen record known, even if its lease has lapsed. */
  get newestChosen (): LeaderRecord | null { return this.#learner.newest }

  get quarantined (): boolean { return this.#clock.now() < this.#quarantineUntil }

  /**
   * @internal For checkers: the local time until which this node's leader lease
   * runs (counted, not necessarily live), or null while it leads nothing elected.
   */
  get leaseUntil (): number | null {
    const l = this.#leadership
    return l !== null && l.elected ? l.leaseUntil : null
  }

  /** @internal For checkers: the lease this node granted as a voter (local expiry time), or null. */
  get grant (): { readonly epoch: Epoch, readonly leaderId: NodeId, readonly expiresAt: number } | null {
    const g = this.#grant
    return g === null ? null : { epoch: g.epoch, leaderId: g.leaderId, expiresAt: g.expiresAt }
  }

  /** The earliest local time at which `tick()` has something to do, or null. */
  nextDeadline (): number | null {
    // Runs after every message and tick: no closure here, it would be allocated (and, under tsx, named) each time.
    const l = this.#leadership
    const w = this.#watch
    const t = Math.min(
      this.#electionAt ?? Infinity,
      this.#roundDeadline ?? Infinity,
      this.#statusRetryAt ?? Infinity,
      this.#resend?.at ?? Infinity,
      l === null ? Infinity : Math.min(l.nextBeatAt, l.elected ? l.leaseUntil : l.giveUpAt),
      w === null || w.lost ? Infinity : w.until
    )
    return t === Infinity ? null : t
  }

  /** Drains what the node produced since the last call. Persist, then emit and send. */
  ready (): Ready {
    if (!this.#dirty && !this.#lazyDirty && this.#messages.length === 0 && this.#events.length === 0) return EMPTY_READY
    const rd: Ready = {
      persist: this.#dirty || this.#lazyDirty ? this.#snapshot() : null,
      sync: this.#dirty,
      messages: this.#messages,
      events: this.#events
    }
    if (this.#dirty) this.#learnUnsaved = false
    this.#dirty = false
    this.#lazyDirty = false
    this.#messages = []
    this.#events = []
    return rd
  }

  // ---- inputs ---------------------------------------------------------------

  start (): void {
    if (this.#started) return
    this.#started = true
    const now = this.#clock.now()
    if (this.#mustQuarantine) this.#quarantineUntil = now + this.#quarantineMs
    this.#statusReplies.add(this.id)
    this.#checkSynced(now)
    if (!this.#synced) this.#askStatus(now)
    const newest = this.#learner.newest
    // A remembered leader gets one lease's time to show it is alive.
    if (newest !== null) this.#watch = { record: newest, until: now + this.config.leaseMs, lost: false }
    this.#flushLoopback()
  }

  /** Handles a message that the transport attributes to `from`. */
  step (from: NodeId, msg: Message): void {
    if (!this.#started) return
    this.#handle(from, msg, this.#clock.now())
    this.#flushLoopback()
  }

  /** Lets time pass: acts on every deadline that is due. */
  tick (): void {
    if (!this.#started) return
    const now = this.#clock.now()
    const l = this.#leadership
    if (l !== null) {
      if (l.elected && !this.leaseHeld(l.leaseUntil, now)) this.#demote('lease-expired')
      else if (!l.elected && now >= l.giveUpAt) this.#retire()
      else if (now >= l.nextBeatAt) this.#sendHeartbeat(now)
    }
    const w = this.#watch
    if (w !== null && !w.lost && now >= w.until) this.#loseLeader(now, this.#electionDelay())
    if (this.#statusRetryAt !== null && now >= this.#statusRetryAt) this.#askStatus(now)
    const r = this.#resend
    if (r !== null && now >= r.at) {
      if (this.#proposer?.ballot?.round === 0 && this.#proposer.epoch === r.msg.epoch) {
        r.left--
        r.at = Infinity
        this.#broadcast(r.msg)
      } else {
        this.#resend = null
      }
    }
    if (this.#roundDeadline !== null && now >= this.#roundDeadline) {
      this.#roundDeadline = null
      this.#scheduleElection(now, this.#backoff())
    }
    if (this.#electionAt !== null && now >= this.#electionAt) this.#tryElection(now)
    this.#flushLoopback()
  }

  /** Steps down if leading (voters drop the lease at once); otherwise does nothing. */
  resign (): boolean {
    const l = this.#leadership
    if (l === null) return false
    const now = this.#clock.now()
    this.#holdOffUntil = now + this.config.leaseMs
    this.#demote('resigned')
    this.#flushLoopback()
    return true
  }

  /**
   * Whether a lease running until `leaseUntil` is live at `now`. Protected so
   * that a deliberately broken variant can ignore lease expiry in tests.
   */
  protected leaseHeld (leaseUntil: number, now: number): boolean {
    return now < leaseUntil
  }

  // ---- message handling -----------------------------------------------------

  #handle (from: NodeId, m: Message, now: number): void {
    // A proposer's ballot names the proposer: a peer cannot propose with another's ballot.
    if ((m.type === 'prepare' || m.type === 'accept') && m.ballot.nodeId !== from) return
    if (from !== this.id && (m.type === 'promise' || m.type === 'accepted' || m.type === 'heartbeatAck')) this.#noteVoter(from, now)
    switch (m.type) {
      case 'prepare': return this.#onPrepare(from, m, now)
      case 'accept': return this.#onAccept(from, m, now)
      case 'promise': {
        const p = this.#proposer
        if (p === null || m.epoch !== p.epoch) return
        const accept = p.onPromise(from, m)
        if (accept !== null) this.#sendAccept(accept, now)
        return
      }
      case 'accepted': {
        const pr = this.#pendingRound
        if (m.lease && pr !== null && pr.accept.epoch === m.epoch && ballotEquals(pr.accept.ballot, m.ballot)) {
          pr.acks.add(from)
          // Grants that arrive after the value was learned still count towards the first lease.
          const l = this.#leadership
          const first = l?.rounds.get(0)
          if (l !== null && l.record.epoch === m.epoch && first !== undefined) { first.acks.add(from); this.#checkLease(l, first, now) }
        }
        const r = this.#learner.onAccepted(from, m)
        this.#onLearn(r, now)
        // The new leader's first heartbeat teaches everyone; otherwise say it outright.
        if (r.kind === 'learned' && this.#leadership?.record.epoch !== r.value.epoch) {
          this.#broadcast({ type: 'chosen', epoch: r.value.epoch, value: r.value })
        }
        return
      }
      case 'nack': return this.#onNack(from, m, now)
      case 'chosen':
        if (m.value.epoch !== m.epoch) return
        return this.#onLearn(this.#learner.onChosen(m.value), now)
      case 'heartbeat': return this.#onHeartbeat(from, m, now)
      case 'heartbeatAck': return this.#onHeartbeatAck(from, m.epoch, m.seq, now)
      case 'resign': return this.#onResign(from, m.epoch, m.successor, now)
      case 'statusRequest': {
        const newest = this.#learner.newest
        this.#send(from, { type: 'statusReply', epoch: newest?.epoch ?? 0, value: newest })
        return
      }
      case 'statusReply': return this.#onStatusReply(from, m, now)
    }
  }

  /**
   * Counts the distinct voters that voted here within the last leaseMs. An
   * honest node that restarts under a new ID (memory storage) casts no vote
   * during its quarantine, which lasts longer than that even on the slowest
   * clock allowed, so its old ID has dropped out before its new one votes.
   * More voters than clusterSize is a configuration fault: it sticks until the
   * operator fixes it and restarts this node.
   */
  #noteVoter (from: NodeId, now: number): void {
    this.#votedAt.set(from, now)
    for (const [id, t] of this.#votedAt) if (now - t > this.config.leaseMs) this.#votedAt.delete(id)
    if (this.#membershipFault || this.#votedAt.size + 1 <= this.config.clusterSize) return
    this.#membershipFault = true
    this.#events.push({ type: 'tooManyVoters', voters: [this.id, ...this.#votedAt.keys()].sort() })
    this.#demote('membership')
  }

  /** Checks shared by Prepare and Accept: decided epochs, quarantine, and live leases. */
  #voteRefusal (from: NodeId, m: Prepare | Accept, now: number): Nack | 'answered' | null {
    const newest = this.#learner.newest
    if (newest !== null && m.epoch <= newest.epoch) {
      this.#send(from, { type: 'chosen', epoch: newest.epoch, value: newest })
      return 'answered'
    }
    const base = { type: 'nack', epoch: m.epoch, ballot: m.ballot, promised: this.#acceptor.state(m.epoch).promised, chosenEpoch: this.#learner.newestEpoch } as const
    if (now < this.#quarantineUntil) return { ...base, reason: 'quarantine' }
    if (this.#membershipFault) return { ...base, reason: 'membership' }
    const g = this.#grant
    // Invariant: a higher ballot never overrides a live lease granted to another leader.
    if (g !== null && now < g.expiresAt && g.leaderId !== from && m.epoch > g.epoch) return { ...base, reason: 'lease' }
    return null
  }

  #onPrepare (from: NodeId, m: Prepare, now: number): void {
    const refusal = this.#voteRefusal(from, m, now)
    if (refusal === 'answered') return
    if (refusal !== null) { this.#send(from, refusal); return }
    const r = this.#acceptor.onPrepare(m, this.#learner.newestEpoch)
    if (r.changed) this.#dirty = true
    this.#send(from, r.reply)
    if (r.reply.type === 'promise' && from !== this.id && this.#electionAt !== null) {
      // Someone else is electing: give them a round before competing.
      this.#electionAt = Math.max(this.#electionAt, now + this.config.roundTimeoutMs)
    }
  }

  #onAccept (from: NodeId, m: Accept, now: number): void {
    if (m.value.epoch !== m.epoch) return
    const g = this.#grant
    if (m.ballot.round === 0 && g !== null && g.epoch === m.epoch - 1 && g.leaderId !== from && now < g.expiresAt) {
      // Round 0 of epoch e+1 is sent only by the successor that e's leader named in its
      // Resign, after that leader stepped down (rule 4): the Accept vouches for the Resign
      // it overtook, so the grant to the old leader is void. (Crash faults, not Byzantine.)
      this.#onResign(g.leaderId, g.epoch, from, now)
    }
    const refusal = this.#voteRefusal(from, m, now)
    if (refusal === 'answered') return
    if (refusal !== null) { this.#send(from, refusal); return }
    const r = this.#acceptor.onAccept(m, this.#learner.newestEpoch)
    if (r.changed) this.#dirty = true
    if (r.reply.type !== 'accepted') { this.#send(from, r.reply); return }
    // Accepting is also a heartbeat from the value's leader: grant it a lease if free to.
    // If the value is not chosen after all, the grant only delays the real leader (never two leaders:
    // the would-be leader leads only once it learns its own record chosen).
    const lease = this.#grantLease(m.epoch, m.value.leaderId, now)
    // Accepted goes to the proposer only: it learns, then tells everyone (Chosen or its heartbeat).
    this.#send(from, { ...r.reply, lease })
  }

  #onNack (from: NodeId, m: Nack, now: number): void {
    const l = this.#leadership
    if (l !== null && m.chosenEpoch > l.record.epoch) this.#demote('newer-epoch')
    if (m.chosenEpoch > this.#learner.newestEpoch) this.#send(from, { type: 'statusRequest', epoch: this.#learner.newestEpoch })
    const r = this.#resend
    if (r !== null && r.left > 0 && m.reason === 'lease' && m.epoch === r.msg.epoch && ballotEquals(m.ballot, r.msg.ballot)) {
      // The voter has not seen the Resign yet: send the same Accept again shortly (idempotent).
      r.at = Math.min(r.at, now + this.config.electionDelayMs / 20)
      return
    }
    const p = this.#proposer
    if (p !== null && p.onNack(m)) {
      this.#resend = null
      this.#roundDeadline = null
      this.#scheduleElection(now, this.#backoff())
    }
  }

  #onHeartbeat (from: NodeId, m: Heartbeat, now: number): void {
    // Only the chosen leader of an epoch heartbeats, so the record is chosen.
    if (m.value.epoch !== m.epoch || m.value.leaderId !== from) return
    this.#onLearn(this.#learner.onChosen(m.value), now)
    const newest = this.#learner.newest
    if (newest === null) return
    if (m.epoch < newest.epoch) {
      this.#send(from, {
        type: 'nack', epoch: m.epoch, ballot: { round: 0, nodeId: from }, promised: null, chosenEpoch: newest.epoch, reason: 'stale'
      })
      return
    }
    const announced = this.#announcedEpoch
    this.#announce(newest)
    const w = this.#watch
    if (w !== null && w.record.epoch === m.epoch) {
      w.until = now + this.config.leaseMs
      if (w.lost) {
        // The leader is alive after all: stop competing with it, and say so (unless the
        // announcement just made said it: a restarted node announces its first leader now).
        w.lost = false
        if (w.record.leaderId !== this.id && w.record.epoch <= announced) this.#events.push({ type: 'leaderFound', record: w.record })
        if (this.#proposer === null || this.#proposer.phase !== 'accepting') this.#cancelElection()
      }
    }
    // Granted whether or not the leader asks for an answer (rule 2); the leader always counts itself.
    const asked = m.ackFrom === 'all' || from === this.id || m.ackFrom.includes(this.id)
    if (this.#grantLease(m.epoch, from, now) && asked) this.#send(from, { type: 'heartbeatAck', epoch: m.epoch, seq: m.seq })
  }

  /**
   * Grants `leaderId` the lease of `epoch` until now + leaseMs, unless this
   * voter is quarantined or bound by a live lease to another (epoch, leader).
   * Returns whether it granted. A new grant is recorded on durable storage
   * before the reply that reports it leaves, so a restart knows to quarantine.
   */
  #grantLease (epoch: Epoch, leaderId: NodeId, now: number): boolean {
    if (now < this.#quarantineUntil) return false
    if (this.#membershipFault) return false
    const g = this.#grant
    if (g !== null && now < g.expiresAt && (g.epoch !== epoch || g.leaderId !== leaderId)) return false
    if (g !== null && g.epoch === epoch && g.leaderId === leaderId) {
      g.expiresAt = now + this.config.leaseMs
      return true
    }
    this.#grant = { epoch, leaderId, expiresAt: now + this.config.leaseMs }
    if (this.#durable && (this.#storedGrant?.epoch !== epoch || this.#storedGrant.leaderId !== leaderId)) {
      this.#storedGrant = { epoch, leaderId }
      this.#dirty = true
    }
    return true
  }

  #onHeartbeatAck (from: NodeId, epoch: Epoch, seq: number, now: number): void {
    const l = this.#leadership
    if (l === null || l.record.epoch !== epoch) return
    const round = l.rounds.get(seq)
    if (round === undefined) return
    round.acks.add(from)
    if (from !== this.id) {
      if (l.quickest === null || l.quickest.seq < seq) l.quickest = { seq, id: from }
      l.answerMs.set(from, now - round.sentAt)
    }
    this.#checkLease(l, round, now)
  }

  /** A round acknowledged by a majority extends the lease from its send time. */
  #checkLease (l: Leadership, round: { readonly sentAt: number, readonly acks: Set<NodeId> }, now: number): void {
    const epoch = l.record.epoch
    if (round.acks.size < this.#quorum) return
    const until = round.sentAt + this.#leaderLeaseMs
    if (until > l.leaseUntil) l.leaseUntil = until
    if (!l.elected && this.leaseHeld(l.leaseUntil, now)) {
      l.elected = true
      this.#events.push({ type: 'elected', epoch })
    }
  }

  #onResign (from: NodeId, epoch: Epoch, successor: NodeId | null, now: number): void {
    const g = this.#grant
    if (g !== null && g.leaderId === from && g.epoch === epoch) this.#grant = null
    const w = this.#watch
    if (w === null || w.lost || w.record.leaderId !== from || w.record.epoch !== epoch) return
    // The named successor stands at once; with none named, everyone hurries a little.
    const delay = from === this.id ? this.#electionDelay() : successor === this.id ? 0 : successor === null ? this.#electionDelay() / 4 : this.#electionDelay()
    this.#loseLeader(now, delay)
    if (delay === 0 && this.#electionAt !== null && this.#electionAt <= now) this.#standAsSuccessor(epoch, now)
  }

  /**
   * Named successor of the leader of `epoch`: propose this node for epoch+1 at
   * the reserved round-0 ballot, skipping phase 1 (see Proposer.acceptDirectly),
   * once per epoch ever; otherwise run an ordinary election at once.
   */
  #standAsSuccessor (epoch: Epoch, now: number): void {
    const next = epoch + 1
    if (next !== this.#learner.newestEpoch + 1 || next <= this.#fastEpoch || !this.#synced || now < this.#quarantineUntil || this.#membershipFault) {
      this.#tryElection(now)
      return
    }
    this.#electionAt = null
    this.#proposer = new Proposer(next, this.config.clusterSize, { epoch: next, leaderId: this.id, metadata: this.config.metadata })
    this.#events.push({ type: 'candidate', epoch: next })
    // Persisted with this step, before the Accept leaves: round 0 is used once per epoch.
    this.#fastEpoch = next
    this.#dirty = true
    const accept = this.#proposer.acceptDirectly({ round: 0, nodeId: this.id })
    // Only as many voters as a majority needs besides this one: each further voter
    // would save and reply at the same moment, and on a small machine they compete
    // for the CPU and the disk with those whose answers count (handovers 26–27 ms →
    // 20–21 ms, medians of interleaved benchmark trials). Everyone is asked if the
    // round is not decided by the time the other voters may stand themselves
    // (electionDelayMs/4 at the earliest, see #electionDelay), or at once when a
    // voter refuses because the Resign has not reached it yet.
    this.#sendAccept(accept, now, majority(this.config.clusterSize) - 1)
    this.#resend = { msg: accept, at: now + this.config.electionDelayMs / 4, left: 3 }
    this.#roundDeadline = now + this.config.roundTimeoutMs
  }

  #onStatusReply (from: NodeId, m: StatusReply, now: number): void {
    if (m.value !== null && m.value.epoch === m.epoch) this.#onLearn(this.#learner.onChosen(m.value), now)
    if (this.#synced) return
    this.#statusReplies.add(from)
    this.#checkSynced(now)
  }

  // ---- learning, leading, electing -------------------------------------------

  #onLearn (r: LearnResult, now: number): void {
    if (r.kind === 'conflict') { this.#events.push({ type: 'conflict', known: r.known, reported: r.reported }); return }
    if (r.kind !== 'learned') return
    const v = r.value
    this.#acceptor.compact(v.epoch)
    // This node's own election: safe to lose in a crash, which lets it lead at once. The record
    // is chosen whether or not this node remembers it, and a restarted node neither leads
    // that epoch again nor announces an older one (rule 7). Only the newest record may be
    // unsaved: the one before must be stored before this one is announced. Others' records
    // are stored before they are announced, so that a node never learns epochs out of order.
    if (v.leaderId === this.id && !this.#learnUnsaved) {
      this.#lazyDirty = true
      this.#learnUnsaved = true
    } else {
      this.#dirty = true
    }
    this.#announce(v)
    if (this.#proposer !== null && this.#proposer.epoch <= v.epoch) this.#proposer = null
    this.#cancelElection()
    const l = this.#leadership
    if (l !== null && l.record.epoch < v.epoch) this.#demote('newer-epoch')
    this.#watch = { record: v, until: now + this.config.leaseMs, lost: false }
    if (v.leaderId === this.id && v.epoch <= this.#retiredEpoch && this.#leadership === null) {
      // Chosen for an epoch it will not lead (it stood in it before a restart, rule 7): step
      // down at once, as a resigning leader would, so that nobody waits out the lease.
      this.#broadcast({ type: 'resign', epoch: v.epoch, successor: null })
    }
    if (v.leaderId === this.id && v.epoch > this.#retiredEpoch && this.#leadership === null && !this.#membershipFault) {
      const l: Leadership = {
        record: v, seq: 0, rounds: new Map(), quickest: null, answerMs: new Map(), lastAsk: null, carefulUntil: -Infinity, leaseUntil: -Infinity,
        elected: false, nextBeatAt: now, giveUpAt: now + this.config.leaseMs
      }
      this.#leadership = l
      // The Accept that got this record chosen was the first heartbeat round (seq 0) if its acceptors granted leases.
      const pr = this.#pendingRound
      if (pr !== null && pr.accept.epoch === v.epoch && leaderRecordEquals(pr.accept.value, v)) {
        const first = { sentAt: pr.sentAt, acks: new Set(pr.acks) }
        l.rounds.set(0, first)
        this.#checkLease(l, first, now)
      }
      this.#sendHeartbeat(now)
    }
  }

  #announce (v: LeaderRecord): void {
    if (v.epoch <= this.#announcedEpoch) return
    this.#announcedEpoch = v.epoch
    this.#events.push({ type: 'leaderChosen', record: v })
  }

  #sendHeartbeat (now: number): void {
    const l = this.#leadership!
    l.seq++
    l.rounds.set(l.seq, { sentAt: now, acks: new Set() })
    // Rounds older than a lease can no longer extend it.
    for (const [seq, r] of l.rounds) if (r.sentAt + this.#leaderLeaseMs <= now) l.rounds.delete(seq)
    l.nextBeatAt = now + this.config.heartbeatMs
    this.#broadcast({ type: 'heartbeat', epoch: l.record.epoch, seq: l.seq, value: l.record, ackFrom: this.#ackFrom(l, now) })
  }

  /**
   * Decides who acknowledges the round being sent (rule 2): nobody, the quickest
   * voters a majority needs, or everyone; and records the ask, to judge it by the
   * time of the next one.
   */
  #ackFrom (l: Leadership, now: number): Heartbeat['ackFrom'] {
    const hb = this.config.heartbeatMs
    const careful = !l.elected || now < l.carefulUntil
    // Two later rounds can still renew the lease, with a quarter of a round to spare for the answers.
    if (!careful && l.leaseUntil - now > 2 * hb + hb / 4) return []
    let asked: Heartbeat['ackFrom'] = 'all'
    const last = l.lastAsk
    const acks = last === null ? undefined : l.rounds.get(last.seq)?.acks
    // Whoever the last ask asked in vain is no longer among the quickest.
    if (last !== null) for (const id of last.asked === 'all' ? [...l.answerMs.keys()] : last.asked) if (acks?.has(id) !== true) l.answerMs.delete(id)
    if (l.elected && last !== null && (acks?.size ?? 0) < this.#quorum) {
      // The last ask got no majority: for a while every round asks everyone, as on a lossy network it must.
      l.carefulUntil = now + CAREFUL_LEASES * this.config.leaseMs
    } else if (!careful && this.#quorum - 1 <= MAX_ACK_FROM) {
      const need = this.#quorum - 1
      const quickest = [...l.answerMs].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, need).map(([id]) => id)
      if (quickest.length === need) asked = quickest
    }
    l.lastAsk = { seq: l.seq, asked }
    return asked
  }

  #demote (reason: DemotionReason): void {
    const l = this.#leadership
    if (l === null) return
    this.#retire()
    if (l.elected) this.#events.push({ type: 'demoted', epoch: l.record.epoch, reason })
    // The successor's answer is on the critical path of the handover: it hears first.
    const successor = l.quickest?.id ?? null
    if (reason === 'resigned') this.#broadcast({ type: 'resign', epoch: l.record.epoch, successor }, successor ?? undefined)
  }

  #retire (): void {
    const l = this.#leadership
    if (l === null) return
    this.#retiredEpoch = Math.max(this.#retiredEpoch, l.record.epoch)
    this.#leadership = null
  }

  #loseLeader (now: number, delay: number): void {
    const w = this.#watch!
    w.lost = true
    // Only a leader the host was told of: a restarted node knows its last leader from disk,
    // but announces it only once that leader is heard from (rule 7).
    if (w.record.leaderId !== this.id && w.record.epoch <= this.#announcedEpoch) this.#events.push({ type: 'leaderLost', record: w.record })
    this.#scheduleElection(now, delay)
  }

  #askStatus (now: number): void {
    this.#broadcast({ type: 'statusRequest', epoch: this.#learner.newestEpoch })
    this.#statusRetryAt = now + this.config.roundTimeoutMs
  }

  #checkSynced (now: number): void {
    if (this.#synced || this.#statusReplies.size < this.#quorum) return
    this.#synced = true
    this.#statusRetryAt = null
    if (this.#learner.newest === null) this.#scheduleElection(now, this.#electionDelay())
  }

  #scheduleElection (now: number, delay: number): void {
    const at = Math.max(now + delay, this.#quarantineUntil, this.#holdOffUntil)
    this.#electionAt = this.#electionAt === null ? at : Math.min(this.#electionAt, at)
  }

  #cancelElection (): void {
    this.#electionAt = null
    this.#roundDeadline = null
    this.#resend = null
  }

  #tryElection (now: number): void {
    this.#electionAt = null
    const w = this.#watch
    if (w !== null && !w.lost) return // a leader is alive
    if (!this.#synced || now < this.#quarantineUntil || this.#membershipFault) {
      this.#scheduleElection(now, this.#electionDelay())
      return
    }
    const epoch = this.#learner.newestEpoch + 1
    if (this.#proposer === null || this.#proposer.epoch !== epoch) {
      this.#proposer = new Proposer(epoch, this.config.clusterSize, { epoch, leaderId: this.id, metadata: this.config.metadata })
      this.#events.push({ type: 'candidate', epoch })
    }
    const p = this.#proposer
    const ballot = nextBallot(this.id, [p.highestSeen, this.#acceptor.state(epoch).promised], this.#highestRound)
    // Persisted with this step, before the Prepare leaves: ballots stay unique across restarts.
    this.#highestRound = ballot.round
    this.#dirty = true
    this.#broadcast(p.prepare(ballot))
    this.#roundDeadline = now + this.config.roundTimeoutMs
  }

  /** Broadcasts a phase-2 Accept, remembering when it first left (the start of the lease it may earn). */
  #sendAccept (accept: Accept, now: number, fanout?: number): void {
    const pr = this.#pendingRound
    if (pr === null || pr.accept.epoch !== accept.epoch || !ballotEquals(pr.accept.ballot, accept.ballot)) {
      this.#pendingRound = accept.value.leaderId === this.id ? { accept, sentAt: now, acks: new Set() } : null
    }
    if (accept.value.leaderId === this.id && accept.epoch > this.#candidateEpoch) {
      // Persisted with this step, before the Accept leaves: see PersistentState.candidateEpoch.
      this.#candidateEpoch = accept.epoch
      this.#dirty = true
    }
    this.#broadcast(accept, undefined, fanout)
  }

  #electionDelay (): number {
    return this.config.electionDelayMs * (0.25 + 0.75 * this.#random.next()) / (1 + this.config.priority)
  }

  #backoff (): number {
    return this.config.electionDelayMs * (0.5 + this.#random.next()) + this.config.roundTimeoutMs * this.#random.next() / 4
  }

  // ---- output ---------------------------------------------------------------

  #send (to: NodeId, msg: Message): void {
    if (to === this.id) this.#loopback.push(msg)
    else this.#messages.push({ to, msg })
  }

  #broadcast (msg: Message, first?: NodeId, fanout?: number): void {
    this.#loopback.push(msg)
    if (this.config.clusterSize <= 1) return
    this.#messages.push({ to: null, msg, ...(first === undefined ? {} : { first }), ...(fanout === undefined ? {} : { fanout }) })
  }

  /** Delivers this node's messages to itself, after the handler that sent them returned. */
  #flushLoopback (): void {
    for (let i = 0; i < this.#loopback.length; i++) this.#handle(this.id, this.#loopback[i]!, this.#clock.now())
    this.#loopback.length = 0
  }

  #snapshot (): PersistentState {
    return {
      acceptor: this.#acceptor.snapshot(),
      learned: this.#learner.newest,
      highestRound: this.#highestRound,
      fastEpoch: this.#fastEpoch,
      candidateEpoch: this.#candidateEpoch,
      grant: this.#storedGrant
    }
  }
}
