/**
 * The nemesis of a chaos run: one fault at a time, chosen from a seeded
 * random source, applied for a while and healed, then a pause, until the
 * run's time is up. Faults that remove a node pick the leader more often than
 * not, since that is what elections are made of. Every fault is healed before
 * run() returns.
 *
 * Two faults change who the members are, as a deployment does, and need the
 * cluster's spare hosts: 'roll' (a rolling update with surge 1 of one or two
 * members, oldest first, so that successive rolls go round the cluster) and
 * 'scale' (N to N+2 and back). The nodes they start are new nodes under new
 * identities that join the running cluster; the nodes they stop gracefully
 * are gone for good, and their hosts become spares.
 */
import type { FaultKind, Ms } from './history.js'
import { now, type ChaosCluster } from './cluster.js'

/** A small seeded PRNG (mulberry32), so that a seed replays the same schedule of choices. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** How often each fault is chosen (relative weights). */
export const FAULT_WEIGHTS: Readonly<Record<FaultKind, number>> = {
  kill: 3, pause: 4, isolate: 2, split: 2, 'one-way': 1, 'link-down': 1, loss: 2, resign: 2, term: 2, replace: 2, roll: 2, scale: 1
}

/** The faults that need spare hosts: the cluster has SPARE_HOSTS of them when any is in the mix. */
export const MEMBERSHIP_FAULTS: readonly FaultKind[] = ['roll', 'scale']
export const SPARE_HOSTS = 2

/** Members one 'roll' replaces at most (a whole roll of five would take a minute of a two-minute run). */
export const ROLL_STEPS = 2
/** Leases a node started by 'roll' or 'scale' has to become present (to know a leader) before the step is given up. */
export const PRESENT_LEASES = 15
/** Leases a SIGTERMed node has to exit (its stop() waits up to stabilizationMs + 2 leases, 4 leases) before it is killed. */
export const STOP_LEASES = 20

