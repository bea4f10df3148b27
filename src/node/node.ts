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
 * catch-up.ts, leader-view.ts, candidacy.ts
 * (proposer, ballots, deadlines, round 0), leadership.ts with tracker.ts
 * (beats, the lease, whom to ask), membership.ts (the leader's view of who is
 * there), io.ts (the batch being gathered). The configuration each record
 * carries (src/paxos/configuration.ts) decides who votes (rules 8–12).
 */
import { invariant } from '../invariant.js'
import { Acceptor } from '../paxos/acceptor.js'
import { Learner, type LearnResult } from '../paxos/learner.js'
import type { Epoch, LeaderRecord, NodeId } from '../paxos/proposal.js'
import type { Accept, Accepted, Heartbeat, Message, Nack, Prepare, Presence, PresenceDigest, StatusReply } from '../paxos/message.js'
import {
  assertOneChange, bootstrapElectorate, configurationEquals, electorateOf, memberOf, oneChange, SHARED_SETTINGS,
  type Configuration, type Electorate
} from '../paxos/configuration.js'
import { remembersNothing, type PersistentState } from '../storage/storage.js'
import { resolveConfig, type NodeConfig, type ResolvedConfig } from './config.js'
import type { Clock } from './clock.js'
import { Candidacy } from './candidacy.js'
import { CatchUp } from './catch-up.js'
import { Outbox, type DemotionReason, type NodeDeps, type NodeEvent, type Ready } from './io.js'
import { LeaderView } from './leader-view.js'
import { Leadership, type LeadershipConfig } from './leadership.js'
import { Voter } from './voter.js'
import { Membership, type Seen } from './membership.js'
import { presenceOf, Relay, Upstream } from './relay.js'

export type { DemotionReason, NodeDeps, NodeEvent, Outbound, PersistMode, Ready } from './io.js'

const EMPTY_SEEN: ReadonlyMap<NodeId, Seen> = new Map()

/** What this node does: follow (vote, watch the leader), stand for election, or lead an epoch chosen for it. */
export type Role = 'follower' | 'candidate' | 'leader'

/** One Quorum node as a deterministic state machine (see the file header). */
export class Node {
  readonly id: NodeId
  readonly config: ResolvedConfig
  readonly #clock: Clock
  /** leaseMs·(1−ρ)/(1+ρ): how long a leader may count on a majority-acknowledged beat (rule 2). */
  readonly #leaderLeaseMs: number
  readonly #quarantineMs: number
  readonly #mustQuarantine: boolean
  readonly #out: Outbox
  readonly #leadershipConfig: LeadershipConfig
  readonly #voter: Voter
  readonly #learner: Learner
  readonly #candidacy: Candidacy
  readonly #catchUp: CatchUp
  readonly #view: LeaderView
  #leadership: Leadership | null = null
  #role: Role = 'follower'
  /** Epochs up to this one are ones this node led and left, or may have led before a restart; it never leads them again. */
  #retiredThrough: Epoch
  #started = false
  /** Rule 11: the configuration version at which this node's memory begins (see PersistentState.joinedAt). */
  #joinedAt: number | null
  /** Whether this node voted in epoch 1 with the state it has (it is then one of epoch 1's voters for good). */
  readonly #startedEmpty: boolean
  /** A shared setting that differs from the cluster's: this node votes and leads nothing (rule 10). */
  #mismatch: string | null = null
  /** stop(): this node asks to leave the configuration and stands for nothing. */
  #leaving = false
  /** A non-voter of a configuration below its target leaves no earlier than this local time (see `left`). */
  #leftNotBefore = -Infinity
  /** The newest epoch for which an Accept proposed a configuration naming this node while it was no voter. */
  #promotedIn: Epoch = 0
  /**
   * Who is there, from the presence every node sends the leader it knows. Kept
   * across this node's leaderships: a leader demoted by a stall and elected
   * again keeps the observers' runs of presence (they kept reporting to it).
   */
  readonly #membership: Membership
  /** Nodes heard from: epoch 1's electorate counts at least these (rule 12). */
  readonly #heard = new Set<NodeId>()
  /** Nodes that said they are observers by choice, or refused to help found the cluster. */
  readonly #observers = new Set<NodeId>()
  /** Rule 12: before this local time a node that knows no record does not found a cluster. */
  #bootstrapAt = 0
  /** When this node next tells the leader it is there. */
  #presenceAt = 0
  /** When a non-voter that hears no leader asks for the status again (rule 13, see #askAgain). */
  #askAgainAt = Infinity
  /** Warnings given once each. */
  readonly #warned = new Set<string>()
  /** The configuration of the newest record learned in this incarnation. */
  #lastConfig: Configuration | null = null
  /** Whether that configuration names this node a voter: else it hears the leader through a relay (rule 13). */
  #inConfig = false
  /** Rule 13, as a relay (a voter or the leader): the observers that report to this node. */
  readonly #relay: Relay
  /** Rule 13, as an observer: the voter this node reports to. */
  readonly #upstream: Upstream

