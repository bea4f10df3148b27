/**
 * The distinct voters that voted for one thing (a ballot's promises, a
 * ballot's acceptances, a leader's beat). A quorum counts distinct voters
 * only: a duplicated or replayed vote is never counted twice. The count is
 * kept apart from the set and the two are asserted to agree at every vote
 * (a pair assertion), so no refactoring can turn the set into a list unseen.
 */
import { violated } from '../invariant.js'
import type { NodeId } from './proposal.js'

export class Votes {
  readonly #voters: Set<NodeId>
  #count: number

  /** No votes yet, or a copy of `from`'s. */
  constructor (from?: Votes) {
    this.#voters = from === undefined ? new Set() : new Set(from.#voters)
    this.#count = this.#voters.size
  }

  get size (): number { return this.#count }

  has (id: NodeId): boolean { return this.#voters.has(id) }

  /** Counts `id`'s vote; returns false for a voter already counted. */
  add (id: NodeId): boolean {
    const before = this.#voters.size
    if (this.#voters.add(id).size === before) return false
    this.#count++
    if (this.#count !== this.#voters.size) violated('quorum-of-distinct-voters', `${this.#count} votes counted from ${this.#voters.size} voters`)
    return true
  }

  /** Whether at least `quorum` distinct voters voted. */
  reached (quorum: number): boolean { return this.#count >= quorum }

}
