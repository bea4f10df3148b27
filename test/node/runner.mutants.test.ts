/**
 * NodeRunner around a scripted node (the makeNode hook): what it emits for
 * each node event, how it reports a failing send, its getters and counters.
 * Cases `npm run mutate` showed test/node/runner.test.ts left open
 * (docs/mutation.md).
 */
import { describe, expect, it } from 'vitest'
import { LAZY_SAVE_DELAY_MS, NodeRunner, type Timers } from '../../src/node/runner.js'
import { Node, type NodeEvent, type Ready } from '../../src/node/node.js'
import type { Message } from '../../src/paxos/message.js'
import type { Configuration } from '../../src/paxos/configuration.js'
import { MemoryStorage } from '../../src/storage/memory.js'
import type { PersistentState, Storage } from '../../src/storage/storage.js'
import type { Transport, TransportHandlers } from '../../src/transport/transport.js'
import { ClusterMismatchError, ForgottenStateWarning, SafetyViolationError, SettingMismatchError } from '../../src/errors.js'
import { record, testConfig } from '../support/records.js'

const rec = record
const prepare: Message = { type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'a' } }

/**
 * A node that hands out the Ready batches queued in `batches`, one per call of ready();
 * `ctl` sets its next deadline, whether it leads, what resign() answers and what its
 * inputs throw, and counts its ticks and resignations.
 */
interface Ctl {
  deadline: number | null
  ticks: number
  resigns: number
  leading: boolean
  resigned: boolean
  /** The leader it believes in (its own record while it leads). */
  leader: ReturnType<typeof rec> | null
  /** The configuration it reports, whether it has left it, and how often leave() was called. */
  configuration: Configuration | null
  left: boolean
  leaves: number
  fail: Partial<Record<'start' | 'tick' | 'resign' | 'leave', Error>>
}
function scripted (batches: Array<Partial<Ready>>): { node: Node, stepped: Message[], ctl: Ctl } {
  const stepped: Message[] = []
  const ctl: Ctl = { deadline: null, ticks: 0, resigns: 0, leading: false, resigned: false, leader: rec(1, 'a'), configuration: null, left: false, leaves: 0, fail: {} }
  const node = {
    id: 'a',
    config: { clusterSize: 3, leaseMs: 1000, stabilizationMs: 2000 },
    get configuration () { return ctl.configuration },
    get left () { return ctl.left },
    leave () { ctl.leaves++; if (ctl.fail.leave !== undefined) throw ctl.fail.leave },
    get isLeader () { return ctl.leading },
    get leader () { return ctl.leader },
    epoch: 7,
    start () { if (ctl.fail.start !== undefined) throw ctl.fail.start },
    tick () { ctl.ticks++; if (ctl.fail.tick !== undefined) throw ctl.fail.tick },
    resign () { ctl.resigns++; if (ctl.fail.resign !== undefined) throw ctl.fail.resign; return ctl.resigned },
    step (_from: string, m: Message) { stepped.push(m) },
    nextDeadline () { return ctl.deadline },
    ready (): Ready { return { persist: null, sync: false, messages: [], events: [], ...batches.shift() } as Ready }
  }
  return { node: node as unknown as Node, stepped, ctl }
}

function transport (send: (to: string, m: Message) => void = () => {}): Transport & { handlers: TransportHandlers | null, sent: string[] } {
  const t = {
    localId: 'a',
    handlers: null as TransportHandlers | null,
    sent: [] as string[],
    async start (h: TransportHandlers) { t.handlers = h },
    async stop () {},
    send: (to: string, m: Message) => { send(to, m); t.sent.push(`${to} ${m.type}`) },
    broadcast: (m: Message) => { t.sent.push(`* ${m.type}`) }
  }
  return t as unknown as Transport & { handlers: TransportHandlers | null, sent: string[] }
}

async function settle (): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise(resolve => setImmediate(resolve))
}

