/**
 * One Quorum node: acceptor, proposer and learner combined, running one
 * single-decree Paxos instance per epoch to choose that epoch's leader, plus
 * the lease that keeps one leader in office between elections. The rules it
 * applies (Paxos per epoch, lease rules 1–7) are written once, in
 * docs/protocol.md; comments here and in the parts cite them by number.
 *
 * A deterministic state machine in the spirit of etcd's raft package: `start`,
 * `step` (a message in), `tick` (time passed) and `resign` go in; `ready()`
 * hands out what to store, the messages to send and the events. It never reads
 * a clock or a random source of its own, and never does I/O.
 *
 * The node is a coordinator with a named role (Role). Each part it owns keeps
 * its own fields and invariants: voter.ts (acceptor, grants, quarantine),
 * voter-count.ts (the guard), catch-up.ts, leader-view.ts, candidacy.ts
 * (proposer, ballots, deadlines, round 0), leadership.ts with tracker.ts
 * (beats, the lease, whom to ask), io.ts (the batch being gathered).
 */
import { invariant } from '../invariant.js'
import { Acceptor } from '../paxos/acceptor.js'
import { Learner, type LearnResult } from '../paxos/learner.js'
import { majority, type Epoch, type LeaderRecord, type NodeId } from '../paxos/proposal.js'
import type { Accept, Accepted, Heartbeat, Message, Nack, Prepare, StatusReply } from '../paxos/message.js'
import type { PersistentState } from '../storage/storage.js'
import { resolveConfig, type NodeConfig, type ResolvedConfig } from './config.js'
import type { Clock } from './clock.js'
import { Candidacy } from './candidacy.js'
import { CatchUp } from './catch-up.js'
import { Outbox, type DemotionReason, type NodeDeps, type Ready } from './io.js'
import { LeaderView } from './leader-view.js'
import { Leadership, type LeadershipConfig } from './leadership.js'
import { Voter } from './voter.js'
import { VoterCount } from './voter-count.js'

export type { DemotionReason, NodeDeps, NodeEvent, Outbound, PersistMode, Ready } from './io.js'

/** What this node does: follow (vote, watch the leader), stand for election, or lead an epoch chosen for it. */
export type Role = 'follower' | 'candidate' | 'leader'

/** One Quorum node as a deterministic state machine (see the file header). */
export class Node {
  readonly id: NodeId
  readonly config: ResolvedConfig
  readonly #clock: Clock
  readonly #quorum: number
  /** leaseMs·(1−ρ)/(1+ρ): how long a leader may count on a majority-acknowledged beat (rule 2). */
  readonly #leaderLeaseMs: number
  readonly #quarantineMs: number
  readonly #mustQuarantine: boolean
  readonly #out: Outbox
  readonly #leadershipConfig: LeadershipConfig
  readonly #voter: Voter
  readonly #learner: Learner
  readonly #candidacy: Candidacy
  readonly #voterCount: VoterCount
  readonly #catchUp: CatchUp
  readonly #view: LeaderView
  #leadership: Leadership | null = null
  #role: Role = 'follower'
  /** Epochs up to this one are ones this node led and left, or may have led before a restart; it never leads them again. */
  #retiredThrough: Epoch
  #started = false

