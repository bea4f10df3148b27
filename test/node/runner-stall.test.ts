/**
 * A follower whose own event loop stalled (a GC pause, a blocked loop, SIGSTOP)
 * wakes with its leader's heartbeats waiting in the socket, and Node.js runs
 * the overdue timer before it reads them. The runner must hear them first
 * instead of reporting the leader lost and standing for election.
 * The fake timers below keep Node.js's order: due timers, then waiting I/O,
 * then setImmediate (`afterIo`).
 */
import { describe, expect, it } from 'vitest'
import { LATE_TIMER_MS, NodeRunner, type Timers } from '../../src/node/runner.js'
import type { Message } from '../../src/paxos/message.js'
import { MemoryStorage } from '../../src/storage/memory.js'
import type { Transport, TransportHandlers } from '../../src/transport/transport.js'
import { record, testConfig } from '../support/records.js'

const LEASE = 1000

class Loop implements Timers {
  now = 0
  #timers: Array<{ at: number, fn: () => void, live: boolean }> = []
  #immediates: Array<() => void> = []
  readonly setTimeout = (fn: () => void, ms: number): unknown => {
    const t = { at: this.now + ms, fn, live: true }
    this.#timers.push(t)
    return t
  }

  readonly clearTimeout = (handle: unknown): void => { (handle as { live: boolean }).live = false }
  readonly afterIo = (fn: () => void): void => { this.#immediates.push(fn) }

  /** One turn of the loop at `now`: due timers, then the waiting I/O, then the immediates. */
  turn (now: number, io: () => void = () => {}): void {
    this.now = now
    const due = this.#timers.filter(t => t.live && t.at <= now)
    this.#timers = this.#timers.filter(t => !due.includes(t))
    for (const t of due) if (t.live) t.fn()
    io()
    const immediates = this.#immediates.splice(0)
    for (const fn of immediates) fn()
  }

  /** Turns of the loop, each at the moment its next timer is due, up to `to`: an event loop that is never late. */
  runTo (to: number): void {
    for (;;) {
      const next = Math.min(...this.#timers.filter(t => t.live).map(t => t.at))
      if (next > to) break
      this.turn(next)
    }
    this.now = to
  }
}

function transport (): Transport & { handlers: TransportHandlers | null } {
  const t = {
    localId: 'b',
    handlers: null as TransportHandlers | null,
    async start (h: TransportHandlers) { t.handlers = h },
    async stop () {},
    send: () => {},
    broadcast: () => {},
    peers: () => ['a', 'c']
  }
  return t
}

const value = record(1, 'a', { config: testConfig(['a', 'b', 'c'], { leaseMs: LEASE, heartbeatMs: LEASE / 4 }) })
const heartbeat = (seq: number): Message => ({ type: 'heartbeat', epoch: 1, seq, value, ackFrom: 'all' })
const flush = async (): Promise<void> => { for (let i = 0; i < 10; i++) await new Promise(resolve => setImmediate(resolve)) }

async function follower (): Promise<{ runner: NodeRunner, loop: Loop, t: ReturnType<typeof transport>, lost: number[] }> {
  const loop = new Loop()
  const t = transport()
  const runner = new NodeRunner({
    config: { clusterSize: 3, leaseMs: LEASE },
    storage: new MemoryStorage(),
    transport: t,
    clock: { now: () => loop.now },
    random: { next: () => 0.5 },
    timers: loop
  })
  const lost: number[] = []
  runner.on('leaderLost', () => { lost.push(loop.now) })
  await runner.start()
  t.handlers!.message('a', heartbeat(1))
  await flush()
  expect(runner.leader?.leaderId).toBe('a')
  return { runner, loop, t, lost }
}

describe('NodeRunner after a stall of its own event loop', () => {
  it('hears the heartbeats that waited in the socket before it calls the leader lost', async () => {
    const { runner, loop, t, lost } = await follower()
    // The process was stopped for three leases; the leader kept sending.
    loop.turn(3 * LEASE, () => { t.handlers!.message('a', heartbeat(12)) })
    await flush()
    expect(lost).toEqual([])
    expect(runner.leader?.leaderId).toBe('a')
    await runner.crash()
  })

  it('still calls the leader lost after a stall when nothing from it was waiting', async () => {
    const { runner, loop, lost } = await follower()
    loop.turn(3 * LEASE)
    await flush()
    expect(lost).toEqual([3 * LEASE])
    await runner.crash()
  })

  it('acts at once on a timer that fires on time', async () => {
    const { runner, loop, t, lost } = await follower()
    loop.runTo(LEASE - 1)
    // The view expires at one lease (its timer at +1 ms); fired within LATE_TIMER_MS of it, the
    // timer acts at once, and a heartbeat behind it comes too late.
    const at = LEASE + 1 + LATE_TIMER_MS / 2
    loop.turn(at, () => { t.handlers!.message('a', heartbeat(5)) })
    await flush()
    expect(lost).toEqual([at])
    await runner.crash()
  })
})