describe('NodeRunner around a scripted node', () => {
  it('maps each node event to the host event it stands for', async () => {
    const events: NodeEvent[] = [
      { type: 'leaderChosen', record: rec(1, 'a') },
      { type: 'leaderFound', record: rec(1, 'b') },
      { type: 'elected', epoch: 2 },
      { type: 'candidate', epoch: 3 },
      { type: 'leaderLost', record: rec(1, 'c') }
    ]
    const { node, ctl } = scripted([{ events }])
    // It leads epoch 2, so 'elected' for it is due.
    ctl.leading = true
    ctl.leader = rec(2, 'a')
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: transport(), makeNode: () => node })
    const seen: string[] = []
    r.on('leaderChosen', x => seen.push(`leaderChosen ${x.leaderId}`))
    r.on('elected', x => seen.push(`elected ${JSON.stringify(x)}`))
    r.on('leaderLost', x => seen.push(`leaderLost ${x.leaderId}`))
    r.on('error', e => seen.push(`error ${e.message}`))
    await r.start()
    await settle()
    expect(seen).toEqual(['leaderChosen a', 'leaderChosen b', 'elected {"epoch":2}', 'leaderLost c'])
    await r.stop()
  })

  it('tells the host elected only while the node leads that epoch, and demoted only for an epoch it was told of', async () => {
    const batches: Array<Partial<Ready>> = []
    const { node, ctl, stepped } = scripted(batches)
    const t = transport()
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: t, makeNode: () => node })
    const seen: string[] = []
    r.on('elected', x => seen.push(`elected ${x.epoch}`))
    r.on('demoted', x => seen.push(`demoted ${x.epoch} ${x.reason}`))
    await r.start()
    const release = async (events: NodeEvent[]): Promise<void> => { batches.push({ events }); t.handlers!.message('b', prepare); await settle() }
    // A batch released after its lease ended: not leading, so neither elected nor its demotion is told.
    await release([{ type: 'elected', epoch: 2 }])
    await release([{ type: 'demoted', epoch: 2, reason: 'lease-expired' }])
    // Leading epoch 3, but the batch speaks of epoch 2.
    ctl.leading = true
    ctl.leader = rec(3, 'a')
    await release([{ type: 'elected', epoch: 2 }])
    await release([{ type: 'elected', epoch: 3 }])
    ctl.leading = false
    await release([{ type: 'demoted', epoch: 2, reason: 'resigned' }])
    await release([{ type: 'demoted', epoch: 3, reason: 'resigned' }])
    await release([{ type: 'demoted', epoch: 3, reason: 'resigned' }])
    expect(stepped).toHaveLength(7)
    expect(seen).toEqual(['elected 3', 'demoted 3 resigned'])
    await r.stop()
  })

  it('reports a conflict, a refused setting and another cluster as errors, an adopted setting and forgotten state as warnings', async () => {
    const config = testConfig(['a', 'b', 'c'])
    const { node } = scripted([{
      events: [
        { type: 'conflict', known: rec(4, 'a'), reported: rec(4, 'b') },
        { type: 'settingMismatch', field: 'leaseMs', local: 2000, cluster: 1000, adopted: false },
        { type: 'settingMismatch', field: 'clusterSize', local: 3, cluster: 5, adopted: true },
        { type: 'foreignCluster', from: 'd', clusterId: 'd/1', ours: 'test' },
        { type: 'forgotten', version: 7 },
        { type: 'configuration', config }
      ]
    }])
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: transport(), makeNode: () => node })
    const errors: Error[] = []
    const warnings: Error[] = []
    const configs: Configuration[] = []
    r.on('error', e => errors.push(e))
    r.on('warning', e => warnings.push(e))
    r.on('configuration', c => configs.push(c))
    await r.start()
    await settle()
    expect(errors.map(e => e.message)).toEqual([
      'safety violation (agreement): epoch 4 chosen as a, reported as b',
      'leaseMs is 2000 here but 1000 in the cluster\'s configuration; this node votes and leads nothing until it is restarted with leaseMs 1000',
      'd reports cluster d/1, but this node belongs to cluster test; ignoring it (a data directory of another cluster?)'
    ])
    expect(errors.map(e => e.constructor)).toEqual([SafetyViolationError, SettingMismatchError, ClusterMismatchError])
    expect(errors[1]).toMatchObject({ code: 'ERR_SETTING_MISMATCH', field: 'leaseMs', local: 2000, cluster: 1000, adopted: false })
    expect(errors[2]).toMatchObject({ code: 'ERR_CLUSTER_MISMATCH', peer: 'd', clusterId: 'd/1', ours: 'test' })
    expect(warnings.map(e => e.message)).toEqual([
      'clusterSize is 3 here but 5 in the cluster\'s configuration; following the cluster\'s',
      'this node\'s ID is a voter of configuration 7, but it started without that voter\'s state; it votes nothing until the leader has removed it and added it again'
    ])
    expect(warnings.map(e => e.constructor)).toEqual([SettingMismatchError, ForgottenStateWarning])
    expect(warnings[0]).toMatchObject({ code: 'ERR_SETTING_MISMATCH', field: 'clusterSize', local: 3, cluster: 5, adopted: true })
    expect(warnings[1]).toMatchObject({ code: 'ERR_FORGOTTEN_STATE', version: 7 })
    expect(configs).toEqual([config])
    expect(configs[0]).toBe(config)
    await r.stop()
  })

  it('reports a send that throws, with its cause, and sends the rest', async () => {
    const boom = new Error('boom')
    const t = transport(to => { if (to === 'b') throw boom })
    const { node } = scripted([{ messages: [{ to: 'b', msg: prepare }, { to: 'c', msg: prepare }, { to: null, msg: prepare }] } as Partial<Ready>])
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: t, makeNode: () => node })
    const errors: Error[] = []
    r.on('error', e => errors.push(e))
    await r.start()
    await settle()
    expect(errors.map(e => e.message)).toEqual(['transport failed to send a prepare: boom'])
    expect(errors[0]!.cause).toBe(boom)
    expect(t.sent).toEqual(['c prepare', '* prepare'])
    await r.stop()
  })

  it('shows the node only while running, and counts the messages it handles', async () => {
    const t = transport()
    const { node, stepped } = scripted([])
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: t, makeNode: () => node })
    expect(r.node).toBeNull()
    expect(r.epoch).toBe(0)
    expect(r.leader).toBeNull()
    expect(r.isLeader).toBe(false)
    await r.start()
    expect(r.node).toBe(node)
    expect(r.running).toBe(true)
    expect(r.epoch).toBe(7)
    expect(r.leader).toEqual(rec(1, 'a'))
    t.handlers!.message('b', prepare)
    t.handlers!.message('c', prepare)
    expect(r.received).toBe(2)
    expect(stepped).toHaveLength(2)
    await r.stop()
    expect(r.running).toBe(false)
    expect(r.leader).toBeNull()
    t.handlers!.message('b', prepare)
    expect(r.received).toBe(2)
    expect(await r.resign()).toBe(false)
  })
})