  constructor (config: NodeConfig, deps: NodeDeps) {
    this.config = resolveConfig(config)
    this.id = this.config.nodeId
    this.#clock = deps.clock
    this.#quorum = majority(this.config.clusterSize)
    const rho = this.config.maxDriftRatio
    this.#leaderLeaseMs = this.config.leaseMs * (1 - rho) / (1 + rho)
    this.#quarantineMs = this.config.leaseMs * (1 + rho) / (1 - rho)
    const state = deps.state
    this.#out = new Outbox(this.id, this.config.clusterSize <= 1)
    this.#leadershipConfig = {
      selfId: this.id,
      quorum: this.#quorum,
      leaseMs: this.config.leaseMs,
      heartbeatMs: this.config.heartbeatMs,
      leaderLeaseMs: this.#leaderLeaseMs,
      leaseHeld: (leaseUntil, at) => this.leaseHeld(leaseUntil, at)
    }
    const acceptor = deps.makeAcceptor?.(state?.acceptor ?? []) ?? new Acceptor(state?.acceptor ?? [])
    this.#voter = new Voter(this.id, this.#out, acceptor, state?.grant ?? null, deps.durableStorage, this.config.leaseMs)
    this.#learner = deps.makeLearner?.(this.config.clusterSize, state?.learned ?? null) ??
      new Learner(this.config.clusterSize, state?.learned ?? null)
    this.#candidacy = new Candidacy(this.config, deps.random, state, {
      out: this.#out,
      nextEpoch: () => this.#learner.newestEpoch + 1,
      promised: epoch => this.#voter.acceptor.state(epoch).promised,
      mayStand: now => this.#catchUp.synced && !this.#voter.quarantined(now) && !this.#voterCount.tripped,
      notBefore: () => this.#voter.quarantineUntil,
      leaderLive: () => this.#view.live !== null,
      becomeCandidate: epoch => this.#becomeCandidate(epoch)
    })
    this.#voterCount = new VoterCount(this.id, this.config.clusterSize, this.config.leaseMs)
    this.#catchUp = new CatchUp(this.id, this.#quorum)
    const stood = this.#candidacy.stoodThrough
    // A previous incarnation may have led the epochs it stood in, and announced its own record
    // of the newest before a crash lost it: this one never leads them, nor announces older ones (rule 7).
    this.#retiredThrough = stood
    this.#view = new LeaderView(this.id, this.config.leaseMs, this.#out, Math.max(0, stood - 1))
    this.#mustQuarantine = !deps.durableStorage || this.#voter.storedGrant !== null
  }

  // ---- queries --------------------------------------------------------------

  get role (): Role { return this.#role }

  /** True while this node holds a live, majority-acknowledged lease; read from the clock now. */
  get isLeader (): boolean { return this.#leadership?.leads(this.#clock.now()) === true }

  /** The leader this node currently believes in, or null (none known, or its lease expired here). */
  get leader (): LeaderRecord | null {
    const record = this.#view.live
    if (record === null || record.epoch <= 0) return null
    return record.leaderId !== this.id || this.isLeader ? record : null
  }

  /** The newest epoch known to be chosen (the fencing token of its leader). */
  get epoch (): Epoch { return this.#learner.newestEpoch }

  /** The newest chosen record known, even if its lease has lapsed. */
  get newestChosen (): LeaderRecord | null { return this.#learner.newest }

  get quarantined (): boolean { return this.#voter.quarantined(this.#clock.now()) }

  /**
   * @internal For checkers: the local time until which this node's leader lease
   * runs (counted, not necessarily live), or null while it leads nothing elected.
   */
  get leaseUntil (): number | null {
    return this.#leadership?.elected === true ? this.#leadership.leaseUntil : null
  }

  /** @internal For checkers: the lease this node granted as a voter (local expiry time), or null. */
  get grant (): { readonly epoch: Epoch, readonly leaderId: NodeId, readonly expiresAt: number } | null {
    return this.#voter.grant
  }

  /** The earliest local time at which `tick()` has something to do, or null. */
  nextDeadline (): number | null {
    // Runs after every message and tick: no closure here, it would be allocated (and, under tsx, named) each time.
    const t = Math.min(
      this.#candidacy.nextDeadline(),
      this.#catchUp.askAgainAt ?? Infinity,
      this.#leadership?.nextDeadline() ?? Infinity,
      this.#view.expiresAt
    )
    return t === Infinity ? null : t
  }

  /** Drains what the node produced since the last call. Persist, then emit and send. */
  ready (): Ready { return this.#out.drain(this.#out.storing ? this.#snapshot() : null) }

  // ---- inputs ---------------------------------------------------------------

  start (): void {
    if (this.#started) return
    this.#started = true
    const now = this.#clock.now()
    if (this.#mustQuarantine) this.#voter.quarantine(now + this.#quarantineMs)
    if (this.#catchUp.answer(null)) this.#onSynced(now)
    else this.#askStatus(now)
    const newest = this.#learner.newest
    // A remembered leader gets one lease's time to show it is alive.
    if (newest !== null) this.#view.watch(newest, now)
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
    const end = this.#leadership?.tick(now) ?? null
    if (end === 'lease-expired') this.#demote('lease-expired')
    else if (end === 'give-up') this.#becomeFollower()
    if (now >= this.#view.expiresAt) this.#loseLeader(now, this.#candidacy.electionDelay())
    const askAgainAt = this.#catchUp.askAgainAt
    if (askAgainAt !== null && now >= askAgainAt) this.#askStatus(now)
    this.#candidacy.tick(now)
    this.#flushLoopback()
  }

  /** Steps down if leading (voters drop the lease at once); otherwise does nothing. */
  resign (): boolean {
    if (this.#leadership === null) return false
    this.#candidacy.holdOff(this.#clock.now() + this.config.leaseMs)
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

  // ---- roles ----------------------------------------------------------------

  /** Stands for `epoch`: from following, or from an earlier candidacy; never while leading. */
  #becomeCandidate (epoch: Epoch): void {
    invariant(this.#role !== 'leader', 'legal-role-change', () => `leader → candidate: stands for epoch ${epoch} while leading epoch ${this.#leadership!.epoch}`)
    this.#role = 'candidate'
    this.#out.event({ type: 'candidate', epoch })
  }

  /** Leads `record`, chosen for this node; never while leading another epoch. */
  #becomeLeader (record: LeaderRecord, now: number): void {
    invariant(this.#role !== 'leader', 'legal-role-change', () => `leader → leader: epoch ${record.epoch} chosen while leading epoch ${this.#leadership!.epoch}`)
    this.#role = 'leader'
    this.#leadership = new Leadership(record, now, this.#leadershipConfig, this.#out)
    this.#leadership.start(this.#candidacy.ownAccept, now)
  }

  /** Follows: a leadership ends (its epoch retired for good), or a candidacy is over. */
  #becomeFollower (): void {
    if (this.#leadership !== null) this.#retiredThrough = Math.max(this.#retiredThrough, this.#leadership.epoch)
    this.#leadership = null
    this.#role = 'follower'
  }

  #demote (reason: DemotionReason): void {
    const leadership = this.#leadership
    if (leadership === null) return
    this.#becomeFollower()
    leadership.end(reason)
  }

  // ---- message handling -----------------------------------------------------

  #handle (from: NodeId, m: Message, now: number): void {
    // A proposer's ballot names the proposer: a peer cannot propose with another's ballot.
    if ((m.type === 'prepare' || m.type === 'accept') && m.ballot.nodeId !== from) return
    if (from !== this.id && (m.type === 'promise' || m.type === 'accepted' || m.type === 'heartbeatAck')) this.#noteVoter(from, now)
    switch (m.type) {
      case 'prepare': return this.#onPrepare(from, m, now)
      case 'accept': return this.#onAccept(from, m, now)
      case 'promise': return this.#candidacy.onPromise(from, m, now)
      case 'accepted': return this.#onAccepted(from, m, now)
      case 'nack': return this.#onNack(from, m, now)
      case 'chosen':
        if (m.value.epoch !== m.epoch) return
        return this.#onLearn(this.#learner.onChosen(m.value), now)
      case 'heartbeat': return this.#onHeartbeat(from, m, now)
      case 'heartbeatAck':
        if (this.#leadership?.epoch === m.epoch) this.#leadership.onAck(from, m.seq, now)
        return
      case 'resign': return this.#onResign(from, m.epoch, m.successor, now)
      case 'statusRequest': {
        const newest = this.#learner.newest
        return this.#out.send(from, { type: 'statusReply', epoch: newest?.epoch ?? 0, value: newest })
      }
      case 'statusReply': return this.#onStatusReply(from, m, now)
    }
  }

  /** The voter-count guard: more distinct voters than clusterSize stops voting and leading (voter-count.ts). */
  #noteVoter (from: NodeId, now: number): void {
    const voters = this.#voterCount.note(from, now)
    if (voters === null) return
    this.#out.event({ type: 'tooManyVoters', voters })
    this.#demote('membership')
  }

  #onPrepare (from: NodeId, m: Prepare, now: number): void {
    const promised = this.#voter.answerPrepare(from, m, now, this.#learner.newest, this.#voterCount.tripped)
    // Someone else is electing: give them a round before competing.
    if (promised && from !== this.id) this.#candidacy.deferTo(now + this.config.roundTimeoutMs)
  }

  #onAccept (from: NodeId, m: Accept, now: number): void {
    if (m.value.epoch !== m.epoch) return
    const overtaken = this.#voter.overtakenResign(from, m, now)
    if (overtaken !== null) this.#onResign(overtaken.leaderId, overtaken.epoch, from, now)
    // Accepted goes to the proposer only: it learns, then tells everyone (Chosen or its heartbeat).
    this.#voter.answerAccept(from, m, now, this.#learner.newest, this.#voterCount.tripped)
  }

  #onAccepted (from: NodeId, m: Accepted, now: number): void {
    // Grants that arrive after the value was learned still count towards the first lease.
    if (this.#candidacy.onGrant(from, m) && this.#leadership?.epoch === m.epoch) this.#leadership.onLateGrant(from, now)
    const learned = this.#learner.onAccepted(from, m)
    this.#onLearn(learned, now)
    // The new leader's first heartbeat teaches everyone; otherwise say it outright.
    if (learned.kind === 'learned' && this.#leadership?.epoch !== learned.value.epoch) {
      this.#out.broadcast({ type: 'chosen', epoch: learned.value.epoch, value: learned.value })
    }
  }

  #onNack (from: NodeId, m: Nack, now: number): void {
    if (this.#leadership !== null && m.chosenEpoch > this.#leadership.epoch) this.#demote('newer-epoch')
    if (m.chosenEpoch > this.#learner.newestEpoch) this.#out.send(from, { type: 'statusRequest', epoch: this.#learner.newestEpoch })
    this.#candidacy.onNack(m, now)
  }

  #onHeartbeat (from: NodeId, m: Heartbeat, now: number): void {
    // Only the chosen leader of an epoch heartbeats, so the record is chosen.
    if (m.value.epoch !== m.epoch || m.value.leaderId !== from) return
    this.#onLearn(this.#learner.onChosen(m.value), now)
    const newest = this.#learner.newest
    if (newest === null) return
    // A leader given up on is alive after all: stop competing with it.
    if (m.epoch >= newest.epoch && this.#view.hear(newest, m.epoch, now) && !this.#candidacy.accepting) this.#candidacy.cancel()
    this.#voter.answerHeartbeat(from, m, now, newest, this.#voterCount.tripped)
  }

  #onResign (from: NodeId, epoch: Epoch, successor: NodeId | null, now: number): void {
    this.#voter.release(from, epoch)
    const watched = this.#view.live
    if (watched === null || watched.leaderId !== from || watched.epoch !== epoch) return
    // The named successor stands at once; with none named, everyone hurries a little.
    const candidacy = this.#candidacy
    const delay = from === this.id ? candidacy.electionDelay() : successor === this.id ? 0 : successor === null ? candidacy.electionDelay() / 4 : candidacy.electionDelay()
    this.#loseLeader(now, delay)
    if (delay === 0) candidacy.succeed(epoch, now)
  }

  #onStatusReply (from: NodeId, m: StatusReply, now: number): void {
    if (m.value !== null && m.value.epoch === m.epoch) this.#onLearn(this.#learner.onChosen(m.value), now)
    if (this.#catchUp.answer(from)) this.#onSynced(now)
  }

  // ---- learning, catching up, losing the leader -----------------------------

  #onLearn (result: LearnResult, now: number): void {
    if (result.kind === 'conflict') return this.#out.event({ type: 'conflict', known: result.known, reported: result.reported })
    if (result.kind !== 'learned') return
    const record = result.value
    const mine = record.leaderId === this.id
    this.#voter.acceptor.compact(record.epoch)
    // This node's own election may be stored lazily (rule 7); only the newest record may be
    // unsaved, so a second one waits for its save. Others' records are stored before they are
    // announced, so that a node never learns epochs out of order.
    this.#out.store(mine && this.#out.mayStoreLazily ? 'lazy' : 'sync')
    this.#view.announce(record)
    this.#candidacy.onDecided(record.epoch)
    if (this.#leadership !== null && this.#leadership.epoch < record.epoch) this.#demote('newer-epoch')
    this.#view.watch(record, now)
    if (mine && record.epoch <= this.#retiredThrough && this.#leadership === null) {
      // Chosen for an epoch it will not lead (it stood in it before a restart, rule 7): step
      // down at once, as a resigning leader would, so that nobody waits out the lease.
      this.#out.broadcast({ type: 'resign', epoch: record.epoch, successor: null })
    }
    if (mine && record.epoch > this.#retiredThrough && this.#leadership === null && !this.#voterCount.tripped) this.#becomeLeader(record, now)
    else if (this.#role === 'candidate') this.#becomeFollower()
  }

  #loseLeader (now: number, delay: number): void {
    this.#view.lose()
    this.#candidacy.schedule(now, delay)
  }

  #askStatus (now: number): void {
    this.#out.broadcast({ type: 'statusRequest', epoch: this.#learner.newestEpoch })
    this.#catchUp.asked(now + this.config.roundTimeoutMs)
  }

  #onSynced (now: number): void {
    if (this.#learner.newest === null) this.#candidacy.schedule(now, this.#candidacy.electionDelay())
  }

  // ---- output ---------------------------------------------------------------

  /** Delivers this node's messages to itself, after the handler that sent them returned. */
  #flushLoopback (): void {
    const loopback = this.#out.loopback
    for (let i = 0; i < loopback.length; i++) this.#handle(this.id, loopback[i]!, this.#clock.now())
    loopback.length = 0
  }

  #snapshot (): PersistentState {
    return {
      acceptor: this.#voter.acceptor.snapshot(),
      learned: this.#learner.newest,
      highestRound: this.#candidacy.highestRound,
      fastEpoch: this.#candidacy.roundZeroUsedThrough,
      candidateEpoch: this.#candidacy.stoodThrough,
      grant: this.#voter.storedGrant
    }
  }
}
