/**
 * How the voters answer the leader's heartbeats, as raft's `tracker/` keeps
 * its followers' progress: which voters acknowledged each beat, how quickly
 * each one answers, whom the last ask named, and whether an ask went
 * unanswered lately. From that it decides whom each beat asks (rule 2 in
 * docs/protocol.md). Asking fewer voters can only delay a renewal, never make one, so
 * nothing here bears on safety; the lease itself is counted in Leadership.
 */
import { MAX_ACK_FROM, type Heartbeat } from '../paxos/message.js'
import type { NodeId } from '../paxos/proposal.js'

/** How long a leader asks every voter in every beat after an ask went unanswered, in leases (rule 2). */
export const CAREFUL_LEASES = 10

/** One heartbeat round: when it left, and the distinct voters that acknowledged it. */
export interface Beat {
  readonly sentAt: number
  readonly acks: Set<NodeId>
  /** Acknowledgements taken in, counted apart from the set (a pair assertion: a quorum counts distinct voters only). */
  counted: number
}

export interface TrackerConfig {
  readonly quorum: number
  readonly heartbeatMs: number
  readonly leaseMs: number
}

/** Tracks the answers to one leader's beats (see the file header). */
export class AskTracker {
  readonly #config: TrackerConfig
  /** The voter that answered the newest beat first: the successor to suggest on resigning. */
  #quickest: { readonly seq: number, readonly id: NodeId } | null = null
  /** Each voter's delay in answering its newest acknowledged beat; a voter that left an ask unanswered is dropped. */
  readonly #answerMs = new Map<NodeId, number>()
  /** The newest beat that asked for acknowledgements, and whom it asked. */
  #lastAsk: { readonly seq: number, readonly asked: Heartbeat['ackFrom'] } | null = null
  /** Until then every beat asks everyone: an ask went unanswered recently. */
  #carefulUntil = -Infinity

  constructor (config: TrackerConfig) {
    this.#config = config
  }

  /** The voter that answered the newest beat first. */
  get quickest (): NodeId | null { return this.#quickest?.id ?? null }

  /**
   * The voter to name as successor on resigning (rule 4): of those that
   * answered the last ask they got, the highest `priorityOf`; ties go to the
   * quickest. A voter ranked −∞ (not heard able to vote lately) is named only
   * if it answered the newest beat first and nobody ranks higher.
   */
  successor (priorityOf: (id: NodeId) => number): NodeId | null {
    let best = this.quickest
    let bestPriority = best === null ? -Infinity : priorityOf(best)
    for (const [id] of [...this.#answerMs].sort(byDelay)) {
      const p = priorityOf(id)
      if (p > bestPriority) { best = id; bestPriority = p }
    }
    return best
  }

  /** Records another voter's answer to beat `seq`, `delayMs` after the beat left. */
  onAnswer (from: NodeId, seq: number, delayMs: number): void {
    if (this.#quickest === null || this.#quickest.seq < seq) this.#quickest = { seq, id: from }
    this.#answerMs.set(from, delayMs)
  }

  /**
   * Decides who acknowledges beat `seq`, being sent at `now`: nobody, the
   * quickest voters a majority needs, or everyone; and records the ask, to
   * judge it by the time of the next one.
   */
  ask (seq: number, now: number, elected: boolean, leaseUntil: number, beats: ReadonlyMap<number, Beat>): Heartbeat['ackFrom'] {
    const { quorum, heartbeatMs, leaseMs } = this.#config
    const careful = !elected || now < this.#carefulUntil
    // Two later beats can still renew the lease, with a quarter of a beat to spare for the answers.
    if (!careful && leaseUntil - now > 2 * heartbeatMs + heartbeatMs / 4) return []
    let asked: Heartbeat['ackFrom'] = 'all'
    const last = this.#lastAsk
    const acks = last === null ? undefined : beats.get(last.seq)?.acks
    // Whoever the last ask asked in vain is no longer among the quickest.
    if (last !== null) {
      for (const id of last.asked === 'all' ? [...this.#answerMs.keys()] : last.asked) if (acks?.has(id) !== true) this.#answerMs.delete(id)
    }
    if (elected && last !== null && (acks?.size ?? 0) < quorum) {
      // The last ask got no majority: for a while every beat asks everyone, as on a lossy network it must.
      this.#carefulUntil = now + CAREFUL_LEASES * leaseMs
    } else if (!careful && quorum - 1 <= MAX_ACK_FROM) {
      const need = quorum - 1
      const quickest = [...this.#answerMs].sort(byDelay).slice(0, need).map(([id]) => id)
      if (quickest.length === need) asked = quickest
    }
    this.#lastAsk = { seq, asked }
    return asked
  }
}

/** Quickest answer first; ties by ID, so that every run orders alike. */
function byDelay (a: readonly [NodeId, number], b: readonly [NodeId, number]): number {
  return a[1] - b[1] || (a[0] < b[0] ? -1 : 1)
}
