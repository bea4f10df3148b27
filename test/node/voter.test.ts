import { describe, expect, it } from 'vitest'
import { Voter } from '../../src/node/voter.js'
import { Outbox } from '../../src/node/io.js'
import { Acceptor } from '../../src/paxos/acceptor.js'
import type { Accept, Heartbeat, Prepare } from '../../src/paxos/message.js'
import type { LeaderRecord } from '../../src/paxos/proposal.js'

const LEASE = 400

function rec (epoch: number, leaderId: string): LeaderRecord {
  return { epoch, leaderId, metadata: {} }
}

function voter (durable = true, storedGrant: { epoch: number, leaderId: string } | null = null): { v: Voter, out: Outbox } {
  const out = new Outbox('a', false)
  return { v: new Voter('a', out, new Acceptor(), storedGrant, durable, LEASE), out }
}

function accept (epoch: number, round: number, from: string, leaderId: string): Accept {
  return { type: 'accept', epoch, ballot: { round, nodeId: from }, value: rec(epoch, leaderId) }
}

describe('Voter: leases (rule 1)', () => {
  it('holds the grant it gave until now + leaseMs, and is bound only against others proposing a later epoch while it lives', () => {
    const { v } = voter()
    expect(v.grant).toBeNull()
    expect(v.grantLease(3, 'b', 100)).toBe('granted-store')
    expect(v.grant).toEqual({ epoch: 3, leaderId: 'b', expiresAt: 100 + LEASE })
    expect(v.boundAgainst('c', 4, 499)).toBe(true)
    expect(v.boundAgainst('c', 4, 500)).toBe(false)
    expect(v.boundAgainst('c', 3, 499)).toBe(false)
    // Its own leader may propose the next epoch.
    expect(v.boundAgainst('b', 4, 499)).toBe(false)
  })

  it('refuses another epoch or another leader while the grant lives, and grants anyone from its expiry on', () => {
    const { v } = voter()
    v.grantLease(3, 'b', 100)
    expect(v.grantLease(4, 'b', 499)).toBe('refused')
    expect(v.grantLease(3, 'c', 499)).toBe('refused')
    expect(v.grant).toEqual({ epoch: 3, leaderId: 'b', expiresAt: 500 })
    // Renewal of the same grant needs no store.
    expect(v.grantLease(3, 'b', 450)).toBe('granted')
    expect(v.grant?.expiresAt).toBe(850)
    expect(v.grantLease(3, 'c', 850)).toBe('granted-store')
    expect(v.storedGrant).toEqual({ epoch: 3, leaderId: 'c' })
  })

  it('stores a new grant on durable storage unless that very (epoch, leader) is stored already; never on memory storage', () => {
    const stored = voter(true, { epoch: 3, leaderId: 'b' })
    expect(stored.v.grantLease(3, 'b', 0)).toBe('granted')
    const otherEpoch = voter(true, { epoch: 2, leaderId: 'b' })
    expect(otherEpoch.v.grantLease(3, 'b', 0)).toBe('granted-store')
    expect(otherEpoch.v.storedGrant).toEqual({ epoch: 3, leaderId: 'b' })
    const otherLeader = voter(true, { epoch: 3, leaderId: 'c' })
    expect(otherLeader.v.grantLease(3, 'b', 0)).toBe('granted-store')
    const memory = voter(false)
    expect(memory.v.grantLease(3, 'b', 0)).toBe('granted')
    expect(memory.v.storedGrant).toBeNull()
  })

  it('drops a grant only when its own leader resigns that very epoch', () => {
    const { v } = voter()
    v.grantLease(3, 'b', 0)
    v.release('c', 3)
    v.release('b', 2)
    expect(v.grant?.leaderId).toBe('b')
    v.release('b', 3)
    expect(v.grant).toBeNull()
  })

  it('grants nothing while quarantined', () => {
    const { v } = voter()
    v.quarantine(1000)
    expect(v.quarantined(999)).toBe(true)
    expect(v.grantLease(1, 'b', 999)).toBe('refused')
    expect(v.quarantined(1000)).toBe(false)
    expect(v.grantLease(1, 'b', 1000)).toBe('granted-store')
  })
})

