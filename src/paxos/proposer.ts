/**
 * The proposer: drives phase 1 (Prepare/Promise) and phase 2 (Accept) for one
 * epoch at one ballot at a time. The node picks ballots (it must persist the
 * round it uses before sending, so ballots stay unique across restarts) and
 * decides when to retry after a Nack; this class holds the rules:
 *
 * - a quorum is a majority of distinct voters of the epoch's electorate:
 *   duplicates never count twice, and a node outside it never counts;
 * - in phase 2 it proposes the value of the highest-ballot accepted reply among
 *   the promises, and only its own value if no promise reported any (this is
 *   what keeps a possibly chosen value from being replaced).
 */
import { ballotEquals, compareBallots, type Ballot, type Epoch, type LeaderRecord, type NodeId } from './proposal.js'
import { bootstrapElectorate, type Electorate } from './configuration.js'
import type { Accept, AcceptedValue, Nack, Prepare, PromiseMsg } from './message.js'
import { violated } from '../invariant.js'

/** Where a proposer stands in its current ballot. */
export type ProposerPhase = 'idle' | 'preparing' | 'gathering' | 'accepting' | 'defeated'

/** The proposer role for one epoch (see the file header for its rules). */
export class Proposer {
  readonly epoch: Epoch
  #electorate: Electorate
  #quorum: number
  readonly #ownValue: LeaderRecord
  #phase: ProposerPhase = 'idle'
  #ballot: Ballot | null = null
  #promises = new Set<NodeId>()
  /** Promises taken in, counted apart from the set (a pair assertion: a quorum counts distinct voters only). */
  #promiseCount = 0
  #highestAccepted: AcceptedValue | null = null
  /** The highest ballot any Nack or promise reported; the next try must beat it. */
  #highestSeen: Ballot | null = null
  #proposed: LeaderRecord | null = null
  /** Promises to wait for beyond the quorum before the Accept (see prepare). */
  #gather = 0

  /** Builds this proposer's own value from the voters that promised (epoch 1's configuration names them). */
  readonly #complete: ((promisers: ReadonlySet<NodeId>) => LeaderRecord) | null

  /**
   * `voters`: the electorate of `epoch`, or a count of voters of which any
   * majority decides (epoch 1). `complete`, if given, makes the own value
   * proposed in phase 2 from the promisers.
   */
  constructor (epoch: Epoch, voters: Electorate | number, ownValue: LeaderRecord, complete?: (promisers: ReadonlySet<NodeId>) => LeaderRecord) {
    if (ownValue.epoch !== epoch) throw new RangeError(`own value is for epoch ${ownValue.epoch}, not ${epoch}`)
    this.epoch = epoch
    this.#electorate = typeof voters === 'number' ? bootstrapElectorate(voters) : voters
    this.#quorum = this.#electorate.quorum
    this.#ownValue = ownValue
    this.#complete = complete ?? null
  }

