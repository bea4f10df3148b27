/**
 * The leader's view of who is there, from the Presence each node sends it
 * (rule 10 in docs/protocol.md), and the one configuration change it should
 * propose next. Consul's autopilot plays this part: it removes a voter that
 * left, forgot its state or went silent for `memberTimeoutMs` (never below a
 * floor), and promotes an observer that has been there and caught up for
 * `stabilizationMs`, one voter per change. A voter that leaves is replaced
 * before it is removed (add, then remove, as Raft's single-server changes do),
 * so that a rolling update keeps the target number of voters throughout.
 *
 * Nothing here bears on safety: a change this proposes is checked by every
 * acceptor (one voter at a time, rule 9) and chosen by Paxos like any record.
 */
import type { Configuration } from '../paxos/configuration.js'
import { isVoter, withoutVoter, withTarget, withVoter } from '../paxos/configuration.js'
import type { Presence } from '../paxos/message.js'
import { majority, type Epoch, type NodeId } from '../paxos/proposal.js'

/** What the leader knows of one node from its presence. */
export interface Seen {
  /** Since when it has been present without a gap (local time). */
  readonly firstAt: number
  /** Its newest presence. */
  readonly lastAt: number
  /** When it last said it may vote. */
  readonly readyAt: number
  readonly presence: Presence
}

export interface MembershipTiming {
  /** How often every node sends its presence to the leader. */
  readonly presenceMs: number
  /** A voter silent (or unable to vote) this long is removed. */
  readonly memberTimeoutMs: number
  /** An observer must be present and caught up this long before it is promoted. */
  readonly stabilizationMs: number
}

/** Whether a node that says `p` may be made a voter: able to vote, and asking for nothing else. */
function promotable (p: Presence): boolean {
  return p.ready && !p.observer && !p.leaving && !p.rejoin
}

/** Tracks presence for a leader and picks the next change (see the file header). */
export class Membership {
  readonly #selfId: NodeId
  readonly #timing: MembershipTiming
  readonly #seen = new Map<NodeId, Seen>()
  /** When this node began to track (its leadership began): silent voters are counted from here. */
  #since: number

  /**
   * Nodes that voted in epoch 1 (its leader's late promisers): promoted without
   * the stabilization time, in the cluster's first stabilizationMs only, and
   * only until one says anything that makes it unpromotable (a restart, say).
   */
  readonly #founders: Set<NodeId>

  constructor (selfId: NodeId, timing: MembershipTiming, now: number, founders: ReadonlySet<NodeId> = new Set()) {
    this.#selfId = selfId
    this.#timing = timing
    this.#since = now
    this.#founders = new Set(founders)
  }

  get seen (): ReadonlyMap<NodeId, Seen> { return this.#seen }

  /** A node that promised this leader's epoch-1 ballot after epoch 1 was decided. */
  addFounder (id: NodeId): void { this.#founders.add(id) }

  /** This node begins to lead at `now`: silences count from here; `founders` may be promoted at once. */
  lead (now: number, founders: ReadonlySet<NodeId> = new Set()): void {
    this.#since = now
    for (const id of founders) this.#founders.add(id)
  }

  /** `from` said `p` at `now` (earlier than the present for a presence a relay reports, rule 13). */
  onPresence (from: NodeId, p: Presence, now: number): void {
    const before = this.#seen.get(from)
    // A relay's digest may carry a presence older than one heard since (from the observer itself, or another relay).
    if (before !== undefined && now < before.lastAt) return
    // A gap of two presences breaks the run of presence an observer is promoted on, and so does a
    // presence it could not be promoted on (a forgetful voter asking to rejoin is not stable yet).
    if (!promotable(p)) this.#founders.delete(from)
    const continuous = before !== undefined && promotable(before.presence) && now - before.lastAt <= 2 * this.#timing.presenceMs
    this.#seen.set(from, {
      firstAt: continuous ? before.firstAt : now,
      lastAt: now,
      readyAt: p.ready ? now : (before?.readyAt ?? -Infinity),
      presence: p
    })
  }

