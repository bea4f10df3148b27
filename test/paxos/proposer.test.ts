import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Proposer } from '../../src/paxos/proposer.js'
import { electorateOf } from '../../src/paxos/configuration.js'
import { compareBallots, majority, type Ballot, type LeaderRecord, type NodeId } from '../../src/paxos/proposal.js'
import type { AcceptedValue, Nack, NackReason, PromiseMsg } from '../../src/paxos/message.js'
import { record, testConfig } from '../support/records.js'

const E = 4
const own = record(E, 'p', { metadata: { url: 'http://p' } })
const rec = (id: string): LeaderRecord => record(E, id)
const accepted: fc.Arbitrary<AcceptedValue | null> = fc.option(
  fc.record({ ballot: fc.record({ round: fc.integer({ min: 1, max: 9 }), nodeId: fc.constantFrom('x', 'y', 'z') }), value: fc.constantFrom(rec('x'), rec('y'), rec('z')) }),
  { nil: null }
)
const ALL = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']
const voter = fc.constantFrom(...ALL)
/** The electorate of a configuration whose voters are v1 … vn. */
const votersOf = (n: number): ReturnType<typeof electorateOf> => electorateOf(testConfig(ALL.slice(0, n)))

describe('Proposer', () => {
  const ballot: Ballot = { round: 10, nodeId: 'p' }
  const promise = (accepted: AcceptedValue | null = null): PromiseMsg => ({ type: 'promise', epoch: E, ballot, accepted })
  const nack = (reason: NackReason): Nack => ({ type: 'nack', epoch: E, ballot, promised: { round: 12, nodeId: 'q' }, chosenEpoch: 0, reason })

  it('sends Accept only at a majority of distinct voters, with the highest-ballot accepted value or its own', () => {
    // n: epoch 1's count (any n nodes), or a configuration of voters v1 … vn, whom alone it counts.
    fc.assert(fc.property(fc.constantFrom(3, 5, 7), fc.boolean(), fc.array(fc.tuple(voter, accepted), { maxLength: 20 }), (n, configured, replies) => {
      const p = new Proposer(E, configured ? votersOf(n) : n, own)
      const counts = (id: NodeId): boolean => !configured || ALL.indexOf(id) < n
      expect(p.prepare(ballot)).toEqual({ type: 'prepare', epoch: E, ballot })
      const counted = new Map<string, AcceptedValue | null>()
      let sent = false
      for (const [from, acc] of replies) {
        const out = p.onPromise(from, promise(acc))
        if (counts(from) && !counted.has(from) && !sent) counted.set(from, acc)
        if (out !== null) {
          expect(sent).toBe(false)
          sent = true
          expect(counted.size).toBe(majority(n))
          let best: AcceptedValue | null = null
          for (const a of counted.values()) if (a !== null && (best === null || compareBallots(a.ballot, best.ballot) > 0)) best = a
          expect(out.value).toEqual(best?.value ?? own)
          expect(out.ballot).toEqual(ballot)
        }
      }
      expect(sent).toBe(new Set(replies.map(r => r[0]).filter(counts)).size >= majority(n))
    }))
  })

  it('counts promises only from its electorate: a non-voter\'s does not count, a voter\'s twice counts once', () => {
    const p = new Proposer(E, votersOf(3), own)
    p.prepare(ballot)
    expect(p.onPromise('v4', promise())).toBeNull()
    expect(p.onPromise('x', promise())).toBeNull()
    expect(p.onPromise('v1', promise())).toBeNull()
    expect(p.onPromise('v1', promise())).toBeNull()
    // A non-voter's accepted value is not taken either.
    expect(p.onPromise('v5', promise({ ballot: { round: 9, nodeId: 'x' }, value: rec('x') }))).toBeNull()
    expect(p.phase).toBe('preparing')
    expect(p.onPromise('v2', promise())).toEqual({ type: 'accept', epoch: E, ballot, value: own })
  })

  it('ignores promises for another ballot or epoch', () => {
    const p = new Proposer(E, 3, own)
    p.prepare(ballot)
    expect(p.onPromise('v1', { type: 'promise', epoch: E, ballot: { round: 9, nodeId: 'p' }, accepted: null })).toBeNull()
    expect(p.onPromise('v2', { type: 'promise', epoch: E + 1, ballot, accepted: null })).toBeNull()
    expect(p.onPromise('v1', { type: 'promise', epoch: E, ballot, accepted: null })).toBeNull()
    expect(p.onPromise('v2', { type: 'promise', epoch: E, ballot, accepted: null })).not.toBeNull()
  })

  it('a Nack for its ballot defeats it, and the next ballot must beat what the Nack reported', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.constantFrom('a', 'z'), (round, id) => {
      const p = new Proposer(E, 3, own)
      p.prepare(ballot)
      const promised = { round, nodeId: id }
      const defeated = p.onNack({ type: 'nack', epoch: E, ballot, promised, chosenEpoch: 0, reason: 'promised' })
      expect(defeated).toBe(true)
      expect(p.phase).toBe('defeated')
      const hs = p.highestSeen!
      expect(compareBallots(hs, promised)).toBeGreaterThanOrEqual(0)
      expect(compareBallots(hs, ballot)).toBeGreaterThanOrEqual(0)
      // A stale Nack for an older ballot changes nothing.
      expect(p.onNack({ type: 'nack', epoch: E, ballot: { round: 1, nodeId: 'p' }, promised, chosenEpoch: 0, reason: 'promised' })).toBe(false)
    }))
  })

  it('is not defeated by a Nack from a non-voter, nor by one for membership or config; a voter\'s other Nack defeats it', () => {
    for (const phase of ['preparing', 'accepting'] as const) {
      const p = new Proposer(E, votersOf(3), own)
      p.prepare(ballot)
      if (phase === 'accepting') { p.onPromise('v1', promise()); p.onPromise('v2', promise()) }
      expect(p.phase).toBe(phase)
      expect(p.onNack(nack('promised'), 'v4')).toBe(false)
      expect(p.onNack(nack('lease'), 'x')).toBe(false)
      expect(p.onNack(nack('membership'), 'v1')).toBe(false)
      expect(p.onNack(nack('config'), 'v2')).toBe(false)
      expect(p.onNack(nack('membership'))).toBe(false)
      expect(p.onNack(nack('config'))).toBe(false)
      expect(p.phase).toBe(phase)
      // Still, the ballot a refusal reports is seen: the next try goes above it.
      expect(p.highestSeen).toEqual({ round: 12, nodeId: 'q' })
      expect(p.onNack(nack('promised'), 'v3')).toBe(true)
      expect(p.phase).toBe('defeated')
    }
    // In epoch 1 (a count) every node is in the electorate.
    const first = new Proposer(1, 3, record(1, 'p'))
    first.prepare(ballot)
    expect(first.onNack({ ...nack('promised'), epoch: 1 }, 'anyone')).toBe(true)
  })

  it('builds its own value from the voters that promised, unless a promise reported an accepted value', () => {
    const seen: Array<readonly NodeId[]> = []
    const complete = (promisers: ReadonlySet<NodeId>): LeaderRecord => {
      seen.push([...promisers])
      return record(1, 'p', { voters: [...promisers] })
    }
    const p = new Proposer(1, 3, record(1, 'p'), complete)
    p.prepare(ballot)
    expect(p.onPromise('b', { ...promise(), epoch: 1 })).toBeNull()
    expect(p.onPromise('b', { ...promise(), epoch: 1 })).toBeNull()
    expect(seen).toEqual([])
    const accept = p.onPromise('c', { ...promise(), epoch: 1 })
    expect(seen).toEqual([['b', 'c']])
    expect(accept?.value).toEqual(record(1, 'p', { voters: ['b', 'c'] }))
    expect(p.proposed).toEqual(accept?.value)

    const q = new Proposer(1, 3, record(1, 'p'), complete)
    q.prepare(ballot)
    const found = { ballot: { round: 3, nodeId: 'x' }, value: record(1, 'x', { voters: ['x', 'y'] }) }
    q.onPromise('a', { ...promise(found), epoch: 1 })
    expect(q.onPromise('b', { ...promise(), epoch: 1 })?.value).toEqual(found.value)
    expect(seen).toHaveLength(1)
  })

  it('refuses to propose a value of another epoch, built or reported', () => {
    const p = new Proposer(1, 1, record(1, 'p'), () => record(2, 'p'))
    p.prepare(ballot)
    expect(() => p.onPromise('a', { ...promise(), epoch: 1 })).toThrow(new RangeError('proposing a value for epoch 2 in epoch 1'))
    const q = new Proposer(E, 1, own)
    q.prepare(ballot)
    expect(() => q.onPromise('a', promise({ ballot: { round: 1, nodeId: 'x' }, value: record(E + 1, 'x') }))).toThrow(new RangeError(`proposing a value for epoch ${E + 1} in epoch ${E}`))
  })

  it('refuses an own value for another epoch', () => {
    expect(() => new Proposer(E + 1, 3, own)).toThrow(RangeError)
  })
})
