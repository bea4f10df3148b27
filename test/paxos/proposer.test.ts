import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Proposer } from '../../src/paxos/proposer.js'
import { compareBallots, majority, type Ballot, type LeaderRecord } from '../../src/paxos/proposal.js'
import type { AcceptedValue, PromiseMsg } from '../../src/paxos/message.js'

const E = 4
const own: LeaderRecord = { epoch: E, leaderId: 'p', metadata: { url: 'http://p' } }
const rec = (id: string): LeaderRecord => ({ epoch: E, leaderId: id, metadata: {} })
const accepted: fc.Arbitrary<AcceptedValue | null> = fc.option(
  fc.record({ ballot: fc.record({ round: fc.integer({ min: 1, max: 9 }), nodeId: fc.constantFrom('x', 'y', 'z') }), value: fc.constantFrom(rec('x'), rec('y'), rec('z')) }),
  { nil: null }
)
const voter = fc.constantFrom('v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7')

describe('Proposer', () => {
  const ballot: Ballot = { round: 10, nodeId: 'p' }

  it('sends Accept only at a majority of distinct voters, with the highest-ballot accepted value or its own', () => {
    fc.assert(fc.property(fc.constantFrom(3, 5, 7), fc.array(fc.tuple(voter, accepted), { maxLength: 20 }), (n, replies) => {
      const p = new Proposer(E, n, own)
      expect(p.prepare(ballot)).toEqual({ type: 'prepare', epoch: E, ballot })
      const counted = new Map<string, AcceptedValue | null>()
      let sent = false
      for (const [from, acc] of replies) {
        const m: PromiseMsg = { type: 'promise', epoch: E, ballot, accepted: acc }
        const out = p.onPromise(from, m)
        if (!counted.has(from) && !sent) counted.set(from, acc)
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
      expect(sent).toBe(new Set(replies.map(r => r[0])).size >= majority(n))
    }))
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

  it('refuses an own value for another epoch', () => {
    expect(() => new Proposer(E + 1, 3, own)).toThrow(RangeError)
  })
})
