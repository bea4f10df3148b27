import { describe, expect, it } from 'vitest'
import { Candidacy, type CandidacyContext } from '../../src/node/candidacy.js'
import { resolveConfig } from '../../src/node/config.js'
import { Outbox } from '../../src/node/io.js'
import type { Accept, Nack } from '../../src/paxos/message.js'
import type { PersistentState } from '../../src/storage/storage.js'

const STATE: PersistentState = { acceptor: [], learned: null, highestRound: 0, fastEpoch: 0, candidateEpoch: 0, grant: null }

function setup (opts: { priority?: number, mayStand?: boolean, notBefore?: number, clusterSize?: number } = {}) {
  const out = new Outbox('a', false)
  const became: number[] = []
  const facts = { mayStand: opts.mayStand ?? true, notBefore: opts.notBefore ?? 0, leaderLive: false, newest: 1 }
  const context: CandidacyContext = {
    out,
    nextEpoch: () => facts.newest + 1,
    promised: () => null,
    mayStand: () => facts.mayStand,
    notBefore: () => facts.notBefore,
    leaderLive: () => facts.leaderLive,
    becomeCandidate: epoch => { became.push(epoch) }
  }
  // electionDelayMs 100, roundTimeoutMs 500; every random draw is 0.5.
  const config = resolveConfig({ nodeId: 'a', clusterSize: opts.clusterSize ?? 5, leaseMs: 2000, priority: opts.priority ?? 0 })
  const candidacy = new Candidacy(config, { next: () => 0.5 }, null, context)
  const drain = () => out.drain(out.storing ? STATE : null)
  return { candidacy, out, became, facts, drain }
}

describe('Candidacy', () => {
  it('waits electionDelayMs·(0.25 + 0.75·r)/(1 + priority), and backs off electionDelayMs·(0.5 + r) + roundTimeoutMs·r/4', () => {
    expect(setup().candidacy.electionDelay()).toBeCloseTo(100 * 0.625)
    expect(setup({ priority: 1 }).candidacy.electionDelay()).toBeCloseTo(100 * 0.625 / 2)
    expect(setup().candidacy.backoff()).toBeCloseTo(100 + 500 * 0.5 / 4)
  })

  it('plans no election before the quarantine or the hold-off ends, keeps the earlier plan, and defers only later', () => {
    const { candidacy } = setup({ notBefore: 300 })
    candidacy.schedule(100, 50)
    expect(candidacy.nextDeadline()).toBe(300)
    candidacy.schedule(100, 500)
    expect(candidacy.nextDeadline()).toBe(300)
    candidacy.deferTo(250)
    expect(candidacy.nextDeadline()).toBe(300)
    candidacy.deferTo(700)
    expect(candidacy.nextDeadline()).toBe(700)
    candidacy.cancel()
    expect(candidacy.nextDeadline()).toBe(Infinity)
    candidacy.deferTo(900)
    expect(candidacy.nextDeadline()).toBe(Infinity)
    candidacy.holdOff(2000)
    candidacy.schedule(100, 10)
    expect(candidacy.nextDeadline()).toBe(2000)
  })

  it('as named successor takes round 0 once per epoch, to a bare majority, and resends it to everyone at electionDelayMs/4', () => {
    const { candidacy, became, drain } = setup()
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    expect(became).toEqual([2])
    const first = drain()
    expect(first.sync).toBe(true)
    expect(first.messages).toEqual([{ to: null, msg: expect.objectContaining({ type: 'accept', epoch: 2, ballot: { round: 0, nodeId: 'a' } }), fanout: 2 }])
    expect(candidacy.roundZeroUsedThrough).toBe(2)
    expect(candidacy.stoodThrough).toBe(2)
    expect(candidacy.accepting).toBe(true)
    expect(candidacy.nextDeadline()).toBe(1025)
    candidacy.tick(1024)
    expect(drain().messages).toEqual([])
    candidacy.tick(1025)
    const resent = drain().messages
    expect(resent).toHaveLength(1)
    expect(resent[0]).toEqual({ to: null, msg: first.messages[0]!.msg })
    // Resent once; a voter that still holds the old lease brings the next one forward.
    expect(candidacy.nextDeadline()).toBe(1500)
    const accept = first.messages[0]!.msg as Accept
    const nack: Nack = { type: 'nack', epoch: 2, ballot: accept.ballot, promised: null, chosenEpoch: 1, reason: 'lease' }
    candidacy.onNack(nack, 1030)
    expect(candidacy.nextDeadline()).toBe(1035)
    candidacy.tick(1035)
    expect(drain().messages).toHaveLength(1)
  })

  it('as named successor runs an ordinary election when round 0 is used, or the election is not due', () => {
    const { candidacy, became, drain, facts } = setup()
    candidacy.succeed(1, 1000) // nothing planned: nothing happens
    expect(drain().messages).toEqual([])
    candidacy.schedule(1000, 0)
    candidacy.succeed(1, 1000)
    drain()
    candidacy.onDecided(2)
    facts.newest = 1
    candidacy.schedule(1200, 0)
    candidacy.succeed(1, 1200) // round 0 of epoch 2 was used: phase 1 instead
    const msgs = drain().messages
    expect(msgs.map(m => m.msg.type)).toEqual(['prepare'])
    expect(msgs[0]!.msg).toMatchObject({ epoch: 2, ballot: { round: 1, nodeId: 'a' } })
    expect(became).toEqual([2, 2])
  })

  it('does not stand while it may not, nor while a leader is alive, and backs off a defeated ballot', () => {
    const { candidacy, drain, facts } = setup({ mayStand: false })
    candidacy.schedule(0, 0)
    candidacy.tick(0)
    expect(drain().messages).toEqual([])
    expect(candidacy.nextDeadline()).toBeCloseTo(62.5)
    facts.mayStand = true
    facts.leaderLive = true
    candidacy.tick(100)
    expect(drain().messages).toEqual([])
    expect(candidacy.nextDeadline()).toBe(Infinity)
    facts.leaderLive = false
    candidacy.schedule(100, 0)
    candidacy.tick(100)
    const prepare = drain().messages[0]!.msg
    expect(prepare).toMatchObject({ type: 'prepare', epoch: 2, ballot: { round: 1 } })
    expect(candidacy.highestRound).toBe(1)
    expect(candidacy.nextDeadline()).toBe(600)
    const ballot = (prepare as { ballot: { round: number, nodeId: string } }).ballot
    candidacy.onNack({ type: 'nack', epoch: 2, ballot, promised: { round: 7, nodeId: 'z' }, chosenEpoch: 1, reason: 'promised' }, 150)
    expect(candidacy.nextDeadline()).toBeCloseTo(150 + 162.5)
    candidacy.tick(400)
    expect(drain().messages[0]!.msg).toMatchObject({ type: 'prepare', ballot: { round: 8 } })
  })
})
