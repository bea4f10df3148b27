/**
 * The cluster of a chaos run: N node processes (test/chaos/node.ts), each in
 * its own network namespace on a VirtualLan, each with its own data
 * directory; and the history they and the harness write. The LAN may have
 * spare hosts besides, idle until a 'roll' or 'scale' starts a new node on
 * one (enlist); a node stopped for good leaves its host a spare (retire).
 * Faults are applied
 * here (signals, iptables rules inside a node's namespace, its link), chosen
 * by nemesis.ts. destroy() kills every process and deletes every namespace,
 * also on SIGINT, SIGTERM and exit.
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, rmSync, writeFileSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { VirtualLan, type Host } from '../multihost/netns.js'
import type { HistoryEvent, Ms } from './history.js'

const NODE = fileURLToPath(new URL('./node.ts', import.meta.url))

/** The host's monotonic clock in ms, shared by every process on it. */
export const now = (): Ms => Number(process.hrtime.bigint()) / 1e6

export interface ClusterOptions {
  /** The nodes in service (and every node's clusterSize). */
  readonly nodes: number
  /** Spare hosts on the LAN besides, named after the others (default 0). */
  readonly spares?: number
  readonly leaseMs: number
  /** Directory for the data directories, the logs and the history. */
  readonly dir: string
  /** Unix socket of the registers (registers.ts), or undefined for no workload. */
  readonly registers?: string
  /** QUORUM_CHAOS_BROKEN for every node (see node.ts), to show a checker bites. */
  readonly broken?: string
}

interface Member {
  readonly name: string
  readonly host: Host
  inc: number
  child: ChildProcess | null
  /** The peer ID (stable across restarts on one data directory; a new one after a wipe). */
  id: string | null
  /** An idle host: no process, and none is started here but by enlist(). */
  spare: boolean
  /** When it last entered service or became a spare (harness time). */
  since: Ms
  /** Started with --join (a node added to the running cluster), and so restarted. */
  join: boolean
  leading: boolean
  epoch: number
  view: string | null
  paused: boolean
  readonly exited: Array<() => void>
}

const live = new Set<ChaosCluster>()
const killAll = (): void => { for (const c of live) c.destroy() }
process.once('exit', killAll)
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { killAll(); process.exit(130) })

export class ChaosCluster {
  readonly history: HistoryEvent[] = []
  readonly members: Member[]
  readonly #opts: ClusterOptions
  readonly #lan: VirtualLan
  readonly #out: WriteStream
  readonly #logs: WriteStream
  #destroyed = false

