/**
 * The coordinator (src/node/node.ts) driven message by message: one Node with
 * a manual clock and a constant random source, fed hand-made messages, its
 * `ready()` output read after each step. Each test pins a decision node.ts
 * makes itself (which message it ignores, when it re-asks, when it demotes,
 * what it hands its parts), not the parts' own rules.
 */
import { describe, expect, it } from 'vitest'
import { Node, type NodeDeps, type NodeEvent, type Outbound } from '../../src/node/node.js'
import type { NodeConfig } from '../../src/node/config.js'
import { Acceptor } from '../../src/paxos/acceptor.js'
import { Learner } from '../../src/paxos/learner.js'
import type { Message } from '../../src/paxos/message.js'
import type { LeaderRecord, NodeId } from '../../src/paxos/proposal.js'
import type { Configuration } from '../../src/paxos/configuration.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { record, testConfig } from '../support/records.js'

const LEASE = 2000
const DELAY = 100 // electionDelayMs: with random 0.5 an election waits 100·(0.25 + 0.375) = 62.5 ms
const ROUND = 500 // roundTimeoutMs
const WAIT = 62.5

/** The voters a, b and c, with the nodes' settings below. */
const CONFIG = testConfig(['a', 'b', 'c'], { leaseMs: LEASE, heartbeatMs: LEASE / 4 })
function rec (epoch: number, leaderId: NodeId, config: Configuration = CONFIG): LeaderRecord { return record(epoch, leaderId, { config }) }

/** A stored state; joinedAt 0: the node's memory goes back to the cluster's start, so it is a voter that may vote (rule 11). */
function state (patch: Partial<PersistentState>): PersistentState {
  return { acceptor: [], learned: null, highestRound: 0, fastEpoch: 0, candidateEpoch: 0, grant: null, joinedAt: 0, ...patch }
}

/** Node `a` of a cluster of `size`, at time 1000. */
class Solo {
  now = 1000
  readonly node: Node
  messages: Outbound[] = []
  events: NodeEvent[] = []

  constructor (opts: { size?: number, state?: PersistentState | null, durable?: boolean, deps?: Partial<NodeDeps>, config?: Partial<NodeConfig> } = {}) {
    this.node = new Node({ nodeId: 'a', clusterSize: opts.size ?? 3, leaseMs: LEASE, electionDelayMs: DELAY, roundTimeoutMs: ROUND, ...opts.config }, {
      clock: { now: () => this.now },
      random: { next: () => 0.5 },
      state: opts.state ?? null,
      durableStorage: opts.durable ?? true,
      ...opts.deps
    })
  }

