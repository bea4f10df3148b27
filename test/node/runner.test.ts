import { describe, expect, it } from 'vitest'
import { NodeRunner } from '../../src/node/runner.js'
import { Node } from '../../src/node/node.js'
import { Learner, type LearnResult } from '../../src/paxos/learner.js'
import type { LeaderRecord } from '../../src/paxos/proposal.js'
import { MemoryNetwork } from '../../src/transport/memory.js'
import { MemoryStorage } from '../../src/storage/memory.js'
import type { PersistentState, Storage } from '../../src/storage/storage.js'
import type { Message } from '../../src/paxos/message.js'
import type { Transport, TransportHandlers } from '../../src/transport/transport.js'
import type { Configuration } from '../../src/paxos/configuration.js'
import {
  ClusterMismatchError, ForgottenStateWarning, ListenerError, SafetyViolationError, SettingMismatchError, StorageFailedError, TransportError, type QuorumError
} from '../../src/errors.js'
import { record, testConfig } from '../support/records.js'

const LEASE = 300
/** The voters x, y and z, with this file's lease settings (others would be a setting mismatch). */
const CONFIG = testConfig(['x', 'y', 'z'], { leaseMs: LEASE, heartbeatMs: LEASE / 4 })
const rec = (epoch: number, leaderId: string, config: Configuration = CONFIG): LeaderRecord => record(epoch, leaderId, { config })

async function until (cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 2))
  }
}

function cluster (n: number, storage: () => Storage = () => new MemoryStorage({ durable: true })): NodeRunner[] {
  const net = new MemoryNetwork()
  return Array.from({ length: n }, (_, i) => new NodeRunner({ config: { clusterSize: n, leaseMs: LEASE }, storage: storage(), transport: net.transport(`n${i}`) }))
}

