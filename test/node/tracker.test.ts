import { describe, expect, it } from 'vitest'
import { AskTracker, CAREFUL_LEASES, type Beat } from '../../src/node/tracker.js'
import { Leadership } from '../../src/node/leadership.js'
import { Outbox } from '../../src/node/io.js'
import { MAX_ACK_FROM, type Heartbeat } from '../../src/paxos/message.js'
import { record as rec, testConfig } from '../support/records.js'

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

  it('names as quickest the voter that answered the newest beat first', () => {
    const tracker = new AskTracker({ quorum: 3, heartbeatMs: HB, leaseMs: LEASE })
    tracker.onAnswer('a', 1, 5)
    tracker.onAnswer('b', 1, 1)
    expect(tracker.quickest).toBe('a')
    tracker.onAnswer('c', 2, 9)
    tracker.onAnswer('d', 2, 1)
    tracker.onAnswer('e', 1, 1)
    expect(tracker.quickest).toBe('c')
  })

  it('after asking everyone, drops the voters that did not acknowledge', () => {
    const tracker = new AskTracker({ quorum: 3, heartbeatMs: HB, leaseMs: LEASE })
    tracker.onAnswer('b', 0, 10)
    // Only b is known: too few to name, so everyone is asked.
    expect(tracker.ask(1, 0, true, 100, new Map())).toBe('all')
    const beats = new Map([[1, beat(0, 'x', 'c', 'd')]])
    tracker.onAnswer('c', 1, 20)
    tracker.onAnswer('d', 1, 30)
    expect(tracker.ask(2, 100, true, 200, beats)).toEqual(['c', 'd'])
  })

  it('after asking named voters, drops only those of them that did not answer', () => {
    const tracker = new AskTracker({ quorum: 3, heartbeatMs: HB, leaseMs: LEASE })
    for (const [id, ms] of [['b', 10], ['c', 20], ['d', 30], ['e', 40]] as const) tracker.onAnswer(id, 0, ms)
    expect(tracker.ask(1, 0, true, 100, new Map())).toEqual(['b', 'c'])
    const beats = new Map([[1, beat(0, 'x', 'b', 'c')]])
    tracker.onAnswer('b', 1, 50)
    tracker.onAnswer('c', 1, 60)
    // d and e were not asked: they keep their place, and are now the quickest.
    expect(tracker.ask(2, 100, true, 200, beats)).toEqual(['d', 'e'])
  })

  it('takes a last ask whose beat is gone (too old to count) as unanswered', () => {
    const tracker = new AskTracker({ quorum: 3, heartbeatMs: HB, leaseMs: LEASE })
    tracker.onAnswer('b', 0, 10)
    tracker.onAnswer('c', 0, 20)
    expect(tracker.ask(1, 0, true, 100, new Map())).toEqual(['b', 'c'])
    expect(tracker.ask(2, 100, true, 200, new Map())).toBe('all')
  })

  it('names up to MAX_ACK_FROM voters, and asks everyone when a majority needs more', () => {
    const ids = Array.from({ length: MAX_ACK_FROM + 1 }, (_, i) => `v${String(i).padStart(2, '0')}`)
    const named = new AskTracker({ quorum: MAX_ACK_FROM + 1, heartbeatMs: HB, leaseMs: LEASE })
    const many = new AskTracker({ quorum: MAX_ACK_FROM + 2, heartbeatMs: HB, leaseMs: LEASE })
    ids.forEach((id, i) => { named.onAnswer(id, 0, i); many.onAnswer(id, 0, i) })
    expect(named.ask(1, 0, true, 100, new Map())).toEqual(ids.slice(0, MAX_ACK_FROM))
    expect(many.ask(1, 0, true, 100, new Map())).toBe('all')
  })
})

