import { describe, expect, it } from 'vitest'
import type { LeaderRecord } from '../../src/paxos/proposal.js'
import { Node } from '../../src/node/node.js'
import { ConfigError, resolveConfig, type NodeConfig } from '../../src/node/config.js'
import type { Heartbeat, Nack } from '../../src/paxos/message.js'
import { Cluster } from './cluster.js'
import { record, testConfig } from '../support/records.js'

const LEASE = 2000
const RHO = 0.01
const ids = ['a', 'b', 'c', 'd', 'e']

/**
 * The one leader, once the cluster settled: nodes that start together found it
 * with the first leader and its promisers as voters, and the leader promotes
 * the others one configuration change (one epoch) at a time.
 */
function elected (c: Cluster): string {
  c.advance(5 * LEASE)
  const leaders = c.leaders()
  expect(leaders).toHaveLength(1)
  return c.settle()
}

describe('configuration', () => {
  const base: NodeConfig = { nodeId: 'a', clusterSize: 3 }
  const bad: Array<[Partial<NodeConfig> & Record<string, unknown>, string]> = [
    [{ nodeId: '' }, 'nodeId'],
    [{ clusterSize: 0 }, 'clusterSize'],
    [{ clusterSize: 2.5 }, 'clusterSize'],
    [{ leaseMs: -1 }, 'leaseMs'],
    [{ leaseMs: Number.NaN }, 'leaseMs'],
    [{ leaseMs: 1000, heartbeatMs: 1000 }, 'heartbeatMs'],
    [{ maxDriftRatio: 0.5 }, 'maxDriftRatio'],
    [{ maxDriftRatio: -0.1 }, 'maxDriftRatio'],
    [{ priority: -1 }, 'priority'],
    [{ electionDelayMs: 0 }, 'electionDelayMs'],
    [{ roundTimeoutMs: Infinity }, 'roundTimeoutMs'],
    [{ metadata: { url: 5 as unknown as string } }, 'metadata']
  ]
  for (const [patch, field] of bad) {
    it(`rejects ${JSON.stringify(patch)} naming "${field}"`, () => {
      let err: unknown
      try { resolveConfig({ ...base, ...patch } as NodeConfig) } catch (e) { err = e }
      expect(err).toBeInstanceOf(ConfigError)
      expect(err).toMatchObject({ name: 'ConfigError', code: 'ERR_CONFIG', field })
      expect((err as Error).message).toContain(field)
    })
  }

  it('fills the documented defaults', () => {
    const c = resolveConfig(base)
    expect(c).toMatchObject({ leaseMs: 2000, heartbeatMs: 500, maxDriftRatio: 0.01, priority: 0 })
  })
})