  #drain (): void {
    const rd = this.node.ready()
    this.messages.push(...rd.messages)
    this.events.push(...rd.events)
  }

  start (): this { this.node.start(); this.#drain(); return this }
  step (from: NodeId, msg: Message): this { this.node.step(from, msg); this.#drain(); return this }
  tickAt (t: number): this { this.now = t; this.node.tick(); this.#drain(); return this }
  /** Ticks at every deadline up to `t`, then at `t`. */
  runTo (t: number): this {
    for (let i = 0, d = this.node.nextDeadline(); d !== null && d <= t; i++, d = this.node.nextDeadline()) {
      if (i > 10_000) throw new Error(`the deadline ${d} stays due`)
      this.tickAt(Math.max(this.now, d))
    }
    return this.tickAt(t)
  }

  /** Takes what was sent and reported since the last take. */
  take (): { messages: Outbound[], events: NodeEvent[] } {
    const out = { messages: this.messages, events: this.events }
    this.messages = []
    this.events = []
    return out
  }

  sent (type: Message['type']): Outbound[] { return this.take().messages.filter(o => o.msg.type === type) }

  /** Started, and caught up by b's answer (no leader known): an election is planned WAIT from now. */
  synced (value: LeaderRecord | null = null): this {
    this.start().step('b', { type: 'statusReply', epoch: value?.epoch ?? 0, value })
    this.take()
    return this
  }

  /**
   * Knowing b's epoch 1 (stored), synced; b's lease runs out unrenewed and a stands for epoch 2
   * at ELECTION, in phase 2 with b's promise (its Accept just sent).
   */
  standing (): this {
    this.synced(rec(1, 'b')).runTo(ELECTION)
    this.step('b', { type: 'promise', epoch: 2, ballot: { round: 1, nodeId: 'a' }, accepted: null })
    this.take()
    return this
  }

  /** Standing, then elected for epoch 2: b accepts and grants the lease. */
  leading (): this {
    this.standing().step('b', { type: 'accepted', epoch: 2, ballot: { round: 1, nodeId: 'a' }, value: rec(2, 'a'), lease: true })
    expect(this.node.isLeader).toBe(true)
    this.take()
    return this
  }
}

/** A node that remembers epoch 1, led by b (see Solo.standing). */
const knowing = (): Solo => new Solo({ state: state({ learned: rec(1, 'b') }) })
/** When a, knowing epoch 1, stands for epoch 2: b's lease, given at the start, ran out and an election delay passed. */
const ELECTION = 1000 + LEASE + WAIT

describe('Node: built from its deps and stored state', () => {
  it('hands makeAcceptor the stored acceptor, or [] without a state', () => {
    const seen: unknown[] = []
    const makeAcceptor = (s: PersistentState['acceptor']): Acceptor => { seen.push(s); return new Acceptor(s) }
    const stored = state({ acceptor: [[1, { promised: { round: 5, nodeId: 'c' }, accepted: null }]] })
    new Solo({ deps: { makeAcceptor } })
    new Solo({ deps: { makeAcceptor }, state: stored })
    expect(seen).toEqual([[], stored.acceptor])
  })

  it('hands makeLearner the stored record, or null without one', () => {
    const seen: unknown[] = []
    const makeLearner = (n: number, newest: LeaderRecord | null): Learner => { seen.push([n, newest]); return new Learner(n, newest) }
    new Solo({ deps: { makeLearner } })
    new Solo({ deps: { makeLearner }, state: state({ learned: rec(3, 'b') }) })
    expect(seen).toEqual([[3, null], [3, rec(3, 'b')]])
  })

  it('keeps the stored promises: a lower Prepare is refused, and a refused Prepare does not delay its own election', () => {
    const s = new Solo({ state: state({ acceptor: [[1, { promised: { round: 5, nodeId: 'c' }, accepted: null }]] }) }).synced()
    // Knowing no cluster, it listens roundTimeoutMs after its start, then waits its election delay (rule 12).
    expect(s.node.nextDeadline()).toBe(1000 + ROUND + WAIT)
    s.step('b', { type: 'prepare', epoch: 1, ballot: { round: 3, nodeId: 'b' } })
    expect(s.take().messages).toEqual([{ to: 'b', msg: { type: 'nack', epoch: 1, ballot: { round: 3, nodeId: 'b' }, promised: { round: 5, nodeId: 'c' }, chosenEpoch: 0, reason: 'promised' } }])
    expect(s.node.nextDeadline()).toBe(1000 + ROUND + WAIT)
    // A Prepare it promises does delay it: someone else is electing.
    s.now = 1100
    s.step('c', { type: 'prepare', epoch: 1, ballot: { round: 6, nodeId: 'c' } })
    expect(s.take().messages.map(o => o.msg.type)).toEqual(['promise'])
    expect(s.node.nextDeadline()).toBe(1100 + ROUND)
  })

  it('a node restarted after standing in epoch 3 does not announce the older epoch 2 when its leader is heard', () => {
    const s = new Solo({ state: state({ learned: rec(2, 'b'), candidateEpoch: 3 }) }).start()
    // At start it reports the configuration it follows (the stored record's), and nothing else.
    expect(s.take().events).toEqual([{ type: 'configuration', config: rec(2, 'b').config }])
    s.step('b', { type: 'heartbeat', epoch: 2, seq: 9, value: rec(2, 'b'), ackFrom: 'all' })
    expect(s.take().events).toEqual([])
    // Nor is losing it: this incarnation never told the host of it.
    s.runTo(1000 + 3 * LEASE)
    expect(s.take().events.filter(e => e.type === 'leaderLost')).toEqual([])
  })

  it('a restarted node does not announce its stored leader when an older leader heartbeats: it tells that one of the newer epoch', () => {
    const s = new Solo({ state: state({ learned: rec(2, 'c') }) }).synced(rec(2, 'c'))
    s.step('b', { type: 'heartbeat', epoch: 1, seq: 9, value: rec(1, 'b'), ackFrom: 'all' })
    expect(s.take()).toEqual({
      messages: [{ to: 'b', msg: { type: 'nack', epoch: 1, ballot: { round: 0, nodeId: 'b' }, promised: null, chosenEpoch: 2, reason: 'stale' } }],
      events: []
    })
    s.step('c', { type: 'heartbeat', epoch: 2, seq: 9, value: rec(2, 'c'), ackFrom: [] })
    expect(s.take().events).toEqual([{ type: 'leaderChosen', record: rec(2, 'c') }])
  })
})

describe('Node: queries', () => {
  it('an unstarted node has no deadline, ignores messages and ticks, and starts once', () => {
    const s = new Solo()
    expect(s.node.nextDeadline()).toBeNull()
    s.step('b', { type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'b' } })
    s.tickAt(5000)
    expect(s.take()).toEqual({ messages: [], events: [] })
    s.start()
    s.start()
    expect(s.take().messages).toEqual([{ to: null, msg: { type: 'statusRequest', epoch: 0 } }])
  })

  it('a cluster of one is caught up at start: it asks nobody, and stands an election delay after the bootstrap wait (rule 12)', () => {
    const s = new Solo({ size: 1 }).start()
    expect(s.take().messages).toEqual([])
    expect(s.node.nextDeadline()).toBe(1000 + ROUND + WAIT)
    s.tickAt(1000 + ROUND + WAIT)
    expect(s.take().messages[0]?.msg).toEqual({ type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'a' } })
    // Three voters: not caught up, it asks.
    expect(new Solo({ size: 3 }).start().take().messages).toEqual([{ to: null, msg: { type: 'statusRequest', epoch: 0 } }])
  })

  it('leaseUntil, grant and newestChosen', () => {
    const f = new Solo().synced()
    expect(f.node.leaseUntil).toBeNull()
    expect(f.node.grant).toBeNull()
    f.step('b', { type: 'accept', epoch: 1, ballot: { round: 1, nodeId: 'b' }, value: rec(1, 'b') })
    expect(f.node.grant).toEqual({ epoch: 1, leaderId: 'b', expiresAt: 1000 + LEASE })
    expect(f.node.newestChosen).toBeNull()
    f.step('b', { type: 'chosen', epoch: 1, value: rec(1, 'b') })
    expect(f.node.newestChosen).toEqual(rec(1, 'b'))

    const l = knowing().leading()
    // Beat 0 is the Accept, sent at the election: the lease runs leaseMs·(1−ρ)/(1+ρ) from then.
    expect(l.node.leaseUntil).toBeCloseTo(ELECTION + LEASE * 0.99 / 1.01, 9)
  })
})

