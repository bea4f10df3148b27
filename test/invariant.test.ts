import { describe, expect, it } from 'vitest'
import { invariant } from '../src/invariant.js'
import { SafetyViolationError } from '../src/errors.js'
import { Leadership } from '../src/node/leadership.js'
import { Outbox } from '../src/node/io.js'
import type { Accept } from '../src/paxos/message.js'
import { record as leaderRecord } from './support/records.js'

describe('invariant()', () => {
  it('throws a SafetyViolationError naming the invariant, and builds no detail while it holds', () => {
    let built = 0
    invariant(true, 'lease-within-bound', () => { built++; return 'x' })
    expect(built).toBe(0)
    let err: unknown
    try { invariant(false, 'promise-never-decreases', () => 'epoch 3: (2,a) would become (1,b)') } catch (e) { err = e }
    expect(err).toBeInstanceOf(SafetyViolationError)
    expect(err).toMatchObject({ code: 'ERR_SAFETY_VIOLATION', invariant: 'promise-never-decreases', detail: 'epoch 3: (2,a) would become (1,b)' })
  })
})

describe('Leadership', () => {
  const config = { selfId: 'a', leaseMs: 1000, heartbeatMs: 250, leaderLeaseMs: 980, leaseHeld: (until: number, now: number) => now < until }
  // The record's configuration says whose acknowledgements count: two of a, b, c.
  const record = leaderRecord(1, 'a', { voters: ['a', 'b', 'c'] })
  const accept: Accept = { type: 'accept', epoch: 1, ballot: { round: 1, nodeId: 'a' }, value: record }

  it('counts a lease from the send time of the beat a majority acknowledged', () => {
    const leadership = new Leadership(record, 100, config, new Outbox('a'))
    leadership.start({ accept, sentAt: 90, grantedBy: new Set(['a', 'b']) }, 100)
    expect(leadership.elected).toBe(true)
    expect(leadership.leaseUntil).toBe(90 + 980)
    // A grant from a node outside the configuration makes no majority.
    const outside = new Leadership(record, 100, config, new Outbox('a'))
    outside.start({ accept, sentAt: 90, grantedBy: new Set(['a', 'x']) }, 100)
    expect(outside.elected).toBe(false)
    expect(outside.leaseUntil).toBe(-Infinity)
  })

  it('refuses a lease counted from a beat that has not been sent yet (lease-within-bound)', () => {
    const leadership = new Leadership(record, 100, config, new Outbox('a'))
    expect(() => { leadership.start({ accept, sentAt: 150, grantedBy: new Set(['a', 'b']) }, 100) })
      .toThrow(expect.objectContaining({ invariant: 'lease-within-bound' }))
  })
})
