/**
 * The voter: this node's acceptor, the lease it grants a leader (rule 1 in
 * docs/protocol.md) and its quarantine after a start (rule 6).
 *
 * Invariants kept here:
 * - a live grant to one (epoch, leader) excludes every other until it expires
 *   or that leader resigns;
 * - on durable storage a new grant is recorded (`storedGrant`, saved with the
 *   step) before the reply that reports it leaves, so a restart knows it may
 *   still be bound and quarantines;
 * - a quarantined voter grants nothing (the coordinator also refuses its votes);
 * - a voter that accepted a value in epoch z grants no lease of an epoch below
 *   z, and while bound to leader A it accepts no record naming another leader
 *   (rule 9: what ends A's leases before a later epoch is chosen without it).
 */
import type { Acceptor } from '../paxos/acceptor.js'
import type { Epoch, LeaderRecord, NodeId } from '../paxos/proposal.js'
import type { Accept, Heartbeat, Message, Nack, Prepare } from '../paxos/message.js'
import type { PersistentState } from '../storage/storage.js'
import type { Outbox } from './io.js'

/** A lease granted to `leaderId` for `epoch`, until local time `expiresAt`. */
export interface Grant { readonly epoch: Epoch, readonly leaderId: NodeId, readonly expiresAt: number }

/** The outcome of a grant: refused, granted (or renewed), or granted as a new grant that must be stored first. */
export type GrantResult = 'refused' | 'granted' | 'granted-store'

/** The voter role (see the file header). */
export class Voter {
  readonly acceptor: Acceptor
  readonly #selfId: NodeId
  readonly #out: Outbox
  readonly #leaseMs: number
  readonly #durable: boolean
  #grant: Grant | null = null
  #storedGrant: PersistentState['grant']
  #quarantineUntil = 0

  constructor (selfId: NodeId, out: Outbox, acceptor: Acceptor, storedGrant: PersistentState['grant'], durable: boolean, leaseMs: number) {
    this.#selfId = selfId
    this.#out = out
    this.acceptor = acceptor
    this.#storedGrant = storedGrant
    this.#durable = durable
    this.#leaseMs = leaseMs
  }

