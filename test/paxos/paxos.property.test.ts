/**
 * Single-decree Paxos under arbitrary schedules: competing proposers, messages
 * delivered in any order, dropped or duplicated, in an instance decided by one
 * of two kinds of electorate:
 * - epoch 1's count (`bootstrap`): any n distinct nodes, a majority deciding,
 *   each proposer building its own value from the nodes that promised;
 * - the voters of the previous epoch's configuration (`voters`), with two
 *   non-voters answering as well, and answering anything as a node without
 *   state would (they promise and accept whatever they are sent and report
 *   nothing accepted): their replies must not count.
 * Whatever fast-check tries, at most one value is chosen by the electorate;
 * and a search finds the double choice when the voters forget their promises,
 * or when a proposer counts the non-voters.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Acceptor } from '../../src/paxos/acceptor.js'
import { Proposer } from '../../src/paxos/proposer.js'
import { bootstrapElectorate, electorateOf, type Electorate } from '../../src/paxos/configuration.js'
import { leaderRecordEquals, nextBallot, type LeaderRecord } from '../../src/paxos/proposal.js'
import type { Accept, Accepted, Message, Prepare, PromiseMsg } from '../../src/paxos/message.js'
import type { AcceptorStep } from '../../src/paxos/acceptor.js'
import { ForgetfulAcceptor } from '../sim/variants.js'
import { record, testConfig } from '../support/records.js'

type Cmd = { kind: 'start' | 'deliver' | 'drop' | 'duplicate', i: number }
const cmd: fc.Arbitrary<Cmd> = fc.record({ kind: fc.constantFrom('start', 'deliver', 'deliver', 'deliver', 'drop', 'duplicate'), i: fc.nat(1000) })

type Mode = 'bootstrap' | 'voters'

/** A node outside the electorate that remembers nothing: it promises every ballot, accepts every value, and never reports one. */
class BlankAcceptor extends Acceptor {
  override onPrepare (m: Prepare): AcceptorStep<PromiseMsg> {
    return { changed: false, reply: { type: 'promise', epoch: m.epoch, ballot: m.ballot, accepted: null } }
  }

  override onAccept (m: Accept): AcceptorStep<Accepted> {
    return { changed: false, reply: { type: 'accepted', epoch: m.epoch, ballot: m.ballot, value: m.value, lease: false } }
  }
}

interface Envelope { from: string, to: string, msg: Message }

interface Variant {
  /** The acceptor of each voter. */
  readonly makeAcceptor: () => Acceptor
  /** The electorate the proposers count by, given the number of voters (default: the instance's own). */
  readonly proposerElectorate?: (n: number) => Electorate
}

/** Runs one schedule; returns the distinct values a majority of the electorate accepted at some ballot. */
function run (mode: Mode, voters: number, proposers: number, cmds: readonly Cmd[], variant: Variant): LeaderRecord[] {
  const voterIds = Array.from({ length: voters }, (_, i) => `a${i}`)
  const acc = new Map<string, Acceptor>(voterIds.map(id => [id, variant.makeAcceptor()]))
  // Non-voters that answer everything: an observer, a removed voter, a node that lost its state.
  if (mode === 'voters') for (const id of ['o0', 'o1']) acc.set(id, new BlankAcceptor())
  const config = testConfig(voterIds)
  const E = mode === 'bootstrap' ? 1 : 2
  const electorate = mode === 'bootstrap' ? bootstrapElectorate(voters) : electorateOf(config)
  // Epoch 1's proposers are given the count, as Node gives it.
  const counting = variant.proposerElectorate?.(voters) ?? (mode === 'bootstrap' ? voters : electorate)
  const props = Array.from({ length: proposers }, (_, i) => {
    const id = `p${i}`
    // Epoch 1's configuration names the proposer's promisers; a later epoch carries the newest on.
    const complete = mode === 'bootstrap' ? (promisers: ReadonlySet<string>) => record(E, id, { voters: [...promisers] }) : undefined
    return { id, p: new Proposer(E, counting, record(E, id, { config }), complete), round: 0 }
  })
  const pool: Envelope[] = []
  const tally = new Map<string, { value: LeaderRecord, from: Set<string> }>()
  const chosen: LeaderRecord[] = []
  const broadcast = (from: string, msg: Message): void => { for (const to of acc.keys()) pool.push({ from, to, msg }) }

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
          // Chosen: accepted at one ballot by a majority of the electorate, non-voters aside.
          if (electorate.counts(to)) t.from.add(to)
          if (t.from.size === electorate.quorum && !chosen.some(v => leaderRecordEquals(v, t.value))) chosen.push(t.value)
        } else {
          pool.push({ from: to, to: from, msg: r.reply })
        }
      }
      continue
    }
    const pr = props.find(x => x.id === to)!
    if (msg.type === 'promise') { const out = pr.p.onPromise(from, msg); if (out !== null) broadcast(pr.id, out) }
    if (msg.type === 'nack') pr.p.onNack(msg, from)
  }
  return chosen
}

const mode = fc.constantFrom<Mode>('bootstrap', 'voters')
const schedule = fc.tuple(mode, fc.constantFrom(3, 5), fc.integer({ min: 2, max: 3 }), fc.array(cmd, { minLength: 10, maxLength: 300 }))

describe('single-decree Paxos under arbitrary schedules', () => {
  it('chooses at most one value', () => {
    const decided = { bootstrap: 0, voters: 0 }
    fc.assert(fc.property(schedule, ([m, n, p, cmds]) => {
      const chosen = run(m, n, p, cmds, { makeAcceptor: () => new Acceptor() })
      expect(chosen.length).toBeLessThanOrEqual(1)
      decided[m] += chosen.length
    }), { numRuns: 3000 })
    // Not vacuous: many schedules of either kind do reach a decision.
    expect(decided.bootstrap).toBeGreaterThan(100)
    expect(decided.voters).toBeGreaterThan(25)
  })

  it('the same search catches an acceptor that forgets its promises', () => {
    const result = fc.check(fc.property(schedule, ([m, n, p, cmds]) => run(m, n, p, cmds, { makeAcceptor: () => new ForgetfulAcceptor() }).length <= 1), { numRuns: 3000, seed: 1 })
    expect(result.failed).toBe(true)
  })

  it('a search finds the double choice when a proposer counts promises from outside the electorate', () => {
    // Rarer than a forgetful voter: schedules with fewer restarts, so that two proposers get through both phases.
    const cmds = fc.array(fc.record({ kind: fc.constantFrom<Cmd['kind']>('start', 'deliver', 'deliver', 'deliver', 'deliver', 'drop'), i: fc.nat(1000) }), { minLength: 10, maxLength: 100 })
    // Any n nodes, the two non-voters among them, instead of the configuration's voters.
    const miscounting: Variant = { makeAcceptor: () => new Acceptor(), proposerElectorate: bootstrapElectorate }
    const result = fc.check(fc.property(fc.constantFrom(3, 5), cmds, (n, c) => run('voters', n, 2, c, miscounting).length <= 1), { numRuns: 100_000, seed: 1 })
    expect(result.failed).toBe(true)
    // The same schedule, counted by the electorate, chooses one value at most.
    const [n, c] = result.counterexample!
    expect(run('voters', n, 2, c, { makeAcceptor: () => new Acceptor() }).length).toBeLessThanOrEqual(1)
  })
})
