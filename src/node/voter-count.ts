/**
 * The voter-count guard: counts the distinct voters that voted here (promise,
 * accepted, heartbeat ack) within the last leaseMs. An honest node that
 * restarts under a new ID (memory storage) casts no vote during its
 * quarantine, which lasts longer than that even on the slowest clock allowed,
 * so its old ID has dropped out before its new one votes. More voters than
 * clusterSize is a configuration fault: majorities of a wrong count need not
 * overlap, so the guard trips and stays tripped until the node restarts.
 */
import type { NodeId } from '../paxos/proposal.js'

export class VoterCount {
  readonly #selfId: NodeId
  readonly #clusterSize: number
  readonly #windowMs: number
  /** When each other voter last voted here, by local time. */
  readonly #votedAt = new Map<NodeId, number>()
  #tripped = false

  constructor (selfId: NodeId, clusterSize: number, windowMs: number) {
    this.#selfId = selfId
    this.#clusterSize = clusterSize
    this.#windowMs = windowMs
  }

  /** True once more voters voted than clusterSize allows: no voting or leading until restarted. */
  get tripped (): boolean { return this.#tripped }

  /** Records a vote from `from`; returns every voter, sorted, when this vote trips the guard, else null. */
  note (from: NodeId, now: number): readonly NodeId[] | null {
    this.#votedAt.set(from, now)
    for (const [id, at] of this.#votedAt) if (now - at > this.#windowMs) this.#votedAt.delete(id)
    if (this.#tripped || this.#votedAt.size + 1 <= this.#clusterSize) return null
    this.#tripped = true
    return [this.#selfId, ...this.#votedAt.keys()].sort()
  }
}
