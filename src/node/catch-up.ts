/**
 * Catch-up at start (rule 5 in docs/protocol.md): a node asks every node for the
 * newest chosen epoch and proposes nothing until a majority (itself included)
 * answered, so it never stands for an epoch that is already decided.
 */
import type { NodeId } from '../paxos/proposal.js'

export class CatchUp {
  readonly #quorum: number
  readonly #answered = new Set<NodeId>()
  #synced = false
  /** When to ask again, while not synced. */
  #askAgainAt: number | null = null

  constructor (selfId: NodeId, quorum: number) {
    this.#quorum = quorum
    this.#answered.add(selfId)
  }

  get synced (): boolean { return this.#synced }
  get askAgainAt (): number | null { return this.#askAgainAt }

  /** A StatusRequest left at `now`; ask again at `retryAt` if still not synced. */
  asked (retryAt: number): void { this.#askAgainAt = retryAt }

  /** Counts `from`'s answer (none for the node itself); returns true when this makes the node synced. */
  answer (from: NodeId | null): boolean {
    if (this.#synced) return false
    if (from !== null) this.#answered.add(from)
    if (this.#answered.size < this.#quorum) return false
    this.#synced = true
    this.#askAgainAt = null
    return true
  }
}
