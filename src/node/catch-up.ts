/**
 * Catch-up at start (rule 5 in docs/protocol.md): a node asks every node for the
 * newest chosen epoch and proposes nothing until a majority of the electorate it
 * knows (itself included, if it belongs) answered, so it never stands for an
 * epoch that is already decided.
 */
import type { Electorate } from '../paxos/configuration.js'
import type { NodeId } from '../paxos/proposal.js'

export class CatchUp {
  readonly #answered = new Set<NodeId>()
  #synced = false
  /** When to ask again, while not synced. */
  #askAgainAt: number | null = null

  constructor (selfId: NodeId) {
    this.#answered.add(selfId)
  }

  get synced (): boolean { return this.#synced }
  get askAgainAt (): number | null { return this.#askAgainAt }

  /** A StatusRequest left at `now`; ask again at `retryAt` if still not synced. */
  asked (retryAt: number): void { this.#askAgainAt = retryAt }

  /**
   * Counts `from`'s answer (none for the node itself) towards a majority of
   * `electorate` (what the node knows now); returns true when this makes it synced.
   */
  answer (from: NodeId | null, electorate: Electorate): boolean {
    if (this.#synced) return false
    if (from !== null) this.#answered.add(from)
    let n = 0
    for (const id of this.#answered) if (electorate.counts(id)) n++
    if (n < electorate.quorum) return false
    this.#synced = true
    this.#askAgainAt = null
    return true
  }
}