describe('Node: catching up', () => {
  it('asks again exactly roundTimeoutMs after an unanswered StatusRequest, and only then', () => {
    const s = new Solo().start()
    s.take()
    s.tickAt(1001)
    s.tickAt(1000 + ROUND - 1)
    expect(s.take().messages).toEqual([])
    s.tickAt(1000 + ROUND)
    expect(s.take().messages).toEqual([{ to: null, msg: { type: 'statusRequest', epoch: 0 } }])
    s.tickAt(1000 + ROUND + 1)
    expect(s.take().messages).toEqual([])
  })

  it('a node not caught up does not stand, even when it gives its remembered leader up', () => {
    const s = knowing().start()
    s.runTo(1000 + 3 * LEASE)
    const types = s.take().messages.map(o => o.msg.type)
    expect(types.filter(t => t === 'statusRequest').length).toBeGreaterThan(1)
    // It asks, and tells the leader it remembers that it is there (rule 10): nothing else.
    expect(types.every(t => t === 'statusRequest' || t === 'presence')).toBe(true)
  })

  it('ignores a StatusReply whose record is not of the epoch it names', () => {
    const s = new Solo().start()
    s.step('b', { type: 'statusReply', epoch: 2, value: rec(1, 'b') })
    expect(s.node.newestChosen).toBeNull()
  })

  it('a Nack naming a newer chosen epoch makes it ask the sender for it', () => {
    const s = new Solo().synced()
    s.step('b', { type: 'nack', epoch: 1, ballot: { round: 1, nodeId: 'a' }, promised: null, chosenEpoch: 3, reason: 'stale' })
    expect(s.take().messages).toEqual([{ to: 'b', msg: { type: 'statusRequest', epoch: 0 } }])
  })
})

