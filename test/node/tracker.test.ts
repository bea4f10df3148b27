import { describe, expect, it } from 'vitest'
import { AskTracker, CAREFUL_LEASES, type Beat } from '../../src/node/tracker.js'
import { Leadership } from '../../src/node/leadership.js'
import { Outbox } from '../../src/node/io.js'
import type { Heartbeat } from '../../src/paxos/message.js'

const HB = 100
const LEASE = 400

function beat (sentAt: number, ...acks: string[]): Beat {
  return { sentAt, acks: new Set(acks), counted: acks.length }
}

describe('AskTracker (rule 2)', () => {
  it('asks everyone until elected, nobody while the lease outlasts two beats and a quarter, then the quickest a majority needs', () => {
    const tracker = new AskTracker({ quorum: 3, heartbeatMs: HB, leaseMs: LEASE })
    const beats = new Map<number, Beat>()
    expect(tracker.ask(1, 0, false, -Infinity, beats)).toBe('all')
    beats.set(1, beat(0, 'a', 'c', 'b', 'd'))
    // Answers: d quickest, then b and c tied (b first by name), a slowest.
    tracker.onAnswer('a', 1, 40)
    tracker.onAnswer('c', 1, 20)
    tracker.onAnswer('b', 1, 20)
    tracker.onAnswer('d', 1, 5)
    expect(tracker.quickest).toBe('a')
    // Lease 226 ms past now outlasts 2.25 beats: ask nobody; exactly 225 ms does not.
    expect(tracker.ask(2, 100, true, 100 + 226, beats)).toEqual([])
    expect(tracker.ask(2, 100, true, 100 + 225, beats)).toEqual(['d', 'b'])
  })

  it('drops a voter that left an ask unanswered, and after an ask without a majority asks everyone for CAREFUL_LEASES leases', () => {
    const tracker = new AskTracker({ quorum: 3, heartbeatMs: HB, leaseMs: LEASE })
    const beats = new Map<number, Beat>([[1, beat(0, 'x', 'b', 'c', 'd')]])
    tracker.onAnswer('b', 1, 10)
    tracker.onAnswer('c', 1, 20)
    tracker.onAnswer('d', 1, 30)
    expect(tracker.ask(2, 0, true, 100, beats)).toEqual(['b', 'c'])
    // Beat 2: only c and the leader answered. b is dropped; 2 of 3 is no majority: careful.
    beats.set(2, beat(0, 'x', 'c'))
    expect(tracker.ask(3, 100, true, 200, beats)).toBe('all')
    beats.set(3, beat(0, 'x', 'c', 'd'))
    expect(tracker.ask(4, 100 + CAREFUL_LEASES * LEASE - 1, true, 100 + CAREFUL_LEASES * LEASE, beats)).toBe('all')
    // The careful period over, b is no longer among the quickest.
    beats.set(4, beat(0, 'x', 'c', 'd'))
    expect(tracker.ask(5, 100 + CAREFUL_LEASES * LEASE, true, 100 + CAREFUL_LEASES * LEASE + 10, beats)).toEqual(['c', 'd'])
  })
})

describe('Leadership', () => {
  const config = { selfId: 'x', quorum: 2, leaseMs: LEASE, heartbeatMs: HB, leaderLeaseMs: 392, leaseHeld: (until: number, now: number) => now < until }
  const record = { epoch: 3, leaderId: 'x', metadata: {} }

  function heartbeats (out: Outbox): Heartbeat[] {
    return out.drain(null).messages.map(m => m.msg).filter((m): m is Heartbeat => m.type === 'heartbeat')
  }

  it('gives the epoch up a lease after it started if no majority acknowledged, and beats every heartbeatMs until then', () => {
    const out = new Outbox('a', false)
    const leadership = new Leadership(record, 1000, config, out)
    leadership.start(null, 1000)
    expect(heartbeats(out).map(h => h.seq)).toEqual([1])
    expect(leadership.nextDeadline()).toBe(1100)
    expect(leadership.tick(1099)).toBeNull()
    expect(heartbeats(out)).toEqual([])
    expect(leadership.tick(1100)).toBeNull()
    expect(heartbeats(out).map(h => h.seq)).toEqual([2])
    expect(leadership.tick(1399)).toBeNull()
    expect(leadership.tick(1400)).toBe('give-up')
  })

  it('counts an acknowledgement once, is elected by a majority, and ends when the lease runs out', () => {
    const out = new Outbox('a', false)
    const leadership = new Leadership(record, 1000, config, out)
    leadership.start(null, 1000)
    leadership.onAck('x', 1, 1010)
    leadership.onAck('x', 1, 1011)
    expect(leadership.elected).toBe(false)
    leadership.onAck('y', 1, 1020)
    expect(leadership.elected).toBe(true)
    expect(leadership.leaseUntil).toBe(1000 + 392)
    expect(out.drain(null).events).toEqual([{ type: 'elected', epoch: 3 }])
    expect(leadership.leads(1391)).toBe(true)
    expect(leadership.leads(1392)).toBe(false)
    expect(leadership.tick(1392)).toBe('lease-expired')
    // A beat older than the lease can no longer extend it.
    leadership.onAck('y', 99, 1020)
    expect(leadership.leaseUntil).toBe(1392)
  })

  it('takes late grants of the Accept round (beat 0) towards its first lease', () => {
    const out = new Outbox('a', false)
    const leadership = new Leadership(record, 1000, config, out)
    const accept = { type: 'accept', epoch: 3, ballot: { round: 1, nodeId: 'x' }, value: record } as const
    leadership.start({ accept, sentAt: 990, grantedBy: new Set(['x']) }, 1000)
    expect(leadership.elected).toBe(false)
    leadership.onLateGrant('z', 1005)
    expect(leadership.elected).toBe(true)
    expect(leadership.leaseUntil).toBe(990 + 392)
  })
})
