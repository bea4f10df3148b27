/**
 * Rule 13 in docs/protocol.md: observers learn from voters, so that the
 * leader's work grows with the number of voters, not of observers. Each
 * observer reports its presence to one voter, its relay, picked by rendezvous
 * hashing (observers spread evenly over the voters, and a relay's loss moves
 * only its own observers); the relay forwards it every heartbeat it gets from
 * the leader, and tells the leader of the observers it heard from since its
 * last PresenceDigest, at most every presenceMs/2 (at once for a new or
 * changed one). An observer that hears no heartbeat for
 * MISSED_BEATS heartbeat intervals moves on to the next voter in its order,
 * the leader last.
 *
 * Nothing here bears on safety: a relayed heartbeat only teaches a chosen
 * record and keeps an observer's view of the leader (which it never votes on);
 * a voter never takes one as a lease renewal.
 */
import { MAX_DIGEST_REPORTS, type Presence, type PresenceDigest, type PresenceReport } from '../paxos/message.js'
import type { Epoch, NodeId } from '../paxos/proposal.js'

/** Heartbeat intervals without a heartbeat before an observer moves to its next relay. */
export const MISSED_BEATS = 2.5

/** Most bytes of ids and metadata one digest carries: frames stay below the transport's 64 KiB. */
export const DIGEST_BYTES = 48 * 1024

/** About what a report takes on the wire (UTF-16 units: at most 3 bytes each in UTF-8), flags and numbers included. */
function reportBytes (r: PresenceReport): number {
  let n = 32 + 3 * r.id.length
  for (const [k, v] of Object.entries(r.metadata)) n += 8 + 3 * (k.length + v.length)
  return n
}

/** 32-bit FNV-1a: a stable hash, the same in every process (rendezvous weights). */
function fnv1a (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/**
 * The voters `observer` reports to, in order of preference: the others by
 * rendezvous weight (highest first), then the leader, which serves every
 * observer whose relays are all gone.
 */
export function relayOrder (observer: NodeId, voters: readonly NodeId[], leaderId: NodeId): NodeId[] {
  const others = voters.filter(id => id !== observer && id !== leaderId)
  const weight = new Map(others.map(id => [id, fnv1a(`${observer}/${id}`)]))
  others.sort((a, b) => weight.get(b)! - weight.get(a)! || (a < b ? -1 : 1))
  return [...others, leaderId]
}

/** The observer's side: which voter it reports to, and when to give up on that one. */
export class Upstream {
  readonly #selfId: NodeId
  readonly #heartbeatMs: number
  /** How many relays in the order this observer has given up on (cycles). */
  #skipped = 0
  #heardAt = -Infinity

  constructor (selfId: NodeId, heartbeatMs: number) {
    this.#selfId = selfId
    this.#heartbeatMs = heartbeatMs
  }

  /** The voter to report to now. */
  choose (voters: readonly NodeId[], leaderId: NodeId): NodeId {
    const order = relayOrder(this.#selfId, voters, leaderId)
    return order[this.#skipped % order.length]!
  }

  /** A heartbeat of the watched leader arrived (relayed or not). */
  heard (now: number): void { this.#heardAt = now }

  /** When the current relay is given up on, unless a heartbeat comes first. */
  get missedAt (): number { return this.#heardAt + MISSED_BEATS * this.#heartbeatMs }

  /** Gives the current relay up: the next one in the order is asked from `now`. */
  moveOn (now: number): void {
    this.#skipped++
    this.#heardAt = now
  }
}

interface Subscriber { readonly presence: Presence, readonly at: number }

/** The relay's side (a voter, or the leader): the observers reporting to it. */
export class Relay {
  readonly #presenceMs: number
  readonly #subscribers = new Map<NodeId, Subscriber>()
  /** Observers heard from since the last digest: each presence reaches the leader once. */
  readonly #unreported = new Set<NodeId>()
  #digestAt = Infinity

  constructor (presenceMs: number) {
    this.#presenceMs = presenceMs
  }

  /**
   * Records an observer's presence, for the next digest: due at once for a new
   * observer or a changed presence, else presenceMs/2 after the last digest
   * (at once, when that was longer ago).
   */
  subscribe (from: NodeId, p: Presence, now: number): void {
    const before = this.#subscribers.get(from)
    this.#subscribers.set(from, { presence: p, at: now })
    this.#unreported.add(from)
    const changed = before === undefined || !samePresence(before.presence, p)
    this.#digestAt = changed ? now : Math.max(this.#digestAt, now)
  }

  /** Forgets an observer (it became a voter: it hears the leader itself). */
  drop (id: NodeId): void {
    this.#subscribers.delete(id)
    this.#unreported.delete(id)
  }

  /** The observers heard from within two presence intervals (older ones are forgotten). */
  audience (now: number): NodeId[] {
    this.#prune(now)
    return [...this.#subscribers.keys()]
  }

  /** When the next digest is due (∞ with nothing to report). */
  get digestAt (): number { return this.#unreported.size === 0 ? Infinity : this.#digestAt }

  /** The digests to send the leader now: the observers heard from since the last, at most MAX_DIGEST_REPORTS and DIGEST_BYTES per message. */
  digests (epoch: Epoch, now: number): PresenceDigest[] {
    this.#digestAt = now + this.#presenceMs / 2
    const heard = [...this.#unreported].flatMap(id => {
      const s = this.#subscribers.get(id)
      return s === undefined ? [] : [[id, s] as const]
    })
    this.#unreported.clear()
    const reports: PresenceReport[] = heard.map(([id, { presence: { type: _, ...p }, at }]) => ({ id, ...p, ageMs: Math.max(0, Math.round(now - at)) }))
    const out: PresenceDigest[] = []
    let batch: PresenceReport[] = []
    let bytes = 0
    for (const r of reports) {
      const size = reportBytes(r)
      if (batch.length > 0 && (batch.length === MAX_DIGEST_REPORTS || bytes + size > DIGEST_BYTES)) {
        out.push({ type: 'presenceDigest', epoch, reports: batch })
        batch = []
        bytes = 0
      }
      batch.push(r)
      bytes += size
    }
    if (batch.length > 0) out.push({ type: 'presenceDigest', epoch, reports: batch })
    return out
  }

  #prune (now: number): void {
    for (const [id, s] of this.#subscribers) if (now - s.at > 2 * this.#presenceMs) this.#subscribers.delete(id)
  }
}

/** A report as the Presence its observer sent. */
export function presenceOf (r: PresenceReport): Presence {
  const { id: _, ageMs: __, ...p } = r
  return { type: 'presence', ...p }
}

function samePresence (a: Presence, b: Presence): boolean {
  return a.epoch === b.epoch && a.observer === b.observer && a.ready === b.ready && a.leaving === b.leaving && a.rejoin === b.rejoin && a.priority === b.priority &&
    sameMetadata(a.metadata, b.metadata)
}

function sameMetadata (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every(k => b[k] === a[k])
}