describe('NodeRunner over the memory transport', () => {
  it('elects, fails over after a crash, and hands over on stop', async () => {
    const rs = cluster(3)
    const chosen: string[] = []
    rs[0]!.on('leaderChosen', r => chosen.push(`${r.epoch}:${r.leaderId}`))
    await Promise.all(rs.map(r => r.start()))
    // Generous liveness bounds: timing belongs in benchmarks.
    await until(() => rs.filter(r => r.isLeader).length === 1, 20 * LEASE)
    // Epoch 1 names the voters that promised, a majority at least; the leader adds the third
    // once it has been there stabilizationMs. Only then does the cluster survive a crash.
    await until(() => rs.every(r => r.node?.configuration?.voters.length === 3), 20 * LEASE)
    const first = rs.find(r => r.isLeader)!
    await first.crash()
    const rest = rs.filter(r => r !== first)
    await until(() => rest.some(r => r.isLeader), 20 * LEASE)
    const second = rest.find(r => r.isLeader)!
    expect(second.epoch).toBeGreaterThan(1)
    const demoted: string[] = []
    second.on('demoted', d => demoted.push(d.reason))
    await second.stop()
    expect(demoted).toEqual(['resigned'])
    await Promise.all(rs.map(r => r.stop()))
    expect(chosen.length).toBeGreaterThanOrEqual(1)
  })

  it('stops and reports an error, sending nothing, when storage fails', async () => {
    const sent: Message[] = []
    const transport: Transport = {
      localId: 'x',
      start: async (_h: TransportHandlers) => {},
      stop: async () => {},
      send: (_to, msg) => { sent.push(msg) },
      broadcast: msg => { sent.push(msg) },
      peers: () => []
    }
    let handlers: TransportHandlers | null = null
    transport.start = async h => { handlers = h }
    const storage: Storage = {
      durable: true,
      load: async () => null,
      save: async (_s: PersistentState) => { throw new Error('disk full') }
    }
    const r = new NodeRunner({ config: { clusterSize: 3, leaseMs: LEASE }, storage, transport })
    const errors: QuorumError[] = []
    r.on('error', e => errors.push(e))
    await r.start()
    await new Promise(resolve => setTimeout(resolve, 10))
    sent.length = 0
    handlers!.message('y', { type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'y' } })
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(errors.map(e => e.message)).toEqual([expect.stringContaining('disk full')])
    expect(errors[0]).toBeInstanceOf(StorageFailedError)
    expect(errors[0]).toMatchObject({ name: 'StorageFailedError', code: 'ERR_STORAGE_FAILED', cause: { message: 'disk full' } })
    expect(sent.filter(m => m.type === 'promise')).toEqual([])
    expect(r.running).toBe(false)
  })

  it('started again after a storage failure, saves and sends again (nothing of the failed run carries over)', async () => {
    const sent: Message[] = []
    let handlers: TransportHandlers | null = null
    const transport: Transport = {
      localId: 'x',
      start: async h => { handlers = h },
      stop: async () => {},
      send: (_to, msg) => { sent.push(msg) },
      broadcast: msg => { sent.push(msg) },
      peers: () => []
    }
    let failing = true
    const saved: PersistentState[] = []
    const storage: Storage = {
      durable: true,
      load: async () => saved.at(-1) ?? null,
      save: async s => { if (failing) throw new Error('EIO'); saved.push(s) }
    }
    const r = new NodeRunner({ config: { clusterSize: 3, leaseMs: LEASE }, storage, transport })
    const errors: QuorumError[] = []
    r.on('error', e => errors.push(e))
    await r.start()
    handlers!.message('y', { type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'y' } })
    await until(() => !r.running, 20 * LEASE)
    expect(errors[0]).toBeInstanceOf(StorageFailedError)
    failing = false
    await r.start()
    sent.length = 0
    handlers!.message('y', { type: 'prepare', epoch: 1, ballot: { round: 2, nodeId: 'y' } })
    await until(() => sent.some(m => m.type === 'promise'), 20 * LEASE)
    expect(saved.length).toBeGreaterThan(0)
    expect(errors).toHaveLength(1)
    await r.stop()
  })

  it('does not throw into the host when nobody listens for errors', async () => {
    const storage: Storage = { durable: true, load: async () => null, save: async () => { throw new Error('EIO') } }
    const r = new NodeRunner({ config: { clusterSize: 1, leaseMs: LEASE }, storage, transport: new MemoryNetwork().transport('solo') })
    await r.start()
    await until(() => r.lastError !== null, 20 * LEASE)
    expect(r.lastError!.message).toContain('EIO')
    expect(r.lastError).toBeInstanceOf(StorageFailedError)
    expect(r.isLeader).toBe(false)
  })

  it('coalesces saves behind a slow disk, and releases no reply before a save that holds it', async () => {
    const { sent, saved, transport, storage, deliver } = slowDisk(20)
    const r = new NodeRunner({ config: { clusterSize: 3, leaseMs: LEASE }, storage, transport })
    await r.start()
    await new Promise(resolve => setTimeout(resolve, 5))
    const before = saved.length
    // Ten Prepares of rising ballots in one burst (only the next epoch is voted in): each changes the acceptor state.
    for (let round = 1; round <= 10; round++) deliver('y', { type: 'prepare', epoch: 1, ballot: { round, nodeId: 'y' } })
    await until(() => sent.filter(s => s.msg.type === 'promise').length === 10, 5000)
    const promises = sent.filter(s => s.msg.type === 'promise')
    // Far fewer saves than batches: the ones queued behind a save share the next.
    expect(saved.length - before).toBeLessThanOrEqual(3)
    for (const p of promises) {
      const round = p.msg.type === 'promise' ? p.msg.ballot.round : NaN
      // A save made before this Promise left holds the promise it reports (or a later one, which covers it).
      const holding = saved.slice(0, p.saved).some(s => s.acceptor.some(([ep, st]) => ep === 1 && st.promised?.nodeId === 'y' && st.promised.round >= round))
      expect(holding, `the promise of round ${round} was stored before it left`).toBe(true)
    }
    await r.stop()
  })

  it('sends what its own election causes without waiting for the learned record\'s save; another node\'s record waits', async () => {
    // As after its own Accept: it granted itself the lease of epoch 1 already (stored), so
    // learning the record changes nothing else (here it is in quarantine, granting nothing new).
    const { saved, transport, storage, deliver } = slowDisk(30, {
      acceptor: [], learned: null, highestRound: 0, fastEpoch: 1, candidateEpoch: 0, grant: { epoch: 1, leaderId: 'x' }, joinedAt: 0
    })
    const r = new NodeRunner({ config: { clusterSize: 3, leaseMs: LEASE }, storage, transport })
    const chosen: Array<{ epoch: number, saved: number }> = []
    r.on('leaderChosen', rec => { chosen.push({ epoch: rec.epoch, saved: saved.length }) })
    await r.start()
    await new Promise(resolve => setTimeout(resolve, 5))
    // Its own election decided (its own Accepted and y's: a majority of the three founders): announced before its save is done.
    for (const from of ['x', 'y']) deliver(from, { type: 'accepted', epoch: 1, ballot: { round: 1, nodeId: 'x' }, value: rec(1, 'x'), lease: true })
    await until(() => chosen.length === 1, 5000)
    expect(chosen[0]!.saved).toBe(0)
    await until(() => saved.length === 1, 5000)
    expect(saved[0]!.learned?.epoch).toBe(1)
    // Another node's record (from its heartbeat) must wait for its save.
    deliver('z', beat(rec(2, 'z')))
    await until(() => chosen.length === 2, 5000)
    expect(saved.at(-1)!.learned?.epoch).toBe(2)
    expect(chosen[1]!.saved).toBe(saved.length)
    await r.stop()
  })

  it('emits a batch\'s events before it sends the batch\'s messages', async () => {
    const net = new MemoryNetwork()
    const log: string[] = []
    const rs = ['a', 'b', 'c'].map(id => {
      const transport = net.transport(id)
      const broadcast = transport.broadcast.bind(transport)
      transport.broadcast = (msg, first, fanout) => { log.push(`${id} sends ${msg.type}`); broadcast(msg, first, fanout) }
      const r = new NodeRunner({ config: { clusterSize: 3, leaseMs: LEASE }, storage: new MemoryStorage({ durable: true }), transport })
      r.on('demoted', () => log.push(`${id} demoted`))
      return r
    })
    await Promise.all(rs.map(r => r.start()))
    await until(() => rs.filter(r => r.isLeader).length === 1, 20 * LEASE)
    const leader = rs.find(r => r.isLeader)!
    const id = ['a', 'b', 'c'][rs.indexOf(leader)]!
    log.length = 0
    await leader.stop()
    // The host hears that it no longer leads before the Resign is written to every peer.
    expect(log.filter(x => x.startsWith(id))).toEqual([`${id} demoted`, `${id} sends resign`])
    await Promise.all(rs.map(r => r.stop()))
  })

  it('moves its timer when the node\'s deadline moves later: a follower fed heartbeats runs its tick only to send its presence', async () => {
    const { transport, storage, deliver, sent } = slowDisk(1)
    const lease = 1000
    let ticks = 0
    const r = new NodeRunner({
      // Presence is due at once on learning the leader (rule 10), then not again within this test.
      config: { clusterSize: 3, leaseMs: lease, presenceMs: 10 * lease, memberTimeoutMs: 20 * lease },
      storage,
      transport,
      makeNode: (config, deps) => {
        const node = new Node(config, deps)
        const tick = node.tick.bind(node)
        node.tick = () => { ticks++; tick() }
        return node
      }
    })
    await r.start()
    const value = rec(1, 'y', testConfig(['x', 'y', 'z'], { leaseMs: lease, heartbeatMs: lease / 4 }))
    deliver('y', { type: 'statusReply', epoch: 1, value })
    // Each heartbeat pushes the follower's only other deadline (its view of the leader) a lease later.
    for (let seq = 1; seq <= 25; seq++) {
      deliver('y', { type: 'heartbeat', epoch: 1, seq, value, ackFrom: 'all' })
      await new Promise(resolve => setTimeout(resolve, lease / 10))
    }
    expect(r.leader?.leaderId).toBe('y')
    // One tick, the presence; a timer left at the first deadline of the view would have fired twice more in these 2.5 leases.
    expect(sent.filter(s => s.msg.type === 'presence')).toHaveLength(1)
    expect(ticks).toBe(1)
    await r.stop({ leaveMs: 0 })
  })

  it('stops the node and reports a SafetyViolationError when an invariant breaks, sending and storing nothing of that step', async () => {
    const { transport, storage, deliver, sent, saved } = slowDisk(1)
    // A broken learner that adopts every report, so a second value for a decided epoch reaches
    // the node's view of the leader, which asserts that a chosen value never changes.
    class AdoptingLearner extends Learner {
      override onChosen (value: LeaderRecord): LearnResult { return { kind: 'learned', value } }
    }
    const r = new NodeRunner({
      config: { clusterSize: 3, leaseMs: LEASE },
      storage,
      transport,
      makeNode: (config, deps) => new Node(config, { ...deps, makeLearner: (n, newest) => new AdoptingLearner(n, newest) })
    })
    const errors: QuorumError[] = []
    r.on('error', e => errors.push(e))
    await r.start()
    deliver('y', beat(rec(1, 'y')))
    await until(() => saved.length >= 1, 5000)
    const before = { sent: sent.length, saved: saved.length }
    expect(() => { deliver('z', beat(rec(1, 'z'))) }).not.toThrow()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(SafetyViolationError)
    expect(errors[0]!.code).toBe('ERR_SAFETY_VIOLATION')
    expect((errors[0] as SafetyViolationError).invariant).toBe('chosen-never-changes')
    expect(r.running).toBe(false)
    expect(r.leader).toBeNull()
    // Stopped for good: later input is ignored, and nothing of the broken step left.
    deliver('y', { type: 'heartbeat', epoch: 1, seq: 1, value: rec(1, 'y'), ackFrom: 'all' })
    await new Promise(resolve => setTimeout(resolve, 3 * LEASE))
    expect({ sent: sent.length, saved: saved.length }).toEqual(before)
  })

  it('reports a listener that throws as an error and keeps going', async () => {
    const { transport, storage, deliver } = slowDisk(1)
    const r = new NodeRunner({ config: { clusterSize: 3, leaseMs: LEASE }, storage, transport })
    const heard: number[] = []
    const errors: QuorumError[] = []
    r.on('leaderChosen', rec => { heard.push(rec.epoch); throw new Error(`listener broke on ${rec.epoch}`) })
    r.on('error', e => errors.push(e))
    await r.start()
    deliver('y', beat(rec(1, 'y')))
    deliver('z', beat(rec(2, 'z')))
    await until(() => heard.length === 2, 5000)
    expect(errors.map(e => e.message)).toEqual([
      "a 'leaderChosen' listener threw: listener broke on 1",
      "a 'leaderChosen' listener threw: listener broke on 2"
    ])
    expect(errors[0]).toBeInstanceOf(ListenerError)
    expect(errors[0]).toMatchObject({ name: 'ListenerError', code: 'ERR_LISTENER', event: 'leaderChosen', cause: { message: 'listener broke on 1' } })
    expect(r.running).toBe(true)
    await r.stop()
  })

  it('reports a transport that throws on send as a TransportError and keeps going', async () => {
    const { r, errors, deliver } = await reporting(t => { t.send = () => { throw new Error('socket gone') } })
    deliver('y', { type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'y' } })
    await until(() => errors.length > 0, 5000)
    expect(errors[0]).toBeInstanceOf(TransportError)
    expect(errors[0]).toMatchObject({ name: 'TransportError', code: 'ERR_TRANSPORT', message: 'transport failed to send a promise: socket gone' })
    expect(r.running).toBe(true)
    await r.stop()
  })

  it('reports two leaders of one epoch as a SafetyViolationError naming the invariant', async () => {
    const { r, errors, deliver } = await reporting()
    deliver('y', { type: 'chosen', epoch: 1, value: rec(1, 'y') })
    deliver('z', { type: 'chosen', epoch: 1, value: rec(1, 'z') })
    await until(() => errors.length > 0, 5000)
    expect(errors[0]).toBeInstanceOf(SafetyViolationError)
    expect(errors[0]).toMatchObject({ name: 'SafetyViolationError', code: 'ERR_SAFETY_VIOLATION', invariant: 'agreement', detail: 'epoch 1 chosen as y, reported as z' })
    await r.stop()
  })

  it('emits the configuration of each newly learned record when it differs from the one before', async () => {
    const { r, deliver } = await reporting()
    const configs: Configuration[] = []
    r.on('configuration', c => configs.push(c))
    const next = { ...CONFIG, version: 2, voters: [...CONFIG.voters, { id: 'w', since: 2 }] }
    deliver('y', { type: 'chosen', epoch: 1, value: rec(1, 'y') })
    deliver('y', { type: 'chosen', epoch: 2, value: rec(2, 'y') })
    deliver('y', { type: 'chosen', epoch: 3, value: rec(3, 'y', next) })
    await until(() => r.epoch === 3 && configs.length >= 2, 5000)
    expect(configs).toEqual([CONFIG, next])
    await r.stop({ leaveMs: 0 })
  })

  it('reports a shared setting that differs from the cluster\'s as an error, and a clusterSize it follows as a warning', async () => {
    const { r, errors, warnings, deliver } = await reporting()
    const theirs = testConfig(['w', 'y', 'z'], { leaseMs: 2 * LEASE, heartbeatMs: LEASE / 4, target: 5 })
    deliver('y', { type: 'chosen', epoch: 1, value: rec(1, 'y', theirs) })
    await until(() => errors.length > 0 && warnings.length > 0, 5000)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(SettingMismatchError)
    expect(errors[0]).toMatchObject({
      name: 'SettingMismatchError', code: 'ERR_SETTING_MISMATCH', field: 'leaseMs', local: LEASE, cluster: 2 * LEASE, adopted: false,
      message: `leaseMs is ${LEASE} here but ${2 * LEASE} in the cluster's configuration; this node votes and leads nothing until it is restarted with leaseMs ${2 * LEASE}`
    })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toBeInstanceOf(SettingMismatchError)
    expect(warnings[0]).toMatchObject({ code: 'ERR_SETTING_MISMATCH', field: 'clusterSize', local: 3, cluster: 5, adopted: true })
    // Still running: it only stopped voting.
    expect(r.running).toBe(true)
    await r.stop({ leaveMs: 0 })
  })

  it('reports a record of another cluster as a ClusterMismatchError, and ignores it', async () => {
    const { r, errors, deliver } = await reporting()
    deliver('y', { type: 'chosen', epoch: 1, value: rec(1, 'y') })
    deliver('w', { type: 'chosen', epoch: 2, value: rec(2, 'w', { ...CONFIG, clusterId: 'elsewhere' }) })
    await until(() => errors.length > 0, 5000)
    expect(errors[0]).toBeInstanceOf(ClusterMismatchError)
    expect(errors[0]).toMatchObject({ name: 'ClusterMismatchError', code: 'ERR_CLUSTER_MISMATCH', peer: 'w', clusterId: 'elsewhere', ours: 'test' })
    expect(r.epoch).toBe(1)
    await r.stop({ leaveMs: 0 })
  })

  it('warns with ForgottenStateWarning when it started without the state of a voter it is named as', async () => {
    // x starts with no state, and the cluster's configuration names it a voter since version 1.
    const { r, errors, warnings, deliver } = await reporting()
    deliver('y', { type: 'chosen', epoch: 1, value: rec(1, 'y') })
    await until(() => warnings.length > 0, 5000)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toBeInstanceOf(ForgottenStateWarning)
    expect(warnings[0]).toMatchObject({ name: 'ForgottenStateWarning', code: 'ERR_FORGOTTEN_STATE', version: 1 })
    expect(errors).toEqual([])
    expect(r.node?.voting).toBe(false)
    await r.stop({ leaveMs: 0 })
  })
})

