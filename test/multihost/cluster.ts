/** Drives node processes on a VirtualLan and follows what each reports. */
import { createInterface } from 'node:readline'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Host, VirtualLan } from './netns.js'

const NODE_PROC = fileURLToPath(new URL('./node-proc.ts', import.meta.url))

export interface ProcEvent { readonly ev: string, readonly t: number, readonly [k: string]: unknown }

/**
 * When each process held the lease by its own report, as +1/−1 edges sorted in
 * time (an end before a start at one instant): from its view with isLeader
 * true until its next view, a 'stopped', or its exit.
 */
export function leaseEdges (procs: readonly NodeProc[]): Array<{ t: number, d: number }> {
  const edges: Array<{ t: number, d: number }> = []
  for (const p of procs) {
    let leadingSince: number | null = null
    for (const e of p.events) {
      if (e.ev !== 'view' && e.ev !== 'stopped') continue
      const leading = e.ev === 'view' && e.isLeader === true
      if (leading && leadingSince === null) leadingSince = e.t
      if (!leading && leadingSince !== null) { edges.push({ t: leadingSince, d: 1 }, { t: e.t, d: -1 }); leadingSince = null }
    }
    if (leadingSince !== null) edges.push({ t: leadingSince, d: 1 }, { t: p.exitedAt, d: -1 })
  }
  return edges.sort((a, b) => a.t - b.t || a.d - b.d)
}

/** The most processes that held the lease at one instant, by their own reports. */
export function mostLeadersAtOnce (procs: readonly NodeProc[]): number {
  let now = 0
  let most = 0
  for (const { d } of leaseEdges(procs)) { now += d; most = Math.max(most, now) }
  return most
}

/** How long, between `from` and `to` (wall-clock ms), no live process held the lease: the leaderless time of a change. */
export function leaderlessMs (procs: readonly NodeProc[], from: number, to: number): number {
  let leaders = 0
  let last = from
  let none = 0
  for (const { t, d } of leaseEdges(procs)) {
    const at = Math.min(Math.max(t, from), to)
    if (leaders === 0) none += at - last
    last = at
    leaders += d
  }
  if (leaders === 0) none += to - last
  return none
}

export class NodeProc {
  readonly events: ProcEvent[] = []
  id: string | null = null
  addrs: string[] = []
  leader: string | null = null
  epoch = 0
  isLeader = false
  exited = false
  /** Wall-clock ms of the exit (comparable to the events' `t`). */
  exitedAt = Infinity
  readonly stderr: string[] = []
  readonly #waiters = new Set<() => void>()

  constructor (readonly host: Host, readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', line => {
      let e: ProcEvent
      try { e = JSON.parse(line) as ProcEvent } catch { return }
      this.events.push(e)
      if (e.ev === 'ready') { this.id = e.id as string; this.addrs = e.addrs as string[] }
      if (e.ev === 'view') { this.leader = e.leader as string | null; this.epoch = e.epoch as number; this.isLeader = e.isLeader as boolean }
      for (const w of this.#waiters) w()
    })
    createInterface({ input: child.stderr! }).on('line', line => { this.stderr.push(line) })
    child.once('exit', () => { this.exited = true; this.exitedAt = performance.timeOrigin + performance.now(); this.isLeader = false; for (const w of this.#waiters) w() })
  }

  get pid (): number { return this.child.pid! }

  /** Resolves with the first event (from index `from`) that matches. */
  async next (pred: (e: ProcEvent) => boolean, timeoutMs: number, from = 0): Promise<ProcEvent> {
    return await new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.events.slice(from).find(pred)
        if (hit !== undefined) { done(); resolve(hit); return }
        if (this.exited) { done(); reject(new Error(`${this.host.name} exited; stderr: ${this.stderr.slice(-5).join(' | ')}`)) }
      }
      const timer = setTimeout(() => { done(); reject(new Error(`${this.host.name}: timed out after ${timeoutMs} ms`)) }, timeoutMs)
      const done = (): void => { clearTimeout(timer); this.#waiters.delete(check) }
      this.#waiters.add(check)
      check()
    })
  }

