/**
 * Rule 13 (docs/protocol.md): observers learn from voters. The pieces
 * (relay order, an observer's upstream, a relay's digests) and, on the
 * deterministic harness, what it is for: the leader's messages grow with the
 * voters, not with the observers, and an observer whose relay dies moves on
 * before its view of the leader runs out.
 */
import { describe, expect, it } from 'vitest'
import { MAX_DIGEST_REPORTS, type Heartbeat, type Presence } from '../../src/paxos/message.js'
import type { NodeId } from '../../src/paxos/proposal.js'
import { DIGEST_BYTES, MISSED_BEATS, presenceOf, Relay, relayOrder, Upstream } from '../../src/node/relay.js'
import { encodeMessage } from '../../src/transport/codec.js'
import { Cluster } from './cluster.js'

const LEASE = 2000
const HEARTBEAT = LEASE / 4
const presence = (epoch: number, flags: Partial<Presence> = {}): Presence =>
  ({ type: 'presence', epoch, observer: false, ready: true, leaving: false, rejoin: false, metadata: {}, priority: 0, ...flags })

describe('relayOrder', () => {
  it('puts every voter but the observer and the leader first, the leader last, the same way in every process', () => {
    const order = relayOrder('o1', ['a', 'b', 'c', 'o1'], 'b')
    expect(order.at(-1)).toBe('b')
    expect([...order].sort()).toEqual(['a', 'b', 'c'])
    expect(relayOrder('o1', ['c', 'o1', 'a', 'b'], 'b')).toEqual(order)
  })

  it('spreads observers over the voters', () => {
    const voters = ['a', 'b', 'c', 'd', 'e']
    const load = new Map<NodeId, number>()
    for (let i = 0; i < 400; i++) {
      const first = relayOrder(`observer-${i}`, voters, 'a')[0]!
      load.set(first, (load.get(first) ?? 0) + 1)
    }
    expect(load.has('a')).toBe(false)
    for (const id of ['b', 'c', 'd', 'e']) expect(load.get(id)).toBeGreaterThan(60)
  })

  it('falls back to the leader alone when it is the only other voter', () => {
    expect(relayOrder('o', ['a'], 'a')).toEqual(['a'])
  })
})

describe('Upstream', () => {
  it('moves to the next relay in the order, cycling, and gives each MISSED_BEATS heartbeats', () => {
    const u = new Upstream('o', HEARTBEAT)
    const order = relayOrder('o', ['a', 'b', 'c'], 'a')
    u.heard(0)
    expect(u.choose(['a', 'b', 'c'], 'a')).toBe(order[0])
    expect(u.missedAt).toBe(MISSED_BEATS * HEARTBEAT)
    u.moveOn(700)
    expect(u.choose(['a', 'b', 'c'], 'a')).toBe(order[1])
    expect(u.missedAt).toBe(700 + MISSED_BEATS * HEARTBEAT)
    u.moveOn(1400)
    expect(u.choose(['a', 'b', 'c'], 'a')).toBe('a')
    u.moveOn(2100)
    expect(u.choose(['a', 'b', 'c'], 'a')).toBe(order[0])
  })
})

