/**
 * The learner: decides that a value is chosen once a majority of distinct
 * voters accepted it at the same ballot, or when told by a Chosen message.
 *
 * Invariants enforced here:
 * - votes are counted per (epoch, ballot) by distinct voter ID, so a duplicated
 *   or replayed Accepted never counts twice, and only the votes of the epoch's
 *   electorate count: the voters of the newest learned record's configuration
 *   (rule 8), or any `bootstrapVoters` distinct nodes for epoch 1;
 * - epochs are learned in increasing order, and a learned value never changes:
 *   a conflicting report is returned as a conflict, never adopted.
 */
import { leaderRecordEquals, type Epoch, type LeaderRecord, type NodeId } from './proposal.js'
import { bootstrapElectorate, configurationEquals, electorateOf, type Electorate } from './configuration.js'
import type { Accepted } from './message.js'
import { violated } from '../invariant.js'

/** What a learner made of a report. */
export type LearnResult =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'learned', readonly value: LeaderRecord }
  | { readonly kind: 'conflict', readonly known: LeaderRecord, readonly reported: LeaderRecord }

const IGNORED: LearnResult = { kind: 'ignored' }

/** Votes for one ballot: the distinct voters, and apart from the set a count of the votes it took in (a pair assertion). */
interface Tally { readonly value: LeaderRecord, readonly voters: Set<NodeId>, counted: number }

/** The learner role (see the file header for its invariants). */
export class Learner {
  readonly #bootstrap: Electorate
  #newest: LeaderRecord | null
  /** The electorate of epoch newest+1, the only epoch whose votes are counted. */
  #electorate: Electorate
  /** Votes for epochs above the newest learned one, keyed by epoch then ballot. */
  readonly #tallies = new Map<Epoch, Map<string, Tally>>()

  /** Test hook (a broken variant of the simulator): counts a quorum this many votes short. */
  readonly #shortBy: number

  constructor (bootstrapVoters: number, newest: LeaderRecord | null = null, shortBy = 0) {
    this.#shortBy = shortBy
    this.#bootstrap = bootstrapElectorate(bootstrapVoters)
    this.#newest = newest
    this.#electorate = newest === null ? this.#bootstrap : electorateOf(newest.config)
  }

  /** Who decides the next epoch. */
  get electorate (): Electorate { return this.#electorate }

  /** The newest chosen leader record this learner knows, or null. */
  get newest (): LeaderRecord | null { return this.#newest }

  get newestEpoch (): Epoch { return this.#newest?.epoch ?? 0 }

  onAccepted (from: NodeId, m: Accepted): LearnResult {
    if (m.value.epoch !== m.epoch) return IGNORED
    // An Accepted at some other ballot of a decided epoch is normal (it lost); only Chosen can conflict.
    if (m.epoch <= this.newestEpoch) return IGNORED
    // Only the next epoch's electorate is known; a later epoch is learned from Chosen or a heartbeat.
    if (m.epoch !== this.newestEpoch + 1 || !this.#electorate.counts(from)) return IGNORED
    let byBallot = this.#tallies.get(m.epoch)
    if (byBallot === undefined) { byBallot = new Map(); this.#tallies.set(m.epoch, byBallot) }
    const key = `${m.ballot.round}\u0000${m.ballot.nodeId}`
    let tally = byBallot.get(key)
    if (tally === undefined) { tally = { value: m.value, voters: new Set(), counted: 0 }; byBallot.set(key, tally) }
    // One ballot carries one value; a mismatch can only be a corrupt message.
    if (!leaderRecordEquals(tally.value, m.value)) return IGNORED
    const before = tally.voters.size
    if (tally.voters.add(from).size === before) return IGNORED
    tally.counted++
    if (tally.counted < this.#electorate.quorum - this.#shortBy) return IGNORED
    if (tally.counted !== tally.voters.size) violated('quorum-of-distinct-voters', `${tally.counted} votes counted from ${tally.voters.size} voters`)
    return this.#learn(m.value)
  }

  onChosen (value: LeaderRecord): LearnResult {
    if (value.epoch <= this.newestEpoch) return this.#check(value.epoch, value)
    return this.#learn(value)
  }

  #learn (value: LeaderRecord): LearnResult {
    if (value.epoch <= this.newestEpoch) violated('epochs-learned-in-order', `learning epoch ${value.epoch} after epoch ${this.newestEpoch}`)
    // Most records carry the configuration on unchanged: keep the electorate built for it.
    if (this.#newest === null || !configurationEquals(this.#newest.config, value.config)) this.#electorate = electorateOf(value.config)
    this.#newest = value
    for (const e of [...this.#tallies.keys()]) if (e <= value.epoch) this.#tallies.delete(e)
    return { kind: 'learned', value }
  }

  #check (epoch: Epoch, reported: LeaderRecord): LearnResult {
    const known = this.#newest
    if (known !== null && known.epoch === epoch && !leaderRecordEquals(known, reported)) {
      return { kind: 'conflict', known, reported }
    }
    return IGNORED
  }
}