describe('Voter: answers', () => {
  it('answerPrepare says whether it promised: not when refused, nor when the acceptor nacks a lower ballot', () => {
    const { v, out } = voter()
    const prepare = (round: number, from: string): Prepare => ({ type: 'prepare', epoch: 2, ballot: { round, nodeId: from } })
    expect(v.answerPrepare('b', prepare(5, 'b'), 0, null, false)).toBe(true)
    expect(v.answerPrepare('c', prepare(4, 'c'), 0, null, false)).toBe(false)
    expect(out.drain(null).messages.map(m => m.msg.type)).toEqual(['promise', 'nack'])
    expect(v.answerPrepare('c', prepare(9, 'c'), 0, null, true)).toBe(false)
    expect(out.drain(null).messages).toEqual([{ to: 'c', msg: { type: 'nack', epoch: 2, ballot: { round: 9, nodeId: 'c' }, promised: { round: 5, nodeId: 'b' }, chosenEpoch: 0, reason: 'membership' } }])
  })

  it('accepts a value whose leader it may not grant, reporting lease: false and storing only the acceptance', () => {
    const { v, out } = voter()
    v.grantLease(3, 'b', 0)
    out.drain(null)
    // c's record for epoch 3 at a higher ballot: not bound (same epoch), but b's grant still lives.
    v.answerAccept('c', accept(3, 7, 'c', 'c'), 100, null, false)
    const rd = out.drain({} as never)
    expect(rd.sync).toBe(true)
    expect(rd.messages).toEqual([{ to: 'c', msg: { type: 'accepted', epoch: 3, ballot: { round: 7, nodeId: 'c' }, value: rec(3, 'c'), lease: false } }])
    expect(v.grant?.leaderId).toBe('b')
  })

  it('stores before a repeated acceptance only when it makes a new grant', () => {
    const { v, out } = voter()
    v.grantLease(3, 'b', 0)
    v.answerAccept('c', accept(3, 7, 'c', 'c'), 100, null, false)
    out.drain({} as never)
    // The same Accept again after b's grant expired: nothing new accepted, but c's grant is new.
    v.answerAccept('c', accept(3, 7, 'c', 'c'), 400, null, false)
    let rd = out.drain({} as never)
    expect(rd.sync).toBe(true)
    expect(rd.messages[0]?.msg).toMatchObject({ type: 'accepted', lease: true })
    expect(v.storedGrant).toEqual({ epoch: 3, leaderId: 'c' })
    // Once more: a renewal, nothing to store.
    v.answerAccept('c', accept(3, 7, 'c', 'c'), 500, null, false)
    expect(out.storing).toBe(false)
    rd = out.drain(null)
    expect(rd.persist).toBeNull()
    expect(rd.messages[0]?.msg).toMatchObject({ type: 'accepted', lease: true })
  })

  it('tells the sender of a stale heartbeat of the newer epoch, stores nothing and grants nothing', () => {
    const { v, out } = voter()
    const hb: Heartbeat = { type: 'heartbeat', epoch: 2, seq: 4, value: rec(2, 'b'), ackFrom: 'all' }
    v.answerHeartbeat('b', hb, 0, rec(3, 'c'), false)
    expect(out.storing).toBe(false)
    expect(out.drain(null).messages).toEqual([{ to: 'b', msg: { type: 'nack', epoch: 2, ballot: { round: 0, nodeId: 'b' }, promised: null, chosenEpoch: 3, reason: 'stale' } }])
    expect(v.grant).toBeNull()
  })

  it('takes a round-0 Accept of e+1 as the Resign of e only from another node than e\'s leader, while the grant lives', () => {
    const { v } = voter()
    v.grantLease(3, 'b', 0)
    expect(v.overtakenResign('c', accept(4, 0, 'c', 'c'), 399)).toEqual({ epoch: 3, leaderId: 'b', expiresAt: 400 })
    expect(v.overtakenResign('b', accept(4, 0, 'b', 'b'), 399)).toBeNull()
    expect(v.overtakenResign('c', accept(4, 0, 'c', 'c'), 400)).toBeNull()
    expect(v.overtakenResign('c', accept(4, 1, 'c', 'c'), 399)).toBeNull()
    expect(v.overtakenResign('c', accept(5, 0, 'c', 'c'), 399)).toBeNull()
  })
})