describe('election', () => {
  it('elects exactly one leader, known to all with its metadata and epoch 1', () => {
    const c = new Cluster(ids, { leaseMs: LEASE, metadata: { url: 'http://x' } })
    c.startAll()
    const leader = c.firstLeader()
    const learned = c.eventsOf('leaderChosen').map(e => (e as { record: LeaderRecord }).record)
    for (const id of ids) {
      const first = c.eventsOf('leaderChosen', id)[0] as { record: LeaderRecord }
      expect(first.record).toMatchObject({ epoch: 1, leaderId: leader, metadata: { url: 'http://x' } })
    }
    expect(c.eventsOf('elected', leader)[0]).toEqual({ type: 'elected', epoch: 1 })
    // Epoch 1's configuration names the leader and the majority that promised it (rule 12).
    const first = learned.find(r => r.epoch === 1)!.config.voters.map(m => m.id)
    expect(first.length).toBeGreaterThanOrEqual(majorityOf(ids.length))
    expect(first).toContain(leader)
    // The leader then adds the others, one voter per epoch, and leads throughout.
    expect(c.settle()).toBe(leader)
    for (const n of c.nodes.values()) expect(n.leader).toMatchObject({ leaderId: leader, metadata: { url: 'http://x' } })
    expect(c.node(leader).epoch).toBe(1 + ids.length - first.length)
    expect(c.eventsOf('elected', leader)).toHaveLength(c.node(leader).epoch)
    expect(c.eventsOf('demoted')).toEqual([])
    const chosen = c.eventsOf('leaderChosen') as Array<{ record: { leaderId: string, metadata: object } }>
    expect(chosen).toHaveLength(ids.length * c.node(leader).epoch)
    for (const e of chosen) expect(e.record).toMatchObject({ leaderId: leader, metadata: { url: 'http://x' } })
  })

  it('a single-node cluster elects itself', () => {
    const c = new Cluster(['solo'], { leaseMs: LEASE })
    c.startAll()
    expect(elected(c)).toBe('solo')
  })

  it('keeps the same leader while heartbeats flow', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const epoch = c.node(leader).epoch
    c.advance(20 * LEASE)
    expect(c.leaders()).toEqual([leader])
    expect(c.node(leader).epoch).toBe(epoch)
  })

  it('the leader steps down once its lease runs out unrenewed, before any voter lets its grant go', () => {
    const c = new Cluster(ids, { leaseMs: LEASE, maxDriftRatio: RHO })
    c.startAll()
    const leader = elected(c)
    const epoch = c.node(leader).epoch
    // Cut the leader off: its heartbeats and their acks are lost.
    c.link = (from, to) => from !== leader && to !== leader
    const cutAt = c.now
    c.advance(LEASE)
    expect(c.node(leader).isLeader).toBe(false)
    expect(c.eventsOf('demoted', leader)).toEqual([{ type: 'demoted', epoch, reason: 'lease-expired' }])
    c.advance(3 * LEASE)
    const successor = c.leaders()
    expect(successor).toHaveLength(1)
    expect(successor[0]).not.toBe(leader)
    // The old leader stepped down before anybody else was elected.
    const demotedAt = c.events.findIndex(x => x.e.type === 'demoted' && x.node === leader)
    const nextAt = c.events.findIndex(x => x.e.type === 'elected' && x.node !== leader)
    expect(demotedAt).toBeGreaterThanOrEqual(0)
    expect(nextAt).toBeGreaterThan(demotedAt)
    expect(c.now - cutAt).toBeGreaterThan(LEASE)
  })

  it('a voter refuses Prepare from anyone but the leader while its lease is live, whatever the ballot', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const voter = ids.find(x => x !== leader)!
    const rival = ids.find(x => x !== leader && x !== voter)!
    const next = c.node(leader).epoch + 1
    const before = c.log.length
    c.inject(rival, voter, { type: 'prepare', epoch: next, ballot: { round: 1_000_000, nodeId: rival } })
    const replies = c.log.slice(before).filter(s => s.from === voter && s.to === rival)
    expect(replies.map(s => s.msg.type)).toEqual(['nack'])
    expect((replies[0]!.msg as Nack).reason).toBe('lease')
    // The same goes for Accept (of a value the voter could accept otherwise: the configuration carried on).
    const value = { ...c.node(leader).newestChosen!, epoch: next, leaderId: rival }
    c.inject(rival, voter, { type: 'accept', epoch: next, ballot: { round: 1_000_000, nodeId: rival }, value })
    expect(c.log.slice(before).filter(s => s.from === voter && s.msg.type === 'accepted')).toEqual([])
    expect(c.leaders()).toEqual([leader])
  })

  it('answers a Prepare for a decided epoch with the chosen value', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const voter = ids.find(x => x !== leader)!
    const asker = ids.find(x => x !== leader && x !== voter)!
    // Epoch 1 and the configuration changes after it are decided: the newest chosen record answers.
    const newest = c.node(leader).epoch
    for (const epoch of [1, newest]) {
      const before = c.log.length
      c.inject(asker, voter, { type: 'prepare', epoch, ballot: { round: 99, nodeId: asker } })
      const replies = c.log.slice(before).filter(s => s.from === voter && s.to === asker)
      expect(replies.map(s => s.msg)).toEqual([{ type: 'chosen', epoch: newest, value: c.node(leader).newestChosen }])
      expect(replies[0]!.msg).toMatchObject({ value: { leaderId: leader } })
    }
  })

  it('never counts a replayed heartbeat ack twice', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    // Only `a` and `b` are up; `b` acks every heartbeat three times: 2 distinct voters of 5 is no majority.
    // `a` remembers the cluster from its start, so it votes (acks itself) under the record naming all five.
    c.founding('a')
    c.add('a')
    c.add('b')
    c.link = (_from, to) => to === 'a' || to === 'b'
    c.node('a').start()
    c.node('b').start()
    c.pump()
    c.inject('c', 'a', { type: 'chosen', epoch: 1, value: c.record(1, 'a') })
    const hb = c.sent('heartbeat').filter(s => s.from === 'a').at(-1)!
    for (let i = 0; i < 3; i++) c.inject('b', 'a', { type: 'heartbeatAck', epoch: 1, seq: (hb.msg as { seq: number }).seq })
    expect(c.node('a').isLeader).toBe(false)
    c.inject('c', 'a', { type: 'heartbeatAck', epoch: 1, seq: (hb.msg as { seq: number }).seq })
    expect(c.node('a').isLeader).toBe(true)
  })

  it('resign hands over without waiting for the lease, and the old leader lets others go first', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const epoch = c.node(leader).epoch
    const t = c.now
    expect(c.node(leader).resign()).toBe(true)
    c.pump()
    expect(c.node(leader).isLeader).toBe(false)
    expect(c.eventsOf('demoted', leader)).toEqual([{ type: 'demoted', epoch, reason: 'resigned' }])
    let successor: string | undefined
    while (successor === undefined && c.now - t < LEASE) { c.advance(5); successor = c.leaders()[0] }
    expect(successor).toBeDefined()
    expect(successor).not.toBe(leader)
    expect(c.now - t).toBeLessThan(LEASE / 2)
    expect(c.node(successor!).epoch).toBe(epoch + 1)
    expect(c.eventsOf('leaderLost').length).toBeGreaterThanOrEqual(ids.length - 1)
  })

  it('a follower that lost the leader says so again when it hears from it', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const f = ids.find(x => x !== leader)!
    // The leader's messages to one follower are lost for longer than a lease.
    c.link = (from, to) => !(from === leader && to === f)
    c.advance(1.5 * LEASE)
    expect(c.eventsOf('leaderLost', f)).toHaveLength(1)
    expect(c.node(f).leader).toBeNull()
    c.link = () => true
    c.advance(LEASE / 2)
    const found = c.eventsOf('leaderFound', f)
    expect(found).toHaveLength(1)
    expect((found[0] as { record: { leaderId: string } }).record.leaderId).toBe(leader)
    expect(c.node(f).leader?.leaderId).toBe(leader)
    expect(c.leaders()).toEqual([leader])
  })

  it('a restarted follower announces its leader once, when it first hears from it, even after its lease lapsed', () => {
    const c = new Cluster(ids, { leaseMs: LEASE }, true)
    c.startAll()
    const leader = elected(c)
    const f = ids.find(x => x !== leader)!
    c.crash(f)
    c.add(f).start()
    const before = c.events.length
    // The leader is not heard at the restarted follower for longer than a lease (it knows
    // the leader from its stored state), then it is.
    c.link = (from, to) => !(from === leader && to === f)
    c.advance(1.5 * LEASE)
    c.link = () => true
    c.advance(LEASE)
    const seen = c.events.slice(before).filter(x => x.node === f && ['leaderChosen', 'leaderLost', 'leaderFound'].includes(x.e.type))
    expect(seen.map(x => x.e.type)).toEqual(['leaderChosen'])
    expect(c.node(f).leader?.leaderId).toBe(leader)
  })

  it('resign on a follower does nothing', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    expect(c.node(ids.find(x => x !== leader)!).resign()).toBe(false)
  })

  it('a higher priority tends to win the election', () => {
    let wins = 0
    for (let trial = 0; trial < 20; trial++) {
      const c = new Cluster(ids, { leaseMs: LEASE })
      for (let i = 0; i < trial; i++) c.random.next()
      for (const id of ids) c.add(id, id === 'c' ? { priority: 10 } : {})
      for (const n of c.nodes.values()) n.start()
      c.pump()
      if (elected(c) === 'c') wins++
    }
    expect(wins).toBeGreaterThanOrEqual(15)
  })
})

