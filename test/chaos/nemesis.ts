/**
 * The nemesis of a chaos run: one fault at a time, chosen from a seeded
 * random source, applied for a while and healed, then a pause, until the
 * run's time is up. Faults that remove a node pick the leader more often than
 * not, since that is what elections are made of. Every fault is healed before
 * run() returns.
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
  kill: 3, pause: 4, isolate: 2, split: 2, 'one-way': 1, 'link-down': 1, loss: 2, resign: 2, term: 2, replace: 2
}

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
    const pool = running.length > 0 ? running : this.#c.members
    return pool[Math.floor(this.#o.random() * pool.length)]!.name
  }

  async #one (kind: FaultKind): Promise<void> {
    const c = this.#c
    const id = ++this.faults
    const target = this.#target()
    const others = c.members.filter(m => m.name !== target).map(m => m.name)
    const start = (nodes: readonly string[], detail?: string): void => {
      c.record({ ev: 'fault', t: now(), id, kind, nodes, ...(detail === undefined ? {} : { detail }) })
    }
    const heal = (): void => { c.record({ ev: 'heal', t: now(), id }) }
    switch (kind) {
      case 'kill': await this.#restart(target, 'SIGKILL', 2, start, heal); return
      case 'term': await this.#restart(target, 'SIGTERM', 1, start, heal); return
      case 'replace': await this.#restart(target, 'SIGTERM', 1, start, heal, true); return
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
        const minority = [target, ...rest.slice(0, Math.floor((c.members.length - 1) / 2) - 1)]
        const majority = c.members.map(m => m.name).filter(n => !minority.includes(n))
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

  async #network (apply: () => void, start: (nodes: readonly string[], detail?: string) => void, heal: () => void, nodes: readonly string[], detail?: string): Promise<void> {
    start(nodes, detail)
    apply()
    await sleep(this.#between(0.5, 4))
    this.#c.healNetwork()
    heal()
  }
}
