import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Acceptor } from '../../src/paxos/acceptor.js'
import { ballotAtLeast, compareBallots, type Ballot } from '../../src/paxos/proposal.js'
import type { Accept, Prepare } from '../../src/paxos/message.js'
import { record } from '../support/records.js'

const ballot: fc.Arbitrary<Ballot> = fc.record({ round: fc.integer({ min: 1, max: 8 }), nodeId: fc.constantFrom('a', 'b', 'c') })
const epoch = fc.integer({ min: 1, max: 3 })
const request: fc.Arbitrary<Prepare | Accept> = fc.oneof(
  fc.record({ type: fc.constant('prepare' as const), epoch, ballot }),
  fc.tuple(epoch, ballot).map(([e, b]): Accept => ({ type: 'accept', epoch: e, ballot: b, value: record(e, b.nodeId, { voters: ['a', 'b', 'c'] }) }))
)

describe('Acceptor', () => {
  it('never goes back on a promise and never accepts below it', () => {
    fc.assert(fc.property(fc.array(request, { maxLength: 60 }), reqs => {
      const acc = new Acceptor()
      for (const m of reqs) {
        const before = acc.state(m.epoch)
        const r = m.type === 'prepare' ? acc.onPrepare(m, 0) : acc.onAccept(m, 0)
        const after = acc.state(m.epoch)
        // The promise only rises.
        if (before.promised !== null) expect(after.promised !== null && compareBallots(after.promised, before.promised) >= 0).toBe(true)
        // The accepted ballot never exceeds the promise.
        if (after.accepted !== null) expect(compareBallots(after.accepted.ballot, after.promised!)).toBeLessThanOrEqual(0)
        const ok = r.reply.type === 'promise' || r.reply.type === 'accepted'
        if (m.type === 'prepare') {
          // A promise is given only above the previous one (or repeated for the same ballot).
          expect(ok).toBe(before.promised === null || compareBallots(m.ballot, before.promised) >= 0)
          if (r.reply.type === 'promise') expect(r.reply.accepted).toEqual(before.accepted)
        } else {
          expect(ok).toBe(ballotAtLeast(m.ballot, before.promised))
        }
        if (r.reply.type === 'nack') {
          expect(r.changed).toBe(false)
          expect(after).toEqual(before)
          expect(r.reply.promised).toEqual(before.promised)
        }
        // Other epochs are untouched: each epoch is its own instance.
      }
    }))
  })

  it('reports a change exactly when its state changed, so callers persist before replying', () => {
    fc.assert(fc.property(fc.array(request, { maxLength: 40 }), reqs => {
      const acc = new Acceptor()
      for (const m of reqs) {
        const before = JSON.stringify(acc.snapshot())
        const r = m.type === 'prepare' ? acc.onPrepare(m, 0) : acc.onAccept(m, 0)
        expect(r.changed).toBe(JSON.stringify(acc.snapshot()) !== before)
      }
    }))
  })

  it('restores from its snapshot with the same promises', () => {
    fc.assert(fc.property(fc.array(request, { maxLength: 40 }), fc.array(request, { maxLength: 20 }), (reqs, more) => {
      const a = new Acceptor()
      for (const m of reqs) m.type === 'prepare' ? a.onPrepare(m, 0) : a.onAccept(m, 0)
      const b = new Acceptor(a.snapshot())
      for (const m of more) {
        const ra = m.type === 'prepare' ? a.onPrepare(m, 0) : a.onAccept(m, 0)
        const rb = m.type === 'prepare' ? b.onPrepare(m, 0) : b.onAccept(m, 0)
        expect(rb).toEqual(ra)
      }
    }))
  })

  it('compacts decided epochs', () => {
    const a = new Acceptor()
    a.onPrepare({ type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'a' } }, 0)
    a.onPrepare({ type: 'prepare', epoch: 2, ballot: { round: 1, nodeId: 'a' } }, 0)
    expect(a.compact(1)).toBe(true)
    expect(a.snapshot().map(([e]) => e)).toEqual([2])
    expect(a.highestEpoch()).toBe(2)
    expect(a.compact(1)).toBe(false)
  })

  it('reports the highest epoch in which it accepted a value, not one it only promised in', () => {
    fc.assert(fc.property(fc.array(request, { maxLength: 40 }), reqs => {
      const a = new Acceptor()
      for (const m of reqs) m.type === 'prepare' ? a.onPrepare(m, 0) : a.onAccept(m, 0)
      const accepted = a.snapshot().filter(([, s]) => s.accepted !== null).map(([e]) => e)
      expect(a.highestAcceptedEpoch()).toBe(Math.max(0, ...accepted))
      expect(a.highestAcceptedEpoch()).toBeLessThanOrEqual(a.highestEpoch())
    }))
    const a = new Acceptor()
    expect(a.highestAcceptedEpoch()).toBe(0)
    a.onAccept({ type: 'accept', epoch: 2, ballot: { round: 1, nodeId: 'a' }, value: record(2, 'a') }, 0)
    a.onPrepare({ type: 'prepare', epoch: 5, ballot: { round: 1, nodeId: 'b' } }, 0)
    expect(a.highestEpoch()).toBe(5)
    expect(a.highestAcceptedEpoch()).toBe(2)
    // Restored from its snapshot, the same; compacted past it, none.
    expect(new Acceptor(a.snapshot()).highestAcceptedEpoch()).toBe(2)
    a.compact(2)
    expect(a.highestAcceptedEpoch()).toBe(0)
  })
})
