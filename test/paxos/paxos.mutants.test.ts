/**
 * Cases the other paxos tests left open, found by `npm run mutate`: each test
 * here fails against at least one mutant that survived them (docs/mutation.md).
 */
import { describe, expect, it } from 'vitest'
import { Acceptor } from '../../src/paxos/acceptor.js'
import { Learner } from '../../src/paxos/learner.js'
import { MESSAGE_TYPES, type Accepted, type Nack, type PromiseMsg } from '../../src/paxos/message.js'
import { Proposer } from '../../src/paxos/proposer.js'
import { ballotAbove, ballotEquals, compareBallots, formatBallot, leaderRecordEquals, type LeaderRecord } from '../../src/paxos/proposal.js'
import { withVoter } from '../../src/paxos/configuration.js'
import { record, testConfig } from '../support/records.js'

const rec = (epoch: number, id: string, metadata: Record<string, string> = {}): LeaderRecord => record(epoch, id, { voters: ['a', 'b', 'c'], metadata })
const b = (round: number, nodeId: string): { round: number, nodeId: string } => ({ round, nodeId })
const acc = (epoch: number, round: number, value: LeaderRecord): Accepted => ({ type: 'accepted', epoch, ballot: b(round, 'a'), value, lease: false })
const nack = (epoch: number, ballot: { round: number, nodeId: string }, promised = b(9, 'z')): Nack =>
  ({ type: 'nack', epoch, ballot, promised, chosenEpoch: 0, reason: 'promised' })
const promise = (epoch: number, ballot: { round: number, nodeId: string }): PromiseMsg => ({ type: 'promise', epoch, ballot, accepted: null })

describe('ballots and records', () => {
  it('orders ballots of one round by node ID, and no ballot is above itself', () => {
    expect(compareBallots(b(1, 'a'), b(1, 'b'))).toBe(-1)
    expect(compareBallots(b(1, 'b'), b(1, 'a'))).toBe(1)
    expect(ballotAbove(b(2, 'a'), b(2, 'a'))).toBe(false)
    expect(ballotAbove(b(2, 'b'), b(2, 'a'))).toBe(true)
  })

  it('compares with "none": equal only to none', () => {
    expect(ballotEquals(null, null)).toBe(true)
    expect(ballotEquals(null, b(1, 'a'))).toBe(false)
    expect(ballotEquals(b(1, 'a'), null)).toBe(false)
  })

  it('compares leader records by epoch, leader, every metadata entry and configuration', () => {
    expect(leaderRecordEquals(rec(1, 'a', { u: '1' }), rec(1, 'a', { u: '1' }))).toBe(true)
    expect(leaderRecordEquals(rec(1, 'a'), rec(2, 'a'))).toBe(false)
    expect(leaderRecordEquals(rec(1, 'a'), rec(1, 'b'))).toBe(false)
    const config = testConfig(['a', 'b', 'c'])
    expect(leaderRecordEquals(rec(1, 'a'), record(1, 'a', { config: { ...config } }))).toBe(true)
    expect(leaderRecordEquals(rec(1, 'a'), record(1, 'a', { config: withVoter(config, 'd') }))).toBe(false)
    expect(leaderRecordEquals(rec(1, 'a'), record(1, 'a', { config: { ...config, leaseMs: 2000 } }))).toBe(false)
    expect(leaderRecordEquals(rec(1, 'a'), rec(1, 'a', { u: '1' }))).toBe(false)
    expect(leaderRecordEquals(rec(1, 'a', { u: '1' }), rec(1, 'a', { u: '2' }))).toBe(false)
    expect(leaderRecordEquals(rec(1, 'a', { u: '1' }), rec(1, 'a', { v: '1' }))).toBe(false)
  })

  it('formats a ballot for logs', () => {
    expect(formatBallot(null)).toBe('-')
    expect(formatBallot(b(3, 'n1'))).toBe('3.n1')
  })

  it('lists every message type once', () => {
    expect([...MESSAGE_TYPES].sort()).toEqual(['accept', 'accepted', 'chosen', 'heartbeat', 'heartbeatAck', 'nack', 'prepare', 'presence', 'presenceDigest', 'promise', 'resign', 'statusReply', 'statusRequest'])
  })
})

