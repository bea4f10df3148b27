/**
 * Candidacy: standing for election (rules 3–5 and 7 in docs/protocol.md). It
 * holds the proposer, the ballots this node used, the election's deadlines,
 * the reserved round-0 path of a named successor, and the Accept carrying
 * this node's own record (the start of the lease it may earn).
 *
 * Invariants kept here, each stored with the step that changes it, before
 * the message that depends on it leaves:
 * - `highestRound`: every Prepare uses a round above every round this node
 *   used before, across restarts, so ballots stay unique;
 * - `roundZeroUsedThrough`: round 0 of an epoch is used once ever;
 * - `stoodThrough`: the newest epoch in which this node sent an Accept carrying
 *   its own record (rule 7).
 */
import { Proposer } from '../paxos/proposer.js'
import { ballotEquals, nextBallot, type Ballot, type Epoch, type LeaderRecord, type NodeId } from '../paxos/proposal.js'
import type { Accept, Accepted, Nack, PromiseMsg } from '../paxos/message.js'
import type { Configuration, Electorate } from '../paxos/configuration.js'
import type { PersistentState } from '../storage/storage.js'
import type { Random } from './clock.js'
import type { ResolvedConfig } from './config.js'
import type { Outbox } from './io.js'

/** The Accept this node sent for its own record: when it first left, and who granted a lease in reply. */
export interface OwnAccept { readonly accept: Accept, readonly sentAt: number, readonly grantedBy: Set<NodeId> }

/** A round-0 Accept to send again when voters still held the old lease (the Resign was overtaken). */
interface Resend { readonly msg: Accept, at: number, left: number }

/** What a candidacy needs of the rest of the node. */
export interface CandidacyContext {
  readonly out: Outbox
  /** The epoch to stand for: one above the newest chosen. */
  readonly nextEpoch: () => Epoch
  /** The local acceptor's promise in `epoch`: a Prepare must beat it. */
  readonly promised: (epoch: Epoch) => Ballot | null
  /** Whether this node may propose at `now`: caught up, out of quarantine, not stopped by the guard. */
  readonly mayStand: (now: number) => boolean
  /** No election starts before this local time (the quarantine's end). */
  readonly notBefore: () => number
  /** Whether a leader is watched and not given up on. */
  readonly leaderLive: () => boolean
  /** The role change to candidate for `epoch` (the node asserts it is legal). */
  readonly becomeCandidate: (epoch: Epoch) => void
  /** Who decides the next epoch (rule 8). */
  readonly electorate: () => Electorate
  /** The configuration an ordinary candidacy carries on: the newest one, or null before any (epoch 1). */
  readonly configuration: () => Configuration | null
  /** Epoch 1's configuration, naming the voters that promised (rule 12). */
  readonly firstConfiguration: (promisers: ReadonlySet<NodeId>) => Configuration
  /** The nodes that may found the cluster with this one, itself included (heard from, not observers). */
  readonly founding: () => number
}

/** Standing for election (see the file header). */
export class Candidacy {
  readonly #config: ResolvedConfig
  readonly #random: Random
  readonly #context: CandidacyContext
  #proposer: Proposer | null = null
  #highestRound: number
  #roundZeroUsedThrough: Epoch
  #stoodThrough: Epoch
  #electionAt: number | null = null
  /** When the current ballot gives up waiting for a majority. */
  #ballotDeadline: number | null = null
  #resend: Resend | null = null
  #ownAccept: OwnAccept | null = null
  /** After resigning, this node lets others go first. */
  #holdOffUntil = 0
  /** The nodes that promised this node's ballot of epoch 1, once epoch 1 is decided. */
  #founders: ReadonlySet<NodeId> = new Set()
  /** The ballot of this node's newest proposal for epoch 1 (its late promisers are founders). */
  #foundingBallot: Ballot | null = null
  /** Until when epoch 1's proposer waits for more promises past its quorum (see #prepare). */
  #gatherUntil: number | null = null
  /** Ballots that failed since an epoch was last decided (see backoff). */
  #failedBallots = 0
  /** The proposer is this leader's configuration change, not a candidacy. */
  #changing = false