  get phase (): ProposerPhase { return this.#phase }
  get ballot (): Ballot | null { return this.#ballot }
  get highestSeen (): Ballot | null { return this.#highestSeen }
  /** The value sent in phase 2, once there. */
  get proposed (): LeaderRecord | null { return this.#proposed }

  /**
   * Starts phase 1 at `ballot`, which the caller made higher than `highestSeen`;
   * `electorate`, if given, replaces the one this ballot counts (epoch 1's count
   * grows as nodes are heard from).
   */
  prepare (ballot: Ballot, electorate?: Electorate, gather = 0): Prepare {
    if (electorate !== undefined) { this.#electorate = electorate; this.#quorum = electorate.quorum }
    // Epoch 1's proposer waits a moment for every node it heard of (`gather` promises in all), so
    // that the first configuration names them all: a quorum of promises is still what it needs.
    this.#gather = gather
    this.#ballot = ballot
    this.#phase = 'preparing'
    this.#promises = new Set()
    this.#promiseCount = 0
    this.#highestAccepted = null
    this.#proposed = null
    this.#see(ballot)
    return { type: 'prepare', epoch: this.epoch, ballot }
  }

  /** Counts a promise; returns the Accept to broadcast when a majority promised. */
  /** Every node that promised the current ballot, those after the quorum included. */
  get promisers (): ReadonlySet<NodeId> { return this.#promises }

  onPromise (from: NodeId, m: PromiseMsg): Accept | null {
    // A promise after the Accept changes nothing, but is remembered (epoch 1's late founders).
    if (this.#phase === 'accepting' && m.epoch === this.epoch && ballotEquals(m.ballot, this.#ballot) && this.#electorate.counts(from)) this.#promises.add(from)
    if ((this.#phase !== 'preparing' && this.#phase !== 'gathering') || m.epoch !== this.epoch || !ballotEquals(m.ballot, this.#ballot)) return null
    if (this.#promises.has(from) || !this.#electorate.counts(from)) return null
    this.#promises.add(from)
    this.#promiseCount++
    if (m.accepted !== null) {
      this.#see(m.accepted.ballot)
      if (this.#highestAccepted === null || compareBallots(m.accepted.ballot, this.#highestAccepted.ballot) > 0) {
        this.#highestAccepted = m.accepted
      }
    }
    if (this.#promiseCount < this.#quorum) return null
    if (this.#promiseCount !== this.#promises.size) violated('quorum-of-distinct-voters', `${this.#promiseCount} promises counted from ${this.#promises.size} voters`)
    if (this.#promiseCount < this.#gather) { this.#phase = 'gathering'; return null }
    return this.#accept()
  }

  /** While gathering (a quorum promised, more may come): the Accept, from the promises so far. */
  acceptGathered (): Accept | null {
    return this.#phase === 'gathering' ? this.#accept() : null
  }

  /** Phase 2a from a quorum of promises: the highest-ballot accepted value among them, else this proposer's own. */
  #accept (): Accept {
    this.#phase = 'accepting'
    const value = this.#highestAccepted?.value ?? this.#complete?.(this.#promises) ?? this.#ownValue
    if (value.epoch !== this.epoch) throw new RangeError(`proposing a value for epoch ${value.epoch} in epoch ${this.epoch}`)
    this.#proposed = value
    return { type: 'accept', epoch: this.epoch, ballot: this.#ballot!, value }
  }

  /**
   * Skips phase 1 and proposes this proposer's own value at `ballot`. Safe only
   * for a ballot below every ballot another proposer can use in this epoch:
   * Quorum reserves round 0 of an epoch for the successor that the previous
   * epoch's only leader named when it resigned. No value can have been accepted
   * below such a ballot, so phase 1 would have nothing to report, and every
   * higher ballot runs phase 1 and so finds this value if it could be chosen.
   */
  acceptDirectly (ballot: Ballot): Accept {
    if (ballot.round !== 0) throw new RangeError('only the reserved round 0 may skip phase 1')
    this.#ballot = ballot
    this.#phase = 'accepting'
    this.#promises = new Set()
    this.#promiseCount = 0
    this.#highestAccepted = null
    this.#proposed = this.#ownValue
    this.#see(ballot)
    return { type: 'accept', epoch: this.epoch, ballot, value: this.#ownValue }
  }

  /**
   * Records a refusal. Returns true when it defeats the current ballot: the
   * caller should then retry later with a ballot above `highestSeen`.
   */
  onNack (m: Nack, from?: NodeId): boolean {
    if (m.epoch !== this.epoch) return false
    if (m.promised !== null) this.#see(m.promised)
    // A node outside the electorate, or one that cannot vote now, leaves the others to decide.
    if ((from !== undefined && !this.#electorate.counts(from)) || m.reason === 'membership' || m.reason === 'config' || m.reason === 'quarantine') return false
    if (this.#phase === 'idle' || this.#phase === 'defeated' || !ballotEquals(m.ballot, this.#ballot)) return false
    this.#phase = 'defeated'
    return true
  }

  #see (b: Ballot): void {
    if (this.#highestSeen === null || compareBallots(b, this.#highestSeen) > 0) this.#highestSeen = b
  }
}
