/**
 * Leading one epoch: the heartbeat beats, the lease they earn, and the
 * tracking of who answers them (rule 2 in docs/protocol.md).
 *
 * Invariant kept here: the lease never reaches past the send time of a beat
 * that a majority of distinct voters of the record's configuration
 * acknowledged, plus leaseMs·(1−ρ)/(1+ρ) (`leaderLeaseMs`). That is what
 * keeps it inside every acknowledging voter's grant in real time, whatever
 * the drift within ρ. A leader that chose a new configuration for itself
 * (rule 9) keeps the lease it held under the old one until that runs out:
 * it is backed by the old configuration's voters, whose majorities share a
 * voter with the new one's.
 */
import { leaderRecordEquals, type Epoch, type LeaderRecord, type NodeId } from '../paxos/proposal.js'
import type { OwnAccept } from './candidacy.js'
import type { DemotionReason, Outbox } from './io.js'
import { violated } from '../invariant.js'
import { electorateOf, type Electorate } from '../paxos/configuration.js'
import { AskTracker, type Beat } from './tracker.js'

export interface LeadershipConfig {
  readonly selfId: NodeId
  readonly leaseMs: number
  readonly heartbeatMs: number
  /** leaseMs·(1−ρ)/(1+ρ): how long a leader may count on a majority-acknowledged beat. */
  readonly leaderLeaseMs: number
  /** Whether a lease running until `leaseUntil` is live at `now` (Node.leaseHeld, which a test variant may break). */
  readonly leaseHeld: (leaseUntil: number, now: number) => boolean
  /**
   * Who gets the heartbeats of a leader of `record` at `now`: this node, the
   * configuration's voters and the observers that report to the leader itself
   * (rule 13: the others hear them from their relays). Without it, every
   * connected node does.
   */
  readonly audience?: (record: LeaderRecord, now: number) => readonly NodeId[]
  /**
   * How fit voter `id` is to succeed this leader (rule 4): its `priority` if
   * it told this leader lately that it may vote, else −∞. Without it, every
   * voter ranks alike and the quickest is named.
   */
  readonly successorPriority?: (id: NodeId) => number
}

/** The lease a leader held under its previous epoch, carried into a configuration change (rule 9). */
export interface InheritedLease { readonly leaseUntil: number, readonly newestSentAt: number, readonly voters: readonly NodeId[] }

/** Why a leadership must end now (see `tick`). */
export type LeadershipEnd = 'lease-expired' | 'give-up' | null

/** This node leading the epoch of `record` (see the file header). */
export class Leadership {
  readonly record: LeaderRecord
  /** Whose acknowledgements count: the voters of the record's configuration. */
  readonly electorate: Electorate
  readonly #config: LeadershipConfig
  readonly #out: Outbox
  readonly #tracker: AskTracker
  /** The sequence number of the newest beat (beat 0 is the Accept that got the record chosen). */
  #seq = 0
  /** Beats young enough to extend the lease, by sequence number. */
  readonly #beats = new Map<number, Beat>()
  #leaseUntil = -Infinity
  /** When the newest beat left (beat 0 included): no lease reaches past it plus leaderLeaseMs. */
  #newestSentAt = -Infinity
  #elected = false
  #nextBeatAt: number
  /** A leader that gets no majority by then gives the epoch up. */
  readonly #giveUpAt: number

  /** The voters backing the lease until the first majority of the new configuration acknowledges a beat. */
  #inherited: InheritedLease | null

  /** `electorate`: whose acknowledgements count, the voters of `record.config` unless a test variant says otherwise. */
  constructor (record: LeaderRecord, now: number, config: LeadershipConfig, out: Outbox, inherited: InheritedLease | null = null, electorate = electorateOf(record.config)) {
    this.record = record
    this.electorate = electorate
    this.#config = config
    this.#out = out
    this.#tracker = new AskTracker({ ...config, quorum: this.electorate.quorum })
    this.#nextBeatAt = now
    this.#giveUpAt = now + config.leaseMs
    this.#inherited = inherited !== null && config.leaseHeld(inherited.leaseUntil, now) ? inherited : null
    if (this.#inherited !== null) {
      // Elected already: the lease it held carries on; the new voters renew it from the first beat.
      this.#elected = true
      this.#leaseUntil = this.#inherited.leaseUntil
      this.#newestSentAt = this.#inherited.newestSentAt
      out.event({ type: 'elected', epoch: record.epoch })
    }
  }

  /** @internal For checkers: the voters whose grants back the lease now. */
  get leaseVoters (): readonly NodeId[] {
    return this.#inherited?.voters ?? this.record.config.voters.map(m => m.id)
  }

  /** What a successor of this leadership under a new configuration inherits (rule 9). */
  get inheritable (): InheritedLease | null {
    return this.#elected ? { leaseUntil: this.#leaseUntil, newestSentAt: this.#newestSentAt, voters: this.leaseVoters } : null
  }