/** Timers and a clock under the test's control: nothing fires unless `fire` runs it. */
class FakeTime {
  now = 0
  readonly clock = { now: () => this.now }
  /** The delay of every timer armed, in order. */
  readonly armed: number[] = []
  readonly #pending = new Map<number, { fn: () => void, ms: number }>()
  #ids = 0
  readonly timers: Timers = {
    setTimeout: (fn, ms) => { const id = ++this.#ids; this.#pending.set(id, { fn, ms }); this.armed.push(ms); return id },
    clearTimeout: handle => { this.#pending.delete(handle as number) }
  }

  /** The delays of the timers armed and not yet fired or cleared. */
  get waiting (): number[] { return [...this.#pending.values()].map(t => t.ms) }

  /** Runs the waiting timers of delay `ms`. */
  fire (ms: number): void {
    for (const [id, t] of [...this.#pending]) {
      if (t.ms !== ms) continue
      this.#pending.delete(id)
      t.fn()
    }
  }
}

/** State number `n` (as its highestRound). */
const st = (n: number): PersistentState => ({ acceptor: [], learned: null, highestRound: n, fastEpoch: 0, candidateEpoch: 0, grant: null, joinedAt: null })

/** A storage that logs `save <n>` into `log` when a save starts; with `hold`, each save waits for `release()`. */
function logged (log: string[], hold = false): Storage & { release: () => void, saves: () => number, loads: () => number } {
  const held: Array<() => void> = []
  let saves = 0
  let loads = 0
  return {
    durable: true,
    load: async () => { loads++; return null },
    save: async s => {
      saves++
      log.push(`save ${s.highestRound}`)
      if (hold) await new Promise<void>(resolve => held.push(resolve))
    },
    release: () => { held.shift()!() },
    saves: () => saves,
    loads: () => loads
  }
}

const to = (peer: string): Ready['messages'][number] => ({ to: peer, msg: prepare }) as Ready['messages'][number]

describe('NodeRunner timers and saves, on fake timers', () => {
  function setup (batches: Array<Partial<Ready>>, hold = false): { r: NodeRunner, t: ReturnType<typeof transport>, time: FakeTime, storage: ReturnType<typeof logged>, ctl: ReturnType<typeof scripted>['ctl'], next: (b: Partial<Ready>) => void, stopped: () => number } {
    const t = transport()
    let stopped = 0
    t.stop = async () => { stopped++ }
    const time = new FakeTime()
    const storage = logged(t.sent, hold)
    const { node, ctl } = scripted(batches)
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage, transport: t, clock: time.clock, timers: time.timers, makeNode: () => node })
    // Hands the node batch `b` for its next ready(), and makes it flush (a message arrives).
    const next = (b: Partial<Ready>): void => { batches.push(b); t.handlers!.message('b', prepare) }
    return { r, t, time, storage, ctl, next, stopped: () => stopped }
  }

  it('keeps one timer at the deadline + 1 ms, moving it only when the deadline changes', async () => {
    const { r, time, ctl, next } = setup([])
    ctl.deadline = 100
    await r.start()
    expect(time.armed).toEqual([101])
    next({})
    next({})
    expect(time.armed).toEqual([101])
    time.now = 50
    ctl.deadline = 250
    next({})
    expect(time.armed).toEqual([101, 201])
    expect(time.waiting).toEqual([201])
    // A deadline already past: at once (1 ms).
    ctl.deadline = 40
    next({})
    expect(time.waiting).toEqual([1])
    time.fire(1)
    expect(ctl.ticks).toBe(1)
    // Fired: the same deadline arms a new timer.
    expect(time.waiting).toEqual([1])
    ctl.deadline = null
    next({})
    next({})
    expect(time.waiting).toEqual([])
    expect(time.armed).toEqual([101, 201, 1, 1])
    ctl.deadline = 60
    next({})
    expect(time.waiting).toEqual([11])
    await r.stop()
    expect(time.waiting).toEqual([])
    expect(ctl.ticks).toBe(1)
  })

  it('sends a batch that need not wait at once, and stores the newest state one delay later, with one timer', async () => {
    const { r, t, time, storage, next } = setup([{ persist: st(1), messages: [to('b')] }])
    await r.start()
    await settle()
    next({ persist: st(2), messages: [to('c')] })
    await settle()
    expect(t.sent).toEqual(['b prepare', 'c prepare'])
    expect(time.waiting).toEqual([LAZY_SAVE_DELAY_MS])
    time.fire(LAZY_SAVE_DELAY_MS)
    await settle()
    expect(t.sent).toEqual(['b prepare', 'c prepare', 'save 2'])
    // The next background save gets a timer of its own.
    next({ persist: st(3) })
    await settle()
    expect(time.waiting).toEqual([LAZY_SAVE_DELAY_MS])
    time.fire(LAZY_SAVE_DELAY_MS)
    await settle()
    // A batch that must wait is stored first, and leaves no timer behind; nor does a batch with nothing to store.
    next({ persist: st(4), sync: true, messages: [to('d')] })
    await settle()
    next({ messages: [to('e')] })
    await settle()
    expect(t.sent).toEqual(['b prepare', 'c prepare', 'save 2', 'save 3', 'save 4', 'd prepare', 'e prepare'])
    expect(time.waiting).toEqual([])
    await r.stop()
    expect(storage.saves()).toBe(3)
  })

  it('stop() stores a background save still waiting for its timer, and waits for it', async () => {
    const { r, t, time, storage } = setup([{ persist: st(1), messages: [to('b')] }], true)
    await r.start()
    await settle()
    const stopping = r.stop()
    let done = false
    void stopping.then(() => { done = true })
    await settle()
    expect(time.waiting).toEqual([])
    expect(t.sent).toEqual(['b prepare', 'save 1'])
    expect(done).toBe(false)
    storage.release()
    await stopping
    expect(r.running).toBe(false)
  })

  it('stop() waits for a background save being written', async () => {
    const { r, t, time, storage } = setup([{ persist: st(1) }], true)
    await r.start()
    await settle()
    time.fire(LAZY_SAVE_DELAY_MS)
    await settle()
    expect(t.sent).toEqual(['save 1'])
    let done = false
    void r.stop().then(() => { done = true })
    await settle()
    expect(done).toBe(false)
    storage.release()
    await settle()
    expect(done).toBe(true)
    expect(storage.saves()).toBe(1)
  })

  it('stop() writes nothing more when a save that replies waited for covered the background one; and starts again', async () => {
    const { r, t, time, storage, next } = setup([{ persist: st(1) }])
    await r.start()
    await settle()
    next({ persist: st(2), sync: true, messages: [to('b')] })
    await settle()
    expect(time.waiting).toEqual([LAZY_SAVE_DELAY_MS])
    await r.stop()
    expect(t.sent).toEqual(['save 2', 'b prepare'])
    expect(time.waiting).toEqual([])
    // A second start saves and replies as before.
    await r.start()
    next({ persist: st(3), sync: true, messages: [to('c')] })
    await settle()
    expect(t.sent).toEqual(['save 2', 'b prepare', 'save 3', 'c prepare'])
    await r.stop()
    expect(storage.saves()).toBe(2)
  })

  it('a stop with nothing ever to store resolves, saving nothing', async () => {
    const { r, time, storage } = setup([{ messages: [to('b')] }])
    await r.start()
    await settle()
    expect(time.waiting).toEqual([])
    await r.stop()
    expect(storage.saves()).toBe(0)
  })

  it('once crashed, stores and sends nothing more, even what was queued behind a save in flight', async () => {
    const { r, t, time, storage, next } = setup([{ persist: st(1) }], true)
    await r.start()
    await settle()
    time.fire(LAZY_SAVE_DELAY_MS)
    await settle()
    next({ persist: st(2), sync: true, messages: [to('b')] })
    next({ messages: [to('c')], events: [{ type: 'elected', epoch: 2 }] })
    const elected: unknown[] = []
    r.on('elected', e => elected.push(e))
    await settle()
    await r.crash()
    storage.release()
    await settle()
    expect(t.sent).toEqual(['save 1'])
    expect(elected).toEqual([])
  })

  it('crash() clears its timers; stop, crash and start twice do it once; a follower does not resign', async () => {
    const { r, time, ctl, storage, stopped } = setup([{ persist: st(1) }])
    ctl.deadline = 100
    await r.start()
    await settle()
    expect(time.waiting.sort((a, b) => a - b)).toEqual([LAZY_SAVE_DELAY_MS, 101])
    await r.crash()
    expect(time.waiting).toEqual([])
    expect(r.running).toBe(false)
    await r.crash()
    expect(stopped()).toBe(1)
    await r.start()
    await r.start()
    expect(storage.loads()).toBe(2)
    await r.stop()
    await r.stop()
    expect(stopped()).toBe(2)
    expect(ctl.resigns).toBe(0)
    expect(storage.saves()).toBe(0)
  })

  it('arms no timer when it crashed while its transport was starting', async () => {
    const { r, t, time, ctl } = setup([{ messages: [to('b')] }])
    ctl.deadline = 100
    let open = (): void => {}
    const start = t.start.bind(t)
    t.start = async h => { await start(h); await new Promise<void>(resolve => { open = resolve }) }
    const starting = r.start()
    await settle()
    await r.crash()
    open()
    await starting
    await settle()
    expect(time.armed).toEqual([])
    expect(t.sent).toEqual([])
  })

  it('resign() asks the running node, sends what that causes, and answers what the node did; stopped, it asks nothing', async () => {
    const batches: Array<Partial<Ready>> = []
    const { r, t, ctl } = setup(batches)
    await r.start()
    ctl.resigned = true
    batches.push({ messages: [to('b')] })
    expect(await r.resign()).toBe(true)
    expect(t.sent).toEqual(['b prepare'])
    expect(ctl.resigns).toBe(1)
    await r.stop()
    expect(await r.resign()).toBe(false)
    expect(ctl.resigns).toBe(1)
  })

  it.each(['start', 'tick', 'resign by stop', 'resign'] as const)('stops a node that throws in %s, reporting node-threw with its cause', async (where) => {
    const { r, time, ctl, stopped } = setup([])
    const boom = new Error('boom')
    const errors: unknown[] = []
    r.on('error', e => errors.push(e))
    ctl.deadline = 100
    if (where === 'start') ctl.fail.start = boom
    await r.start()
    if (where === 'tick') { ctl.fail.tick = boom; time.fire(101) }
    if (where === 'resign by stop') { ctl.fail.resign = boom; ctl.leading = true; await r.stop() }
    if (where === 'resign') { ctl.fail.resign = boom; expect(await r.resign()).toBe(false) }
    expect(r.running).toBe(false)
    expect(stopped()).toBe(1)
    expect(time.waiting).toEqual([])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(SafetyViolationError)
    expect(errors[0]).toMatchObject({ invariant: 'node-threw', detail: 'boom', cause: boom })
  })
})

describe('NodeRunner stop({ leaveMs }), on fake timers', () => {
  function setup (configuration: Configuration | null, batches: Array<Partial<Ready>> = []): { r: NodeRunner, t: ReturnType<typeof transport>, time: FakeTime, ctl: Ctl, stopped: () => number } {
    const t = transport()
    let stopped = 0
    t.stop = async () => { stopped++ }
    const time = new FakeTime()
    const { node, ctl } = scripted(batches)
    ctl.configuration = configuration
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: t, clock: time.clock, timers: time.timers, makeNode: () => node })
    return { r, t, time, ctl, stopped: () => stopped }
  }

  /** Lets `ms` pass in the 10 ms polls of the wait for `left`. */
  async function pass (time: FakeTime, ms: number): Promise<void> {
    for (let i = 0; i < ms / 10; i++) {
      time.now += 10
      time.fire(10)
      await settle()
    }
  }

  function track (p: Promise<void>): { readonly done: boolean } {
    const s = { done: false }
    void p.then(() => { s.done = true })
    return s
  }

  it('a voter of several asks to leave, sends what that causes, and stops once it has left', async () => {
    const batches: Array<Partial<Ready>> = []
    const { r, t, time, ctl, stopped } = setup(testConfig(['a', 'b', 'c']), batches)
    await r.start()
    await settle()
    batches.push({ messages: [to('b')] })
    const stopping = track(r.stop({ leaveMs: 100 }))
    await settle()
    expect(ctl.leaves).toBe(1)
    expect(t.sent).toEqual(['b prepare'])
    expect(time.waiting).toEqual([10])
    await pass(time, 30)
    expect(stopping.done).toBe(false)
    expect(r.running).toBe(true)
    ctl.left = true
    await pass(time, 10)
    expect(stopping.done).toBe(true)
    expect(time.now).toBe(40)
    expect(r.running).toBe(false)
    expect(stopped()).toBe(1)
    expect(ctl.resigns).toBe(0)
    expect(time.waiting).toEqual([])
  })

  it('gives up waiting after leaveMs, which defaults to stabilizationMs + 2 × leaseMs', async () => {
    for (const [opts, ms] of [[{ leaveMs: 100 }, 100], [{}, 2000 + 2 * 1000]] as const) {
      const { r, time, ctl, stopped } = setup(testConfig(['a', 'b']))
      await r.start()
      const stopping = track(r.stop(opts))
      await settle()
      await pass(time, ms - 10)
      expect(stopping.done).toBe(false)
      await pass(time, 10)
      expect(stopping.done).toBe(true)
      expect(ctl.leaves).toBe(1)
      expect(stopped()).toBe(1)
    }
  })

  it('does not ask to leave with leaveMs 0, nor when it is the only voter, or knows no configuration; a non-voter says so and waits for nothing', async () => {
    const cases: Array<[Configuration | null, number | undefined, number]> = [
      [testConfig(['a', 'b', 'c']), 0, 0],
      [testConfig(['b', 'c']), undefined, 1],
      // Beside a lone voter too: else that leader may promote it as it stops (found by the simulator).
      [testConfig(['b']), undefined, 1],
      [testConfig(['a']), undefined, 0],
      [null, undefined, 0]
    ]
    for (const [configuration, leaveMs, leaves] of cases) {
      const { r, time, ctl, stopped } = setup(configuration)
      // A real node that is no voter has left once it asked (below the target, later: the next test).
      ctl.left = configuration !== null && !configuration.voters.some(m => m.id === 'a')
      await r.start()
      await r.stop(leaveMs === undefined ? {} : { leaveMs })
      expect(ctl.leaves).toBe(leaves)
      expect(time.armed).toEqual([])
      expect(stopped()).toBe(1)
    }
  })

  it('a non-voter that has not left once it asked (below the target, Node.left) waits until it has, or leaveMs', async () => {
    for (const leftAfter of [50, Infinity]) {
      const { r, time, ctl, stopped } = setup(testConfig(['b']))
      await r.start()
      const stopping = track(r.stop({ leaveMs: 100 }))
      await settle()
      expect(ctl.leaves).toBe(1)
      await pass(time, Math.min(leftAfter, 100) - 10)
      expect(stopping.done).toBe(false)
      if (leftAfter !== Infinity) ctl.left = true
      await pass(time, 10)
      expect(stopping.done).toBe(true)
      expect(stopped()).toBe(1)
    }
  })

  it('a leader resigns: at once with leaveMs 0, and after the wait if leave() left it leading', async () => {
    const stays = setup(testConfig(['a', 'b', 'c']))
    stays.ctl.leading = true
    await stays.r.start()
    await stays.r.stop({ leaveMs: 0 })
    expect(stays.ctl.resigns).toBe(1)
    // A real node's leave() resigns (the last test): the runner resigns one still leading after the wait.
    const leaves = setup(testConfig(['a', 'b', 'c']))
    await leaves.r.start()
    leaves.ctl.leading = true
    const stopping = track(leaves.r.stop({ leaveMs: 20 }))
    await settle()
    await pass(leaves.time, 10)
    expect(leaves.ctl.resigns).toBe(0)
    await pass(leaves.time, 10)
    expect(stopping.done).toBe(true)
    expect(leaves.ctl.leaves).toBe(1)
    expect(leaves.ctl.resigns).toBe(1)
  })

  it('stops, reporting node-threw, when leave() throws', async () => {
    const { r, time, ctl, stopped } = setup(testConfig(['a', 'b', 'c']))
    const boom = new Error('boom')
    ctl.fail.leave = boom
    const errors: unknown[] = []
    r.on('error', e => errors.push(e))
    await r.start()
    await r.stop({ leaveMs: 100 })
    expect(r.running).toBe(false)
    expect(stopped()).toBe(1)
    expect(time.waiting).toEqual([])
    expect(errors).toEqual([expect.objectContaining({ invariant: 'node-threw', detail: 'boom', cause: boom })])
  })

  it('leave(timeoutMs) answers whether the node left in time; a node that is no voter among others says it leaves and waits for nothing', async () => {
    const { r, time, ctl } = setup(testConfig(['a', 'b', 'c']))
    expect(await r.leave(100)).toBe(false)
    expect(ctl.leaves).toBe(0)
    await r.start()
    const late = r.leave(30)
    await settle()
    await pass(time, 30)
    expect(await late).toBe(false)
    const early = r.leave(100)
    await settle()
    ctl.left = true
    await pass(time, 10)
    expect(await early).toBe(true)
    expect(ctl.leaves).toBe(2)
    for (const configuration of [testConfig(['b', 'c']), testConfig(['a']), null]) {
      ctl.configuration = configuration
      expect(await r.leave(100)).toBe(false)
    }
    // Only the non-voter among others ([b c]) asked, at once.
    expect(ctl.leaves).toBe(3)
    expect(r.running).toBe(true)
    await r.stop({ leaveMs: 0 })
  })

  it('ends the wait when the node stops meanwhile (a crash), without resigning or stopping the transport twice', async () => {
    const { r, time, ctl, stopped } = setup(testConfig(['a', 'b', 'c']))
    ctl.leading = true
    await r.start()
    const stopping = track(r.stop({ leaveMs: 100 }))
    await settle()
    await r.crash()
    await pass(time, 10)
    expect(stopping.done).toBe(true)
    expect(ctl.resigns).toBe(0)
    expect(stopped()).toBe(1)
  })

  it('a real leader resigns at once, then waits until the new configuration leaves it out', async () => {
    const LEASE = 1000
    const config = testConfig(['a', 'b', 'c'], { leaseMs: LEASE, heartbeatMs: LEASE / 4 })
    const storage = new MemoryStorage({ durable: true })
    storage.put({ acceptor: [], learned: rec(1, 'b', { config }), highestRound: 0, fastEpoch: 0, candidateEpoch: 0, grant: null, joinedAt: 0 })
    const t = transport()
    const time = new FakeTime()
    const r = new NodeRunner({ config: { clusterSize: 3, leaseMs: LEASE }, storage, transport: t, clock: time.clock, timers: time.timers, makeNode: (c, deps) => new Node(c, deps) })
    const demoted: string[] = []
    r.on('demoted', d => demoted.push(d.reason))
    await r.start()
    // b tells a it leads epoch 2; a's own acknowledgement and b's make a majority.
    t.handlers!.message('b', { type: 'chosen', epoch: 2, value: rec(2, 'a', { config }) })
    t.handlers!.message('b', { type: 'heartbeatAck', epoch: 2, seq: 1 })
    await settle()
    expect(r.isLeader).toBe(true)
    t.sent.length = 0
    const stopping = track(r.stop({ leaveMs: 100 }))
    await settle()
    expect(r.isLeader).toBe(false)
    expect(demoted).toEqual(['resigned'])
    expect(t.sent).toEqual(['* resign'])
    await pass(time, 50)
    expect(stopping.done).toBe(false)
    // The next leader's configuration no longer names a: it has left.
    t.handlers!.message('b', { type: 'chosen', epoch: 3, value: rec(3, 'b', { config: { ...config, version: 2, voters: config.voters.filter(m => m.id !== 'a') } }) })
    await pass(time, 10)
    expect(stopping.done).toBe(true)
    expect(r.node?.left).toBe(true)
    expect(demoted).toEqual(['resigned'])
    expect(t.sent.filter(x => x === '* resign')).toHaveLength(1)
  })
})