  /**
   * The change to propose now, or null: first the target, then removals
   * (asked for, then silent voters, then surplus), then one promotion.
   * `epoch` is the leader's: an observer is caught up when it knows it.
   */
  nextChange (config: Configuration, target: number, epoch: Epoch, now: number): Configuration | null {
    if (config.target !== target) return withTarget(config, target)
    const others = config.voters.filter(m => m.id !== this.#selfId)
    const asked = others.find(m => {
      const p = this.#seen.get(m.id)?.presence
      return p !== undefined && this.#fresh(m.id, now) && (p.leaving || p.rejoin || p.observer)
    })
    if (asked !== undefined) {
      const without = withoutVoter(config, asked.id)
      const leaving = this.#seen.get(asked.id)!.presence.leaving
      if (!leaving) return without
      // A voter leaving hands its seat over: an observer ready to take it is added first (one
      // change), so that a rolling update never runs below its target number of voters.
      if (config.voters.length <= target) {
        const successor = this.#readyObserver(config, epoch, now)
        if (successor !== null) return withVoter(config, successor)
      }
      // A leaver votes until it stops: it goes only while the voters heard from are a majority
      // without it, else a silent voter goes first (a crashed one, or one promoted as it stopped).
      if (!this.#heardMajority(without, now)) return this.#silentVoter(config, target, now, id => !this.#fresh(id, now))
      // An observer that will be ready within the stabilization time is worth waiting for: the
      // leaving node waits that long too (stop()), and the voters never drop below the target.
      return config.voters.length <= target && this.#pendingObserver(config, epoch, now) ? null : without
    }
    const silent = this.#silentVoter(config, target, now)
    if (silent !== null) return silent
    if (config.voters.length > target && others.length > 0) {
      const quietest = [...others].sort((a, b) => this.#silentFor(b.id, now) - this.#silentFor(a.id, now) || (a.id < b.id ? -1 : 1))[0]!
      return withoutVoter(config, quietest.id)
    }
    if (config.voters.length < target) {
      const ready = this.#readyObserver(config, epoch, now)
      if (ready !== null) return withVoter(config, ready)
    }
    return null
  }

  /**
   * Consul's min_quorum: a voter silent (or unable to vote) for memberTimeoutMs, one of `among`, is
   * removed only while a majority of the target remains.
   */
  #silentVoter (config: Configuration, target: number, now: number, among = (_id: NodeId) => true): Configuration | null {
    if (config.voters.length - 1 < majority(target)) return null
    const silent = config.voters.find(m => m.id !== this.#selfId && among(m.id) && this.#silentFor(m.id, now) >= this.#timing.memberTimeoutMs)
    return silent === undefined ? null : withoutVoter(config, silent.id)
  }

  /** Whether the voters of `config` this leader hears from (itself, and those present lately) are a majority of it. */
  #heardMajority (config: Configuration, now: number): boolean {
    const heard = config.voters.filter(m => m.id === this.#selfId || this.#fresh(m.id, now)).length
    return heard >= majority(config.voters.length)
  }

  /** Whether an observer is present, able and caught up, but not yet there for stabilizationMs. */
  #pendingObserver (config: Configuration, epoch: Epoch, now: number): boolean {
    return [...this.#seen].some(([id, s]) => !isVoter(config, id) && promotable(s.presence) && s.presence.epoch >= epoch &&
      now - s.lastAt <= 2 * this.#timing.presenceMs && now - s.firstAt < this.#timing.stabilizationMs)
  }

  /** The observer present longest among those ready to be promoted, or null. */
  #readyObserver (config: Configuration, epoch: Epoch, now: number): NodeId | null {
    const ready = [...this.#seen].filter(([id, s]) => !isVoter(config, id) && this.#eligible(id, s, epoch, now))
    ready.sort((a, b) => a[1].firstAt - b[1].firstAt || (a[0] < b[0] ? -1 : 1))
    return ready[0]?.[0] ?? null
  }

  #fresh (id: NodeId, now: number): boolean {
    const s = this.#seen.get(id)
    return s !== undefined && now - s.lastAt <= 2 * this.#timing.presenceMs
  }

  /** How long voter `id` has not said it may vote (counted from the start of tracking at most). */
  #silentFor (id: NodeId, now: number): number {
    const readyAt = this.#seen.get(id)?.readyAt ?? -Infinity
    return now - Math.max(readyAt, this.#since)
  }

  #eligible (id: NodeId, s: Seen, epoch: Epoch, now: number): boolean {
    const p = s.presence
    return promotable(p) && p.epoch >= epoch &&
      now - s.lastAt <= 2 * this.#timing.presenceMs &&
      ((this.#founders.has(id) && now - this.#since < this.#timing.stabilizationMs) || now - s.firstAt >= this.#timing.stabilizationMs)
  }
}
