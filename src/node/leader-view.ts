/**
 * A node's view of the leader (rules 1, 3 and 7 in docs/protocol.md): whom it
 * believes in, until when it expects to hear from it again, whether it gave
 * up on it (then it stands for election, unless the leader is heard), and
 * which leaders the host was told of (leaderChosen, leaderLost, leaderFound).
 *
 * Invariant kept here: leaderChosen is reported once per epoch, in increasing
 * order, and never for an epoch at or below one announced before a restart.
 */
import { violated } from '../invariant.js'
import { leaderRecordEquals, type Epoch, type LeaderRecord, type NodeId } from '../paxos/proposal.js'
import type { Outbox } from './io.js'

export class LeaderView {
  readonly #selfId: NodeId
  readonly #leaseMs: number
  readonly #out: Outbox
  #record: LeaderRecord | null = null
  #until = Infinity
  #lost = false
  /** Whether the watched leader was heard from (a heartbeat, or its election seen) since it was watched. */
  #heard = false
  /** Whether losing the watched leader was reported (leaderLost), so that hearing it again is reported too. */
  #lossReported = false
  /** The newest epoch whose leader was announced (leaderChosen) to the host. */
  #announcedThrough: Epoch
  /** The record announced last in this incarnation. */
  #announced: LeaderRecord | null = null

  constructor (selfId: NodeId, leaseMs: number, out: Outbox, announcedThrough: Epoch) {
    this.#selfId = selfId
    this.#leaseMs = leaseMs
    this.#out = out
    this.#announcedThrough = announcedThrough
  }

  /** The leader watched, given up on or not, or null. */
  get watched (): LeaderRecord | null { return this.#record }
  /** The leader watched and not given up on, or null: nobody stands against it. */
  get live (): LeaderRecord | null { return this.#lost ? null : this.#record }
  /**
   * The live leader, if it was heard from since it was watched: what the host
   * is told. A record from disk or from another node's memory may name a
   * leader long dead (rule 7).
   */
  get confirmed (): LeaderRecord | null { return this.#heard ? this.live : null }
  /** When the watched leader is given up on if not heard from (∞ when none is watched). */
  get expiresAt (): number { return this.live === null ? Infinity : this.#until }

  /** Watches `record` from `now`, for one lease; `heard`: its leader was heard from (or seen elected) just now. */
  watch (record: LeaderRecord, now: number, heard: boolean): void {
    this.#record = record
    this.#until = now + this.#leaseMs
    this.#lost = false
    this.#heard = heard
    this.#lossReported = false
  }

  /** Tells the host of `record`'s leader, once per epoch and in order. */
  announce (record: LeaderRecord): void {
    const announced = this.#announced
    // The learner hands out only what it learned: the same epoch must come with the same value.
    if (announced !== null && announced !== record) {
      if (announced.epoch === record.epoch && !leaderRecordEquals(announced, record)) {
        violated('chosen-never-changes', `epoch ${record.epoch} announced as ${announced.leaderId}, now reported as ${record.leaderId}`)
      }
      if (record.epoch < announced.epoch) violated('epochs-learned-in-order', `epoch ${record.epoch} after epoch ${announced.epoch} was announced`)
    }
    if (record.epoch <= this.#announcedThrough) return
    this.#announced = record
    this.#announcedThrough = record.epoch
    this.#out.event({ type: 'leaderChosen', record })
  }

  /**
   * A heartbeat of `epoch` was heard at `now`, and `newest` is the newest
   * record known: announces it, and gives the watched leader of that epoch
   * one more lease. Returns true when that leader had been given up on.
   */
  hear (newest: LeaderRecord, epoch: Epoch, now: number): boolean {
    this.announce(newest)
    const watched = this.#record
    if (watched === null || watched.epoch !== epoch) return false
    this.#until = now + this.#leaseMs
    this.#heard = true
    if (!this.#lost) return false
    this.#lost = false
    // Said only after a leaderLost: otherwise the announcement just made (or none due) says it.
    if (this.#lossReported) this.#out.event({ type: 'leaderFound', record: watched })
    this.#lossReported = false
    return true
  }

  /** Gives the watched leader up. */
  lose (): void {
    const record = this.#record!
    this.#lost = true
    // Only a leader the host was told of in this incarnation and heard from: a restarted node
    // knows its last leader from disk, but announces it only once that leader is heard (rule 7).
    this.#lossReported = this.#heard && record.leaderId !== this.#selfId && this.#announced?.epoch === record.epoch
    if (this.#lossReported) this.#out.event({ type: 'leaderLost', record })
  }
}