describe('Leadership', () => {
  const config = { selfId: 'x', leaseMs: LEASE, heartbeatMs: HB, leaderLeaseMs: 392, leaseHeld: (until: number, now: number) => now < until }
  // Three voters: a majority is two.
  const record = rec(3, 'x', { config: testConfig(['x', 'y', 'z'], { leaseMs: LEASE, heartbeatMs: HB }) })

  function heartbeats (out: Outbox): Heartbeat[] {
    return out.drain(null).messages.map(m => m.msg).filter((m): m is Heartbeat => m.type === 'heartbeat')
  }

  it('gives the epoch up a lease after it started if no majority acknowledged, and beats every heartbeatMs until then', () => {
    const out = new Outbox('a')
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
    const out = new Outbox('a')
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
    const out = new Outbox('a')
    const leadership = new Leadership(record, 1000, config, out)
    const accept = { type: 'accept', epoch: 3, ballot: { round: 1, nodeId: 'x' }, value: record } as const
    leadership.start({ accept, sentAt: 990, grantedBy: new Set(['x']) }, 1000)
    expect(leadership.elected).toBe(false)
    leadership.onLateGrant('z', 1005)
    expect(leadership.elected).toBe(true)
    expect(leadership.leaseUntil).toBe(990 + 392)
  })

  it('counts nothing for a beat older than leaderLeaseMs, which the next beat dropped', () => {
    const out = new Outbox('a')
    const leadership = new Leadership(record, 1000, { ...config, leaderLeaseMs: 300 }, out)
    leadership.start(null, 1000)
    for (const t of [1100, 1200, 1300]) leadership.tick(t)
    expect(heartbeats(out).map(h => h.seq)).toEqual([1, 2, 3, 4])
    leadership.onAck('x', 1, 1300)
    leadership.onAck('y', 1, 1300)
    expect(leadership.leaseUntil).toBe(-Infinity)
    leadership.onAck('x', 2, 1300)
    leadership.onAck('y', 2, 1300)
    expect(leadership.leaseUntil).toBe(1400)
  })

  it('never shortens its lease for a majority of an older beat', () => {
    const out = new Outbox('a')
    const leadership = new Leadership(record, 1000, config, out)
    leadership.start(null, 1000)
    leadership.tick(1100)
    leadership.onAck('x', 2, 1110)
    leadership.onAck('y', 2, 1110)
    expect(leadership.leaseUntil).toBe(1100 + 392)
    leadership.onAck('x', 1, 1120)
    leadership.onAck('y', 1, 1120)
    expect(leadership.leaseUntil).toBe(1100 + 392)
  })

  it('ignores a late grant when its own Accept was not the round that won', () => {
    const out = new Outbox('a')
    const leadership = new Leadership(record, 1000, config, out)
    leadership.start(null, 1000)
    leadership.onLateGrant('x', 1005)
    leadership.onLateGrant('z', 1005)
    expect(leadership.elected).toBe(false)
  })

  it('reports demoted only if it was elected; resigning names the quickest voter and tells it first', () => {
    const never = new Outbox('a')
    new Leadership(record, 1000, config, never).end('resigned')
    expect(never.drain(null)).toMatchObject({ events: [], messages: [{ to: null, msg: { type: 'resign', epoch: 3, successor: null } }] })
    const out = new Outbox('a')
    const leadership = new Leadership(record, 1000, config, out)
    leadership.start(null, 1000)
    leadership.onAck('x', 1, 1010)
    leadership.onAck('y', 1, 1020)
    out.drain(null)
    leadership.end('resigned')
    expect(out.drain(null)).toMatchObject({
      events: [{ type: 'demoted', epoch: 3, reason: 'resigned' }],
      messages: [{ to: null, msg: { type: 'resign', epoch: 3, successor: 'y' }, first: 'y' }]
    })
  })

  it('refuses a lease from a beat dated after now, or reaching past the newest beat (lease-within-bound)', () => {
    const early = new Leadership(record, 1000, config, new Outbox('a'))
    early.start(null, 1000)
    expect(() => { early.onAck('x', 1, 990); early.onAck('y', 1, 990) })
      .toThrow(expect.objectContaining({ invariant: 'lease-within-bound', detail: 'lease until 1392 from a beat sent at 1000 (now 990, newest beat 1000, bound 392 ms)' }))
    // An Accept (beat 0) said to have left after the first heartbeat: its lease would outrun every beat.
    const late = new Leadership(record, 1000, config, new Outbox('a'))
    const accept = { type: 'accept', epoch: 3, ballot: { round: 1, nodeId: 'x' }, value: record } as const
    late.start({ accept, sentAt: 1010, grantedBy: new Set(['x']) }, 1000)
    expect(() => { late.onLateGrant('y', 1020) })
      .toThrow(expect.objectContaining({ invariant: 'lease-within-bound', detail: 'lease until 1402 from a beat sent at 1010 (now 1020, newest beat 1000, bound 392 ms)' }))
  })
  it('never counts an acknowledgement or a late grant from a node that is no voter of the record\'s configuration', () => {
    const out = new Outbox('a')
    const leadership = new Leadership(record, 1000, config, out)
    expect(leadership.electorate.quorum).toBe(2)
    leadership.start(null, 1000)
    leadership.onAck('x', 1, 1010)
    leadership.onAck('w', 1, 1010)
    leadership.onAck('v', 1, 1010)
    expect(leadership.elected).toBe(false)
    expect(leadership.leaseUntil).toBe(-Infinity)
    out.drain(null)
    // Nor is a non-voter named as successor: its answer was not taken in.
    leadership.end('resigned')
    expect(out.drain(null).messages).toEqual([{ to: null, msg: { type: 'resign', epoch: 3, successor: null } }])
    const beat0 = new Leadership(record, 1000, config, new Outbox('a'))
    const accept = { type: 'accept', epoch: 3, ballot: { round: 1, nodeId: 'x' }, value: record } as const
    beat0.start({ accept, sentAt: 990, grantedBy: new Set(['x']) }, 1000)
    beat0.onLateGrant('w', 1005)
    expect(beat0.elected).toBe(false)
    beat0.onLateGrant('y', 1006)
    expect(beat0.elected).toBe(true)
  })

  it('counts only the electorate\'s grants of beat 0 (the Accept round)', () => {
    const accept = { type: 'accept', epoch: 3, ballot: { round: 1, nodeId: 'x' }, value: record } as const
    const others = new Leadership(record, 1000, config, new Outbox('a'))
    others.start({ accept, sentAt: 990, grantedBy: new Set(['x', 'v', 'w']) }, 1000)
    expect(others.elected).toBe(false)
    const voters = new Leadership(record, 1000, config, new Outbox('a'))
    voters.start({ accept, sentAt: 990, grantedBy: new Set(['x', 'w', 'z']) }, 1000)
    expect(voters.elected).toBe(true)
    expect(voters.leaseUntil).toBe(990 + 392)
  })

  describe('an inherited lease (a configuration change of its own, rule 9)', () => {
    // The old configuration x, y, z; the new one adds w (a majority is now three).
    const next = rec(4, 'x', { config: testConfig(['w', 'x', 'y', 'z'], { leaseMs: LEASE, heartbeatMs: HB, version: 2 }) })
    const inherited = { leaseUntil: 1100 + 392, newestSentAt: 1100, voters: ['x', 'y', 'z'] }

    it('leads from the start, elected once, backed by the old voters until a beat of the new configuration reaches past it', () => {
      const out = new Outbox('a')
      const leadership = new Leadership(next, 1200, config, out, inherited)
      expect(leadership.elected).toBe(true)
      expect(leadership.leads(1200)).toBe(true)
      expect(leadership.leaseUntil).toBe(1492)
      expect(out.drain(null).events).toEqual([{ type: 'elected', epoch: 4 }])
      expect(leadership.leaseVoters).toEqual(['x', 'y', 'z'])
      // Beat 0, the Accept of the change, left before the old lease's newest beat: granted by the
      // new majority, it reaches only to 1442, short of the inherited lease, which still stands.
      const accept = { type: 'accept', epoch: 4, ballot: { round: 1, nodeId: 'x' }, value: next } as const
      leadership.start({ accept, sentAt: 1050, grantedBy: new Set(['x', 'w', 'y']) }, 1200)
      expect(leadership.leaseUntil).toBe(1492)
      expect(leadership.leaseVoters).toEqual(['x', 'y', 'z'])
      expect(leadership.inheritable).toEqual({ leaseUntil: 1492, newestSentAt: 1200, voters: ['x', 'y', 'z'] })
      // Beat 1 (sent at 1200) acknowledged by two of four: no majority of the new voters.
      leadership.onAck('x', 1, 1210)
      leadership.onAck('y', 1, 1210)
      expect(leadership.leaseVoters).toEqual(['x', 'y', 'z'])
      leadership.onAck('w', 1, 1220)
      expect(leadership.leaseUntil).toBe(1200 + 392)
      expect(leadership.leaseVoters).toEqual(['w', 'x', 'y', 'z'])
      // Elected once: neither the new majority nor the lease moving on reports it again.
      expect(out.drain(null).events).toEqual([])
      expect(leadership.leads(1591)).toBe(true)
      expect(leadership.tick(1592)).toBe('lease-expired')
    })

    it('is backed by the new voters from a beat whose lease reaches as far as the inherited one', () => {
      const leadership = new Leadership(next, 1200, config, new Outbox('a'), inherited)
      const accept = { type: 'accept', epoch: 4, ballot: { round: 1, nodeId: 'x' }, value: next } as const
      // Beat 0 sent with the old lease's newest beat: its lease ends just where the inherited one does.
      leadership.start({ accept, sentAt: 1100, grantedBy: new Set(['x', 'w', 'z']) }, 1200)
      expect(leadership.leaseUntil).toBe(1492)
      expect(leadership.leaseVoters).toEqual(['w', 'x', 'y', 'z'])
    })

    it('ends when the inherited lease runs out unrenewed', () => {
      const leadership = new Leadership(next, 1200, config, new Outbox('a'), inherited)
      leadership.start(null, 1200)
      expect(leadership.leads(1491)).toBe(true)
      expect(leadership.tick(1491)).toBeNull()
      expect(leadership.leads(1492)).toBe(false)
      expect(leadership.tick(1492)).toBe('lease-expired')
    })

    it('inherits no lease that has expired: it must be elected afresh by the new voters', () => {
      const out = new Outbox('a')
      const leadership = new Leadership(next, 1492, config, out, inherited)
      expect(leadership.elected).toBe(false)
      expect(leadership.leads(1492)).toBe(false)
      expect(leadership.leaseUntil).toBe(-Infinity)
      expect(leadership.inheritable).toBeNull()
      expect(out.drain(null).events).toEqual([])
      leadership.start(null, 1492)
      for (const id of ['x', 'y']) leadership.onAck(id, 1, 1500)
      expect(leadership.elected).toBe(false)
      leadership.onAck('w', 1, 1500)
      expect(leadership.elected).toBe(true)
      expect(leadership.leaseVoters).toEqual(['w', 'x', 'y', 'z'])
      expect(out.drain(null).events).toEqual([{ type: 'elected', epoch: 4 }])
    })
  })
})
