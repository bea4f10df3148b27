import { describe, expect, it } from 'vitest'
import { Voter } from '../../src/node/voter.js'
import { Outbox } from '../../src/node/io.js'
import { Acceptor } from '../../src/paxos/acceptor.js'
import type { Accept, Heartbeat, Prepare } from '../../src/paxos/message.js'
import { record as rec } from '../support/records.js'

const LEASE = 400

function voter (durable = true, storedGrant: { epoch: number, leaderId: string } | null = null): { v: Voter, out: Outbox } {
  const out = new Outbox('a')
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

  it('refuses another leader, and its own leader in an earlier epoch, while the grant lives, and grants anyone from its expiry on', () => {
    const { v } = voter()
    v.grantLease(3, 'b', 100)
    expect(v.grantLease(2, 'b', 499)).toBe('refused')
    expect(v.grantLease(3, 'c', 499)).toBe('refused')
    expect(v.grantLease(4, 'c', 499)).toBe('refused')
    expect(v.grant).toEqual({ epoch: 3, leaderId: 'b', expiresAt: 500 })
    // Renewal of the same grant needs no store.
    expect(v.grantLease(3, 'b', 450)).toBe('granted')
    expect(v.grant?.expiresAt).toBe(850)
    expect(v.grantLease(3, 'c', 850)).toBe('granted-store')
    expect(v.storedGrant).toEqual({ epoch: 3, leaderId: 'c' })
  })

  it('lets the leader of a live grant carry it into a later epoch (rule 9), never back, and still excludes the others', () => {
    const { v } = voter()
    v.grantLease(3, 'b', 100)
    expect(v.grantLease(4, 'b', 200)).toBe('granted-store')
    expect(v.grant).toEqual({ epoch: 4, leaderId: 'b', expiresAt: 600 })
    expect(v.storedGrant).toEqual({ epoch: 4, leaderId: 'b' })
    // Back to the epoch it came from: refused, and the grant is untouched.
    expect(v.grantLease(3, 'b', 300)).toBe('refused')
    expect(v.grant).toEqual({ epoch: 4, leaderId: 'b', expiresAt: 600 })
    expect(v.grantLease(4, 'c', 599)).toBe('refused')
    expect(v.grantLease(5, 'c', 599)).toBe('refused')
    // Bound against others proposing past the carried grant, not against b.
    expect(v.boundAgainst('c', 5, 599)).toBe(true)
    expect(v.boundAgainst('b', 5, 599)).toBe(false)
    // Once it expired, even an earlier epoch may be granted (nothing was accepted here).
    expect(v.grantLease(3, 'c', 600)).toBe('granted-store')
  })

  it('grants no lease of an epoch below the highest epoch in which it accepted a value', () => {
    const { v, out } = voter()
    v.answerAccept('c', accept(5, 1, 'c', 'c'), 0, null, null)
    expect(v.grant).toEqual({ epoch: 5, leaderId: 'c', expiresAt: LEASE })
    out.drain({} as never)
    // Long after c's grant expired, b's lease of epoch 4 is still refused; epoch 5 and later are not.
    expect(v.grantLease(4, 'b', 10 * LEASE)).toBe('refused')
    expect(v.grant?.leaderId).toBe('c')
    expect(v.grantLease(5, 'b', 10 * LEASE)).toBe('granted-store')
    expect(v.grantLease(6, 'b', 10 * LEASE + 1)).toBe('granted-store')
    // A promise alone (no value accepted) does not raise the floor.
    const promised = voter()
    promised.v.answerPrepare('d', { type: 'prepare', epoch: 9, ballot: { round: 1, nodeId: 'd' } }, 0, null, null)
    expect(promised.v.grantLease(4, 'b', 0)).toBe('granted-store')
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
    expect(v.answerPrepare('b', prepare(5, 'b'), 0, null, null)).toBe(true)
    expect(v.answerPrepare('c', prepare(4, 'c'), 0, null, null)).toBe(false)
    expect(out.drain(null).messages.map(m => m.msg.type)).toEqual(['promise', 'nack'])
    expect(v.answerPrepare('c', prepare(9, 'c'), 0, null, 'membership')).toBe(false)
    expect(out.drain(null).messages).toEqual([{ to: 'c', msg: { type: 'nack', epoch: 2, ballot: { round: 9, nodeId: 'c' }, promised: { round: 5, nodeId: 'b' }, chosenEpoch: 0, reason: 'membership' } }])
  })

  it('accepts a value whose leader it may not grant, reporting lease: false and storing only the acceptance', () => {
    const { v, out } = voter()
    v.grantLease(3, 'b', 0)
    out.drain(null)
    // c's record for epoch 3 at a higher ballot: not bound (same epoch), but b's grant still lives.
    v.answerAccept('c', accept(3, 7, 'c', 'c'), 100, null, null)
    const rd = out.drain({} as never)
    expect(rd.sync).toBe(true)
    expect(rd.messages).toEqual([{ to: 'c', msg: { type: 'accepted', epoch: 3, ballot: { round: 7, nodeId: 'c' }, value: rec(3, 'c'), lease: false } }])
    expect(v.grant?.leaderId).toBe('b')
  })

  it('stores before a repeated acceptance only when it makes a new grant', () => {
    const { v, out } = voter()
    v.grantLease(3, 'b', 0)
    v.answerAccept('c', accept(3, 7, 'c', 'c'), 100, null, null)
    out.drain({} as never)
    // The same Accept again after b's grant expired: nothing new accepted, but c's grant is new.
    v.answerAccept('c', accept(3, 7, 'c', 'c'), 400, null, null)
    let rd = out.drain({} as never)
    expect(rd.sync).toBe(true)
    expect(rd.messages[0]?.msg).toMatchObject({ type: 'accepted', lease: true })
    expect(v.storedGrant).toEqual({ epoch: 3, leaderId: 'c' })
    // Once more: a renewal, nothing to store.
    v.answerAccept('c', accept(3, 7, 'c', 'c'), 500, null, null)
    expect(out.storing).toBe(false)
    rd = out.drain(null)
    expect(rd.persist).toBeNull()
    expect(rd.messages[0]?.msg).toMatchObject({ type: 'accepted', lease: true })
  })

  it('tells the sender of a stale heartbeat of the newer epoch, stores nothing and grants nothing', () => {
    const { v, out } = voter()
    const hb: Heartbeat = { type: 'heartbeat', epoch: 2, seq: 4, value: rec(2, 'b'), ackFrom: 'all' }
    v.answerHeartbeat('b', hb, 0, rec(3, 'c'), true)
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
  it('refuses (lease) an Accept naming another leader than the one it is bound to, even from a proposer not bound against', () => {
    const { v, out } = voter()
    v.grantLease(3, 'b', 0)
    out.drain({} as never)
    // b itself proposes epoch 4 (b is not bound against), but for c: it would carry c past b's lease.
    expect(v.boundAgainst('b', 4, 100)).toBe(false)
    v.answerAccept('b', accept(4, 1, 'b', 'c'), 100, null, null)
    let rd = out.drain(null)
    expect(rd.persist).toBeNull()
    expect(rd.messages).toEqual([{ to: 'b', msg: { type: 'nack', epoch: 4, ballot: { round: 1, nodeId: 'b' }, promised: null, chosenEpoch: 0, reason: 'lease' } }])
    expect(v.acceptor.state(4).accepted).toBeNull()
    // The same proposer with its own record is accepted, and the grant moves with it to epoch 4.
    v.answerAccept('b', accept(4, 1, 'b', 'b'), 100, null, null)
    rd = out.drain({} as never)
    expect(rd.messages[0]?.msg).toMatchObject({ type: 'accepted', epoch: 4, lease: true })
    expect(v.grant).toEqual({ epoch: 4, leaderId: 'b', expiresAt: 100 + LEASE })
    // Once b's grant expired, c's record of epoch 5 is accepted from b.
    v.answerAccept('b', accept(5, 1, 'b', 'c'), 100 + LEASE, null, null)
    expect(out.drain({} as never).messages[0]?.msg).toMatchObject({ type: 'accepted', epoch: 5, value: { leaderId: 'c' } })
  })

  it('passes the coordinator\'s refusal reason through, after the decided and quarantine checks and before the lease', () => {
    const prepare: Prepare = { type: 'prepare', epoch: 4, ballot: { round: 2, nodeId: 'c' } }
    const nack = (reason: string): unknown => [{ to: 'c', msg: { type: 'nack', epoch: 4, ballot: { round: 2, nodeId: 'c' }, promised: null, chosenEpoch: 0, reason } }]
    for (const reason of ['membership', 'config'] as const) {
      const { v, out } = voter()
      expect(v.answerPrepare('c', prepare, 0, null, reason)).toBe(false)
      expect(out.drain(null).messages).toEqual(nack(reason))
      v.answerAccept('c', accept(4, 2, 'c', 'c'), 0, null, reason)
      const rd = out.drain(null)
      expect(rd.messages).toEqual(nack(reason))
      expect(rd.persist).toBeNull()
      expect(v.acceptor.state(4)).toEqual({ promised: null, accepted: null })
      expect(v.grant).toBeNull()
    }
    // A decided epoch is answered with Chosen whatever the refusal.
    const decided = voter()
    decided.v.answerPrepare('c', prepare, 0, rec(4, 'b'), 'config')
    expect(decided.out.drain(null).messages).toEqual([{ to: 'c', msg: { type: 'chosen', epoch: 4, value: rec(4, 'b') } }])
    // Quarantine comes first.
    const quarantined = voter()
    quarantined.v.quarantine(10)
    quarantined.v.answerPrepare('c', prepare, 0, null, 'membership')
    expect(quarantined.out.drain(null).messages).toEqual(nack('quarantine'))
    // The refusal comes before a live lease.
    const bound = voter()
    bound.v.grantLease(3, 'b', 0)
    bound.out.drain({} as never)
    expect(bound.v.boundAgainst('c', 4, 0)).toBe(true)
    bound.v.answerPrepare('c', prepare, 0, null, 'config')
    expect(bound.out.drain(null).messages).toEqual(nack('config'))
    bound.v.answerPrepare('c', prepare, 0, null, null)
    expect(bound.out.drain(null).messages).toEqual(nack('lease'))
  })

  it('grants and acknowledges a heartbeat only when the coordinator says it may grant', () => {
    const hb: Heartbeat = { type: 'heartbeat', epoch: 3, seq: 4, value: rec(3, 'b'), ackFrom: 'all' }
    const refused = voter()
    refused.v.answerHeartbeat('b', hb, 0, rec(3, 'b'), false)
    expect(refused.out.drain(null)).toMatchObject({ persist: null, messages: [] })
    expect(refused.v.grant).toBeNull()
    const allowed = voter()
    allowed.v.answerHeartbeat('b', hb, 0, rec(3, 'b'), true)
    const rd = allowed.out.drain({} as never)
    expect(rd.sync).toBe(true)
    expect(rd.messages).toEqual([{ to: 'b', msg: { type: 'heartbeatAck', epoch: 3, seq: 4 } }])
    expect(allowed.v.grant).toEqual({ epoch: 3, leaderId: 'b', expiresAt: LEASE })
  })
})
