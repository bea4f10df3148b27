/**
 * Single-decree Paxos under arbitrary schedules: competing proposers, messages
 * delivered in any order, dropped or duplicated. Whatever fast-check tries, at
 * most one value is chosen; and the same search finds the double choice when
 * the acceptor forgets its promises.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Acceptor } from '../../src/paxos/acceptor.js'
import { Proposer } from '../../src/paxos/proposer.js'
import { leaderRecordEquals, majority, nextBallot, type LeaderRecord } from '../../src/paxos/proposal.js'
import type { Message } from '../../src/paxos/message.js'
import { ForgetfulAcceptor } from '../sim/variants.js'

type Cmd = { kind: 'start' | 'deliver' | 'drop' | 'duplicate', i: number }
const cmd: fc.Arbitrary<Cmd> = fc.record({ kind: fc.constantFrom('start', 'deliver', 'deliver', 'deliver', 'drop', 'duplicate'), i: fc.nat(1000) })

interface Envelope { from: string, to: string, msg: Message }

/** Runs one schedule; returns the distinct values a majority accepted at some ballot. */
function run (acceptors: number, proposers: number, cmds: readonly Cmd[], makeAcceptor: () => Acceptor): LeaderRecord[] {
  const E = 1
  const accIds = Array.from({ length: acceptors }, (_, i) => `a${i}`)
  const acc = new Map(accIds.map(id => [id, makeAcceptor()]))
  const props = Array.from({ length: proposers }, (_, i) => {
    const id = `p${i}`
    return { id, p: new Proposer(E, acceptors, { epoch: E, leaderId: id, metadata: {} }), round: 0 }
  })
  const pool: Envelope[] = []
  const tally = new Map<string, { value: LeaderRecord, from: Set<string> }>()
  const chosen: LeaderRecord[] = []
  const broadcast = (from: string, msg: Message): void => { for (const to of accIds) pool.push({ from, to, msg }) }

  for (const c of cmds) {
    if (c.kind === 'start') {
      const pr = props[c.i % props.length]!
      const b = nextBallot(pr.id, [pr.p.highestSeen], pr.round)
      pr.round = b.round
      broadcast(pr.id, pr.p.prepare(b))
      continue
    }
    if (pool.length === 0) continue
    const k = c.i % pool.length
    const env = pool[k]!
    if (c.kind !== 'duplicate') pool.splice(k, 1)
    if (c.kind === 'drop') continue
    const { from, to, msg } = env
    const a = acc.get(to)
    if (a !== undefined) {
      if (msg.type === 'prepare') pool.push({ from: to, to: from, msg: a.onPrepare(msg, 0).reply })
      if (msg.type === 'accept') {
        const r = a.onAccept(msg, 0)
        if (r.reply.type === 'accepted') {
          const key = `${r.reply.ballot.round}/${r.reply.ballot.nodeId}`
          const t = tally.get(key) ?? { value: r.reply.value, from: new Set<string>() }
          tally.set(key, t)
          t.from.add(to)
          if (t.from.size === majority(acceptors) && !chosen.some(v => leaderRecordEquals(v, t.value))) chosen.push(t.value)
        } else {
          pool.push({ from: to, to: from, msg: r.reply })
        }
      }
      continue
    }
    const pr = props.find(x => x.id === to)!
    if (msg.type === 'promise') { const out = pr.p.onPromise(from, msg); if (out !== null) broadcast(pr.id, out) }
    if (msg.type === 'nack') pr.p.onNack(msg)
  }
  return chosen
}

const schedule = fc.tuple(fc.constantFrom(3, 5), fc.integer({ min: 2, max: 3 }), fc.array(cmd, { minLength: 10, maxLength: 300 }))

describe('single-decree Paxos under arbitrary schedules', () => {
  it('chooses at most one value', () => {
    let decided = 0
    fc.assert(fc.property(schedule, ([n, p, cmds]) => {
      const chosen = run(n, p, cmds, () => new Acceptor())
      expect(chosen.length).toBeLessThanOrEqual(1)
      decided += chosen.length
    }), { numRuns: 3000 })
    // Not vacuous: many schedules do reach a decision.
    expect(decided).toBeGreaterThan(300)
  })

  it('the same search catches an acceptor that forgets its promises', () => {
    const result = fc.check(fc.property(schedule, ([n, p, cmds]) => run(n, p, cmds, () => new ForgetfulAcceptor()).length <= 1), { numRuns: 3000, seed: 1 })
    expect(result.failed).toBe(true)
  })
})
