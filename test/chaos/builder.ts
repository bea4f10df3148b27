/**
 * A tiny builder of synthetic histories for the checkers' and the timeline's
 * tests: each method adds one record (a node's `inc` is kept for it, its
 * peer ID is `peer-<node>` unless a spawn names another: a new identity on
 * that host) and `done` returns them in time order. Methods that name a peer
 * (view, chosen, join, leave) take a node name and mean its current ID.
 */
import type { FaultKind, HistoryEvent, Ms } from './history.js'

export const peer = (node: string): string => `peer-${node}`

export class History {
  readonly #events: HistoryEvent[] = []
  readonly #inc = new Map<string, number>()
  readonly #ids = new Map<string, string>()

  constructor (readonly nodes: readonly string[] = ['n1', 'n2', 'n3'], readonly leaseMs = 1000) {
    this.#events.push({ ev: 'run', t: 0, nodes, leaseMs, maxDriftRatio: 0.01, seed: 1, durationMs: 10_000 })
  }

  #add (e: HistoryEvent): this { this.#events.push(e); return this }
  #inc0 (node: string): number { return this.#inc.get(node) ?? 1 }

  /** A process starts and reports its peer ID: `id`, a new identity, or the host's current one (at first `peer-<node>`). */
  spawn (t: Ms, node: string, id?: string): this {
    const inc = (this.#inc.get(node) ?? 0) + 1
    this.#inc.set(node, inc)
    if (id !== undefined) this.#ids.set(node, id)
    this.#add({ ev: 'spawn', t, node, inc, pid: 100 + inc })
    return this.#add({ ev: 'ready', t, node, inc, id: this.#id(node) })
  }

  /** The current peer ID of host `node`. */
  #id (node: string): string { return this.#ids.get(node) ?? peer(node) }
  /** `peer:<id>` is that ID; anything else a host's current ID. */
  #ref (s: string): string { return s.startsWith('peer:') ? s.slice(5) : this.#id(s) }

  /** Every node spawns at `t`, and all connect to one another. */
  boot (t: Ms): this {
    for (const n of this.nodes) this.spawn(t, n)
    for (const n of this.nodes) for (const m of this.nodes) if (n !== m) this.join(t, n, m)
    return this
  }

  exit (t: Ms, node: string): this { return this.#add({ ev: 'exit', t, node, inc: this.#inc0(node), code: null, signal: 'SIGKILL' }) }
  lead (t: Ms, node: string, on: boolean, epoch: number): this { return this.#add({ ev: 'lead', t, node, inc: this.#inc0(node), on, epoch }) }
  gap (t: Ms, node: string, from: Ms, before: boolean, after: boolean): this { return this.#add({ ev: 'gap', t, node, inc: this.#inc0(node), from, before, after }) }
  /** `leader` is a node name meaning its current ID, `peer:<id>` for that ID, or null. */
  view (t: Ms, node: string, leader: string | null, epoch: number): this { return this.#add({ ev: 'view', t, node, inc: this.#inc0(node), leader: leader === null ? null : this.#ref(leader), epoch }) }
  chosen (t: Ms, node: string, epoch: number, leader: string): this { return this.#add({ ev: 'leaderChosen', t, node, inc: this.#inc0(node), epoch, leaderId: this.#id(leader) }) }
  elected (t: Ms, node: string, epoch: number): this { return this.#add({ ev: 'elected', t, node, inc: this.#inc0(node), epoch }) }
  join (t: Ms, node: string, other: string): this { return this.#add({ ev: 'peer:join', t, node, inc: this.#inc0(node), peerId: this.#id(other) }) }
  leave (t: Ms, node: string, other: string): this { return this.#add({ ev: 'peer:leave', t, node, inc: this.#inc0(node), peerId: this.#id(other) }) }
  /** `node` learned configuration `version` whose voters are these hosts' current IDs (or, given as `peer:<id>`, that ID). */
  config (t: Ms, node: string, version: number, voters: readonly string[], target = voters.length): this {
    const ids = voters.map(v => this.#ref(v))
    return this.#add({ ev: 'configuration', t, node, inc: this.#inc0(node), version, voters: ids, target })
  }
  error (t: Ms, node: string, message: string): this { return this.#add({ ev: 'error', t, node, inc: this.#inc0(node), message }) }
  fault (t: Ms, id: number, kind: FaultKind, nodes: readonly string[]): this { return this.#add({ ev: 'fault', t, id, kind, nodes }) }
  heal (t: Ms, id: number, note?: string): this { return this.#add({ ev: 'heal', t, id, ...(note === undefined ? {} : { note }) }) }
  quiet (t: Ms): this { return this.#add({ ev: 'quiet', t }) }
  end (t: Ms): this { return this.#add({ ev: 'end', t }) }
  write (t: Ms, register: 'fenced' | 'unfenced', node: string, epoch: number, seq: number, accepted = true): this {
    return this.#add({ ev: 'write', t, register, node, epoch, seq, accepted })
  }

  /** `node` is elected in `epoch` at `t`, and every live node learns it and views it 10 ms later. */
  elect (t: Ms, node: string, epoch: number, followers: readonly string[] = this.nodes): this {
    this.elected(t, node, epoch).lead(t, node, true, epoch)
    for (const n of followers) this.chosen(t + 10, n, epoch, node).view(t + 10, n, node, epoch)
    return this
  }

  get done (): HistoryEvent[] { return [...this.#events].sort((a, b) => a.t - b.t) }
}