  /** The newest grant recorded for storage (without its expiry). */
  get storedGrant (): PersistentState['grant'] { return this.#storedGrant }
  /** The grant this voter holds, live or not, or null. */
  get grant (): Grant | null { return this.#grant }
  get quarantineUntil (): number { return this.#quarantineUntil }

  quarantined (now: number): boolean { return now < this.#quarantineUntil }

  /** Rule 6: from a start, grant and vote nothing until `until`. */
  quarantine (until: number): void { this.#quarantineUntil = until }

  /** Whether a live grant to someone else binds this voter against `from` proposing `epoch`. */
  boundAgainst (from: NodeId, epoch: Epoch, now: number): boolean {
    const grant = this.#grant
    return grant !== null && now < grant.expiresAt && grant.leaderId !== from && epoch > grant.epoch
  }

  /**
   * Grants `leaderId` the lease of `epoch` until now + leaseMs, unless this
   * voter is quarantined, accepted a value in a later epoch, or is bound by a
   * live lease to another leader (or to this one in a later epoch).
   */
  grantLease (epoch: Epoch, leaderId: NodeId, now: number): GrantResult {
    if (now < this.#quarantineUntil || epoch < this.acceptor.highestAcceptedEpoch()) return 'refused'
    const grant = this.#grant
    const same = grant !== null && grant.epoch === epoch && grant.leaderId === leaderId
    // A live grant binds to its leader; that leader may carry it into a later epoch (rule 9), never back.
    if (grant !== null && now < grant.expiresAt && (grant.leaderId !== leaderId || epoch < grant.epoch)) return 'refused'
    this.#grant = { epoch, leaderId, expiresAt: now + this.#leaseMs }
    if (same || !this.#durable || (this.#storedGrant?.epoch === epoch && this.#storedGrant.leaderId === leaderId)) return 'granted'
    this.#storedGrant = { epoch, leaderId }
    return 'granted-store'
  }

  /** `leaderId` resigned `epoch`: its grant is void. */
  release (leaderId: NodeId, epoch: Epoch): void {
    if (this.#grant?.leaderId === leaderId && this.#grant.epoch === epoch) this.#grant = null
  }

  /*
   * The answers below send their reply through the outbox, storing first what
   * the reply depends on. `decided` is the newest chosen record known (an epoch
   * at or below it is answered with Chosen); `refusal`, the reason the
   * coordinator refuses this vote for (membership, configuration), or null.
   */

  /** Phase 1b: a promise, or a refusal. Returns whether it promised. */
  answerPrepare (from: NodeId, m: Prepare, now: number, decided: LeaderRecord | null, refused: Nack['reason'] | null): boolean {
    const refusal = this.#refusal(from, m, now, decided, refused)
    if (refusal !== null) { this.#reply(from, refusal, false); return false }
    const step = this.acceptor.onPrepare(m, decided?.epoch ?? 0)
    this.#reply(from, step.reply, step.changed)
    return step.reply.type === 'promise'
  }

  /**
   * Phase 2b: an acceptance, or a refusal. Accepting is also a heartbeat from
   * the value's leader (rule 1): it grants that leader a lease if free to (if
   * the value is not chosen after all, the grant only delays the real leader).
   */
  answerAccept (from: NodeId, m: Accept, now: number, decided: LeaderRecord | null, refused: Nack['reason'] | null): void {
    const refusal = this.#refusal(from, m, now, decided, refused)
    if (refusal !== null) { this.#reply(from, refusal, false); return }
    const step = this.acceptor.onAccept(m, decided?.epoch ?? 0)
    if (step.reply.type !== 'accepted') { this.#reply(from, step.reply, step.changed); return }
    const grant = this.grantLease(m.epoch, m.value.leaderId, now)
    this.#reply(from, { ...step.reply, lease: grant !== 'refused' }, step.changed || grant === 'granted-store')
  }

  /**
   * A heartbeat of the chosen leader: a stale one is told of the newer epoch;
   * otherwise the voter grants the lease whether or not the leader asks for an
   * answer (rule 2), and answers only if asked (the leader always counts itself).
   */
  answerHeartbeat (from: NodeId, m: Heartbeat, now: number, decided: LeaderRecord, mayGrant: boolean): void {
    if (m.epoch < decided.epoch) {
      this.#reply(from, { type: 'nack', epoch: m.epoch, ballot: { round: 0, nodeId: from }, promised: null, chosenEpoch: decided.epoch, reason: 'stale' }, false)
      return
    }
    if (!mayGrant) return
    const granted = this.grantLease(m.epoch, from, now)
    if (granted === 'granted-store') this.#out.store('sync')
    const asked = m.ackFrom === 'all' || from === this.#selfId || m.ackFrom.includes(this.#selfId)
    if (granted !== 'refused' && asked) this.#out.send(from, { type: 'heartbeatAck', epoch: m.epoch, seq: m.seq })
  }

  /**
   * The grant that a round-0 Accept from `from` voids, or null. Round 0 of epoch
   * e+1 is sent only by the successor that e's leader named in its Resign, after
   * that leader stepped down (rule 4): the Accept vouches for the Resign it
   * overtook. (Crash faults, not Byzantine.)
   */
  overtakenResign (from: NodeId, m: Accept, now: number): Grant | null {
    const grant = this.#grant
    if (m.ballot.round !== 0 || grant === null || grant.epoch !== m.epoch - 1 || grant.leaderId === from || now >= grant.expiresAt) return null
    return grant
  }

  #reply (to: NodeId, reply: Message, store: boolean): void {
    if (store) this.#out.store('sync')
    this.#out.send(to, reply)
  }

  /** Checks shared by Prepare and Accept: decided epochs, quarantine, the coordinator's refusal, and live leases (rules 1, 9). */
  #refusal (from: NodeId, m: Prepare | Accept, now: number, decided: LeaderRecord | null, refused: Nack['reason'] | null): Message | null {
    if (decided !== null && m.epoch <= decided.epoch) return { type: 'chosen', epoch: decided.epoch, value: decided }
    let reason: Nack['reason']
    if (now < this.#quarantineUntil) reason = 'quarantine'
    else if (refused !== null) reason = refused
    // A higher ballot never overrides a live lease granted to another leader, nor carries another's record past it.
    else if (this.boundAgainst(from, m.epoch, now) || (m.type === 'accept' && this.boundAgainst(m.value.leaderId, m.epoch, now))) reason = 'lease'
    else return null
    return { type: 'nack', epoch: m.epoch, ballot: m.ballot, promised: this.acceptor.state(m.epoch).promised, chosenEpoch: decided?.epoch ?? 0, reason }
  }
}