describe('Relay', () => {
  it('reports each presence once, at once for a new or changed one, else at most every presenceMs/2', () => {
    const r = new Relay(LEASE)
    expect(r.digestAt).toBe(Infinity)
    r.subscribe('o1', presence(1), 100)
    expect(r.digestAt).toBe(100)
    expect(r.digests(1, 100)).toEqual([{ type: 'presenceDigest', epoch: 1, reports: [{ id: 'o1', epoch: 1, observer: false, ready: true, leaving: false, rejoin: false, metadata: {}, priority: 0, ageMs: 0 }] }])
    // Nothing heard since: nothing to send.
    expect(r.digestAt).toBe(Infinity)
    r.subscribe('o1', presence(1), 200)
    expect(r.digestAt).toBe(100 + LEASE / 2)
    r.subscribe('o1', presence(1, { leaving: true }), 300)
    expect(r.digestAt).toBe(300)
    const [d] = r.digests(1, 350)
    expect(d!.reports).toEqual([expect.objectContaining({ id: 'o1', leaving: true, ageMs: 50 })])
  })

  it('takes any change of a presence (epoch, each flag, metadata) as news, and the same presence as none', () => {
    const changes: Array<Partial<Presence>> = [{ epoch: 2 }, { observer: true }, { ready: false }, { leaving: true }, { rejoin: true }, { metadata: { url: 'u' } }, { priority: 2 }]
    for (const change of changes) {
      const r = new Relay(LEASE)
      r.subscribe('o1', presence(1, { metadata: { url: 'v' } }), 0)
      r.digests(1, 0)
      r.subscribe('o1', presence(1, { metadata: { url: 'v' } }), 10)
      expect(r.digestAt).toBe(LEASE / 2)
      r.subscribe('o1', presence(1, { metadata: { url: 'v' }, ...change }), 20)
      expect(r.digestAt, JSON.stringify(change)).toBe(20)
    }
    // Metadata with the same entries is the same, whatever the object.
    const r = new Relay(LEASE)
    r.subscribe('o1', presence(1, { metadata: { a: '1', b: '2' } }), 0)
    r.digests(1, 0)
    r.subscribe('o1', presence(1, { metadata: { b: '2', a: '1' } }), 10)
    expect(r.digestAt).toBe(LEASE / 2)
    r.subscribe('o1', presence(1, { metadata: { a: '1' } }), 20)
    expect(r.digestAt).toBe(20)
    r.digests(1, 20)
    r.subscribe('o1', presence(1, { metadata: { a: '1', c: '3' } }), 30)
    expect(r.digestAt).toBe(30)
    // With nothing heard since the last, a digest has nothing to say.
    expect(new Relay(LEASE).digests(1, 0)).toEqual([])
  })

  it('reports a presence as the observer sent it, and presenceOf gives it back', () => {
    const r = new Relay(LEASE)
    const p = presence(3, { observer: true, ready: false, leaving: true, rejoin: true, metadata: { url: 'u' }, priority: 4 })
    r.subscribe('o1', p, 0)
    const [d] = r.digests(3, 40)
    expect(d!.reports).toEqual([{ id: 'o1', epoch: 3, observer: true, ready: false, leaving: true, rejoin: true, metadata: { url: 'u' }, priority: 4, ageMs: 40 }])
    expect(presenceOf(d!.reports[0]!)).toEqual(p)
  })

  it('leaves out of a digest an observer forgotten since it was heard', () => {
    const r = new Relay(LEASE)
    r.subscribe('o1', presence(1), 0)
    r.subscribe('o2', presence(1), 0)
    r.drop('o1')
    expect(r.digests(1, 0).flatMap(d => d.reports.map(x => x.id))).toEqual(['o2'])
  })

  it('splits a digest at DIGEST_BYTES, so that a frame of large metadata stays below 64 KiB', () => {
    const r = new Relay(LEASE)
    const big = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`key-${i}`.padEnd(64, 'k'), 'v'.repeat(1024)]))
    for (let i = 0; i < 5; i++) r.subscribe(`o${i}`, presence(2, { metadata: big }), 0)
    const ds = r.digests(2, 0)
    expect(ds.length).toBeGreaterThan(1)
    for (const d of ds) expect(encodeMessage(d).length).toBeLessThan(64 * 1024)
    expect(ds.flatMap(d => d.reports).length).toBe(5)
    expect(DIGEST_BYTES).toBeLessThan(64 * 1024)
  })

  it('splits a digest at MAX_DIGEST_REPORTS', () => {
    const r = new Relay(LEASE)
    for (let i = 0; i < MAX_DIGEST_REPORTS + 3; i++) r.subscribe(`o${i}`, presence(2), 0)
    const ds = r.digests(2, 0)
    expect(ds.map(d => d.reports.length)).toEqual([MAX_DIGEST_REPORTS, 3])
  })

  it('forgets an observer not heard from for two presence intervals, and one dropped', () => {
    const r = new Relay(LEASE)
    r.subscribe('o1', presence(1), 0)
    r.subscribe('o2', presence(1), 0)
    expect(r.audience(2 * LEASE)).toEqual(['o1', 'o2'])
    r.drop('o2')
    expect(r.audience(2 * LEASE)).toEqual(['o1'])
    expect(r.audience(2 * LEASE + 1)).toEqual([])
  })
})

/** Three voters and `n` observers, settled; the leader. */
function withObservers (n: number): { c: Cluster, leader: NodeId, observers: NodeId[] } {
  const c = new Cluster(['a', 'b', 'c'], { leaseMs: LEASE })
  for (const id of c.ids) c.add(id)
  const observers = Array.from({ length: n }, (_, i) => `o${i}`)
  for (const id of observers) c.add(id, { role: 'observer', metadata: { url: `http://${id}:8080` } })
  for (const node of c.nodes.values()) node.start()
  c.pump()
  const leader = c.settle()
  c.advance(2 * LEASE)
  return { c, leader, observers }
}