/** A started runner of 3 voters on {@link slowDisk}, collecting the errors and warnings it reports; `tweak` may change its transport. */
async function reporting (tweak: (t: Transport) => void = () => {}): Promise<{ r: NodeRunner, errors: QuorumError[], warnings: QuorumError[], deliver: (from: string, msg: Message) => void }> {
  const { transport, storage, deliver } = slowDisk(1)
  tweak(transport)
  const r = new NodeRunner({ config: { clusterSize: 3, leaseMs: LEASE }, storage, transport })
  const errors: QuorumError[] = []
  const warnings: QuorumError[] = []
  r.on('error', e => errors.push(e))
  r.on('warning', e => warnings.push(e))
  await r.start()
  return { r, errors, warnings, deliver }
}

/**
 * A transport that records what is sent (with how many saves had completed by then) and a
 * disk that takes `delayMs` per save and fails the test if two saves ever overlap.
 */
/** A heartbeat of `value`'s leader, asking no acknowledgement: it makes the leader known (heard from). */
function beat (value: LeaderRecord): Message {
  return { type: 'heartbeat', epoch: value.epoch, seq: 1, value, ackFrom: [] }
}

function slowDisk (delayMs: number, initial: PersistentState | null = null): {
  sent: Array<{ msg: Message, saved: number }>
  saved: PersistentState[]
  transport: Transport
  storage: Storage
  deliver: (from: string, msg: Message) => void
} {
  const sent: Array<{ msg: Message, saved: number }> = []
  const saved: PersistentState[] = []
  let handlers: TransportHandlers | null = null
  let writing = 0
  const transport: Transport = {
    localId: 'x',
    start: async h => { handlers = h },
    stop: async () => {},
    send: (_to, msg) => { sent.push({ msg, saved: saved.length }) },
    broadcast: msg => { sent.push({ msg, saved: saved.length }) },
    peers: () => []
  }
  const storage: Storage = {
    durable: true,
    load: async () => initial,
    save: async st => {
      expect(writing).toBe(0) // one save at a time, the background ones included
      writing++
      await new Promise(resolve => setTimeout(resolve, delayMs))
      writing--
      saved.push(structuredClone(st))
    }
  }
  return { sent, saved, transport, storage, deliver: (from, msg) => { handlers!.message(from, msg) } }
}