describe('Node: messages it ignores', () => {
  it('a Prepare or Accept whose ballot names another node than its sender', () => {
    const s = new Solo().synced()
    s.step('c', { type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'b' } })
    s.step('c', { type: 'accept', epoch: 1, ballot: { round: 1, nodeId: 'b' }, value: rec(1, 'b') })
    expect(s.take().messages).toEqual([])
    expect(s.node.grant).toBeNull()
  })

  it('an Accept whose record is not of its epoch', () => {
    const s = new Solo().synced()
    s.step('b', { type: 'accept', epoch: 2, ballot: { round: 1, nodeId: 'b' }, value: rec(1, 'b') })
    expect(s.take().messages).toEqual([])
    expect(s.node.grant).toBeNull()
  })

  it('a Heartbeat whose record is not of its epoch', () => {
    const s = new Solo().synced()
    s.step('b', { type: 'heartbeat', epoch: 2, seq: 1, value: rec(1, 'b'), ackFrom: 'all' })
    expect(s.take()).toEqual({ messages: [], events: [] })
    expect(s.node.newestChosen).toBeNull()
  })

  it('a Heartbeat of epoch 0', () => {
    const s = new Solo().synced()
    s.step('b', { type: 'heartbeat', epoch: 0, seq: 1, value: rec(0, 'b'), ackFrom: 'all' })
    expect(s.take()).toEqual({ messages: [], events: [] })
  })

  it('a Resign from someone other than the leader watched, or for another epoch', () => {
    const s = new Solo().synced(rec(1, 'b'))
    s.step('b', { type: 'heartbeat', epoch: 1, seq: 1, value: rec(1, 'b'), ackFrom: [] })
    s.take()
    const expires = s.node.nextDeadline()
    s.step('c', { type: 'resign', epoch: 1, successor: 'a' })
    s.step('b', { type: 'resign', epoch: 2, successor: 'a' })
    expect(s.take()).toEqual({ messages: [], events: [] })
    expect(s.node.nextDeadline()).toBe(expires)
    expect(s.node.leader).toEqual(rec(1, 'b'))
  })
})