describe('restarts and late joiners', () => {
  it('on non-durable storage a node quarantines for leaseMs·(1+ρ)/(1−ρ) after start', () => {
    const c = new Cluster(ids, { leaseMs: LEASE, maxDriftRatio: RHO }, false)
    c.startAll()
    const q = LEASE * (1 + RHO) / (1 - RHO)
    const t0 = c.now
    expect(c.node('a').quarantined).toBe(true)
    const before = c.log.length
    c.inject('b', 'a', { type: 'prepare', epoch: 1, ballot: { round: 5, nodeId: 'b' } })
    expect(c.log.slice(before).find(s => s.from === 'a')!.msg).toMatchObject({ type: 'nack', reason: 'quarantine' })
    c.advanceTo(t0 + q - 1)
    expect(c.leaders()).toEqual([])
    expect(c.node('a').quarantined).toBe(true)
    c.advanceTo(t0 + q + 1)
    expect(c.node('a').quarantined).toBe(false)
    elected(c)
  })

  it('on durable storage a fresh node does not quarantine, but one that granted a lease does', () => {
    const c = new Cluster(ids, { leaseMs: LEASE }, true)
    c.startAll()
    expect(c.node('a').quarantined).toBe(false)
    const leader = elected(c)
    const voter = ids.find(x => x !== leader)!
    expect(c.stored.get(voter)!.grant).toEqual({ epoch: c.node(leader).epoch, leaderId: leader })
    c.crash(voter)
    const n = c.add(voter)
    n.start()
    expect(n.quarantined).toBe(true)
  })

  it('a node that starts late learns the newest chosen epoch and does not stand against a live leader', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    for (const id of ids.slice(0, 4)) c.add(id)
    c.link = (from, to) => c.nodes.has(from) && c.nodes.has(to)
    for (const n of c.nodes.values()) n.start()
    c.pump()
    const leader = c.settle(ids.slice(0, 4))
    const before = c.node(leader).epoch
    c.node(leader).resign()
    c.advance(5 * LEASE)
    const current = c.leaders()[0]!
    const epoch = c.node(current).epoch
    expect(epoch).toBe(before + 1)
    const late = c.add('e')
    late.start()
    c.pump()
    // It learns the newest chosen epoch from the others' answers at once, and reports its leader once it hears it (rule 7).
    expect(late.epoch).toBe(epoch)
    expect(late.leader).toBeNull()
    c.advance(LEASE / 2)
    expect(late.leader).toMatchObject({ epoch, leaderId: current })
    const learned = late.leader
    c.advance(3 * LEASE)
    expect(c.eventsOf('candidate', 'e')).toEqual([])
    // Meanwhile the leader made it a voter, one configuration change (one epoch) on, and leads on.
    expect(late.leader).toMatchObject({ epoch: epoch + 1, leaderId: current })
    expect(c.votersOf('e')).toContain('e')
    expect(c.eventsOf('leaderChosen', 'e')).toEqual([{ type: 'leaderChosen', record: learned }, { type: 'leaderChosen', record: late.leader }])
  })

  it('keeps ballots unique across restarts: the round used is stored before the Prepare leaves', () => {
    const c = new Cluster(['a', 'b', 'c'], { leaseMs: LEASE })
    // Promises never arrive, so elections keep retrying with new ballots.
    c.link = (_from, _to, msg) => msg.type !== 'promise'
    c.startAll()
    c.advance(LEASE)
    const prepares = c.sent('prepare').filter(s => s.from === 'a')
    expect(prepares.length).toBeGreaterThan(0)
    const maxRound = Math.max(...prepares.map(p => (p.msg as { ballot: { round: number } }).ballot.round))
    expect(c.stored.get('a')!.highestRound).toBe(maxRound)
    c.crash('a')
    c.add('a').start()
    c.advance(LEASE)
    const after = c.sent('prepare').filter(s => s.from === 'a').slice(prepares.length)
    expect(after.length).toBeGreaterThan(0)
    for (const p of after) expect((p.msg as { ballot: { round: number } }).ballot.round).toBeGreaterThan(maxRound)
  })

  it('a restarted node never leads again an epoch it stood in, even if the crash lost the learned record', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    // It stood in epoch 1 and in each configuration change after it.
    const epoch = c.node(leader).epoch
    const state = c.stored.get(leader)!
    expect(state.candidateEpoch).toBe(epoch)
    const electedBefore = c.eventsOf('elected', leader).length
    // The learned record is saved lazily: a crash right after being elected may lose it.
    c.crash(leader)
    c.stored.set(leader, { ...state, learned: null })
    c.add(leader).start()
    c.advance(LEASE / 20)
    // It learns its own record of that epoch again from the others, but does not take the epoch up again.
    expect(c.node(leader).epoch).toBe(epoch)
    c.advance(LEASE / 2)
    expect(c.node(leader).isLeader).toBe(false)
    expect(c.eventsOf('elected', leader)).toHaveLength(electedBefore)
    // Nobody leads that epoch any more, so the cluster elects the next.
    const next = elected(c)
    expect(c.node(next).epoch).toBe(epoch + 1)
  })

  it('its own election goes out without waiting for the learned record\'s save; only the newest may be unsaved', () => {
    // As after its own Accept: it granted itself the lease of epoch 1 already (stored), so
    // learning the record changes nothing else (here it is in quarantine, granting nothing new).
    // It voted in the cluster from its start (joinedAt 0), so learning a record is no first join to store.
    const state = { acceptor: [], learned: null, highestRound: 0, fastEpoch: 1, candidateEpoch: 0, grant: { epoch: 1, leaderId: 'a' }, joinedAt: 0 }
    const n = new Node({ nodeId: 'a', clusterSize: 3 }, { clock: { now: () => 0 }, random: { next: () => 0.5 }, state, durableStorage: true })
    const config = testConfig(['a', 'b', 'c'], { leaseMs: 2000, heartbeatMs: 500 })
    n.start()
    n.ready()
    n.step('b', { type: 'chosen', epoch: 1, value: record(1, 'a', { config }) })
    const first = n.ready()
    expect(first.events.map(e => e.type)).toContain('leaderChosen')
    expect(first.persist?.learned?.epoch).toBe(1)
    expect(first.sync).toBe(false)
    // The one before is still unsaved: this one waits.
    n.step('b', { type: 'chosen', epoch: 2, value: record(2, 'a', { config }) })
    const second = n.ready()
    expect(second.persist?.learned?.epoch).toBe(2)
    expect(second.sync).toBe(true)
    // Another node's record is stored before it is announced.
    n.step('b', { type: 'chosen', epoch: 3, value: record(3, 'c', { config }) })
    const third = n.ready()
    expect(third.persist?.learned?.epoch).toBe(3)
    expect(third.sync).toBe(true)
  })

  it('a step that promises hands out the state to persist with the reply', () => {
    const n = new Node({ nodeId: 'a', clusterSize: 3 }, { clock: { now: () => 0 }, random: { next: () => 0.5 }, state: null, durableStorage: true })
    n.start()
    n.ready()
    n.step('b', { type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'b' } })
    const rd = n.ready()
    expect(rd.messages.map(m => m.msg.type)).toEqual(['promise'])
    expect(rd.persist?.acceptor).toEqual([[1, { promised: { round: 1, nodeId: 'b' }, accepted: null }]])
    expect(rd.sync).toBe(true)
  })
})