describe('Proposer phases', () => {
  it('starts idle, and refuses an own value of another epoch, saying so', () => {
    expect(new Proposer(1, 3, rec(1, 'a')).phase).toBe('idle')
    expect(() => new Proposer(1, 3, rec(2, 'a'))).toThrow('own value is for epoch 2, not 1')
  })

  it('is accepting after a majority of promises', () => {
    const p = new Proposer(1, 3, rec(1, 'a'))
    p.prepare(b(1, 'a'))
    expect(p.onPromise('a', promise(1, b(1, 'a')))).toBeNull()
    expect(p.proposed).toBeNull()
    expect(p.onPromise('b', promise(1, b(1, 'a')))).not.toBeNull()
    expect(p.phase).toBe('accepting')
    expect(p.proposed).toEqual(rec(1, 'a'))
  })

  it('skips phase 1 only at round 0, and then is accepting at that ballot', () => {
    const p = new Proposer(1, 3, rec(1, 'a'))
    expect(() => p.acceptDirectly(b(1, 'a'))).toThrow('only the reserved round 0 may skip phase 1')
    expect(p.acceptDirectly(b(0, 'a'))).toEqual({ type: 'accept', epoch: 1, ballot: b(0, 'a'), value: rec(1, 'a') })
    expect(p.phase).toBe('accepting')
    expect(p.highestSeen).toEqual(b(0, 'a'))
  })

  it('is defeated only by a Nack of its own epoch and ballot, and only once', () => {
    const p = new Proposer(2, 3, rec(2, 'a'))
    p.prepare(b(3, 'a'))
    expect(p.onNack(nack(1, b(3, 'a')))).toBe(false)
    expect(p.onNack(nack(2, b(2, 'a')))).toBe(false)
    expect(p.phase).toBe('preparing')
    expect(p.onNack(nack(2, b(3, 'a')))).toBe(true)
    expect(p.phase).toBe('defeated')
    expect(p.onNack(nack(2, b(3, 'a')))).toBe(false)
  })
})

describe('Acceptor details', () => {
  it('reports the highest epoch and a snapshot in epoch order, whatever order the epochs came in', () => {
    const a = new Acceptor()
    a.onPrepare({ type: 'prepare', epoch: 5, ballot: b(1, 'a') }, 0)
    a.onPrepare({ type: 'prepare', epoch: 3, ballot: b(1, 'a') }, 0)
    expect(a.highestEpoch()).toBe(5)
    expect(a.snapshot().map(([e]) => e)).toEqual([3, 5])
    expect(new Acceptor([[5, { promised: b(1, 'a'), accepted: null }], [3, { promised: b(1, 'a'), accepted: null }]]).highestEpoch()).toBe(5)
  })

  it('answers an Accept with a lease-free Accepted, and a refusal with a Nack saying why', () => {
    const a = new Acceptor()
    expect(a.onAccept({ type: 'accept', epoch: 1, ballot: b(2, 'a'), value: rec(1, 'a') }, 0).reply).toEqual({ type: 'accepted', epoch: 1, ballot: b(2, 'a'), value: rec(1, 'a'), lease: false })
    expect(a.onAccept({ type: 'accept', epoch: 1, ballot: b(1, 'b'), value: rec(1, 'b') }, 0).reply).toEqual({ type: 'nack', epoch: 1, ballot: b(1, 'b'), promised: b(2, 'a'), chosenEpoch: 0, reason: 'promised' })
  })
})

describe('Learner details', () => {
  it('does not count a vote for another value at the same ballot', () => {
    const l = new Learner(3)
    expect(l.onAccepted('a', acc(1, 1, rec(1, 'a'))).kind).toBe('ignored')
    expect(l.onAccepted('b', acc(1, 1, rec(1, 'b'))).kind).toBe('ignored')
    expect(l.newest).toBeNull()
  })

  it('keeps no votes of a later epoch when it learns an earlier one: epoch 7 is counted only once 6 is known', () => {
    // Was: the votes for 7 were kept across learning 5. Now 7's electorate is 6's configuration, unknown until then.
    const l = new Learner(3)
    expect(l.onAccepted('a', acc(7, 1, rec(7, 'a'))).kind).toBe('ignored')
    expect(l.onChosen(rec(5, 'b')).kind).toBe('learned')
    expect(l.onAccepted('b', acc(7, 1, rec(7, 'a'))).kind).toBe('ignored')
    expect(l.onChosen(rec(6, 'b')).kind).toBe('learned')
    expect(l.onAccepted('b', acc(7, 1, rec(7, 'a'))).kind).toBe('ignored')
    expect(l.onAccepted('c', acc(7, 1, rec(7, 'a')))).toEqual({ kind: 'learned', value: rec(7, 'a') })
  })

  it('ignores a Chosen of epoch 0 when it knows nothing', () => {
    expect(new Learner(3).onChosen(rec(0, 'a'))).toEqual({ kind: 'ignored' })
  })
})
