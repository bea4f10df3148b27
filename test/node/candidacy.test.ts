import { describe, expect, it } from 'vitest'
import { Candidacy, type CandidacyContext } from '../../src/node/candidacy.js'
import { resolveConfig } from '../../src/node/config.js'
import { Outbox } from '../../src/node/io.js'
import type { Accept, Accepted, Nack, PromiseMsg } from '../../src/paxos/message.js'
import type { Ballot, Epoch, NodeId } from '../../src/paxos/proposal.js'
import { bootstrapElectorate, electorateOf, withVoter, type Configuration } from '../../src/paxos/configuration.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { record, testConfig } from '../support/records.js'

const STATE: PersistentState = { acceptor: [], learned: null, highestRound: 0, fastEpoch: 0, candidateEpoch: 0, grant: null, joinedAt: 0 }
/** The configuration of the newest record (epoch 1 in `setup`): five voters, a majority of 3. */
const CONFIG = testConfig(['a', 'b', 'c', 'd', 'e'], { leaseMs: 2000, heartbeatMs: 500 })
/** `leaderId`'s record of `epoch`, carrying CONFIG on. */
const rec = (epoch: Epoch, leaderId: NodeId) => record(epoch, leaderId, { config: CONFIG })

function setup (opts: { priority?: number, mayStand?: boolean, notBefore?: number, clusterSize?: number, state?: PersistentState } = {}) {
  const out = new Outbox('a')
  const became: number[] = []
  const facts = { mayStand: opts.mayStand ?? true, notBefore: opts.notBefore ?? 0, leaderLive: false, newest: 1, config: CONFIG as Configuration | null, founding: 1 }
  const context: CandidacyContext = {
    out,
    nextEpoch: () => facts.newest + 1,
    promised: () => null,
    mayStand: () => facts.mayStand,
    notBefore: () => facts.notBefore,
    leaderLive: () => facts.leaderLive,
    becomeCandidate: epoch => { became.push(epoch) },
    // Before any record (epoch 1): any 3 distinct nodes, 2 deciding.
    electorate: () => facts.config === null ? bootstrapElectorate(3) : electorateOf(facts.config),
    configuration: () => facts.config,
    firstConfiguration: promisers => testConfig([...promisers], { clusterId: 'first' }),
    founding: () => facts.founding
  }
  // electionDelayMs 100, roundTimeoutMs 500; every random draw is 0.5.
  const config = resolveConfig({ nodeId: 'a', clusterSize: opts.clusterSize ?? 5, leaseMs: 2000, priority: opts.priority ?? 0 })
  const candidacy = new Candidacy(config, { next: () => 0.5 }, opts.state ?? null, context)
  const drain = () => out.drain(out.storing ? STATE : null)
  return { candidacy, out, became, facts, drain }
}

