import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Learner } from '../../src/paxos/learner.js'
import { majority, type LeaderRecord } from '../../src/paxos/proposal.js'
import type { Accepted } from '../../src/paxos/message.js'

const rec = (epoch: number, id: string): LeaderRecord => ({ epoch, leaderId: id, metadata: {} })
const acc = (epoch: number, round: number, id: string): Accepted => ({ type: 'accepted', epoch, ballot: { round, nodeId: id }, value: rec(epoch, id), lease: false })

describe('Learner', () => {
  it('learns at a majority of distinct voters for one ballot; replays never count twice', () => {
    fc.assert(fc.property(fc.constantFrom(3, 5, 7), fc.array(fc.constantFrom('v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'), { maxLength: 30 }), (n, voters) => {
      const l = new Learner(n)
      const seen = new Set<string>()
      for (const v of voters) {
        const r = l.onAccepted(v, acc(1, 1, 'a'))
        const first = !seen.has(v)
        seen.add(v)
        expect(r.kind === 'learned').toBe(first && seen.size === majority(n))
      }
    }))
  })

  it('does not add votes across ballots', () => {
    const l = new Learner(3)
    expect(l.onAccepted('v1', acc(1, 1, 'a')).kind).toBe('ignored')
    expect(l.onAccepted('v2', acc(1, 2, 'a')).kind).toBe('ignored')
    expect(l.onAccepted('v2', acc(1, 1, 'a')).kind).toBe('learned')
  })

  it('learns epochs in increasing order and never changes a learned value', () => {
    const l = new Learner(3)
    expect(l.onChosen(rec(5, 'a')).kind).toBe('learned')
    expect(l.onChosen(rec(3, 'b')).kind).toBe('ignored')
    expect(l.newest).toEqual(rec(5, 'a'))
    const r = l.onChosen(rec(5, 'b'))
    expect(r.kind).toBe('conflict')
    expect(l.newest).toEqual(rec(5, 'a'))
    // Accepted for other ballots of a decided epoch are normal losers, not conflicts.
    expect(l.onAccepted('v1', acc(5, 9, 'c')).kind).toBe('ignored')
    expect(l.onChosen(rec(6, 'c')).kind).toBe('learned')
  })

  it('ignores an Accepted whose value is for another epoch', () => {
    const l = new Learner(1)
    expect(l.onAccepted('v1', { ...acc(2, 1, 'a'), value: rec(3, 'a') }).kind).toBe('ignored')
  })
})