describe('Node: who votes (rules 8–12)', () => {
  it('votes only in the epoch after the newest it knows; asks the sender of a later one for what it missed', () => {
    const s = knowing().synced(rec(1, 'b'))
    s.step('c', { type: 'prepare', epoch: 3, ballot: { round: 1, nodeId: 'c' } })
    expect(s.take().messages).toEqual([
      { to: 'c', msg: { type: 'statusRequest', epoch: 1 } },
      { to: 'c', msg: { type: 'nack', epoch: 3, ballot: { round: 1, nodeId: 'c' }, promised: null, chosenEpoch: 1, reason: 'membership' } }
    ])
    s.step('c', { type: 'prepare', epoch: 2, ballot: { round: 1, nodeId: 'c' } })
    expect(s.take().messages.map(o => o.msg.type)).toEqual(['promise'])
  })

  it('accepts only a configuration one change from the newest (rule 9), and in epoch 1 only version 1 with its own settings', () => {
    const accept = (epoch: number, config: Configuration): Message => ({ type: 'accept', epoch, ballot: { round: 1, nodeId: 'b' }, value: rec(epoch, 'b', config) })
    const reasons = (s: Solo): unknown[] => s.take().messages.map(o => o.msg.type === 'nack' ? o.msg.reason : o.msg.type)
    const added = { ...CONFIG, version: 2, voters: [...CONFIG.voters, { id: 'd', since: 2 }] }
    const s = knowing().synced(rec(1, 'b'))
    s.step('b', accept(2, { ...added, voters: [...added.voters, { id: 'e', since: 2 }] }))
    s.step('b', accept(2, { ...CONFIG, version: 3 }))
    s.step('b', accept(2, { ...CONFIG, clusterId: 'other' }))
    expect(reasons(s)).toEqual(['config', 'config', 'config'])
    s.step('b', accept(2, added))
    expect(reasons(s)).toEqual(['accepted'])
    const fresh = new Solo().synced()
    fresh.step('b', accept(1, { ...CONFIG, version: 2 }))
    fresh.step('b', accept(1, { ...CONFIG, heartbeatMs: LEASE / 5 }))
    expect(reasons(fresh)).toEqual(['config', 'config'])
    fresh.step('b', accept(1, CONFIG))
    expect(reasons(fresh)).toEqual(['accepted'])
  })

  it('a shared setting other than the cluster\'s: reported once, and it refuses (config) to vote or grant', () => {
    const theirs = { ...CONFIG, maxDriftRatio: 0.02 }
    const s = new Solo({ state: state({ learned: rec(1, 'b', theirs) }) })
    expect(s.node.voting).toBe(false)
    s.synced(rec(1, 'b', theirs))
    s.step('c', { type: 'prepare', epoch: 2, ballot: { round: 1, nodeId: 'c' } })
    s.step('b', { type: 'heartbeat', epoch: 1, seq: 1, value: rec(1, 'b', theirs), ackFrom: 'all' })
    const out = s.take()
    expect(out.messages.map(o => o.msg)).toEqual([{ type: 'nack', epoch: 2, ballot: { round: 1, nodeId: 'c' }, promised: null, chosenEpoch: 1, reason: 'config' }])
    expect(s.node.grant).toBeNull()
    const fresh = new Solo().start()
    fresh.step('b', { type: 'chosen', epoch: 1, value: rec(1, 'b', theirs) })
    fresh.step('b', { type: 'chosen', epoch: 2, value: rec(2, 'b', theirs) })
    expect(fresh.take().events.filter(e => e.type === 'settingMismatch')).toEqual([{ type: 'settingMismatch', field: 'maxDriftRatio', local: 0.01, cluster: 0.02, adopted: false }])
  })

  it('refuses (membership) when it is no voter of the configuration, or an observer', () => {
    const others = testConfig(['b', 'c', 'd'], { leaseMs: LEASE, heartbeatMs: LEASE / 4 })
    const prepare: Message = { type: 'prepare', epoch: 2, ballot: { round: 1, nodeId: 'c' } }
    const outside = new Solo({ state: state({ learned: rec(1, 'b', others) }) }).synced(rec(1, 'b', others))
    const observer = new Solo({ state: state({ learned: rec(1, 'b') }), config: { role: 'observer' } }).synced(rec(1, 'b'))
    for (const s of [outside, observer]) {
      expect(s.node.voting).toBe(false)
      s.step('c', prepare)
      expect(s.take().messages.map(o => o.msg.type === 'nack' && o.msg.reason)).toEqual(['membership'])
    }
    expect(knowing().node.voting).toBe(true)
  })

  it('started without state and named a voter: warns of forgotten state once, votes nothing, and asks to rejoin (rule 11)', () => {
    const s = new Solo().start()
    s.step('b', { type: 'heartbeat', epoch: 1, seq: 1, value: rec(1, 'b'), ackFrom: 'all' })
    s.step('b', { type: 'heartbeat', epoch: 1, seq: 2, value: rec(1, 'b'), ackFrom: 'all' })
    const out = s.take()
    expect(out.events.filter(e => e.type === 'forgotten')).toEqual([{ type: 'forgotten', version: 1 }])
    // No lease granted, no acknowledgement; it tells the leader it must be added again.
    expect(out.messages.filter(o => o.msg.type === 'heartbeatAck')).toEqual([])
    expect(s.node.grant).toBeNull()
    expect(s.node.voting).toBe(false)
    s.runTo(s.node.nextDeadline()!)
    expect(s.sent('presence').map(o => o.msg)).toContainEqual({ type: 'presence', epoch: 1, observer: false, ready: false, leaving: false, rejoin: true, metadata: {}, priority: 0 })
  })
})