describe('observers at the node', () => {
  it('the leader sends each heartbeat to the voters only and hears from each voter, not from each observer', () => {
    const { c, leader, observers } = withObservers(6)
    const mark = c.log.length
    c.advance(10 * LEASE)
    const fromLeader = c.log.slice(mark).filter(s => s.from === leader && s.msg.type === 'heartbeat')
    expect(fromLeader.length).toBeGreaterThan(0)
    for (const s of fromLeader) expect(['a', 'b', 'c']).toContain(s.to)
    const toLeader = c.log.slice(mark).filter(s => s.to === leader)
    expect(toLeader.filter(s => observers.includes(s.from))).toEqual([])
    expect(toLeader.some(s => s.msg.type === 'presenceDigest')).toBe(true)
    // It still knows every observer is there, and its metadata, from the digests.
    for (const o of observers) expect(c.node(leader).presence.get(o)?.presence).toMatchObject({ observer: true, metadata: { url: `http://${o}:8080` } })
    // Every observer knows the leader and never lost it.
    for (const o of observers) expect(c.node(o).leader?.leaderId).toBe(leader)
    expect(c.events.filter(x => x.e.type === 'leaderLost')).toEqual([])
  })

  it('an observer whose relay crashes reports to the next one before its view of the leader runs out', () => {
    const { c, leader, observers } = withObservers(6)
    const relayOf = (o: NodeId): NodeId => relayOrder(o, ['a', 'b', 'c'], leader)[0]!
    const relay = relayOf(observers[0]!)
    const orphans = observers.filter(o => relayOf(o) === relay)
    const mark = c.events.length
    c.crash(relay)
    c.advance(4 * LEASE)
    expect(c.leaders()).toEqual([leader])
    for (const o of orphans) expect(c.node(o).leader?.leaderId).toBe(leader)
    expect(c.events.slice(mark).filter(x => x.e.type === 'leaderLost' && observers.includes(x.node))).toEqual([])
  })

  it('a voter takes no heartbeat passed on to it: no grant, no answer, nothing passed on', () => {
    const { c, leader, observers } = withObservers(1)
    const voter = ['a', 'b', 'c'].find(id => id !== leader)!
    const other = ['a', 'b', 'c'].find(id => id !== leader && id !== voter)!
    const record = c.node(leader).leader!
    const grant = c.node(voter).grant
    const beat: Heartbeat = { type: 'heartbeat', epoch: record.epoch, seq: 999, value: record, ackFrom: 'all' }
    const mark = c.log.length
    c.inject(other, voter, beat)
    expect(c.node(voter).grant).toEqual(grant)
    expect(c.log.slice(mark).filter(s => s.from === voter)).toEqual([])
  })

  for (const [sender, kept] of [['x', false], ['voter', true]] as const) {
    it(`an observer's view of the leader ${kept ? 'runs on' : 'ignores'} a heartbeat passed on by ${kept ? 'a voter' : 'a non-voter'}`, () => {
      const { c, leader, observers } = withObservers(1)
      const o = observers[0]!
      const record = c.node(leader).leader!
      const from = sender === 'x' ? 'x' : ['a', 'b', 'c'].find(id => id !== leader)!
      // Every voter gone: the observer's view ends one lease after it last heard a heartbeat.
      for (const id of ['a', 'b', 'c']) c.crash(id)
      c.advance(LEASE / 2)
      c.inject(from, o, { type: 'heartbeat', epoch: record.epoch, seq: 999, value: record, ackFrom: 'all' })
      c.advance(0.7 * LEASE)
      expect(c.node(o).leader?.leaderId ?? null).toBe(kept ? leader : null)
    })
  }

  it('an observer that missed the first heartbeat asks again every presenceMs until it learns the leader', () => {
    const c = new Cluster(['a', 'b', 'c'], { leaseMs: LEASE })
    for (const id of c.ids) c.add(id)
    const o = c.add('o', { role: 'observer' })
    // It hears the status answers of the founding round (no record yet), then nothing that carries a record.
    let deaf = true
    c.link = (_from, to, msg) => !(deaf && to === 'o' && msg.type !== 'statusReply')
    for (const n of c.nodes.values()) n.start()
    c.pump()
    const leader = c.firstLeader()
    c.advance(2 * LEASE)
    expect(o.leader).toBeNull()
    deaf = false
    c.advance(LEASE)
    expect(o.leader?.leaderId).toBe(leader)
    expect(c.node(leader).presence.get('o')?.presence).toMatchObject({ observer: true })
  })
})