  constructor (config: NodeConfig, deps: NodeDeps) {
    this.config = resolveConfig(config)
    this.id = this.config.nodeId
    this.#clock = deps.clock
    const rho = this.config.maxDriftRatio
    this.#leaderLeaseMs = this.config.leaseMs * (1 - rho) / (1 + rho)
    this.#quarantineMs = this.config.leaseMs * (1 + rho) / (1 - rho)
    const state = deps.state
    // An empty file (a new or wiped directory) is no memory either: rule 11 applies to it too.
    this.#startedEmpty = state === null || remembersNothing(state)
    this.#joinedAt = state?.joinedAt ?? null
    // Observers and voters alike: broadcasts go to every connected node.
    this.#out = new Outbox(this.id)
    this.#leadershipConfig = {
      selfId: this.id,
      leaseMs: this.config.leaseMs,
      heartbeatMs: this.config.heartbeatMs,
      leaderLeaseMs: this.#leaderLeaseMs,
      leaseHeld: (leaseUntil, at) => this.leaseHeld(leaseUntil, at),
      audience: (record, at) => [...new Set([this.id, ...record.config.voters.map(m => m.id), ...this.#relay.audience(at)])],
      successorPriority: id => this.#successorPriority(id)
    }
    this.#relay = new Relay(this.config.presenceMs)
    this.#upstream = new Upstream(this.id, this.config.heartbeatMs)
    const acceptor = deps.makeAcceptor?.(state?.acceptor ?? []) ?? new Acceptor(state?.acceptor ?? [])
    this.#voter = this.makeVoter(this.#out, acceptor, state?.grant ?? null, deps.durableStorage)
    this.#learner = deps.makeLearner?.(this.config.clusterSize, state?.learned ?? null) ??
      new Learner(this.config.clusterSize, state?.learned ?? null)
    this.#candidacy = new Candidacy(this.config, deps.random, state, {
      out: this.#out,
      nextEpoch: () => this.#learner.newestEpoch + 1,
      promised: epoch => this.#voter.acceptor.state(epoch).promised,
      mayStand: now => this.#catchUp.synced && !this.#voter.quarantined(now) && this.#mayVote() && !this.#departing &&
        (this.#learner.newest !== null || this.#mayFound(now)),
      // Rule 12: a node that knows no cluster listens one round for one before founding it.
      notBefore: () => Math.max(this.#voter.quarantineUntil, this.#learner.newest === null ? this.#bootstrapAt : 0),
      leaderLive: () => this.#view.live !== null,
      becomeCandidate: epoch => this.#becomeCandidate(epoch),
      electorate: () => this.#electorate(),
      configuration: () => this.#learner.newest?.config ?? null,
      firstConfiguration: promisers => this.#firstConfiguration(promisers, deps),
      founding: () => this.#foundingNodes()
    })
    this.#catchUp = new CatchUp(this.id)
    this.#membership = new Membership(this.id, this.config, 0)
    const stood = this.#candidacy.stoodThrough
    // A previous incarnation may have led the epochs it stood in, and announced its own record
    // of the newest before a crash lost it: this one never leads them, nor announces older ones (rule 7).
    this.#retiredThrough = stood
    this.#view = new LeaderView(this.id, this.config.leaseMs, this.#out, Math.max(0, stood - 1))
    this.#mustQuarantine = !deps.durableStorage || this.#voter.storedGrant !== null
    const newest = this.#learner.newest
    if (newest !== null) this.#checkSettings(newest.config)
  }

  // ---- queries --------------------------------------------------------------

  get role (): Role { return this.#role }

  /** True while this node holds a live, majority-acknowledged lease; read from the clock now. */
  get isLeader (): boolean { return this.#leadership?.leads(this.#clock.now()) === true }

  /** The leader this node currently believes in, or null (none known, or its lease expired here). */
  get leader (): LeaderRecord | null {
    if (this.isLeader) return this.#leadership!.record
    // Another node, once heard from since its record was learned (rule 7); this node's own record only while it leads.
    const record = this.#view.confirmed
    return record === null || record.epoch <= 0 || record.leaderId === this.id ? null : record
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

  /** The configuration of the newest chosen record, or null before the first election. */
  get configuration (): Configuration | null { return this.#learner.newest?.config ?? null }

  /**
   * Leaving, and able to: the one voter of the newest configuration cannot be
   * removed, so it stands, leads and keeps the membership as if it stayed, until
   * another voter is there (left the only voter by a removal that raced its leave).
   */
  get #departing (): boolean {
    if (!this.#leaving) return false
    const voters = this.#learner.newest?.config.voters ?? []
    return !(voters.length === 1 && voters[0]!.id === this.id)
  }

  /** Whether this node may vote in the next epoch's election: a voter of the configuration, able to. */
  get voting (): boolean { return this.#mayVote() }

  /**
   * After `leave()`: true once the newest configuration no longer names this
   * node as a voter; for a node that was no voter of a configuration below its
   * target, not before the leader can no longer be promoting it (see leave()),
   * and never while a change that would make it a voter is undecided.
   */
  get left (): boolean {
    const config = this.configuration
    return this.#leaving && (config === null || memberOf(config, this.id) === undefined) && this.#clock.now() >= this.#leftNotBefore &&
      this.#promotedIn <= this.#learner.newestEpoch
  }

  /** @internal For diagnostics: rule 11's version at which this node's memory begins (null before it learned a record). */
  get joinedAt (): number | null { return this.#joinedAt }

  /** What this node, while leading, heard from each node (empty otherwise). */
  get presence (): ReadonlyMap<NodeId, Seen> { return this.#leadership === null ? EMPTY_SEEN : this.#membership.seen }

  /** The earliest local time at which `tick()` has something to do, or null. */
  nextDeadline (): number | null {
    // Runs after every message and tick: no closure here, it would be allocated (and, under tsx, named) each time.
    const t = Math.min(
      this.#candidacy.nextDeadline(),
      this.#catchUp.askAgainAt ?? Infinity,
      this.#leadership?.nextDeadline() ?? Infinity,
      this.#view.expiresAt,
      this.#reporting ? this.#presenceAt : Infinity,
      this.#reporting ? this.#relayDeadline() : Infinity,
      this.#askAgainAt
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
    this.#bootstrapAt = now + this.config.roundTimeoutMs
    if (this.#catchUp.answer(null, this.#electorate())) this.#onSynced(now)
    else this.#askStatus(now)
    const newest = this.#learner.newest
    if (newest !== null) {
      // The configuration this node follows from the start, and a remembered leader gets one lease's time to show it is alive.
      this.#lastConfig = newest.config
      this.#inConfig = memberOf(newest.config, this.id) !== undefined
      this.#out.event({ type: 'configuration', config: newest.config })
      this.#view.watch(newest, now, false)
      this.#upstream.heard(now)
    }
    this.#armAskAgain(now)
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
    if (now >= this.#presenceAt) this.#sendPresence(now)
    if (this.#reporting) this.#tickRelay(now)
    if (now >= this.#askAgainAt) this.#askAgain(now)
    // A leaver that led on as the one voter hands over once the configuration names another (rule 10).
    if (this.#leadership?.elected === true && this.#departing) this.resign()
    if (this.#leadership?.elected === true) this.#manageMembers(now)
    this.#flushLoopback()
  }

  /**
   * Asks to leave the configuration (stop()): resigns first if leading, then
   * tells the leader, which removes this voter when a majority can commit it;
   * meanwhile this node still votes but stands for nothing. See `left`. The
   * one voter of the configuration stays (see #departing), then hands over.
   */
  leave (): void {
    if (this.#leaving || !this.#started) return
    this.#leaving = true
    if (this.#departing) this.resign()
    const now = this.#clock.now()
    const config = this.#learner.newest?.config ?? null
    const promotable = this.config.role === 'voter' && this.#mismatch === null
    if (promotable && config !== null && config.voters.length < config.target && memberOf(config, this.id) === undefined) {
      // Below the target, the leader may be promoting this node, on a presence sent before this one
      // (lost, or overtaken) or by a change already under way; gone, a voter can be removed only if the
      // others are a majority without it (never beside a lone voter). So it stays (a voter after all,
      // it waits to be taken out) while the leader still takes it as present and such a change lands.
      this.#leftNotBefore = now + 2 * this.config.presenceMs + this.config.leaseMs
    }
    this.#sendPresence(now)
    this.#armAskAgain(now)
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
   * The voter role. Protected so that a deliberately broken variant can plant
   * a voter that forgets its grants (called from the constructor: an override
   * must not read its own fields there).
   */
  protected makeVoter (out: Outbox, acceptor: Acceptor, storedGrant: PersistentState['grant'], durable: boolean): Voter {
    return new Voter(this.id, out, acceptor, storedGrant, durable, this.config.leaseMs)
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
    // Silent voters are counted from now; epoch 1's late founders are added without waiting.
    this.#membership.lead(now, record.epoch === 1 ? this.#candidacy.founders : new Set())
    this.#leadership = new Leadership(record, now, this.#leadershipConfig, this.#out, null, this.leaseElectorate(record))
    this.#leadership.start(this.#candidacy.ownAccept, now)
  }

  /**
   * Leads `record`, the configuration change this leader proposed for itself
   * (rule 9): the epoch moves on, and the lease held under the old one carries
   * over until the new voters renew it. No demotion: it leads throughout.
   */
  #succeedSelf (record: LeaderRecord, now: number): void {
    const old = this.#leadership!
    invariant(this.#role === 'leader' && old.epoch < record.epoch, 'legal-role-change', () => `self-succession into epoch ${record.epoch} from ${this.#role} of epoch ${old.epoch}`)
    this.#retiredThrough = Math.max(this.#retiredThrough, old.epoch)
    this.#leadership = new Leadership(record, now, this.#leadershipConfig, this.#out, old.inheritable, this.leaseElectorate(record))
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
    if (from !== this.id) {
      if (!this.#heard.has(from)) this.#heard.add(from)
      if (this.#foreign(from, m)) return
    }
    switch (m.type) {
      case 'prepare': return this.#onPrepare(from, m, now)
      case 'accept': return this.#onAccept(from, m, now)
      case 'promise':
        if (this.#leadership !== null && this.#candidacy.isFounding(m)) this.#membership.addFounder(from)
        return this.#candidacy.onPromise(from, m, now)
      case 'accepted': return this.#onAccepted(from, m, now)
      case 'nack': return this.#onNack(from, m, now)
      case 'chosen':
        if (m.value.epoch !== m.epoch) return
        // A decision heard second-hand (it may be an old one): its leader is announced once heard from.
        return this.#onLearn(this.#learner.onChosen(m.value), now, false)
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
      case 'presence': return this.#onPresence(from, m, now)
      case 'presenceDigest': return this.#onPresenceDigest(m, now)
    }
  }

  /**
   * A message claiming a chosen record of another cluster (another history
   * under this name: a node with state from elsewhere): reported once per
   * sender, and ignored. Records merely proposed are left to the acceptor,
   * which refuses configurations that do not follow its own (rule 9).
   */
  #foreign (from: NodeId, m: Message): boolean {
    const ours = this.#learner.newest?.config.clusterId
    if (ours === undefined) return false
    const claimed = m.type === 'chosen' || m.type === 'heartbeat' ? m.value : m.type === 'statusReply' ? m.value : null
    if (claimed === null || claimed.config.clusterId === ours) return false
    this.#warnOnce(`foreign:${from}`, { type: 'foreignCluster', from, clusterId: claimed.config.clusterId, ours })
    return true
  }

  /**
   * Why this node refuses to vote in `epoch`'s election now (beyond quarantine
   * and leases), or null. Protected for a broken variant of the simulator.
   */
  protected refusal (epoch: Epoch): Nack['reason'] | null {
    if (this.#mismatch !== null) return 'config'
    // Its electorate is known only for the epoch after the newest learned (rule 8).
    if (epoch !== this.#learner.newestEpoch + 1 || !this.#mayVote()) return 'membership'
    // A node that only joins does not help found a cluster either (rule 12).
    if (this.config.join && this.#learner.newest === null) return 'membership'
    return null
  }

  #onPrepare (from: NodeId, m: Prepare, now: number): void {
    const refusal = this.refusal(m.epoch)
    if (refusal === 'membership' && m.epoch > this.#learner.newestEpoch + 1) this.#out.send(from, { type: 'statusRequest', epoch: this.#learner.newestEpoch })
    const promised = this.#voter.answerPrepare(from, m, now, this.#learner.newest, refusal)
    // Someone else is electing: give them a round before competing.
    if (promised && from !== this.id) this.#candidacy.deferTo(now + this.config.roundTimeoutMs)
  }

  #onAccept (from: NodeId, m: Accept, now: number): void {
    if (m.value.epoch !== m.epoch) return
    // A change under way that makes this non-voter a voter: `left` waits until its epoch is decided.
    const newest = this.#learner.newest?.config
    if (newest !== undefined && memberOf(newest, this.id) === undefined && memberOf(m.value.config, this.id) !== undefined) {
      this.#promotedIn = Math.max(this.#promotedIn, m.epoch)
    }
    const overtaken = this.#voter.overtakenResign(from, m, now)
    if (overtaken !== null) this.#onResign(overtaken.leaderId, overtaken.epoch, from, now)
    // Accepted goes to the proposer only: it learns, then tells everyone (Chosen or its heartbeat).
    this.#voter.answerAccept(from, m, now, this.#learner.newest, this.refusal(m.epoch) ?? this.#configRefusal(m.value))
  }

  /** Rule 9: an acceptor accepts only a configuration that follows the newest one by at most one voter. */
  #configRefusal (value: LeaderRecord): Nack['reason'] | null {
    const newest = this.#learner.newest
    if (newest === null) return value.config.version === 1 && this.#matchesSettings(value.config) ? null : 'config'
    return this.follows(newest.config, value.config) ? null : 'config'
  }

  /*
   * Protected so that the simulator's broken variants can change them (never
   * overridden otherwise): which configuration may follow another (rule 9),
   * the change the leader proposes next, and whose acknowledgements back a lease.
   */

  protected follows (prev: Configuration, next: Configuration): boolean { return oneChange(prev, next) }

  protected planChange (membership: Membership, config: Configuration, epoch: Epoch, now: number): Configuration | null {
    const next = membership.nextChange(config, this.config.clusterSize, epoch, now)
    if (next !== null) assertOneChange(config, next)
    return next
  }

  protected leaseElectorate (record: LeaderRecord): Electorate { return electorateOf(record.config) }

  #onAccepted (from: NodeId, m: Accepted, now: number): void {
    // Grants that arrive after the value was learned still count towards the first lease.
    if (this.#candidacy.onGrant(from, m) && this.#leadership?.epoch === m.epoch) this.#leadership.onLateGrant(from, now)
    const learned = this.#learner.onAccepted(from, m)
    this.#onLearn(learned, now, true)
    // The new leader's first heartbeat teaches everyone; otherwise say it outright.
    if (learned.kind === 'learned' && this.#leadership?.epoch !== learned.value.epoch) {
      this.#out.broadcast({ type: 'chosen', epoch: learned.value.epoch, value: learned.value })
    }
  }

  #onNack (from: NodeId, m: Nack, now: number): void {
    // A node that will not help found the cluster does not count towards epoch 1's electorate (rule 12).
    if (m.reason === 'membership' && m.epoch === 1 && this.#learner.newest === null) this.#observers.add(from)
    if (this.#leadership !== null && m.chosenEpoch > this.#leadership.epoch) this.#demote('newer-epoch')
    if (m.chosenEpoch > this.#learner.newestEpoch) this.#out.send(from, { type: 'statusRequest', epoch: this.#learner.newestEpoch })
    this.#candidacy.onNack(m, now, from)
  }

  #onHeartbeat (from: NodeId, m: Heartbeat, now: number): void {
    if (m.value.epoch !== m.epoch) return
    if (m.value.leaderId !== from) return this.#onRelayedHeartbeat(from, m, now)
    // Only the chosen leader of an epoch heartbeats, so the record is chosen.
    this.#onLearn(this.#learner.onChosen(m.value), now, true)
    const newest = this.#learner.newest
    if (newest === null) return
    // A leader given up on is alive after all: stop competing with it.
    if (m.epoch >= newest.epoch && this.#view.hear(newest, m.epoch, now) && !this.#candidacy.accepting) this.#candidacy.cancel()
    this.#voter.answerHeartbeat(from, m, now, newest, this.#mayGrant(m.value.config))
    if (m.epoch !== newest.epoch || from === this.id) return
    this.#upstream.heard(now)
    // Rule 13: a voter passes the leader's heartbeat on to the observers that report to it.
    const audience = this.#inConfig ? this.#relay.audience(now) : []
    if (audience.length > 0) this.#out.multicast(m, audience)
  }

  /**
   * Rule 13: a heartbeat a voter passed on. It teaches its record (chosen: the
   * relay got it from its leader) and keeps this observer's view of that
   * leader; it never renews a lease, and a voter, which hears the leader
   * itself, ignores it.
   */
  #onRelayedHeartbeat (from: NodeId, m: Heartbeat, now: number): void {
    if (this.#inConfig || memberOf(m.value.config, from) === undefined) return
    this.#onLearn(this.#learner.onChosen(m.value), now, true)
    const newest = this.#learner.newest
    if (newest === null || m.epoch !== newest.epoch) return
    this.#view.hear(newest, m.epoch, now)
    this.#upstream.heard(now)
  }

  /** A node tells the leader it is there (rule 10). */
  #onPresence (from: NodeId, m: Presence, now: number): void {
    if (m.observer) this.#observers.add(from)
    else this.#observers.delete(from)
    const config = this.#learner.newest?.config ?? null
    // Rule 13: an observer reports to a relay (a voter, the leader last); voters to the leader.
    const observer = config !== null && memberOf(config, from) === undefined
    if (observer && this.#inConfig) this.#relay.subscribe(from, m, now)
    else this.#relay.drop(from)
    if (this.#leadership !== null) this.#membership.onPresence(from, m, now)
  }

  /** Rule 13: a relay's report of its observers; the leader takes each as that observer's presence, as old as the relay says. */
  #onPresenceDigest (m: PresenceDigest, now: number): void {
    if (this.#leadership === null) return
    for (const r of m.reports) if (r.id !== this.id) this.#membership.onPresence(r.id, presenceOf(r), now - r.ageMs)
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
    if (m.value !== null && m.value.epoch === m.epoch) this.#onLearn(this.#learner.onChosen(m.value), now, false)
    if (this.#catchUp.answer(from, this.#electorate())) this.#onSynced(now)
  }

  // ---- learning, catching up, losing the leader -----------------------------

  /**
   * `live`: the record comes from its leader's heartbeat or from the election
   * seen here, so its leader is alive now; one from another node's memory (a
   * status reply, a Chosen) is learned and watched, but announced to the host
   * only once its leader is heard from (rule 7).
   */
  #onLearn (result: LearnResult, now: number, live: boolean): void {
    if (result.kind === 'conflict') return this.#out.event({ type: 'conflict', known: result.known, reported: result.reported })
    if (result.kind !== 'learned') return
    const record = result.value
    const mine = record.leaderId === this.id
    if (this.#joinedAt === null) this.#join(record)
    this.#voter.acceptor.compact(record.epoch)
    // This node's own election may be stored lazily (rule 7); only the newest record may be
    // unsaved, so a second one waits for its save. Others' records are stored before they are
    // announced, so that a node never learns epochs out of order. A configuration change of its
    // own is stored before anyone hears of it: a voter it removes may leave for good on hearing,
    // and a crash that lost the change would leave this node in a configuration it cannot finish.
    const sameConfig = this.#lastConfig === null || configurationEquals(this.#lastConfig, record.config)
    this.#out.store(mine && sameConfig && this.#out.mayStoreLazily ? 'lazy' : 'sync')
    this.#onConfiguration(record)
    this.#armAskAgain(now)
    if (live) this.#view.announce(record)
    this.#candidacy.onDecided(record.epoch)
    const leadership = this.#leadership
    if (mine && leadership !== null && leadership.epoch < record.epoch && record.epoch > this.#retiredThrough) {
      this.#succeedSelf(record, now)
    } else if (leadership !== null && leadership.epoch < record.epoch) {
      this.#demote('newer-epoch')
    }
    this.#view.watch(record, now, live)
    if (mine && record.epoch <= this.#retiredThrough && this.#leadership === null) {
      // Chosen for an epoch it will not lead (it stood in it before a restart, rule 7): step
      // down at once, as a resigning leader would, so that nobody waits out the lease.
      this.#out.broadcast({ type: 'resign', epoch: record.epoch, successor: null })
    }
    if (mine && record.epoch > this.#retiredThrough && this.#leadership === null && this.#mayLead(record)) this.#becomeLeader(record, now)
    else if (this.#role === 'candidate') this.#becomeFollower()
    // Someone else leads now: tell it this node is there (an observer, through its relay, from now).
    if (!mine) {
      this.#presenceAt = Math.min(this.#presenceAt, now)
      this.#upstream.heard(now)
    }
  }

  /**
   * Rule 11, at the first record this node learns: its memory begins at that
   * configuration's version, unless it kept its state or voted in epoch 1
   * (then it was there from the start).
   */
  #join (record: LeaderRecord): void {
    // It helped found the cluster, whichever record it learns first (nothing is compacted before).
    const votedInFirst = this.#voter.acceptor.state(1).promised !== null || this.#candidacy.stoodThrough >= 1
    // A node that kept its state remembers everything it voted (rule 11).
    this.#joinedAt = !this.#startedEmpty || votedInFirst ? 0 : record.config.version
    // Stored with the learned record (#onLearn), lazily only for this node's own election: a restart
    // that lost it has the state it stood with (not empty), and joins at 0 again.
  }

  /** A learned record's configuration: checked against this node's settings, reported when it changed. */
  #onConfiguration (record: LeaderRecord): void {
    const previous = this.#lastConfig
    this.#lastConfig = record.config
    this.#inConfig = memberOf(record.config, this.id) !== undefined
    if (previous !== null && configurationEquals(previous, record.config)) return
    this.#checkSettings(record.config)
    this.#out.event({ type: 'configuration', config: record.config })
    const member = memberOf(record.config, this.id)
    if (member !== undefined && this.#joinedAt !== null && member.since <= this.#joinedAt && this.config.role === 'voter') {
      this.#warnOnce(`forgotten:${member.since}`, { type: 'forgotten', version: record.config.version })
    }
  }

  /** Rule 10: compares the cluster's settings with this node's; a shared one that differs stops it voting. */
  #checkSettings (config: Configuration): void {
    this.#mismatch = null
    for (const field of SHARED_SETTINGS) {
      if (config[field] === this.config[field]) continue
      this.#mismatch = field
      this.#warnOnce(`mismatch:${field}:${config[field]}`, { type: 'settingMismatch', field, local: this.config[field], cluster: config[field], adopted: false })
    }
    if (config.target !== this.config.clusterSize) {
      this.#warnOnce(`target:${config.target}`, { type: 'settingMismatch', field: 'clusterSize', local: this.config.clusterSize, cluster: config.target, adopted: true })
    }
  }

  #matchesSettings (config: Configuration): boolean {
    for (const field of SHARED_SETTINGS) if (config[field] !== this.config[field]) return false
    return true
  }

  #warnOnce (key: string, e: NodeEvent): void {
    if (this.#warned.has(key)) return
    this.#warned.add(key)
    this.#out.event(e)
  }

  // ---- membership (rules 8–12) ----------------------------------------------

  /** Who decides the next epoch: the newest configuration's voters, or epoch 1's count (rule 12). */
  #electorate (): Electorate {
    const newest = this.#learner.newest
    if (newest !== null) return this.#learner.electorate
    return bootstrapElectorate(Math.max(this.config.clusterSize, this.#foundingNodes()))
  }

  /**
   * Rule 12: a node that knows no record founds the cluster after listening
   * one round for one, once it has heard of clusterSize nodes (itself
   * included), so that epoch 1's configuration can name them all; or, with
   * some missing, two leases later.
   */
  #mayFound (now: number): boolean {
    if (this.config.join || now < this.#bootstrapAt) return false
    return this.#foundingNodes() >= this.config.clusterSize || now >= this.#bootstrapAt + 2 * this.config.leaseMs
  }

  /** This node and the nodes heard from that may help found the cluster (not observers). */
  #foundingNodes (): number {
    let n = 1
    for (const id of this.#heard) if (!this.#observers.has(id)) n++
    return n
  }

  /** Epoch 1's configuration: this node and the nodes that promised (rule 12). */
  #firstConfiguration (promisers: ReadonlySet<NodeId>, deps: NodeDeps): Configuration {
    const ids = [...new Set([this.id, ...promisers])].sort()
    const tag = Math.floor(deps.random.next() * 2 ** 32).toString(36)
    return {
      version: 1,
      clusterId: `${this.id}/${tag}`,
      voters: ids.map(id => ({ id, since: 1 })),
      target: this.config.clusterSize,
      leaseMs: this.config.leaseMs,
      heartbeatMs: this.config.heartbeatMs,
      maxDriftRatio: this.config.maxDriftRatio
    }
  }

  /** Whether this node may vote under `config` (or, with none, in epoch 1). */
  #mayVoteIn (config: Configuration | null): boolean {
    if (this.config.role === 'observer' || this.#mismatch !== null) return false
    if (config === null) return true
    const member = memberOf(config, this.id)
    // Rule 11: a voter whose ID may have voted in a life this node forgot votes nothing.
    return member !== undefined && this.#joinedAt !== null && member.since > this.#joinedAt
  }

  #mayVote (): boolean { return this.#mayVoteIn(this.#learner.newest?.config ?? null) }

  /** Grants (heartbeat acknowledgements) count only from voters of the leader's configuration. */
  #mayGrant (config: Configuration): boolean { return this.#mayVoteIn(config) }

  /** A record naming this node is led only by a node that may vote under the configuration before it. */
  #mayLead (record: LeaderRecord): boolean {
    // Its record carries that configuration on (or one change of its own); rule 11 included: a node
    // that forgot its state may have led this very epoch in the life it forgot.
    return this.#mayVoteIn(record.config)
  }

  /**
   * Whether this node reports its presence: a follower of a live leader, or an
   * observer that knows one (rule 13: it keeps reporting to a relay after
   * losing the leader, so that it hears the next one through it).
   */
  get #reporting (): boolean {
    return this.#leadership === null && (this.#view.live !== null || (!this.#inConfig && this.#view.watched !== null))
  }

  /** Tells the leader this node is there, every presenceMs and whenever asked (rule 10). */
  #sendPresence (now: number): void {
    this.#presenceAt = now + this.config.presenceMs
    const leader = this.#inConfig ? this.#view.live : this.#view.watched
    if (leader === null || leader.leaderId === this.id) return
    const config = this.#learner.newest?.config ?? null
    const member = config === null ? undefined : memberOf(config, this.id)
    // Rule 13: a voter tells the leader; an observer tells its relay, which tells the leader.
    const to = member !== undefined || config === null ? leader.leaderId : this.#upstream.choose(config.voters.map(m => m.id), leader.leaderId)
    this.#out.send(to, {
      type: 'presence',
      epoch: this.#learner.newestEpoch,
      observer: this.config.role === 'observer' || this.#mismatch !== null,
      ready: this.#mayReady(now, config),
      leaving: this.#leaving,
      rejoin: member !== undefined && this.#joinedAt !== null && member.since <= this.#joinedAt,
      metadata: this.config.metadata,
      priority: this.config.priority
    })
  }

  /** Rule 4: a voter's priority as successor, if its presence within the last two presenceMs said it may vote; else −∞. */
  #successorPriority (id: NodeId): number {
    const seen = this.#membership.seen.get(id)
    const fresh = seen !== undefined && seen.presence.ready && this.#clock.now() - seen.lastAt <= 2 * this.config.presenceMs
    return fresh ? seen.presence.priority : -Infinity
  }

  /** Whether this node could vote now if it were (or is) a voter. */
  #mayReady (now: number, config: Configuration | null): boolean {
    if (this.config.role === 'observer' || this.#mismatch !== null || this.#leaving || this.#voter.quarantined(now)) return false
    const member = config === null ? undefined : memberOf(config, this.id)
    return member === undefined || this.#mayVoteIn(config)
  }

  /** Rule 13, while following: an observer's relay deadline, or a voter's next digest. */
  #relayDeadline (): number { return this.#inConfig ? this.#relay.digestAt : this.#upstream.missedAt }

  /**
   * Rule 13, while following: a voter sends the leader its observers' digest
   * when due; an observer that heard no heartbeat for a while reports to its
   * next relay at once.
   */
  #tickRelay (now: number): void {
    const leader = this.#view.watched!
    if (this.#inConfig) {
      if (now < this.#relay.digestAt) return
      for (const d of this.#relay.digests(this.#learner.newestEpoch, now)) this.#out.send(leader.leaderId, d)
    } else if (now >= this.#upstream.missedAt) {
      this.#upstream.moveOn(now)
      this.#sendPresence(now)
    }
  }

  /** The leader keeps the configuration at its target from the nodes present, one change at a time (rules 9, 10). */
  #manageMembers (now: number): void {
    const leadership = this.#leadership!
    const membership = this.#membership
    if (this.#candidacy.changing || this.#departing) return
    // A change commits and its own lease is counted before the next one starts.
    if (leadership.epoch !== this.#learner.newestEpoch || !leadership.leads(now)) return
    const next = this.planChange(membership, leadership.record.config, leadership.epoch, now)
    if (next !== null) this.#candidacy.reconfigure(next, now)
  }

  #loseLeader (now: number, delay: number): void {
    this.#view.lose()
    this.#candidacy.schedule(now, delay)
  }

  #askStatus (now: number): void {
    this.#out.broadcast({ type: 'statusRequest', epoch: this.#learner.newestEpoch })
    this.#catchUp.asked(now + this.config.roundTimeoutMs)
  }

  /**
   * Rule 13: a node the configuration does not name hears the leader only
   * through a relay, or from an epoch's first heartbeat. One that hears no
   * leader (it missed that heartbeat, its record names a leader long gone or
   * voters that are, or it knows no record and founds nothing) asks everyone
   * for the newest record every presenceMs, until it hears one. So does a
   * voter that stands for nothing (leaving, or unable to vote): removed
   * while cut off, it would otherwise never hear of it.
   */
  #askAgain (now: number): void {
    this.#askAgainAt = now + this.config.presenceMs
    const deaf = this.#leadership === null && this.#view.live === null
    if (deaf) this.#out.broadcast({ type: 'statusRequest', epoch: this.#learner.newestEpoch })
    this.#armAskAgain(now)
  }

  /** Keeps #askAgain on a timer for a node the configuration does not name or that stands for nothing, and off for the others. */
  #armAskAgain (now: number): void {
    // A voter that stands learns a newer epoch from the Nacks its Prepare gets; one that never stands must ask.
    const outside = this.#learner.newest === null ? this.config.role === 'observer' || this.config.join : !this.#inConfig || this.#departing || !this.#mayVote()
    if (!outside) this.#askAgainAt = Infinity
    else if (this.#askAgainAt === Infinity) this.#askAgainAt = now + this.config.presenceMs
  }

  #onSynced (now: number): void {
    // The randomized wait runs after rule 12's listening round: clamped to its end, nodes started together would all stand at once.
    if (this.#learner.newest === null) this.#candidacy.schedule(now, Math.max(0, this.#bootstrapAt - now) + this.#candidacy.electionDelay())
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
      grant: this.#voter.storedGrant,
      joinedAt: this.#joinedAt
    }
  }
}