describe('Node: leading', () => {
  it('a lease grant that arrives after the record was learned can elect', () => {
    const s = knowing().standing()
    // b accepts but grants no lease: learned (a and b), but not yet elected.
    s.step('b', { type: 'accepted', epoch: 2, ballot: { round: 1, nodeId: 'a' }, value: rec(2, 'a'), lease: false })
    expect(s.node.role).toBe('leader')
    expect(s.node.isLeader).toBe(false)
    s.take()
    s.step('c', { type: 'accepted', epoch: 2, ballot: { round: 1, nodeId: 'a' }, value: rec(2, 'a'), lease: true })
    expect(s.take().events).toEqual([{ type: 'elected', epoch: 2 }])
    expect(s.node.isLeader).toBe(true)
  })

  it('a leader that gets no majority gives the epoch up and follows', () => {
    const s = knowing().synced(rec(1, 'b'))
    s.step('b', { type: 'chosen', epoch: 2, value: rec(2, 'a') })
    expect(s.node.role).toBe('leader')
    expect(s.node.leaseUntil).toBeNull()
    s.runTo(1000 + LEASE)
    expect(s.node.role).toBe('follower')
    expect(s.node.resign()).toBe(false)
  })

  it('a Nack naming a newer chosen epoch demotes the leader; one naming its own epoch does not', () => {
    const s = knowing().leading()
    s.step('b', { type: 'nack', epoch: 2, ballot: { round: 1, nodeId: 'a' }, promised: null, chosenEpoch: 2, reason: 'promised' })
    expect(s.node.isLeader).toBe(true)
    s.step('b', { type: 'nack', epoch: 3, ballot: { round: 1, nodeId: 'a' }, promised: null, chosenEpoch: 3, reason: 'stale' })
    expect(s.take().events).toEqual([{ type: 'demoted', epoch: 2, reason: 'newer-epoch' }])
    expect(s.node.role).toBe('follower')
  })

  it('learning a newer epoch demotes the leader', () => {
    const s = knowing().leading()
    s.step('b', { type: 'chosen', epoch: 3, value: rec(3, 'b') })
    // A Chosen may be an old decision: its leader is announced once heard from (rule 7).
    expect(s.take().events).toEqual([{ type: 'demoted', epoch: 2, reason: 'newer-epoch' }])
    expect(s.node.role).toBe('follower')
    expect(s.node.isLeader).toBe(false)
    expect(s.node.leader).toBeNull()
    s.step('b', { type: 'heartbeat', epoch: 3, seq: 1, value: rec(3, 'b'), ackFrom: [] })
    expect(s.take().events).toEqual([{ type: 'leaderChosen', record: rec(3, 'b') }])
    expect(s.node.leader).toEqual(rec(3, 'b'))
  })
})