  constructor (config: ResolvedConfig, random: Random, state: PersistentState | null, context: CandidacyContext) {
    this.#config = config
    this.#random = random
    this.#context = context
    this.#highestRound = state?.highestRound ?? 0
    this.#roundZeroUsedThrough = state?.fastEpoch ?? 0
    this.#stoodThrough = state?.candidateEpoch ?? 0
  }

  get highestRound (): number { return this.#highestRound }
  get roundZeroUsedThrough (): Epoch { return this.#roundZeroUsedThrough }
  get stoodThrough (): Epoch { return this.#stoodThrough }
  get ownAccept (): OwnAccept | null { return this.#ownAccept }
  /** Whether this node is in phase 2 of a ballot (then a heartbeat of the old leader does not stop it). */
  get accepting (): boolean { return this.#proposer?.phase === 'accepting' }

  nextDeadline (): number {
    return Math.min(this.#electionAt ?? Infinity, this.#ballotDeadline ?? Infinity, this.#resend?.at ?? Infinity, this.#gatherUntil ?? Infinity)
  }

  /** A randomized wait before standing, shorter for a higher priority. */
  electionDelay (): number {
    return this.#config.electionDelayMs * (0.25 + 0.75 * this.#random.next()) / (1 + this.#config.priority)
  }

  /**
   * The wait before retrying a defeated or timed-out ballot. It doubles with
   * each failed ballot of the epoch (up to 16×): duelling proposers that each
   * need every live voter (4 of 6, two down) otherwise collide for as long as
   * their messages' jitter exceeds the wait.
   */
  backoff (): number {
    const growth = 2 ** Math.min(this.#failedBallots++, 4)
    return growth * (this.#config.electionDelayMs * (0.5 + this.#random.next()) + this.#config.roundTimeoutMs * this.#random.next() / 4)
  }

  /** Plans an election `delayMs` from `now`, not before the quarantine's end nor the hold-off (an earlier plan stands). */
  schedule (now: number, delayMs: number): void {
    const at = Math.max(now + delayMs, this.#context.notBefore(), this.#holdOffUntil)
    this.#electionAt = this.#electionAt === null ? at : Math.min(this.#electionAt, at)
  }

  /** Someone else is electing: give them until `until` before competing. */
  deferTo (until: number): void {
    if (this.#electionAt !== null) this.#electionAt = Math.max(this.#electionAt, until)
  }

  holdOff (until: number): void { this.#holdOffUntil = until }

  /** Drops every plan and deadline (a leader is known). */
  cancel (): void {
    this.#electionAt = null
    this.#ballotDeadline = null
    this.#resend = null
    this.#gatherUntil = null
  }

  /** Acts on what is due at `now`: a round-0 resend, a ballot that ran out of time, the planned election. */
  tick (now: number): void {
    const resend = this.#resend
    if (resend !== null && now >= resend.at) {
      if (this.#proposer?.ballot?.round === 0 && this.#proposer.epoch === resend.msg.epoch) {
        resend.left--
        resend.at = Infinity
        this.#context.out.broadcast(resend.msg)
      } else {
        this.#resend = null
      }
    }
    if (this.#gatherUntil !== null && now >= this.#gatherUntil) {
      this.#gatherUntil = null
      const accept = this.#proposer?.acceptGathered() ?? null
      if (accept !== null) this.#sendAccept(accept, now)
    }
    if (this.#ballotDeadline !== null && now >= this.#ballotDeadline) {
      this.#ballotDeadline = null
      this.schedule(now, this.backoff())
    }
    if (this.#electionAt !== null && now >= this.#electionAt) this.#tryElection(now)
  }

  /**
   * Named successor of the leader of `epoch` (rule 4), when its election is
   * due now: proposes this node for epoch+1 at the reserved round-0 ballot,
   * skipping phase 1, once per epoch ever; otherwise runs an ordinary election.
   */
  succeed (epoch: Epoch, now: number): void {
    if (this.#electionAt === null || this.#electionAt > now) return
    const next = epoch + 1
    if (next !== this.#context.nextEpoch() || next <= this.#roundZeroUsedThrough || !this.#context.mayStand(now)) {
      this.#tryElection(now)
      return
    }
    this.#electionAt = null
    const electorate = this.#context.electorate()
    this.#proposer = new Proposer(next, electorate, this.#own(next))
    this.#context.becomeCandidate(next)
    // Stored with this step, before the Accept leaves: round 0 is used once per epoch.
    this.#roundZeroUsedThrough = next
    this.#context.out.store('sync')
    const accept = this.#proposer.acceptDirectly({ round: 0, nodeId: this.#config.nodeId })
    // Only as many voters as a majority needs besides this one: each further voter would save
    // and reply at the same moment, competing for CPU and disk with those whose answers count.
    // Everyone is asked if the round is not decided by the time the other voters may stand
    // (electionDelayMs/4 at the earliest), or at once when a voter refuses because the Resign
    // has not reached it yet.
    this.#sendAccept(accept, now, electorate.quorum - 1)
    this.#resend = { msg: accept, at: now + this.#config.electionDelayMs / 4, left: 3 }
    this.#ballotDeadline = now + this.#config.roundTimeoutMs
  }

  /**
   * Whether `m` promises this node's epoch-1 ballot: a promise that comes after
   * epoch 1 is decided still makes its sender a founder (its leader adds it at once).
   */
  isFounding (m: PromiseMsg): boolean {
    return m.epoch === 1 && ballotEquals(m.ballot, this.#foundingBallot)
  }

  /** Counts a promise; sends the Accept when a majority promised. */
  onPromise (from: NodeId, m: PromiseMsg, now: number): void {
    const proposer = this.#proposer
    if (proposer === null || m.epoch !== proposer.epoch) return
    const accept = proposer.onPromise(from, m)
    if (accept !== null) this.#sendAccept(accept, now)
  }

  /** An Accepted that granted a lease for this node's own Accept: true when it counts towards the first lease. */
  onGrant (from: NodeId, m: Accepted): boolean {
    const own = this.#ownAccept
    if (!m.lease || own === null || own.accept.epoch !== m.epoch || !ballotEquals(own.accept.ballot, m.ballot)) return false
    own.grantedBy.add(from)
    return true
  }

  /** A refusal: resend the round-0 Accept soon (a voter has not seen the Resign yet), or back off a defeated ballot. */
  onNack (m: Nack, now: number, from?: NodeId): void {
    const resend = this.#resend
    if (resend !== null && resend.left > 0 && m.reason === 'lease' && m.epoch === resend.msg.epoch && ballotEquals(m.ballot, resend.msg.ballot)) {
      resend.at = Math.min(resend.at, now + this.#config.electionDelayMs / 20)
      return
    }
    if (this.#proposer === null || !this.#proposer.onNack(m, from)) return
    this.#resend = null
    this.#ballotDeadline = null
    this.schedule(now, this.backoff())
  }

  /** `epoch` is decided: a candidacy for it or an older one is over. */
  onDecided (epoch: Epoch): void {
    // Epoch 1's promisers (the late ones too) voted at the cluster's start: its leader adds them at once.
    if (this.#proposer?.epoch === 1 && epoch === 1) this.#founders = new Set(this.#proposer.promisers)
    if (this.#proposer !== null && this.#proposer.epoch <= epoch) { this.#proposer = null; this.#changing = false }
    this.#failedBallots = 0
    this.cancel()
  }

  #tryElection (now: number): void {
    this.#electionAt = null
    if (this.#context.leaderLive()) return
    if (!this.#context.mayStand(now)) {
      this.schedule(now, this.electionDelay())
      return
    }
    const epoch = this.#context.nextEpoch()
    if (this.#proposer === null || this.#proposer.epoch !== epoch || this.#changing) {
      this.#changing = false
      this.#proposer = this.#newProposer(epoch, this.#own(epoch))
      this.#context.becomeCandidate(epoch)
    }
    this.#prepare(epoch, now)
  }

  /**
   * The leader proposes itself again for the next epoch with `config`, one
   * change from the current one (rule 9): an ordinary ballot with phase 1,
   * so a value already accepted there wins instead. It stays leader meanwhile.
   * Returns false while such a change is under way.
   */
  reconfigure (config: Configuration, now: number): boolean {
    const epoch = this.#context.nextEpoch()
    if (this.#changing && this.#proposer?.epoch === epoch && this.#ballotDeadline !== null) return false
    this.#changing = true
    this.#electionAt = null
    this.#proposer = this.#newProposer(epoch, { epoch, leaderId: this.#config.nodeId, metadata: this.#config.metadata, config })
    // Stands, though it keeps its role: the event is the same as a candidacy's.
    this.#context.out.event({ type: 'candidate', epoch })
    this.#prepare(epoch, now)
    return true
  }

  get founders (): ReadonlySet<NodeId> { return this.#founders }

  /** Whether a configuration change of this leader is under way. */
  get changing (): boolean { return this.#changing && this.#proposer !== null }

  #newProposer (epoch: Epoch, own: LeaderRecord): Proposer {
    const complete = epoch === 1 && this.#context.configuration() === null
      ? (promisers: ReadonlySet<NodeId>) => ({ ...own, config: this.#context.firstConfiguration(promisers) })
      : undefined
    return new Proposer(epoch, this.#context.electorate(), own, complete)
  }

  #prepare (epoch: Epoch, now: number): void {
    const proposer = this.#proposer!
    const ballot = nextBallot(this.#config.nodeId, [proposer.highestSeen, this.#context.promised(epoch)], this.#highestRound)
    // Stored with this step, before the Prepare leaves: ballots stay unique across restarts.
    this.#highestRound = ballot.round
    this.#context.out.store('sync')
    // Epoch 1: wait up to electionDelayMs past a quorum for every node heard of, so that the first
    // configuration names them all and the cluster tolerates a failure from its first epoch on.
    const founding = epoch === 1 && this.#context.configuration() === null
    // Short: holding the Accept longer gives a rival time to overtake the ballot. A promise that
    // comes later still makes a founder (isFounding).
    this.#gatherUntil = founding ? now + this.#config.electionDelayMs : null
    if (founding) this.#foundingBallot = ballot
    this.#context.out.broadcast(proposer.prepare(ballot, this.#context.electorate(), founding ? this.#context.founding() : 0))
    this.#ballotDeadline = now + this.#config.roundTimeoutMs
  }

  /** Sends a phase-2 Accept, remembering when it first left; one carrying this node's own record stores `stoodThrough` first. */
  #sendAccept (accept: Accept, now: number, fanout?: number): void {
    const own = this.#ownAccept
    const mine = accept.value.leaderId === this.#config.nodeId
    if (own === null || own.accept.epoch !== accept.epoch || !ballotEquals(own.accept.ballot, accept.ballot)) {
      this.#ownAccept = mine ? { accept, sentAt: now, grantedBy: new Set() } : null
    }
    if (mine && accept.epoch > this.#stoodThrough) {
      this.#stoodThrough = accept.epoch
      this.#context.out.store('sync')
    }
    this.#context.out.broadcast(accept, undefined, fanout)
  }

  /** This node's record for `epoch`, carrying the configuration on (epoch 1's is completed from the promisers). */
  #own (epoch: Epoch): LeaderRecord {
    const config = this.#context.configuration() ?? this.#context.firstConfiguration(new Set([this.#config.nodeId]))
    return { epoch, leaderId: this.#config.nodeId, metadata: this.#config.metadata, config }
  }
}
