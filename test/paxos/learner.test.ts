import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Learner } from '../../src/paxos/learner.js'
import { withVoter, withoutVoter } from '../../src/paxos/configuration.js'
import { majority, type LeaderRecord } from '../../src/paxos/proposal.js'
import type { Accepted } from '../../src/paxos/message.js'
import { record, testConfig } from '../support/records.js'

const ALL = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']
const rec = (epoch: number, id: string): LeaderRecord => record(epoch, id, { voters: ['v1', 'v2', 'v3'] })
const acc = (epoch: number, round: number, id: string, value = rec(epoch, id)): Accepted => ({ type: 'accepted', epoch, ballot: { round, nodeId: id }, value, lease: false })

describe('Learner', () => {
  it('learns at a majority of distinct voters for one ballot; replays never count twice', () => {
    // n: epoch 1's count (any n nodes), or epoch 3 after a record whose configuration has voters v1 … vn, whom alone it counts.
    fc.assert(fc.property(fc.constantFrom(3, 5, 7), fc.boolean(), fc.array(fc.constantFrom(...ALL), { maxLength: 30 }), (n, configured, votes) => {
      const l = configured ? new Learner(3, record(2, 'a', { voters: ALL.slice(0, n) })) : new Learner(n)
      const epoch = configured ? 3 : 1
      const counts = (id: string): boolean => !configured || ALL.indexOf(id) < n
      expect(l.electorate.quorum).toBe(majority(n))
      const seen = new Set<string>()
      for (const v of votes) {
        const r = l.onAccepted(v, acc(epoch, 1, 'a'))
        const first = counts(v) && !seen.has(v)
        if (counts(v)) seen.add(v)
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
    // The same leader under another configuration is another value too.
    expect(l.onChosen(record(5, 'a', { voters: ['v1', 'v2'] })).kind).toBe('conflict')
    // Accepted for other ballots of a decided epoch are normal losers, not conflicts.
    expect(l.onAccepted('v1', acc(5, 9, 'c')).kind).toBe('ignored')
    expect(l.onChosen(rec(6, 'c')).kind).toBe('learned')
  })

  it('ignores an Accepted whose value is for another epoch', () => {
    const l = new Learner(1)
    expect(l.onAccepted('v1', { ...acc(2, 1, 'a'), value: rec(3, 'a') }).kind).toBe('ignored')
  })

  it('tallies only epoch newest+1: votes for a later epoch are not counted, even once the epoch before is learned', () => {
    const l = new Learner(3, rec(3, 'a'))
    // Epoch 5's electorate is not known before epoch 4's record.
    for (const v of ['v1', 'v2', 'v3']) expect(l.onAccepted(v, acc(5, 1, 'b')).kind).toBe('ignored')
    expect(l.onAccepted('v1', acc(4, 1, 'a')).kind).toBe('ignored')
    expect(l.onAccepted('v2', acc(4, 1, 'a'))).toEqual({ kind: 'learned', value: rec(4, 'a') })
    // The early votes for epoch 5 were not kept: a majority is counted afresh.
    expect(l.onAccepted('v1', acc(5, 1, 'b')).kind).toBe('ignored')
    expect(l.onAccepted('v2', acc(5, 1, 'b'))).toEqual({ kind: 'learned', value: rec(5, 'b') })
    // With nothing learned, only epoch 1 is tallied.
    const fresh = new Learner(1)
    expect(fresh.onAccepted('v1', acc(2, 1, 'a')).kind).toBe('ignored')
    expect(fresh.onAccepted('v1', acc(1, 1, 'a')).kind).toBe('learned')
  })

  it('counts only the votes of its electorate: the voters of the newest record\'s configuration', () => {
    const l = new Learner(3, rec(1, 'a'))
    expect(l.electorate.counts('v1')).toBe(true)
    expect(l.electorate.counts('v4')).toBe(false)
    // Nodes that would make a majority of any three, none of them a voter.
    for (const v of ['v4', 'v5', 'v6', 'x']) expect(l.onAccepted(v, acc(2, 1, 'a')).kind).toBe('ignored')
    expect(l.newest).toEqual(rec(1, 'a'))
    expect(l.onAccepted('v3', acc(2, 1, 'a')).kind).toBe('ignored')
    expect(l.onAccepted('v1', acc(2, 1, 'a')).kind).toBe('learned')
  })

  it('switches electorate when it learns a record, by Chosen or by votes', () => {
    const three = testConfig(['v1', 'v2', 'v3'])
    const four = withVoter(three, 'v4')
    const l = new Learner(3, record(1, 'a', { config: three }))
    expect(l.electorate.counts('v4')).toBe(false)
    // Epoch 2 names v4 a voter: epoch 3 is decided by three of v1 … v4.
    expect(l.onChosen(record(2, 'a', { config: four })).kind).toBe('learned')
    expect(l.electorate.counts('v4')).toBe(true)
    expect(l.electorate.quorum).toBe(3)
    expect(l.onAccepted('v4', acc(3, 1, 'a', record(3, 'a', { config: withoutVoter(four, 'v1') }))).kind).toBe('ignored')
    expect(l.onAccepted('v3', acc(3, 1, 'a', record(3, 'a', { config: withoutVoter(four, 'v1') }))).kind).toBe('ignored')
    expect(l.onAccepted('v2', acc(3, 1, 'a', record(3, 'a', { config: withoutVoter(four, 'v1') }))).kind).toBe('learned')
    // Learned by votes, epoch 3's record takes v1 out of epoch 4's electorate.
    expect(l.electorate.counts('v1')).toBe(false)
    expect(l.electorate.quorum).toBe(2)
    expect(l.onAccepted('v1', acc(4, 1, 'a')).kind).toBe('ignored')
    // A fresh learner counts any nodes for epoch 1, then the configuration it learned.
    const fresh = new Learner(3)
    expect(fresh.electorate.counts('anyone')).toBe(true)
    fresh.onChosen(record(1, 'a', { voters: ['a'] }))
    expect(fresh.electorate).toMatchObject({ quorum: 1 })
    expect(fresh.electorate.counts('anyone')).toBe(false)
  })

  it('with shortBy, counts a quorum that many votes short (a broken variant for the simulator)', () => {
    for (const [n, shortBy, needed] of [[3, 1, 1], [5, 1, 2], [5, 2, 1], [7, 0, 4]] as const) {
      const l = new Learner(3, record(1, 'a', { voters: ALL.slice(0, n) }), shortBy)
      for (let i = 1; i < needed; i++) expect(l.onAccepted(`v${i}`, acc(2, 1, 'a')).kind).toBe('ignored')
      expect(l.onAccepted(`v${needed}`, acc(2, 1, 'a')).kind).toBe('learned')
    }
    // Short of a bootstrap count as well; still only the electorate's votes.
    const boot = new Learner(5, null, 1)
    expect(boot.onAccepted('x', acc(1, 1, 'a')).kind).toBe('ignored')
    expect(boot.onAccepted('y', acc(1, 1, 'a')).kind).toBe('learned')
    const members = new Learner(3, rec(1, 'a'), 1)
    expect(members.onAccepted('v9', acc(2, 1, 'a')).kind).toBe('ignored')
    expect(members.newest).toEqual(rec(1, 'a'))
  })
})