describe('Node: a candidate hearing the old leader again', () => {
  /**
   * a voted in epoch 1 before a restart and learns at its start that b won; it announces b once it hears b (rule 7).
   * Its presence (rule 10) is due only after these tests: the deadlines they pin are the leader's and the ballot's.
   */
  const voted = (): Solo => new Solo({
    state: state({ acceptor: [[1, { promised: { round: 1, nodeId: 'b' }, accepted: null }]], joinedAt: null }),
    config: { presenceMs: 10 * LEASE, memberTimeoutMs: 20 * LEASE }
  })

  /** a follows b (epoch 1), gives it up, stands for epoch 2 and gets to phase 2 with c's promise. */
  function accepting (): Solo {
    const s = voted().synced(rec(1, 'b'))
    s.runTo(ELECTION)
    expect(s.take().messages.map(o => o.msg).filter(m => m.type !== 'presence')).toEqual([{ type: 'prepare', epoch: 2, ballot: { round: 1, nodeId: 'a' } }])
    s.step('c', { type: 'promise', epoch: 2, ballot: { round: 1, nodeId: 'a' }, accepted: null })
    expect(s.take().messages.map(o => o.msg.type)).toEqual(['accept'])
    return s
  }

  it('in phase 2 keeps its ballot, and does not stand again while the leader is live', () => {
    const s = accepting()
    const prepareAt = 1000 + LEASE + WAIT
    s.now = prepareAt + 10
    s.step('b', { type: 'heartbeat', epoch: 1, seq: 9, value: rec(1, 'b'), ackFrom: [] })
    // Announced now, as chosen: b was never heard before, so its loss was never reported.
    expect(s.take().events).toEqual([{ type: 'leaderChosen', record: rec(1, 'b') }])
    expect(s.node.nextDeadline()).toBe(prepareAt + ROUND)
    // The ballot times out and a retry is planned; the leader is live, so the retry does nothing.
    s.runTo(prepareAt + 2 * ROUND)
    expect(s.take().messages.filter(o => o.msg.type === 'prepare' || o.msg.type === 'accept')).toEqual([])
  })

  it('a Resign naming another successor does not make it use round 0, even with its election overdue', () => {
    const s = accepting()
    const prepareAt = 1000 + LEASE + WAIT
    s.now = prepareAt + 10
    s.step('b', { type: 'heartbeat', epoch: 1, seq: 9, value: rec(1, 'b'), ackFrom: [] })
    s.tickAt(prepareAt + ROUND) // the ballot times out: a retry is planned
    const retryAt = s.node.nextDeadline()!
    s.take()
    s.now = retryAt + 100 // not ticked yet
    s.step('b', { type: 'resign', epoch: 1, successor: 'c' })
    expect(s.take().messages.filter(o => o.msg.type === 'accept')).toEqual([])
  })

  it('in phase 1 drops its ballot when the leader it gave up is heard', () => {
    const s = voted().synced(rec(1, 'b'))
    s.runTo(1000 + LEASE + WAIT)
    s.take()
    s.now = 1000 + LEASE + WAIT + 10
    s.step('b', { type: 'heartbeat', epoch: 1, seq: 9, value: rec(1, 'b'), ackFrom: [] })
    expect(s.node.nextDeadline()).toBe(s.now + LEASE)
  })

  it('a stale heartbeat of an older leader does not stop its election', () => {
    const s = new Solo({ state: state({ learned: rec(2, 'c') }) }).synced(rec(2, 'c'))
    s.runTo(1000 + LEASE)
    const planned = s.node.nextDeadline()
    expect(planned).toBe(1000 + LEASE + WAIT)
    s.take()
    s.step('b', { type: 'heartbeat', epoch: 1, seq: 9, value: rec(1, 'b'), ackFrom: 'all' })
    expect(s.node.nextDeadline()).toBe(planned)
  })
})

describe('Node: stepping down from an epoch it stood in before a restart (rule 7)', () => {
  it('resigns with no successor and then waits a whole election delay, not a quarter', () => {
    const s = new Solo({ state: state({ candidateEpoch: 1, highestRound: 1 }) }).start()
    s.take()
    s.now = 1010
    s.step('b', { type: 'statusReply', epoch: 1, value: rec(1, 'a') })
    expect(s.take().messages).toEqual([{ to: null, msg: { type: 'resign', epoch: 1, successor: null } }])
    expect(s.node.quarantined).toBe(false)
    expect(s.node.nextDeadline()).toBe(1010 + WAIT)
  })
})