  get epoch (): Epoch { return this.record.epoch }
  /** Whether a majority acknowledged a beat while its lease was live: the `elected` event was due. */
  get elected (): boolean { return this.#elected }
  /** The local time until which the lease runs (−∞ before any majority). */
  get leaseUntil (): number { return this.#leaseUntil }

  /** True while elected and the lease is live at `now`. */
  leads (now: number): boolean {
    return this.#elected && this.#config.leaseHeld(this.#leaseUntil, now)
  }

  nextDeadline (): number {
    return Math.min(this.#nextBeatAt, this.#elected ? this.#leaseUntil : this.#giveUpAt)
  }

  /**
   * Begins to lead: the Accept that got the record chosen (`own`, if it was
   * this node's) is beat 0 with the voters that granted a lease in reply;
   * then the first heartbeat leaves.
   */
  start (own: OwnAccept | null, now: number): void {
    if (own !== null && own.accept.epoch === this.record.epoch && leaderRecordEquals(own.accept.value, this.record)) {
      const granted = [...own.grantedBy].filter(id => this.electorate.counts(id))
      const first: Beat = { sentAt: own.sentAt, acks: new Set(granted), counted: granted.length }
      this.#beats.set(0, first)
      this.#newestSentAt = Math.max(this.#newestSentAt, own.sentAt)
      this.#count(first, now)
    }
    this.#beat(now)
  }

  /** Sends the beat due at `now`; returns why the leadership must end instead (lease over, or never won), or null. */
  tick (now: number): LeadershipEnd {
    if (this.#elected && !this.#config.leaseHeld(this.#leaseUntil, now)) return 'lease-expired'
    if (!this.#elected && now >= this.#giveUpAt) return 'give-up'
    if (now >= this.#nextBeatAt) this.#beat(now)
    return null
  }

  /** A lease grant reported in an Accepted after the record was learned: it still counts for beat 0. */
  onLateGrant (from: NodeId, now: number): void {
    const first = this.#beats.get(0)
    if (first === undefined || !this.electorate.counts(from)) return
    this.#ack(first, from, now)
  }

  /** The leadership is over (the node already retired the epoch): reports it, and hands over if resigning. */
  end (reason: DemotionReason): void {
    if (this.#elected) this.#out.event({ type: 'demoted', epoch: this.record.epoch, reason })
    // The successor's answer is on the critical path of the handover: it hears first.
    const rank = this.#config.successorPriority
    const successor = rank === undefined ? this.#tracker.quickest : this.#tracker.successor(rank)
    if (reason === 'resigned') this.#out.broadcast({ type: 'resign', epoch: this.record.epoch, successor }, successor ?? undefined)
  }

  #beat (now: number): void {
    const seq = ++this.#seq
    this.#beats.set(seq, { sentAt: now, acks: new Set(), counted: 0 })
    this.#newestSentAt = now
    // Beats older than a lease can no longer extend it.
    for (const [old, beat] of this.#beats) if (beat.sentAt + this.#config.leaderLeaseMs <= now) this.#beats.delete(old)
    this.#nextBeatAt = now + this.#config.heartbeatMs
    const ackFrom = this.#tracker.ask(seq, now, this.#elected, this.#leaseUntil, this.#beats)
    const beat = { type: 'heartbeat', epoch: this.record.epoch, seq, value: this.record, ackFrom } as const
    // An epoch's first heartbeat goes to every connected node: observers that know no relay learn the new leader from it.
    const audience = seq === 1 ? undefined : this.#config.audience?.(this.record, now)
    if (audience === undefined) this.#out.broadcast(beat)
    else this.#out.multicast(beat, audience)
  }

  /** A voter acknowledged beat `seq`. */
  onAck (from: NodeId, seq: number, now: number): void {
    const beat = this.#beats.get(seq)
    if (beat === undefined || !this.electorate.counts(from)) return
    if (from !== this.#config.selfId) this.#tracker.onAnswer(from, seq, now - beat.sentAt)
    this.#ack(beat, from, now)
  }

  /** Counts `from`'s acknowledgement of `beat` once. */
  #ack (beat: Beat, from: NodeId, now: number): void {
    const before = beat.acks.size
    if (beat.acks.add(from).size === before) return
    beat.counted++
    this.#count(beat, now)
  }

  /** A beat acknowledged by a majority extends the lease from its send time; the first such lease elects. */
  #count (beat: Beat, now: number): void {
    if (beat.counted < this.electorate.quorum) return
    if (beat.counted !== beat.acks.size) violated('quorum-of-distinct-voters', `${beat.counted} acknowledgements counted from ${beat.acks.size} voters`)
    for (const id of beat.acks) if (!this.electorate.counts(id)) violated('lease-counted-by-voters', `${id} acknowledged beat ${beat.sentAt} of epoch ${this.record.epoch} but is no voter of it`)
    const until = beat.sentAt + this.#config.leaderLeaseMs
    // The new configuration's voters back the lease once it reaches past the inherited one.
    if (this.#inherited !== null && until >= this.#inherited.leaseUntil) this.#inherited = null
    if (until > this.#leaseUntil) this.#leaseUntil = until
    if (beat.sentAt > now || this.#leaseUntil > this.#newestSentAt + this.#config.leaderLeaseMs) {
      violated('lease-within-bound', `lease until ${this.#leaseUntil} from a beat sent at ${beat.sentAt} (now ${now}, newest beat ${this.#newestSentAt}, bound ${this.#config.leaderLeaseMs} ms)`)
    }
    if (this.#elected || !this.#config.leaseHeld(this.#leaseUntil, now)) return
    this.#elected = true
    this.#out.event({ type: 'elected', epoch: this.record.epoch })
  }
}