export interface NemesisOptions {
  readonly leaseMs: number
  readonly durationMs: Ms
  readonly random: () => number
  /** Only these kinds (default: all). */
  readonly kinds?: readonly FaultKind[]
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export class Nemesis {
  faults = 0
  readonly #c: ChaosCluster
  readonly #o: NemesisOptions
  readonly #kinds: FaultKind[]

  constructor (cluster: ChaosCluster, opts: NemesisOptions) {
    this.#c = cluster
    this.#o = opts
    this.#kinds = (opts.kinds ?? Object.keys(FAULT_WEIGHTS) as FaultKind[]).filter(k => FAULT_WEIGHTS[k] > 0)
  }

  async run (): Promise<void> {
    const end = now() + this.#o.durationMs
    while (now() < end) {
      await sleep(this.#between(0.5, 2))
      if (now() >= end) break
      await this.#one(this.#pickKind())
    }
  }

  #between (lo: number, hi: number): number { return this.#o.leaseMs * (lo + (hi - lo) * this.#o.random()) }

  #pickKind (): FaultKind {
    const total = this.#kinds.reduce((s, k) => s + FAULT_WEIGHTS[k], 0)
    let x = this.#o.random() * total
    for (const k of this.#kinds) { x -= FAULT_WEIGHTS[k]; if (x < 0) return k }
    return this.#kinds[this.#kinds.length - 1]!
  }

  /** The leader (when there is one) six times in ten, else any running node. */
  #target (): string {
    const leader = this.#c.leader
    if (leader !== null && this.#o.random() < 0.6) return leader.name
    const running = this.#c.alive
    const pool = running.length > 0 ? running : this.#c.inService
    return pool[Math.floor(this.#o.random() * pool.length)]!.name
  }

  async #one (kind: FaultKind): Promise<void> {
    const c = this.#c
    const id = ++this.faults
    const target = this.#target()
    const others = c.inService.filter(m => m.name !== target).map(m => m.name)
    const start = (nodes: readonly string[], detail?: string): void => {
      c.record({ ev: 'fault', t: now(), id, kind, nodes, ...(detail === undefined ? {} : { detail }) })
    }
    const heal = (note?: string): void => { c.record({ ev: 'heal', t: now(), id, ...(note === undefined || note === '' ? {} : { note }) }) }
    switch (kind) {
      case 'kill': await this.#restart(target, 'SIGKILL', 2, start, heal); return
      case 'term': await this.#restart(target, 'SIGTERM', 1, start, heal); return
      case 'replace': await this.#restart(target, 'SIGTERM', 1, start, heal, true); return
      case 'roll': await this.#roll(start, heal); return
      case 'scale': await this.#scale(start, heal); return
      case 'pause': {
        // Shorter and longer than the lease, about evenly.
        const ms = this.#between(0.2, 3)
        start([target], `${Math.round(ms)} ms`)
        c.signal(target, 'SIGSTOP')
        await sleep(ms)
        c.signal(target, 'SIGCONT')
        heal()
        return
      }
      case 'resign': {
        const leader = c.leader
        if (leader === null) { start([], 'no leader'); heal(); return }
        start([leader.name])
        c.signal(leader.name, 'SIGUSR2')
        heal()
        return
      }
      case 'isolate': await this.#network(() => { c.cut(target, others) }, start, heal, [target]); return
      case 'one-way': await this.#network(() => { c.cut(target, others, true) }, start, heal, [target], 'hears nobody'); return
      case 'link-down': await this.#network(() => { c.setLink(target, false) }, start, heal, [target]); return
      case 'loss': {
        const p = this.#o.random() < 0.5 ? 0.1 : 0.3
        await this.#network(() => { c.lose(target, p) }, start, heal, [target], `${p * 100} % of its input`)
        return
      }
      case 'split': {
        // A minority (with the target) against the rest, both ways.
        const rest = [...others].sort(() => this.#o.random() - 0.5)
        const minority = [target, ...rest.slice(0, Math.floor((c.inService.length - 1) / 2) - 1)]
        const majority = c.inService.map(m => m.name).filter(n => !minority.includes(n))
        await this.#network(() => { for (const n of minority) c.cut(n, majority) }, start, heal, minority, `against ${majority.join(' ')}`)
      }
    }
  }

  /**
   * Ends `target` with `signal`, leaves it down for 0.2 to `maxDownLeases`
   * leases, and starts it again on its data directory, or (`fresh`) on an
   * empty one: a new node under a new identity, as a rolling update makes.
   */
  async #restart (target: string, signal: 'SIGKILL' | 'SIGTERM', maxDownLeases: number, start: (nodes: readonly string[]) => void, heal: () => void, fresh = false): Promise<void> {
    start([target])
    this.#c.signal(target, signal)
    await this.#c.exited(target)
    if (fresh) this.#c.wipe(target)
    await sleep(this.#between(0.2, maxDownLeases))
    this.#c.spawn(target)
    heal()
  }

  /**
   * A rolling update with surge 1 of the one or two members in service
   * longest: for each, a new node on the spare host idle longest, then, once
   * it is present (knows a leader; within PRESENT_LEASES), the old member
   * SIGTERMed for good (stop() waits for the leader to seat its replacement)
   * and its host made a spare. A new node that never becomes present is
   * stopped again and the roll ends there (said in the heal's note).
   */
  async #roll (start: (nodes: readonly string[], detail?: string) => void, heal: (note?: string) => void): Promise<void> {
    const c = this.#c
    const steps = 1 + Math.floor(this.#o.random() * ROLL_STEPS)
    const olds = [...c.inService].sort((a, b) => a.since - b.since || (a.name < b.name ? -1 : 1)).slice(0, steps).map(m => m.name)
    // Each step takes the spare idle longest and leaves the old host the newest spare.
    const queue = c.spares.map(m => m.name)
    const plan: Array<[string, string]> = []
    for (const old of olds) {
      const fresh = queue.shift()
      if (fresh === undefined) break
      plan.push([old, fresh])
      queue.push(old)
    }
    start([...new Set(plan.flat())], plan.length === 0 ? 'no spare host' : plan.map(([o, n]) => `${o}→${n}`).join(' '))
    const notes: string[] = []
    for (const [old, fresh] of plan) {
      c.enlist(fresh)
      if (!await c.until(() => c.present(fresh), PRESENT_LEASES * this.#o.leaseMs)) {
        notes.push(`${fresh} not present within ${PRESENT_LEASES} leases: step given up`)
        notes.push(...await this.#stopForGood(fresh))
        break
      }
      notes.push(...await this.#stopForGood(old))
    }
    heal(notes.join('; '))
  }

  /**
   * N to N+2 and back: two new nodes on the spare hosts; once both are present
   * (within PRESENT_LEASES), 2 to 4 leases; then two of the old members
   * SIGTERMed for good one after the other, the leader among them half the
   * time (the two are chosen at the start), their hosts made spares.
   */
  async #scale (start: (nodes: readonly string[], detail?: string) => void, heal: (note?: string) => void): Promise<void> {
    const c = this.#c
    const extras = c.spares.slice(0, 2).map(m => m.name)
    const leader = c.leader?.name ?? null
    const followers = c.inService.filter(m => m.name !== leader).map(m => m.name).sort(() => this.#o.random() - 0.5)
    const victims = leader !== null && this.#o.random() < 0.5 ? [leader, followers[0]!] : followers.slice(0, 2)
    if (extras.length < 2 || victims.length < 2) { start([], 'no spare host'); heal(); return }
    start([...extras, ...victims], `+${extras.join(',')} −${victims.join(',')}`)
    const notes: string[] = []
    for (const fresh of extras) c.enlist(fresh)
    if (!await c.until(() => extras.every(n => c.present(n)), PRESENT_LEASES * this.#o.leaseMs)) {
      notes.push(`${extras.filter(n => !c.present(n)).join(',')} not present within ${PRESENT_LEASES} leases`)
    }
    await sleep(this.#between(2, 4))
    for (const victim of victims) notes.push(...await this.#stopForGood(victim))
    heal(notes.join('; '))
  }

  /** SIGTERMs `name` (SIGKILL after STOP_LEASES), waits for its exit and makes its host a spare; returns what went wrong. */
  async #stopForGood (name: string): Promise<string[]> {
    const c = this.#c
    const exited = c.exited(name)
    c.signal(name, 'SIGTERM')
    const stopped = await Promise.race([exited.then(() => true), sleep(STOP_LEASES * this.#o.leaseMs).then(() => false)])
    const notes: string[] = []
    if (!stopped) {
      notes.push(`${name} did not exit within ${STOP_LEASES} leases of SIGTERM: killed`)
      c.signal(name, 'SIGKILL')
      await exited
    }
    c.retire(name)
    return notes
  }

  async #network (apply: () => void, start: (nodes: readonly string[], detail?: string) => void, heal: () => void, nodes: readonly string[], detail?: string): Promise<void> {
    start(nodes, detail)
    apply()
    await sleep(this.#between(0.5, 4))
    this.#c.healNetwork()
    heal()
  }
}