  /** Resolves at this process's next report (or exit), or after `timeoutMs`: for waiting without polling. */
  async changed (timeoutMs: number): Promise<void> {
    await new Promise<void>(resolve => {
      const wake = (): void => { clearTimeout(timer); this.#waiters.delete(wake); resolve() }
      const timer = setTimeout(wake, timeoutMs)
      this.#waiters.add(wake)
    })
  }

  signal (sig: NodeJS.Signals): void {
    if (!this.exited) process.kill(this.pid, sig)
  }

  async exit (): Promise<void> {
    if (this.exited) return
    await new Promise(resolve => this.child.once('exit', resolve))
  }
}

export interface StartOptions {
  cluster?: string
  size: number
  leaseMs: number
  /** Default: leaseMs/4, the library's. */
  heartbeatMs?: number
  mdns?: boolean
  bootstrap?: string[]
  listenPort?: number
  dataDir?: string
  /** A directory for the node's key only (node.key): a fixed identity, on memory storage unless dataDir is set. */
  keyDir?: string
  /** The leader removes a voter silent this long (the library's default: 5 leases). */
  memberTimeoutMs?: number
  role?: 'voter' | 'observer'
  /** Never found a cluster, only join one (nodes added to a running cluster). */
  join?: boolean
  /** Default 0, the library's: a higher one stands for election sooner. */
  priority?: number
  env?: NodeJS.ProcessEnv
}

export function startNode (lan: VirtualLan, host: Host, o: StartOptions): NodeProc {
  const args = [process.execPath, '--import', 'tsx', NODE_PROC,
    '--cluster', o.cluster ?? 'test', '--size', String(o.size), '--lease', String(o.leaseMs),
    '--mdns', o.mdns === false ? 'off' : 'on',
    '--listen', `/ip4/${host.address}/tcp/${o.listenPort ?? 0}`]
  for (const b of o.bootstrap ?? []) args.push('--bootstrap', b)
  if (o.heartbeatMs !== undefined) args.push('--heartbeat', String(o.heartbeatMs))
  if (o.dataDir !== undefined) args.push('--data-dir', o.dataDir)
  if (o.keyDir !== undefined) args.push('--key-dir', o.keyDir)
  if (o.memberTimeoutMs !== undefined) args.push('--member-timeout', String(o.memberTimeoutMs))
  if (o.role !== undefined) args.push('--role', o.role)
  if (o.join === true) args.push('--join')
  if (o.priority !== undefined) args.push('--priority', String(o.priority))
  return new NodeProc(host, lan.spawn(host, args, o.env))
}

/** A process's last events, for a failure message: what it saw when the wait ran out. */
function recentEvents (p: NodeProc): string {
  const short = (v: unknown): unknown => typeof v === 'string' && v.startsWith('12D3') ? v.slice(-6) : Array.isArray(v) ? v.map(short) : v
  const lines = p.events.filter(e => e.ev !== 'msg' && e.ev !== 'usage').slice(-16)
    .map(e => Object.entries(e).filter(([k]) => k !== 't' && k !== 'detail').map(([k, v]) => `${k}=${JSON.stringify(short(v))}`).join(' '))
  return `  ${p.host.name} (${p.id?.slice(-6) ?? '?'}), last events:\n    ${lines.join('\n    ')}\n    stderr: ${p.stderr.slice(-3).join(' | ')}`
}

/** Waits until every live process agrees on one leader, which holds its lease; returns it. */
export async function agreement (procs: NodeProc[], timeoutMs: number): Promise<NodeProc> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const live = procs.filter(p => !p.exited)
    const leaders = live.filter(p => p.isLeader)
    if (leaders.length === 1 && live.every(p => p.leader === leaders[0]!.id && p.epoch === leaders[0]!.epoch)) return leaders[0]!
    if (Date.now() > end) {
      throw new Error(`no agreement within ${timeoutMs} ms: ${live.map(p => `${p.host.name}=${p.leader?.slice(-6) ?? 'none'}@${p.epoch}${p.isLeader ? '*' : ''}`).join(' ')}\n${live.map(recentEvents).join('\n')}`)
    }
    // Woken by the next report of any process, not by polling: a polling loop would take CPU
    // from the nodes it watches. The timeout only bounds the wait for a lease that lapses silently.
    await Promise.race(procs.map(async p => { await p.changed(100) }))
  }
}
