/**
 * The acceptor: the safety guardian of single-decree Paxos, one instance per epoch.
 *
 * Invariants enforced here:
 * - it never promises a ballot at or below one it already promised (a repeat of
 *   the same Prepare gets the same promise again, which changes nothing);
 * - it never accepts a ballot below its promise.
 *
 * Each step returns the reply and whether the state changed. When it changed,
 * the caller must store `snapshot()` durably before it releases the reply:
 * a reply sent from state that a crash could lose is a promise the node may
 * later break.
 */
import { ballotAbove, ballotAtLeast, ballotEquals, formatBallot, type Ballot, type Epoch } from './proposal.js'
import type { Accept, Accepted, AcceptedValue, Nack, Prepare, PromiseMsg } from './message.js'
import { violated } from '../invariant.js'

/** An acceptor's state in one epoch: its promise and what it accepted. */
export interface AcceptorEpochState {
  readonly promised: Ballot | null
  readonly accepted: AcceptedValue | null
}

/** An acceptor's whole state, by epoch, as stored. */
export type AcceptorSnapshot = ReadonlyArray<readonly [Epoch, AcceptorEpochState]>

/** The outcome of one acceptor step. */
export interface AcceptorStep<R> {
  /** True when the state changed: persist it before sending `reply`. */
  readonly changed: boolean
  readonly reply: R | Nack
}

const EMPTY: AcceptorEpochState = { promised: null, accepted: null }

/** The acceptor role (see the file header for its invariants). */
export class Acceptor {
  readonly #epochs = new Map<Epoch, AcceptorEpochState>()

  constructor (snapshot: AcceptorSnapshot = []) {
    for (const [epoch, state] of snapshot) this.#epochs.set(epoch, state)
  }

  state (epoch: Epoch): AcceptorEpochState {
    return this.#epochs.get(epoch) ?? EMPTY
  }

  /** The highest epoch in which this acceptor promised or accepted anything (0 for none). */
  highestEpoch (): Epoch {
    let max = 0
    for (const e of this.#epochs.keys()) if (e > max) max = e
    return max
  }

  /** The highest epoch in which this acceptor accepted a value (0 for none). */
  highestAcceptedEpoch (): Epoch {
    let max = 0
    for (const [e, s] of this.#epochs) if (e > max && s.accepted !== null) max = e
    return max
  }

  onPrepare (m: Prepare, chosenEpoch: Epoch): AcceptorStep<PromiseMsg> {
    const s = this.state(m.epoch)
    if (ballotEquals(m.ballot, s.promised)) {
      // A retransmitted Prepare: repeat the promise, nothing new is promised.
      return { changed: false, reply: { type: 'promise', epoch: m.epoch, ballot: m.ballot, accepted: s.accepted } }
    }
    if (!ballotAbove(m.ballot, s.promised)) {
      return { changed: false, reply: this.#nack(m.epoch, m.ballot, s.promised, chosenEpoch) }
    }
    this.#set(m.epoch, s, { promised: m.ballot, accepted: s.accepted })
    return { changed: true, reply: { type: 'promise', epoch: m.epoch, ballot: m.ballot, accepted: s.accepted } }
  }

  onAccept (m: Accept, chosenEpoch: Epoch): AcceptorStep<Accepted> {
    const s = this.state(m.epoch)
    if (!ballotAtLeast(m.ballot, s.promised)) {
      return { changed: false, reply: this.#nack(m.epoch, m.ballot, s.promised, chosenEpoch) }
    }
    const reply: Accepted = { type: 'accepted', epoch: m.epoch, ballot: m.ballot, value: m.value, lease: false }
    if (s.accepted !== null && ballotEquals(s.accepted.ballot, m.ballot)) return { changed: false, reply }
    this.#set(m.epoch, s, { promised: m.ballot, accepted: { ballot: m.ballot, value: m.value } })
    return { changed: true, reply }
  }

  /**
   * Drops the state of every epoch at or below `epoch`: once a node knows the
   * value chosen there it answers with Chosen instead, so it needs no votes.
   * Returns true when anything was dropped.
   */
  compact (epoch: Epoch): boolean {
    let dropped = false
    for (const e of [...this.#epochs.keys()]) {
      if (e <= epoch) { this.#epochs.delete(e); dropped = true }
    }
    return dropped
  }

  snapshot (): AcceptorSnapshot {
    return [...this.#epochs.entries()].sort((a, b) => a[0] - b[0])
  }

  /** The one place an epoch's state changes; the two invariants of the file header are asserted here. */
  #set (epoch: Epoch, before: AcceptorEpochState, after: AcceptorEpochState): void {
    if (after.promised === null || !ballotAtLeast(after.promised, before.promised) ||
      (after.accepted !== before.accepted && (after.accepted === null || !ballotAtLeast(after.accepted.ballot, before.promised)))) {
      brokenStep(epoch, before, after)
    }
    this.#epochs.set(epoch, after)
  }

  #nack (epoch: Epoch, ballot: Ballot, promised: Ballot | null, chosenEpoch: Epoch): Nack {
    return { type: 'nack', epoch, ballot, promised, chosenEpoch, reason: 'promised' }
  }
}

/** The failure branch of Acceptor's step assertions, kept out of the hot path: names the invariant broken. */
function brokenStep (epoch: Epoch, before: AcceptorEpochState, after: AcceptorEpochState): never {
  if (after.promised === null || !ballotAtLeast(after.promised, before.promised)) {
    violated('promise-never-decreases', `epoch ${epoch}: promise ${formatBallot(before.promised)} would become ${formatBallot(after.promised)}`)
  }
  violated('accept-at-or-above-promise', `epoch ${epoch}: accepting at ${formatBallot(after.accepted?.ballot ?? null)} below the promise ${formatBallot(before.promised)}`)
}