  constructor (opts: ClusterOptions) {
    this.#opts = opts
    mkdirSync(opts.dir, { recursive: true })
    // Streamed as it arrives (for a run that is interrupted), and written in time order at close().
    this.#out = createWriteStream(join(opts.dir, 'history.partial.jsonl'))
    this.#logs = createWriteStream(join(opts.dir, 'stderr.log'))
    this.#lan = new VirtualLan(opts.nodes + (opts.spares ?? 0), `c${process.pid % 1000}`)
    live.add(this)
    this.members = this.#lan.hosts.map((host, i) => ({
      name: `n${i + 1}`, host, inc: 0, child: null, id: null, spare: i >= opts.nodes, since: -Infinity, join: false, leading: false, epoch: 0, view: null, paused: false, exited: []
    }))
  }

  get historyPath (): string { return join(this.#opts.dir, 'history.jsonl') }

  record (e: HistoryEvent): void {
    this.history.push(e)
    this.#out.write(JSON.stringify(e) + '\n')
  }

  member (name: string): Member { return this.members.find(m => m.name === name)! }
  get alive (): Member[] { return this.members.filter(m => m.child !== null) }
  /** The hosts in service: running, or down for a while (killed, stopped to restart). */
  get inService (): Member[] { return this.members.filter(m => !m.spare) }
  /** The idle hosts, the longest idle first. */
  get spares (): Member[] { return this.members.filter(m => m.spare).sort((a, b) => a.since - b.since) }
  /** The node that reports itself leader now, if exactly one does. */
  get leader (): Member | null {
    const leaders = this.alive.filter(m => m.leading && !m.paused)
    return leaders.length === 1 ? leaders[0]! : null
  }

  nameOf (peerId: string | null): string | null { return this.members.find(m => m.id === peerId)?.name ?? null }

  /** Whether every live, unpaused node names one leader, which reports itself leader of that epoch. */
  get agreed (): boolean {
    const leader = this.leader
    if (leader === null) return false
    return this.alive.filter(m => !m.paused).every(m => m.view === `${leader.id}@${leader.epoch}`)
  }

  spawn (name: string): void {
    const m = this.member(name)
    if (m.child !== null) throw new Error(`${name} is running`)
    if (m.spare) throw new Error(`${name} is a spare host (enlist it)`)
    m.inc++
    const inc = m.inc
    const args = [process.execPath, '--import', 'tsx', NODE, '--name', name, '--inc', String(inc), '--size', String(this.#opts.nodes),
      '--lease', String(this.#opts.leaseMs), '--listen', `/ip4/${m.host.address}/tcp/4100`, '--data-dir', join(this.#opts.dir, name)]
    if (this.#opts.registers !== undefined) args.push('--registers', this.#opts.registers)
    if (m.join) args.push('--join')
    const child = this.#lan.spawn(m.host, args, this.#opts.broken === undefined ? {} : { QUORUM_CHAOS_BROKEN: this.#opts.broken })
    m.child = child
    m.paused = false
    this.record({ ev: 'spawn', t: now(), node: name, inc, pid: child.pid! })
    createInterface({ input: child.stdout! }).on('line', line => { this.#onLine(m, inc, line) })
    createInterface({ input: child.stderr! }).on('line', line => { this.#logs.write(`${name}#${inc} ${line}\n`) })
    child.once('exit', (code, signal) => {
      this.record({ ev: 'exit', t: now(), node: name, inc, code, signal })
      if (m.child === child) { m.child = null; m.leading = false; m.view = null; m.paused = false }
      for (const w of m.exited.splice(0)) w()
    })
  }

  #onLine (m: Member, inc: number, line: string): void {
    let e: HistoryEvent
    try { e = JSON.parse(line) as HistoryEvent } catch { this.#logs.write(`${m.name}#${inc} (stdout) ${line}\n`); return }
    this.record(e)
    if (m.inc !== inc) return
    if (e.ev === 'ready') m.id = e.id
    if (e.ev === 'lead') { m.leading = e.on; m.epoch = e.epoch }
    if (e.ev === 'gap' && !e.after) m.leading = false
    if (e.ev === 'view') m.view = e.leader === null ? null : `${e.leader}@${e.epoch}`
  }

  /** Puts spare host `name` in service: a new node (empty data directory, a new ID) that joins the running cluster. */
  enlist (name: string): void {
    const m = this.member(name)
    if (!m.spare) throw new Error(`${name} is not a spare host`)
    this.wipe(name)
    m.spare = false
    m.join = true
    m.since = now()
    m.id = null
    this.spawn(name)
  }

  /** Makes host `name`, whose node has exited, a spare: nothing restarts it (its data directory is wiped when it is enlisted again). */
  retire (name: string): void {
    const m = this.member(name)
    if (m.child !== null) throw new Error(`${name} is running`)
    m.spare = true
    m.since = now()
  }

  /** Whether `name` runs and its current process knows a leader (it is present: a readiness probe). */
  present (name: string): boolean {
    const m = this.member(name)
    return m.child !== null && m.view !== null
  }

  /** Resolves true once `pred` holds (polled every 20 ms), false after `timeoutMs`. */
  async until (pred: () => boolean, timeoutMs: number): Promise<boolean> {
    const by = now() + timeoutMs
    for (;;) {
      if (pred()) return true
      if (now() >= by) return false
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }

  /** Deletes a stopped node's data directory: its next spawn is a new node under a new identity. */
  wipe (name: string): void {
    if (this.member(name).child !== null) throw new Error(`${name} is running`)
    rmSync(join(this.#opts.dir, name), { recursive: true, force: true })
  }

  signal (name: string, sig: NodeJS.Signals): void {
    const m = this.member(name)
    if (m.child === null) return
    try { process.kill(m.child.pid!, sig) } catch { /* exited meanwhile */ }
    if (sig === 'SIGSTOP') m.paused = true
    if (sig === 'SIGCONT') m.paused = false
  }

  async exited (name: string): Promise<void> {
    const m = this.member(name)
    if (m.child === null) return
    await new Promise<void>(resolve => m.exited.push(resolve))
  }

  /** Runs iptables inside a node's namespace. */
  iptables (name: string, ...args: string[]): void {
    execFileSync('ip', ['netns', 'exec', this.member(name).host.netns, 'iptables', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  }

  /** Drops all traffic between `name` and the nodes `from` (both ways, or only what `name` receives). */
  cut (name: string, from: readonly string[], oneWay = false): void {
    for (const other of from) {
      const address = this.member(other).host.address
      this.iptables(name, '-A', 'INPUT', '-s', address, '-j', 'DROP')
      if (!oneWay) this.iptables(name, '-A', 'OUTPUT', '-d', address, '-j', 'DROP')
    }
  }

  /** Drops a share of the packets `name` receives. */
  lose (name: string, probability: number): void {
    this.iptables(name, '-A', 'INPUT', '-m', 'statistic', '--mode', 'random', '--probability', probability.toFixed(2), '-j', 'DROP')
  }

  setLink (name: string, up: boolean): void { this.#lan.setLink(this.member(name).host, up) }

  /** Removes every rule and brings every link up. */
  healNetwork (): void {
    for (const m of this.members) {
      this.iptables(m.name, '-F', 'INPUT')
      this.iptables(m.name, '-F', 'OUTPUT')
      this.#lan.setLink(m.host, true)
    }
  }

  destroy (): void {
    if (this.#destroyed) return
    this.#destroyed = true
    live.delete(this)
    for (const m of this.members) if (m.child !== null) { try { process.kill(m.child.pid!, 'SIGKILL') } catch { /* gone */ } }
    this.#lan.destroy()
  }

  async close (): Promise<void> {
    const running = this.alive.map(async m => { await this.exited(m.name) })
    this.destroy()
    await Promise.all(running)
    await new Promise(resolve => this.#out.end(resolve))
    await new Promise(resolve => this.#logs.end(resolve))
    this.history.sort((a, b) => a.t - b.t)
    writeFileSync(this.historyPath, this.history.map(e => JSON.stringify(e)).join('\n') + '\n')
    rmSync(join(this.#opts.dir, 'history.partial.jsonl'), { force: true })
  }
}
