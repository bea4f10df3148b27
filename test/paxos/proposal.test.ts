import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ballotAbove, compareBallots, majority, nextBallot, type Ballot } from '../../src/paxos/proposal.js'

const nodeId = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'n10', 'n2')
const ballot: fc.Arbitrary<Ballot> = fc.record({ round: fc.nat(50), nodeId })

describe('Ballot', () => {
  it('is a total order: antisymmetric, transitive, and equal only when identical', () => {
    fc.assert(fc.property(ballot, ballot, ballot, (a, b, c) => {
      expect(Math.sign(compareBallots(a, b)) + Math.sign(compareBallots(b, a))).toBe(0)
      expect(compareBallots(a, b) === 0).toBe(a.round === b.round && a.nodeId === b.nodeId)
      if (compareBallots(a, b) <= 0 && compareBallots(b, c) <= 0) expect(compareBallots(a, c)).toBeLessThanOrEqual(0)
    }))
  })

  it('orders by round first, then by node ID', () => {
    fc.assert(fc.property(ballot, ballot, (a, b) => {
      if (a.round < b.round) expect(compareBallots(a, b)).toBeLessThan(0)
      if (a.round === b.round && a.nodeId < b.nodeId) expect(compareBallots(a, b)).toBeLessThan(0)
    }))
  })

  it('nextBallot is owned by its node, above every seen ballot and above the rounds it used', () => {
    fc.assert(fc.property(nodeId, fc.array(fc.option(ballot, { nil: null })), fc.nat(60), (id, seen, used) => {
      const b = nextBallot(id, seen, used)
      expect(b.nodeId).toBe(id)
      expect(b.round).toBeGreaterThan(used)
      for (const s of seen) expect(ballotAbove(b, s)).toBe(true)
    }))
  })

  it('ballots of distinct nodes never collide', () => {
    fc.assert(fc.property(fc.array(ballot), nodeId, nodeId, (seen, x, y) => {
      fc.pre(x !== y)
      expect(compareBallots(nextBallot(x, seen), nextBallot(y, seen))).not.toBe(0)
    }))
  })

  it('any two majorities of n voters overlap', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 15 }), n => {
      expect(2 * majority(n)).toBeGreaterThan(n)
      expect(majority(n)).toBeLessThanOrEqual(n)
    }))
  })
})