describe('handover', () => {
  it('a resigning leader names the highest-priority voter that answers, and the quickest when it does not', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    for (const id of ids) c.add(id, id === 'd' ? { priority: 10 } : id === 'b' ? { priority: 3 } : {})
    for (const n of c.nodes.values()) n.start()
    c.pump()
    c.advance(2 * LEASE)
    const named: Array<string | null> = []
    const leaders: string[] = []
    for (let i = 0; i < 6; i++) {
      const leader = c.settle(ids)
      leaders.push(leader)
      const before = c.log.length
      c.node(leader).resign()
      c.advance(2 * LEASE)
      named.push((c.log.slice(before).find(s => s.msg.type === 'resign')!.msg as { successor: string | null }).successor)
    }
    // d whenever it is not the one resigning; b (the next priority) when it is.
    for (const [i, leader] of leaders.entries()) expect(named[i]).toBe(leader === 'd' ? 'b' : 'd')
    expect(leaders.filter(l => l === 'd').length).toBeGreaterThanOrEqual(2)
    // d cut off: it neither answers nor tells its presence, so it is not named; the handover still happens.
    c.link = (from, to) => from !== 'd' && to !== 'd'
    c.advance(3 * LEASE)
    const current = c.leaders().find(l => l !== 'd')!
    const before = c.log.length
    c.node(current).resign()
    c.advance(2 * LEASE)
    const successor = (c.log.slice(before).find(s => s.msg.type === 'resign')!.msg as { successor: string | null }).successor
    expect(successor).toBe(current === 'b' ? c.log.slice(before).find(s => s.msg.type === 'resign')!.to : 'b')
    expect(c.node(successor!).isLeader).toBe(true)
  })

  it('the named successor skips phase 1 at round 0 and its Accept doubles as the first lease round', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const next = c.node(leader).epoch + 1
    const before = c.log.length
    c.node(leader).resign()
    c.pump()
    const after = c.log.slice(before)
    const resign = after.find(s => s.msg.type === 'resign')!.msg as { successor: string | null }
    const successor = resign.successor!
    expect(successor).not.toBe(leader)
    expect(after.filter(s => s.msg.type === 'prepare')).toEqual([])
    // Sent to as many voters as the majority needs besides the successor, no more.
    const accepts = after.filter(s => s.msg.type === 'accept')
    expect(accepts.length).toBe(majorityOf(ids.length) - 1)
    for (const a of accepts) expect(a.msg).toMatchObject({ epoch: next, ballot: { round: 0, nodeId: successor } })
    // Elected on the Accepted replies alone, before any heartbeat was acknowledged.
    const electedAt = c.events.findIndex(x => x.e.type === 'elected' && x.node === successor)
    expect(electedAt).toBeGreaterThanOrEqual(0)
    expect(c.node(successor).isLeader).toBe(true)
    const acceptedWithLease = after.filter(s => s.msg.type === 'accepted' && (s.msg as { lease: boolean }).lease)
    expect(acceptedWithLease.length).toBeGreaterThanOrEqual(majorityOf(ids.length) - 1)
  })

  it('the Resign reaches the successor first, and its round-0 Accept stands for a Resign that voters have not seen', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const next = c.node(leader).epoch + 1
    const before = c.log.length
    // The Resign reaches the successor only; the voters still hold the old leader's lease.
    c.link = (from, to, msg) => msg.type !== 'resign' || to === c.log.slice(before).find(s => s.msg.type === 'resign')!.to
    c.node(leader).resign()
    c.pump()
    const after = c.log.slice(before)
    const resigns = after.filter(s => s.msg.type === 'resign')
    const successor = (resigns[0]!.msg as { successor: string }).successor
    expect(resigns[0]!.to).toBe(successor)
    expect(after.filter(s => s.msg.type === 'nack')).toEqual([])
    expect(c.node(successor).isLeader).toBe(true)
    expect(c.node(successor).epoch).toBe(next)
    const asked = after.filter(s => s.msg.type === 'accept').map(s => s.to)
    expect(asked.length).toBe(majorityOf(ids.length) - 1)
    const voters = asked.filter(id => id !== leader)
    expect(voters.length).toBeGreaterThanOrEqual(1)
    for (const id of voters) {
      expect(c.eventsOf('leaderLost', id).length, `${id} reported the old leader lost`).toBeGreaterThanOrEqual(1)
    }
  })

  it('the successor asks only a majority at first, and the other voters when one of those does not answer', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const next = c.node(leader).epoch + 1
    const before = c.log.length
    // The first voter the successor asks never answers; the old leader does not vote either.
    let silent: string | null = null
    c.link = (from, to, msg) => {
      if (msg.type === 'accept' && silent === null && to !== from) silent = to
      return to !== silent && from !== silent && !(msg.type === 'accept' && to === leader)
    }
    c.node(leader).resign()
    c.pump()
    const successor = (c.log.slice(before).find(s => s.msg.type === 'resign')!.msg as { successor: string }).successor
    expect(c.node(successor).isLeader).toBe(false)
    const firstAccepts = c.log.slice(before).filter(s => s.msg.type === 'accept').length
    expect(firstAccepts).toBe(majorityOf(ids.length) - 1)
    // After electionDelayMs/4 (the earliest the other voters may stand) the round goes to every voter.
    c.advance(LEASE / 20 / 4)
    expect(c.node(successor).isLeader).toBe(true)
    expect(c.node(successor).epoch).toBe(next)
    const accepts = c.log.slice(before).filter(s => s.msg.type === 'accept')
    expect(accepts.length).toBe(firstAccepts + ids.length - 1)
    for (const a of accepts) expect(a.msg).toMatchObject({ epoch: next, ballot: { round: 0, nodeId: successor } })
  })

  it('a round-0 Accept does not void a grant of another epoch', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const voter = ids.find(x => x !== leader)!
    const stranger = ids.find(x => x !== leader && x !== voter)!
    const epoch = c.node(leader).epoch
    const before = c.log.length
    // Round 0 of epoch e+2 is no successor's ballot while epoch e's leader holds the lease.
    const value = { ...c.node(leader).newestChosen!, epoch: epoch + 2, leaderId: stranger }
    c.inject(stranger, voter, { type: 'accept', epoch: epoch + 2, ballot: { round: 0, nodeId: stranger }, value })
    c.pump()
    const replies = c.log.slice(before).filter(s => s.from === voter && s.to === stranger)
    expect(replies.map(s => s.msg.type)).toEqual(['nack'])
    // Refused as an epoch other than the next (rule 8), before the lease is even asked about.
    expect((replies[0]!.msg as Nack).reason).toBe('membership')
    // The grant stands: the voter still refuses the next epoch to anyone but the leader.
    expect(c.node(voter).grant).toMatchObject({ epoch, leaderId: leader })
    const mark = c.log.length
    c.inject(stranger, voter, { type: 'prepare', epoch: epoch + 1, ballot: { round: 99, nodeId: stranger } })
    expect(c.log.slice(mark).find(s => s.from === voter)?.msg).toMatchObject({ type: 'nack', reason: 'lease' })
    expect(c.node(leader).isLeader).toBe(true)
  })

  it('never uses the round-0 ballot twice in an epoch, even after a restart', () => {
    const c = new Cluster(ids, { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const next = c.node(leader).epoch + 1
    // The successor's Accepts are lost, then it restarts and the Resign is delivered again.
    c.link = (_from, _to, msg) => msg.type !== 'accept'
    const before = c.log.length
    c.node(leader).resign()
    c.pump()
    const resign = c.log.slice(before).find(s => s.msg.type === 'resign')!
    const successor = (resign.msg as { successor: string }).successor
    expect(c.stored.get(successor)!.fastEpoch).toBe(next)
    c.crash(successor)
    c.add(successor).start()
    c.link = () => true
    const mark = c.log.length
    c.inject(leader, successor, resign.msg)
    c.advance(LEASE)
    const round0 = c.log.slice(mark).filter(s => s.from === successor && s.msg.type === 'accept' && (s.msg as { ballot: { round: number } }).ballot.round === 0)
    expect(round0).toEqual([])
  })
})