describe('Candidacy', () => {
  it('waits electionDelayMs·(0.25 + 0.75·r)/(1 + priority), and backs off electionDelayMs·(0.5 + r) + roundTimeoutMs·r/4', () => {
    expect(setup().candidacy.electionDelay()).toBeCloseTo(100 * 0.625)
    expect(setup({ priority: 1 }).candidacy.electionDelay()).toBeCloseTo(100 * 0.625 / 2)
    expect(setup().candidacy.backoff()).toBeCloseTo(100 + 500 * 0.5 / 4)
  })

  it('plans no election before the quarantine or the hold-off ends, keeps the earlier plan, and defers only later', () => {
    const { candidacy } = setup({ notBefore: 300 })
    candidacy.schedule(100, 50)
    expect(candidacy.nextDeadline()).toBe(300)
    candidacy.schedule(100, 500)
    expect(candidacy.nextDeadline()).toBe(300)
    candidacy.deferTo(250)
    expect(candidacy.nextDeadline()).toBe(300)
    candidacy.deferTo(700)
    expect(candidacy.nextDeadline()).toBe(700)
    candidacy.cancel()
    expect(candidacy.nextDeadline()).toBe(Infinity)
    candidacy.deferTo(900)
    expect(candidacy.nextDeadline()).toBe(Infinity)
    candidacy.holdOff(2000)
    candidacy.schedule(100, 10)
    expect(candidacy.nextDeadline()).toBe(2000)
  })

  it('as named successor takes round 0 once per epoch, to a bare majority, and resends it to everyone at electionDelayMs/4', () => {
    const { candidacy, became, drain } = setup()
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    expect(became).toEqual([2])
    const first = drain()
    expect(first.sync).toBe(true)
    expect(first.messages).toEqual([{ to: null, msg: expect.objectContaining({ type: 'accept', epoch: 2, ballot: { round: 0, nodeId: 'a' } }), fanout: 2 }])
    expect(candidacy.roundZeroUsedThrough).toBe(2)
    expect(candidacy.stoodThrough).toBe(2)
    expect(candidacy.accepting).toBe(true)
    expect(candidacy.nextDeadline()).toBe(1025)
    candidacy.tick(1024)
    expect(drain().messages).toEqual([])
    candidacy.tick(1025)
    const resent = drain().messages
    expect(resent).toHaveLength(1)
    expect(resent[0]).toEqual({ to: null, msg: first.messages[0]!.msg })
    // Resent once; a voter that still holds the old lease brings the next one forward.
    expect(candidacy.nextDeadline()).toBe(1500)
    const accept = first.messages[0]!.msg as Accept
    const nack: Nack = { type: 'nack', epoch: 2, ballot: accept.ballot, promised: null, chosenEpoch: 1, reason: 'lease' }
    candidacy.onNack(nack, 1030)
    expect(candidacy.nextDeadline()).toBe(1035)
    candidacy.tick(1035)
    expect(drain().messages).toHaveLength(1)
  })

  it('as named successor runs an ordinary election when round 0 is used, or the election is not due', () => {
    const { candidacy, became, drain, facts } = setup()
    candidacy.succeed(1, 1000) // nothing planned: nothing happens
    expect(drain().messages).toEqual([])
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    drain()
    candidacy.onDecided(2)
    facts.newest = 1
    candidacy.schedule(1200, 0)
    candidacy.succeed(1, 1200) // round 0 of epoch 2 was used: phase 1 instead
    const msgs = drain().messages
    expect(msgs.map(m => m.msg.type)).toEqual(['prepare'])
    expect(msgs[0]!.msg).toMatchObject({ epoch: 2, ballot: { round: 1, nodeId: 'a' } })
    expect(became).toEqual([2, 2])
  })

  it('does not stand while it may not, nor while a leader is alive, and backs off a defeated ballot', () => {
    const { candidacy, drain, facts } = setup({ mayStand: false })
    candidacy.schedule(0, 0)
    candidacy.tick(0)
    expect(drain().messages).toEqual([])
    expect(candidacy.nextDeadline()).toBeCloseTo(62.5)
    facts.mayStand = true
    facts.leaderLive = true
    candidacy.tick(100)
    expect(drain().messages).toEqual([])
    expect(candidacy.nextDeadline()).toBe(Infinity)
    facts.leaderLive = false
    candidacy.schedule(100, 0)
    candidacy.tick(100)
    const prepare = drain().messages[0]!.msg
    expect(prepare).toMatchObject({ type: 'prepare', epoch: 2, ballot: { round: 1 } })
    expect(candidacy.highestRound).toBe(1)
    expect(candidacy.nextDeadline()).toBe(600)
    const ballot = (prepare as { ballot: { round: number, nodeId: string } }).ballot
    candidacy.onNack({ type: 'nack', epoch: 2, ballot, promised: { round: 7, nodeId: 'z' }, chosenEpoch: 1, reason: 'promised' }, 150)
    expect(candidacy.nextDeadline()).toBeCloseTo(150 + 162.5)
    candidacy.tick(400)
    expect(drain().messages[0]!.msg).toMatchObject({ type: 'prepare', ballot: { round: 8 } })
  })

  const lease = (epoch: number, ballot: Ballot): Nack => ({ type: 'nack', epoch, ballot, promised: null, chosenEpoch: 1, reason: 'lease' })
  const promise = (epoch: number, ballot: Ballot, accepted: PromiseMsg['accepted'] = null): PromiseMsg => ({ type: 'promise', epoch, ballot, accepted })
  const ROUND0 = { round: 0, nodeId: 'a' }

  it('is accepting only in phase 2, and stores the round of a Prepare before it leaves', () => {
    const { candidacy, drain } = setup()
    expect(candidacy.accepting).toBe(false)
    candidacy.schedule(0, 0)
    candidacy.tick(0)
    const rd = drain()
    expect(rd.sync).toBe(true)
    expect(rd.messages.map(m => m.msg.type)).toEqual(['prepare'])
    expect(candidacy.accepting).toBe(false)
  })

  it('as named successor waits for its plan, and stands normally for an epoch that is not the next or when it may not stand', () => {
    const { candidacy, became, drain } = setup()
    candidacy.schedule(1000, 50)
    candidacy.succeed(1, 1000) // planned for 1050: not yet
    expect(drain().messages).toEqual([])
    expect(candidacy.nextDeadline()).toBe(1050)
    candidacy.succeed(0, 1050) // epoch 1 is decided already: the next epoch is 2, through phase 1
    expect(drain().messages.map(m => m.msg)).toEqual([{ type: 'prepare', epoch: 2, ballot: { round: 1, nodeId: 'a' } }])
    expect(candidacy.roundZeroUsedThrough).toBe(0)
    expect(became).toEqual([2])

    const barred = setup({ mayStand: false })
    barred.candidacy.schedule(1000, 0)
    barred.candidacy.succeed(1, 1000)
    expect(barred.drain().messages).toEqual([])
    expect(barred.candidacy.roundZeroUsedThrough).toBe(0)
    expect(barred.candidacy.nextDeadline()).toBeCloseTo(1062.5)
  })

  it('stores the use of round 0 before its Accept leaves, also when it stood in that epoch before', () => {
    const { candidacy, drain } = setup({ state: { ...STATE, candidateEpoch: 2 } })
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    const rd = drain()
    expect(rd.sync).toBe(true)
    expect(rd.messages.map(m => m.msg.type)).toEqual(['accept'])
    expect(candidacy.roundZeroUsedThrough).toBe(2)
  })

  it('resends round 0 three times at most; then a lease refusal defeats it like any other', () => {
    const { candidacy, drain } = setup()
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    drain()
    candidacy.tick(1025)
    for (const t of [1030, 1040]) {
      candidacy.onNack(lease(2, ROUND0), t)
      expect(candidacy.nextDeadline()).toBe(t + 5)
      candidacy.tick(t + 5)
    }
    expect(drain().messages).toHaveLength(3)
    candidacy.onNack(lease(2, ROUND0), 1050)
    expect(candidacy.nextDeadline()).toBeCloseTo(1050 + 162.5)
  })

  it('brings the resend forward only for a lease refusal of its own round-0 Accept', () => {
    const { candidacy, drain } = setup()
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    drain()
    candidacy.onNack(lease(3, ROUND0), 1010) // another epoch: ignored
    expect(candidacy.nextDeadline()).toBe(1025)
    candidacy.onNack({ ...lease(2, ROUND0), reason: 'promised', promised: { round: 5, nodeId: 'b' } }, 1010)
    expect(candidacy.nextDeadline()).toBeCloseTo(1010 + 162.5) // defeated: backs off
  })

  it('drops a pending round-0 resend once the epoch went on to phase 1, or the plans were cancelled', () => {
    const { candidacy, drain } = setup()
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    candidacy.tick(1025)
    candidacy.tick(1500) // the round timed out: backs off
    candidacy.tick(1662.5)
    expect(drain().messages.map(m => m.msg.type)).toEqual(['accept', 'accept', 'prepare'])
    candidacy.onNack(lease(2, ROUND0), 1700) // a late refusal of round 0
    expect(candidacy.nextDeadline()).toBe(1705)
    candidacy.tick(1705)
    expect(drain().messages).toEqual([])
    expect(candidacy.nextDeadline()).toBe(1662.5 + 500)

    const cancelled = setup()
    cancelled.candidacy.schedule(1000, 0)
    cancelled.candidacy.succeed(1, 1000)
    cancelled.drain()
    cancelled.candidacy.cancel()
    cancelled.candidacy.tick(1100)
    expect(cancelled.drain().messages).toEqual([])
    expect(cancelled.candidacy.accepting).toBe(true)
  })

  it('keeps its proposer when an older epoch is decided, and takes a new one for a newer next epoch', () => {
    const { candidacy, became, drain, facts } = setup()
    candidacy.schedule(0, 0)
    candidacy.tick(0)
    drain()
    candidacy.onDecided(1)
    const b = { round: 1, nodeId: 'a' }
    for (const from of ['a', 'b', 'c']) candidacy.onPromise(from, promise(2, b), 10)
    expect(drain().messages.map(m => m.msg)).toEqual([{ type: 'accept', epoch: 2, ballot: b, value: rec(2, 'a') }])
    facts.newest = 2
    candidacy.schedule(20, 0)
    candidacy.tick(20)
    expect(drain().messages.map(m => m.msg)).toEqual([{ type: 'prepare', epoch: 3, ballot: { round: 2, nodeId: 'a' } }])
    expect(became).toEqual([2, 3])
  })

  it('proposing another node\'s record, neither stands nor keeps an own Accept', () => {
    const { candidacy, drain } = setup()
    candidacy.schedule(0, 0)
    candidacy.tick(0)
    drain()
    const b = { round: 1, nodeId: 'a' }
    const theirs = { ballot: { round: 0, nodeId: 'b' }, value: rec(2, 'b') }
    for (const from of ['a', 'b', 'c']) candidacy.onPromise(from, promise(2, b, from === 'b' ? theirs : null), 10)
    expect(drain().messages.map(m => m.msg)).toEqual([{ type: 'accept', epoch: 2, ballot: b, value: theirs.value }])
    expect(candidacy.stoodThrough).toBe(0)
    expect(candidacy.ownAccept).toBeNull()
  })

  it('keeps the Accept of each new ballot as its own, counts only lease grants for exactly that one, and stores stoodThrough once', () => {
    const { candidacy, drain, facts } = setup()
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    drain()
    const accepted = (epoch: number, ballot: Ballot, leaseGranted = true): Accepted =>
      ({ type: 'accepted', epoch, ballot, value: rec(epoch, 'a'), lease: leaseGranted })
    expect(candidacy.onGrant('b', accepted(2, ROUND0))).toBe(true)
    expect(candidacy.onGrant('c', accepted(3, ROUND0))).toBe(false)
    expect(candidacy.onGrant('c', accepted(2, ROUND0, false))).toBe(false)
    expect(candidacy.onGrant('c', accepted(2, { round: 1, nodeId: 'a' }))).toBe(false)
    expect([...candidacy.ownAccept!.grantedBy]).toEqual(['b'])
    // Round 0 defeated; phase 1 at a round above the one that beat it, in the same epoch.
    candidacy.onNack({ ...lease(2, ROUND0), reason: 'promised', promised: { round: 5, nodeId: 'b' } }, 1010)
    candidacy.tick(1172.5)
    expect(drain().messages.map(m => m.msg)).toEqual([{ type: 'prepare', epoch: 2, ballot: { round: 6, nodeId: 'a' } }])
    const b6 = { round: 6, nodeId: 'a' }
    for (const from of ['a', 'b', 'c']) candidacy.onPromise(from, promise(2, b6), 1180)
    const rd = drain()
    expect(rd.messages.map(m => m.msg.type)).toEqual(['accept'])
    expect(rd.persist).toBeNull() // it stood in epoch 2 already
    expect(candidacy.ownAccept).toMatchObject({ accept: { epoch: 2, ballot: b6 }, sentAt: 1180 })
    expect(candidacy.ownAccept!.grantedBy.size).toBe(0)
    // Epoch 2 decided for this node; round 0 of epoch 3 has the same ballot, but is a new Accept.
    candidacy.onDecided(2)
    facts.newest = 2
    candidacy.schedule(2000, 0)
    candidacy.succeed(2, 2000)
    expect(candidacy.ownAccept).toMatchObject({ accept: { epoch: 3, ballot: ROUND0 }, sentAt: 2000 })
    expect(candidacy.stoodThrough).toBe(3)
  })

  it('takes round 0 of the next epoch as a new own Accept, though its ballot equals the last one', () => {
    const { candidacy, drain, facts } = setup()
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    candidacy.onDecided(2)
    facts.newest = 2
    candidacy.schedule(2000, 0)
    candidacy.succeed(2, 2000)
    expect(drain().messages.map(m => m.msg)).toMatchObject([{ epoch: 2, ballot: ROUND0 }, { epoch: 3, ballot: ROUND0 }])
    expect(candidacy.ownAccept).toMatchObject({ accept: { epoch: 3, ballot: ROUND0 }, sentAt: 2000 })
  })

  it('for epoch 1 proposes a configuration of itself and the nodes whose promises made the majority', () => {
    const { candidacy, drain, facts } = setup()
    facts.newest = 0
    facts.config = null
    candidacy.schedule(0, 0)
    candidacy.tick(0)
    const prepare = drain().messages[0]!.msg
    expect(prepare).toMatchObject({ type: 'prepare', epoch: 1 })
    const b = (prepare as { ballot: Ballot }).ballot
    candidacy.onPromise('c', promise(1, b), 10)
    expect(drain().messages).toEqual([])
    candidacy.onPromise('a', promise(1, b), 10)
    // A promise after the majority is not named: only the promisers that decided are voters.
    candidacy.onPromise('b', promise(1, b), 10)
    const accepts = drain().messages.map(m => m.msg)
    expect(accepts).toEqual([{ type: 'accept', epoch: 1, ballot: b, value: record(1, 'a', { config: testConfig(['a', 'c'], { clusterId: 'first' }) }) }])
  })

  it('for epoch 1 waits past the quorum for every node it heard of (up to electionDelayMs), so the first configuration names them all', () => {
    const { candidacy, drain, facts } = setup()
    facts.newest = 0
    facts.config = null
    facts.founding = 3
    candidacy.schedule(0, 0)
    candidacy.tick(0)
    const b = (drain().messages[0]!.msg as { ballot: Ballot }).ballot
    candidacy.onPromise('a', promise(1, b), 10)
    candidacy.onPromise('c', promise(1, b), 10)
    // A quorum (2), but c and a are two of the three it heard of: it waits.
    expect(drain().messages).toEqual([])
    expect(candidacy.nextDeadline()).toBe(100)
    candidacy.onPromise('b', promise(1, b), 20)
    expect(drain().messages.map(m => m.msg)).toEqual([{ type: 'accept', epoch: 1, ballot: b, value: record(1, 'a', { config: testConfig(['a', 'b', 'c'], { clusterId: 'first' }) }) }])
    // When the last one does not answer, the Accept leaves at the deadline with the quorum it has.
    const second = setup()
    second.facts.newest = 0
    second.facts.config = null
    second.facts.founding = 3
    second.candidacy.schedule(0, 0)
    second.candidacy.tick(0)
    const b2 = (second.drain().messages[0]!.msg as { ballot: Ballot }).ballot
    second.candidacy.onPromise('a', promise(1, b2), 10)
    second.candidacy.onPromise('c', promise(1, b2), 10)
    second.candidacy.tick(99)
    expect(second.drain().messages).toEqual([])
    second.candidacy.tick(100)
    expect(second.drain().messages.map(m => m.msg)).toEqual([{ type: 'accept', epoch: 1, ballot: b2, value: record(1, 'a', { config: testConfig(['a', 'c'], { clusterId: 'first' }) }) }])
  })

  it('reconfigures as leader: phase 1 for the next epoch with its own record and the new configuration, one change at a time', () => {
    const { candidacy, became, drain, facts } = setup()
    const three = testConfig(['a', 'b', 'c'])
    facts.config = three
    const next = withVoter(three, 'd')
    expect(candidacy.changing).toBe(false)
    expect(candidacy.reconfigure(next, 100)).toBe(true)
    const rd = drain()
    // It keeps its role (no becomeCandidate), but says it stands.
    expect(became).toEqual([])
    expect(rd.events).toEqual([{ type: 'candidate', epoch: 2 }])
    expect(rd.sync).toBe(true)
    expect(rd.messages.map(m => m.msg)).toEqual([{ type: 'prepare', epoch: 2, ballot: { round: 1, nodeId: 'a' } }])
    expect(candidacy.changing).toBe(true)
    // While that change is under way, no other starts.
    expect(candidacy.reconfigure(withVoter(three, 'e'), 120)).toBe(false)
    expect(drain().messages).toEqual([])
    const b = { round: 1, nodeId: 'a' }
    for (const from of ['a', 'b']) candidacy.onPromise(from, promise(2, b), 130)
    expect(drain().messages.map(m => m.msg)).toEqual([{ type: 'accept', epoch: 2, ballot: b, value: record(2, 'a', { config: next }) }])
    candidacy.onDecided(2)
    expect(candidacy.changing).toBe(false)
  })
})