function majorityOf (n: number): number { return Math.floor(n / 2) + 1 }

describe('heartbeat acknowledgements (rule 2)', () => {
  /** The leader's heartbeat rounds logged since `mark`, one per seq, with whom each asked to answer. */
  function rounds (c: Cluster, leader: string, mark: number): Array<{ seq: number, ackFrom: Heartbeat['ackFrom'] }> {
    const bySeq = new Map<number, Heartbeat['ackFrom']>()
    for (const s of c.log.slice(mark)) if (s.from === leader && s.msg.type === 'heartbeat') bySeq.set(s.msg.seq, s.msg.ackFrom)
    return [...bySeq].map(([seq, ackFrom]) => ({ seq, ackFrom }))
  }

  it('asks two of four voters in every other round once elected, and keeps its lease; the others grant without answering', () => {
    const c = new Cluster(['a', 'b', 'c', 'd', 'e'], { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const mark = c.log.length
    for (let i = 0; i < 80; i++) {
      c.advance(LEASE / 20)
      expect(c.node(leader).isLeader).toBe(true)
    }
    const rs = rounds(c, leader, mark)
    expect(rs.length).toBeGreaterThanOrEqual(16)
    const asks = rs.filter(r => r.ackFrom === 'all' || r.ackFrom.length > 0)
    expect(asks.every(r => r.ackFrom !== 'all' && r.ackFrom.length === 2 && !r.ackFrom.includes(leader))).toBe(true)
    expect(Math.abs(asks.length - rs.length / 2)).toBeLessThanOrEqual(1)
    // Only the voters asked answer, once per ask.
    const acks = c.log.slice(mark).filter(s => s.msg.type === 'heartbeatAck' && s.from !== leader)
    expect(acks).toHaveLength(2 * asks.length)
    for (const a of acks) {
      const round = rs.find(r => r.seq === (a.msg as { seq: number }).seq)!
      expect(round.ackFrom).toContain(a.from)
    }
    // A voter never asked still holds the lease it granted: it refuses another candidate.
    const asked = new Set(asks.flatMap(r => r.ackFrom as string[]))
    const [x, y] = ['a', 'b', 'c', 'd', 'e'].filter(id => id !== leader && !asked.has(id))
    expect(y).toBeDefined()
    const before = c.log.length
    c.inject(x!, y!, { type: 'prepare', epoch: c.node(leader).epoch + 1, ballot: { round: 99, nodeId: x! } })
    expect(c.log.slice(before).find(s => s.from === y)?.msg).toMatchObject({ type: 'nack', reason: 'lease' })
  })

  it('after an ask that did not renew the lease, asks everyone in every round for 10 leases, keeps the lease, then leaves the silent voter out', () => {
    const c = new Cluster(['a', 'b', 'c', 'd', 'e'], { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    let mark = c.log.length
    c.advance(LEASE)
    const firstAsk = rounds(c, leader, mark).find(r => r.ackFrom !== 'all' && r.ackFrom.length > 0)!
    const silent = (firstAsk.ackFrom as string[])[0]!
    // From now on its answers are lost; it still gets (and grants) every heartbeat.
    c.link = (from, _to, msg) => !(from === silent && msg.type === 'heartbeatAck')
    mark = c.log.length
    for (let i = 0; i < 16 * 20; i++) {
      c.advance(LEASE / 20)
      expect(c.node(leader).isLeader).toBe(true)
    }
    const rs = rounds(c, leader, mark).filter(r => r.ackFrom === 'all' || r.ackFrom.length > 0)
    const i = rs.findIndex(r => r.ackFrom !== 'all' && r.ackFrom.includes(silent))
    expect(i).toBeGreaterThanOrEqual(0)
    // Every round of the next 10 leases (heartbeats every LEASE/4) asks everyone...
    const rest = rs.slice(i + 1)
    const careful = rest.findIndex(r => r.ackFrom !== 'all')
    expect(careful).toBeGreaterThanOrEqual(39)
    expect(careful).toBeLessThanOrEqual(41)
    // ...then the leader is thrifty again, with voters that answer.
    const later = rest.slice(careful)
    expect(later.length).toBeGreaterThanOrEqual(3)
    expect(later.every(r => r.ackFrom !== 'all' && r.ackFrom.length === 2 && !r.ackFrom.includes(silent))).toBe(true)
  })
})

describe('voters named by the configuration (the voter-count guard is gone)', () => {
  it('a node outside the configuration that acknowledges heartbeats neither stops the leader nor backs its lease', () => {
    const c = new Cluster(['a', 'b', 'c'], { leaseMs: LEASE })
    c.startAll()
    const leader = elected(c)
    const epoch = c.node(leader).epoch
    const lastBeat = (): { epoch: number, seq: number } => c.sent('heartbeat').filter(s => s.from === leader).at(-1)!.msg as { epoch: number, seq: number }
    // A fourth node (misconfigured with clusterSize 3, or a stranger) acknowledges a heartbeat:
    // it is no voter of the configuration, so nothing happens (no fault, no demotion).
    c.inject('d', leader, { type: 'heartbeatAck', epoch, seq: lastBeat().seq })
    expect(c.node(leader).isLeader).toBe(true)
    expect(c.eventsOf('demoted', leader)).toEqual([])
    // The leader still votes as before: it answers a Prepare of the next epoch from a voter (bound by its own lease).
    const other = ['a', 'b', 'c'].find(x => x !== leader)!
    const mark = c.log.length
    c.inject(other, leader, { type: 'prepare', epoch: epoch + 1, ballot: { round: 7, nodeId: other } })
    expect(c.log.slice(mark).find(s => s.from === leader)!.msg).toMatchObject({ type: 'nack', reason: 'lease' })
    // From now on the voters' acknowledgements are lost, and d acknowledges every beat:
    // one voter (the leader) and a stranger are no majority of the configuration, so the lease runs out.
    c.link = (from, _to, msg) => !(msg.type === 'heartbeatAck' && from !== leader)
    const cutAt = c.now
    while (c.node(leader).isLeader && c.now - cutAt < 2 * LEASE) {
      c.advance(LEASE / 40)
      const beat = lastBeat()
      if (beat.epoch === epoch) c.inject('d', leader, { type: 'heartbeatAck', epoch, seq: beat.seq })
    }
    expect(c.node(leader).isLeader).toBe(false)
    expect(c.eventsOf('demoted', leader)).toEqual([{ type: 'demoted', epoch, reason: 'lease-expired' }])
    expect(c.now - cutAt).toBeLessThanOrEqual(LEASE)
  })
})
