/**
 * The interpreter behind the transcript tests (test/node/testdata/*.txt), in
 * the style of etcd-io/raft's interaction tests: a command drives the nodes,
 * and everything they hand out through `ready()` is written down, one line per
 * item. Nothing is delivered unless a command says so, so a transcript shows
 * every message, save and event in the order it happened.
 *
 * Commands (one per block; `#` starts a comment line):
 *   cluster a b c [key=value…]  nodes a, b, c (not started), each with clusterSize = 3
 *   add d [key=value…]          one more node, reached by broadcasts (clusterSize as the cluster's)
 *   start a b | start           start the named nodes (all not yet started)
 *   tick [a b] 500              move the clock 500 ms; tick the named nodes (all running ones) at
 *                               each of their deadlines on the way; nothing is delivered
 *   run 500                     stabilize, then move the clock 500 ms; at each deadline tick the
 *                               nodes, then stabilize (every message delivered the instant it is sent)
 *   deliver [a->b] [type]       deliver the messages in flight now (filtered); replies stay queued
 *   stabilize                   deliver until nothing is in flight
 *   drop [a->b] [type]          lose the messages in flight now (filtered)
 *   dup [a->b] [type]           duplicate the messages in flight now (filtered)
 *   replay a->b type            send again the last `type` message a sent b
 *   inject a->b <message>       put a hand-made message in flight (see parseMessage)
 *   cut a->b | cut a            lose a's messages to b from now on | isolate a both ways
 *   heal [a->b]                 undo cuts (all of them)
 *   crash b [lose=lazy]         b stops; its stored state stays (memory storage: it is lost);
 *                               lose=lazy: its background saves since the last synchronous one are lost
 *   restart b [key=value…]      b comes back from its stored state and starts
 *   resign a                    a resigns; prints whether it was leading
 *   leave a                     a asks to leave the configuration (Node.leave: resigns first if leading)
 *   pause a | resume a          a stops (as by SIGSTOP or a long GC): no ticks, and messages to it
 *                               wait in flight | it goes on
 *   status [a…]                 each node's view: leader, epoch, lease, quarantine, next deadline,
 *                               and the newest configuration (version and voters); `left` after leave()
 *                               once no longer a voter
 *
 * Options: lease (leaseMs), heartbeat, drift (maxDriftRatio), priority, delay
 * (electionDelayMs), round (roundTimeoutMs), size (clusterSize), meta (k:v,k:v),
 * role (voter|observer), join (true|false), presence (presenceMs), timeout
 * (memberTimeoutMs), stab (stabilizationMs), durable (cluster only: storage
 * survives crashes; default true), joined (cluster only: `joined=0` starts
 * every node, at its first start, from an empty stored state of a node that
 * took part in the cluster from its beginning, so that it votes under a
 * hand-made record naming it; rule 11).
 *
 * Output: `@t` marks the clock when it moved since the last line; then
 * `a: persist sync|lazy <state>`, `a->b <message>` (`a->*` a broadcast),
 * `a: event <event>`, `drop a->b <message> (cut|down)`. A record is written
 * `e2:b/v1` (epoch, leader, configuration version); a configuration
 * `v1 [a b] target=3` with the voters by ID.
 *
 * A hand-made record (`inject`) carries the newest configuration the
 * receiving node knows (else the sender's; else one of every node, with the
 * cluster's settings), so that it is about the leader, not the configuration.
 */
import { Node, type NodeEvent, type Outbound } from '../../src/node/node.js'
import { resolveConfig, type NodeConfig } from '../../src/node/config.js'
import type { Configuration } from '../../src/paxos/configuration.js'
import type { Message, PresenceReport } from '../../src/paxos/message.js'
import type { Ballot, LeaderRecord, NodeId } from '../../src/paxos/proposal.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { testConfig } from '../support/records.js'

interface InFlight { readonly from: NodeId, readonly to: NodeId, readonly msg: Message }

/** One command of a transcript: its text, and the output it produced (null when not yet recorded). */
export interface Block { readonly command: string, readonly output: string | null }

const SEPARATOR = '----'

/** Splits a transcript into its commands and their recorded outputs. */
export function parseTranscript (text: string): Block[] {
  const blocks: Block[] = []
  const lines = text.split('\n')
  let i = 0
  while (i < lines.length) {
    const commandLines: string[] = []
    while (i < lines.length && lines[i] !== SEPARATOR) {
      const line = lines[i++]!
      if (line.trim() !== '') { commandLines.push(line); continue }
      if (commandLines.some(l => !l.startsWith('#'))) throw new Error(`line ${i}: a command must be followed by ${SEPARATOR}`)
    }
    if (i >= lines.length) {
      if (commandLines.length > 0) blocks.push({ command: commandLines.join('\n'), output: null })
      break
    }
    i++ // the separator
    const outputLines: string[] = []
    while (i < lines.length && lines[i]!.trim() !== '') outputLines.push(lines[i++]!)
    blocks.push({ command: commandLines.join('\n'), output: outputLines.join('\n') })
  }
  return blocks
}

/** Writes blocks back in the transcript format. */
export function formatTranscript (blocks: ReadonlyArray<{ command: string, output: string }>): string {
  return blocks.map(b => `${b.command}\n${SEPARATOR}\n${b.output}\n`).join('\n')
}

/** Runs every command of `text` in a fresh environment; returns the transcript with fresh outputs. */
export function runTranscript (text: string): string {
  const env = new InteractionEnv()
  return formatTranscript(parseTranscript(text).map(b => ({ command: b.command, output: env.run(b.command) })))
}

/** A time for display: the random election delays make it fractional; a tenth of a millisecond is plenty. */
function fmtTime (t: number): string {
  return String(Math.round(t * 10) / 10)
}

function fmtNext (t: number | null): string {
  return t === null ? '-' : fmtTime(t)
}

function fmtBallot (b: Ballot | null): string {
  return b === null ? '-' : `(${b.round},${b.nodeId})`
}

function fmtRecord (r: LeaderRecord | null): string {
  if (r === null) return '-'
  const meta = Object.entries(r.metadata).map(([k, v]) => `${k}:${v}`).join(',')
  return `e${r.epoch}:${r.leaderId}${meta === '' ? '' : `{${meta}}`}/v${r.config.version}`
}

/** `v2 [a b c] target=3`. */
function fmtConfig (c: Configuration): string {
  return `v${c.version} [${c.voters.map(m => m.id).join(' ')}] target=${c.target}`
}

/** A message as one line; the record it carries is shown without its epoch when that equals the message's. */
export function fmtMessage (m: Message): string {
  const value = (r: LeaderRecord): string => r.epoch === m.epoch ? fmtRecord(r).replace(/^e\d+:/, '') : fmtRecord(r)
  switch (m.type) {
    case 'prepare': return `prepare e${m.epoch} ${fmtBallot(m.ballot)}`
    case 'promise': return `promise e${m.epoch} ${fmtBallot(m.ballot)} acc=${m.accepted === null ? '-' : `${fmtBallot(m.accepted.ballot)}:${value(m.accepted.value)}`}`
    case 'accept': return `accept e${m.epoch} ${fmtBallot(m.ballot)} val=${value(m.value)}`
    case 'accepted': return `accepted e${m.epoch} ${fmtBallot(m.ballot)} val=${value(m.value)}${m.lease ? ' lease' : ''}`
    case 'nack': return `nack e${m.epoch} ${fmtBallot(m.ballot)} ${m.reason} promised=${fmtBallot(m.promised)} chosen=e${m.chosenEpoch}`
    case 'chosen': return `chosen e${m.epoch} val=${value(m.value)}`
    case 'heartbeat': return `heartbeat e${m.epoch} seq${m.seq} ask=${m.ackFrom === 'all' ? 'all' : `[${m.ackFrom.join(' ')}]`}`
    case 'heartbeatAck': return `heartbeatAck e${m.epoch} seq${m.seq}`
    case 'resign': return `resign e${m.epoch} successor=${m.successor ?? '-'}`
    case 'statusRequest': return `statusRequest e${m.epoch}`
    case 'statusReply': return `statusReply e${m.epoch} val=${m.value === null ? '-' : value(m.value)}`
    case 'presence': {
      const flags = (['observer', 'ready', 'leaving', 'rejoin'] as const).filter(f => m[f])
      return `presence e${m.epoch}${flags.length === 0 ? '' : ` ${flags.join(' ')}`}`
    }
    case 'presenceDigest': {
      const report = (r: PresenceReport): string => {
        const flags = (['observer', 'ready', 'leaving', 'rejoin'] as const).filter(f => r[f])
        return `${r.id}:e${r.epoch}${flags.map(f => `,${f}`).join('')}${r.ageMs === 0 ? '' : `,${r.ageMs}ms`}`
      }
      return `presenceDigest e${m.epoch} [${m.reports.map(report).join(' ')}]`
    }
  }
}

function fmtEvent (e: NodeEvent): string {
  switch (e.type) {
    case 'leaderChosen': return `leaderChosen ${fmtRecord(e.record)}`
    case 'elected': return `elected e${e.epoch}`
    case 'demoted': return `demoted e${e.epoch} ${e.reason}`
    case 'leaderLost': return `leaderLost ${fmtRecord(e.record)}`
    case 'leaderFound': return `leaderFound ${fmtRecord(e.record)}`
    case 'candidate': return `candidate e${e.epoch}`
    case 'configuration': return `configuration ${fmtConfig(e.config)}`
    case 'settingMismatch': return `settingMismatch ${e.field} local=${e.local} cluster=${e.cluster} ${e.adopted ? 'adopted' : 'refused'}`
    case 'foreignCluster': return `foreignCluster from=${e.from} cluster=${e.clusterId} ours=${e.ours}`
    case 'forgotten': return `forgotten v${e.version}`
    case 'conflict': return `conflict known=${fmtRecord(e.known)} reported=${fmtRecord(e.reported)}`
  }
}

function fmtState (s: PersistentState): string {
  const acceptor = s.acceptor.map(([e, st]) =>
    `e${e}:p${fmtBallot(st.promised)}${st.accepted === null ? '' : `a${fmtBallot(st.accepted.ballot)}=${st.accepted.value.leaderId}`}`).join(' ')
  return `round=${s.highestRound} fast=e${s.fastEpoch} stood=e${s.candidateEpoch} ` +
    `grant=${s.grant === null ? '-' : `e${s.grant.epoch}:${s.grant.leaderId}`} learned=${fmtRecord(s.learned)} ` +
    `joined=${s.joinedAt === null ? '-' : `v${s.joinedAt}`} acceptor=[${acceptor}]`
}

/** Reads a ballot written as `(round,node)`. */
function parseBallot (s: string): Ballot {
  const m = /^\((\d+),([^)]+)\)$/.exec(s)
  if (m === null) throw new Error(`bad ballot "${s}", expected (round,node)`)
  return { round: Number(m[1]), nodeId: m[2]! }
}

/** Reads a record written as `e2:b`, carrying `config`. */
function parseRecord (s: string, config: Configuration): LeaderRecord {
  const m = /^e(\d+):(\w+)$/.exec(s)
  if (m === null) throw new Error(`bad record "${s}", expected e<epoch>:<leader>`)
  return { epoch: Number(m[1]), leaderId: m[2]!, metadata: {}, config }
}

/**
 * Reads a hand-made message, in a subset of the output format:
 * `prepare e2 (5,c)`, `accept e2 (5,c) val=e2:c`, `chosen e1 val=e1:b`,
 * `heartbeat e1 seq9 val=e1:b`, `heartbeatAck e1 seq3`, `resign e1 successor=b`;
 * the records carry `config`.
 */
export function parseMessage (words: readonly string[], config: Configuration): Message {
  const [type, epochWord, third] = words
  const epoch = Number(epochWord?.replace(/^e/, ''))
  if (!Number.isInteger(epoch)) throw new Error(`bad epoch "${epochWord}"`)
  const option = (key: string): string => {
    const w = words.find(x => x.startsWith(`${key}=`))
    if (w === undefined) throw new Error(`${type} needs ${key}=`)
    return w.slice(key.length + 1)
  }
  switch (type) {
    case 'prepare': return { type, epoch, ballot: parseBallot(third!) }
    case 'accept': return { type, epoch, ballot: parseBallot(third!), value: parseRecord(option('val'), config) }
    case 'chosen': return { type, epoch, value: parseRecord(option('val'), config) }
    case 'heartbeat': return { type, epoch, seq: Number(third!.replace(/^seq/, '')), value: parseRecord(option('val'), config), ackFrom: 'all' }
    case 'heartbeatAck': return { type, epoch, seq: Number(third!.replace(/^seq/, '')) }
    case 'resign': return { type, epoch, successor: option('successor') === '-' ? null : option('successor') }
    default: throw new Error(`cannot inject "${type ?? ''}"`)
  }
}

/** A deterministic random source per node incarnation (seeded from its name), so nodes do not share draws. */
function seededRandom (name: string, incarnation: number): { next: () => number } {
  let seed = incarnation * 7919 + 17
  for (const ch of name) seed = (seed * 31 + ch.charCodeAt(0)) & 0x7fffffff
  return { next: () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000 } }
}

interface Member {
  config: Partial<NodeConfig>
  node: Node | null
  started: boolean
  /** Paused (as by SIGSTOP or a long GC): neither ticks nor takes messages, which wait in flight. */
  paused: boolean
  incarnation: number
}

/** The state a transcript runs against: nodes, a shared clock, the messages in flight. */
export class InteractionEnv {
  #now = 1000
  #lastPrinted = -1
  readonly #clock = { now: () => this.#now }
  readonly #members = new Map<NodeId, Member>()
  readonly #stored = new Map<NodeId, PersistentState>()
  /** The state of each node's last synchronous save (what survives `crash x lose=lazy`). */
  readonly #storedSync = new Map<NodeId, PersistentState>()
  #base: Partial<NodeConfig> = {}
  #durable = true
  /** `joined=`: the joinedAt of the empty state each node first starts from, or null (no state). */
  #joined: number | null = null
  #inFlight: InFlight[] = []
  readonly #cuts = new Set<string>()
  /** The last message of each type each node sent each other node, for `replay`. */
  readonly #lastSent = new Map<string, Message>()
  #out: string[] = []

  /** Runs one command; returns its output (`ok` when it printed nothing). */
  run (command: string): string {
    this.#out = []
    const lines = command.split('\n').filter(l => !l.startsWith('#'))
    if (lines.length !== 1) throw new Error(`expected one command, got: ${command}`)
    const words = lines[0]!.trim().split(/\s+/)
    const [verb, ...args] = words
    switch (verb) {
      case 'cluster': this.#cluster(args); break
      case 'add': this.#add(args); break
      case 'start': this.#start(args); break
      case 'tick': this.#tick(args); break
      case 'run': this.#runFor(this.#number(args[0])); break
      case 'deliver': this.#deliver(args, 'deliver'); break
      case 'drop': this.#deliver(args, 'drop'); break
      case 'dup': this.#deliver(args, 'dup'); break
      case 'stabilize': this.#stabilize(); break
      case 'replay': this.#replay(args); break
      case 'inject': this.#inject(args); break
      case 'cut': this.#cut(args); break
      case 'heal': this.#heal(args); break
      case 'crash': this.#crash(args); break
      case 'restart': this.#restart(args); break
      case 'resign': this.#resign(args); break
      case 'leave': this.#leave(args); break
      case 'pause': for (const id of args) this.#member(id).paused = true; break
      case 'resume': for (const id of args) this.#member(id).paused = false; break
      case 'status': this.#status(args); break
      default: throw new Error(`unknown command "${verb ?? ''}"`)
    }
    return this.#out.length === 0 ? 'ok' : this.#out.join('\n')
  }

  // ---- commands -------------------------------------------------------------

  #cluster (args: string[]): void {
    const { names, options } = this.#split(args)
    if (options.durable !== undefined) { this.#durable = options.durable === 'true'; delete options.durable }
    if (options.joined !== undefined) { this.#joined = this.#number(options.joined); delete options.joined }
    this.#base = { clusterSize: names.length, ...this.#config(options) }
    for (const id of names) this.#members.set(id, { config: {}, node: null, started: false, paused: false, incarnation: 0 })
  }

  #add (args: string[]): void {
    const { names, options } = this.#split(args)
    for (const id of names) this.#members.set(id, { config: this.#config(options), node: null, started: false, paused: false, incarnation: 0 })
  }

  #start (args: string[]): void {
    const names = args.length > 0 ? args : [...this.#members].filter(([, m]) => !m.started).map(([id]) => id)
    for (const id of names) this.#boot(id)
  }

  #tick (args: string[]): void {
    const ms = this.#number(args.at(-1))
    const names = args.length > 1 ? args.slice(0, -1) : this.#liveNames()
    const end = this.#now + ms
    for (let guard = 0; guard < 100_000; guard++) {
      const due = this.#nextDeadline(names)
      if (due === null || due > end) break
      this.#now = Math.max(this.#now, due)
      for (const id of names) this.#tickNode(id)
    }
    this.#now = end
    for (const id of names) this.#tickNode(id)
  }

  #runFor (ms: number): void {
    const end = this.#now + ms
    this.#stabilize()
    for (let guard = 0; guard < 100_000; guard++) {
      const due = this.#nextDeadline(this.#liveNames())
      if (due === null || due > end) break
      this.#now = Math.max(this.#now, due)
      for (const id of this.#liveNames()) this.#tickNode(id)
      this.#stabilize()
    }
    this.#now = end
    for (const id of this.#liveNames()) this.#tickNode(id)
    this.#stabilize()
  }

  #stabilize (): void {
    for (let guard = 0; this.#inFlight.some(f => !this.#members.get(f.to)!.paused); guard++) {
      if (guard > 10_000) throw new Error('message storm: stabilize did not settle')
      this.#deliver([], 'deliver')
    }
  }

  /** Delivers, drops or duplicates the messages in flight now that match the filter. */
  #deliver (args: string[], mode: 'deliver' | 'drop' | 'dup'): void {
    const filter = this.#filter(args)
    // Messages to a paused node wait for it, unless they are being dropped or copied.
    const match = mode === 'deliver' ? (f: InFlight) => filter(f) && !this.#members.get(f.to)!.paused : filter
    const picked = this.#inFlight.filter(match)
    if (mode === 'dup') { this.#inFlight.push(...picked); return }
    this.#inFlight = this.#inFlight.filter(f => !match(f))
    for (const f of picked) {
      if (mode === 'drop') { this.#print(`drop ${f.from}->${f.to} ${fmtMessage(f.msg)}`); continue }
      const target = this.#members.get(f.to)
      if (this.#cuts.has(`${f.from}->${f.to}`)) { this.#print(`drop ${f.from}->${f.to} ${fmtMessage(f.msg)} (cut)`); continue }
      if (target?.node == null) { this.#print(`drop ${f.from}->${f.to} ${fmtMessage(f.msg)} (down)`); continue }
      target.node.step(f.from, f.msg)
      this.#collect(f.to)
    }
  }

  #replay (args: string[]): void {
    const [pair, type] = args
    const msg = this.#lastSent.get(`${pair ?? ''} ${type ?? ''}`)
    if (msg === undefined) throw new Error(`nothing of type ${type ?? '?'} was sent ${pair ?? '?'}`)
    const [from, to] = this.#pair(pair!)
    this.#inFlight.push({ from, to, msg })
    this.#print(`replay ${from}->${to} ${fmtMessage(msg)}`)
  }

  #inject (args: string[]): void {
    const [from, to] = this.#pair(args[0] ?? '')
    const msg = parseMessage(args.slice(1), this.#injectedConfig(from, to))
    this.#inFlight.push({ from, to, msg })
    this.#print(`inject ${from}->${to} ${fmtMessage(msg)}`)
  }

  #cut (args: string[]): void {
    for (const a of args) {
      if (a.includes('->')) { this.#cuts.add(a); continue }
      for (const other of this.#members.keys()) {
        if (other === a) continue
        this.#cuts.add(`${a}->${other}`)
        this.#cuts.add(`${other}->${a}`)
      }
    }
  }

  #heal (args: string[]): void {
    if (args.length === 0) this.#cuts.clear()
    for (const a of args) this.#cuts.delete(a)
  }

  #crash (args: string[]): void {
    const { names, options } = this.#split(args)
    for (const id of names) {
      const m = this.#member(id)
      m.node = null
      m.started = false
      if (!this.#durable) this.#stored.delete(id)
      // The background (lazy) saves since the last synchronous one had not reached the disk.
      if (options.lose === 'lazy') {
        const synced = this.#storedSync.get(id)
        if (synced === undefined) this.#stored.delete(id)
        else this.#stored.set(id, synced)
      }
    }
  }

  #restart (args: string[]): void {
    const { names, options } = this.#split(args)
    for (const id of names) {
      const m = this.#member(id)
      if (m.node !== null) throw new Error(`${id} is running: crash it first`)
      m.config = { ...m.config, ...this.#config(options) }
      m.incarnation++
      this.#boot(id)
    }
  }

  #resign (args: string[]): void {
    for (const id of args) {
      const node = this.#live(id)
      const leading = node.resign()
      this.#print(`${id}: resign ${leading ? 'stepped down' : 'not leading'}`)
      this.#collect(id)
    }
  }

  #leave (args: string[]): void {
    for (const id of args) {
      this.#live(id).leave()
      this.#print(`${id}: leave`)
      this.#collect(id)
    }
  }

  #status (args: string[]): void {
    for (const id of args.length > 0 ? args : [...this.#members.keys()]) {
      const n = this.#members.get(id)?.node
      if (n == null) { this.#out.push(`${id}: down`); continue }
      const leader = n.leader
      const config = n.configuration
      this.#out.push(`${id}: leader=${leader === null ? '-' : fmtRecord(leader)} epoch=e${n.epoch} isLeader=${n.isLeader} ` +
        `quarantined=${n.quarantined} next=${fmtNext(n.nextDeadline())} config=${config === null ? '-' : fmtConfig(config)}${n.left ? ' left' : ''}`)
    }
  }

  // ---- plumbing -------------------------------------------------------------

  #emptyState (joinedAt: number): PersistentState {
    return { acceptor: [], learned: null, highestRound: 0, fastEpoch: 0, candidateEpoch: 0, grant: null, joinedAt }
  }

  /** The configuration a hand-made record carries (see the file header). */
  #injectedConfig (from: NodeId, to: NodeId): Configuration {
    const known = this.#members.get(to)?.node?.configuration ?? this.#members.get(from)?.node?.configuration
    if (known != null) return known
    const names = [...this.#members.keys()]
    const { clusterSize, leaseMs, heartbeatMs, maxDriftRatio } = resolveConfig({ nodeId: 'x', clusterSize: names.length, ...this.#base })
    return testConfig(names, { clusterId: 'injected', target: clusterSize, leaseMs, heartbeatMs, maxDriftRatio })
  }

  #boot (id: NodeId): void {
    const m = this.#member(id)
    if (m.started) throw new Error(`${id} already started`)
    m.node = new Node({ nodeId: id, ...this.#base, ...m.config } as NodeConfig, {
      clock: this.#clock,
      random: seededRandom(id, m.incarnation),
      state: this.#stored.get(id) ?? (this.#joined === null || m.incarnation > 0 ? null : this.#emptyState(this.#joined)),
      durableStorage: this.#durable
    })
    m.started = true
    m.node.start()
    this.#collect(id)
  }

  #tickNode (id: NodeId): void {
    const n = this.#members.get(id)?.node
    if (n == null) return
    n.tick()
    this.#collect(id)
  }

  /** Writes out and routes everything node `id` handed out since the last call. */
  #collect (id: NodeId): void {
    const rd = this.#members.get(id)!.node!.ready()
    if (rd.persist !== null) {
      this.#stored.set(id, rd.persist)
      if (rd.sync) this.#storedSync.set(id, rd.persist)
      this.#print(`${id}: persist ${rd.sync ? 'sync' : 'lazy'} ${fmtState(rd.persist)}`)
    }
    for (const e of rd.events) this.#print(`${id}: event ${fmtEvent(e)}`)
    for (const out of rd.messages) this.#route(id, out)
  }

  /** Expands an outbound message to its recipients, as the transports do (first, then the others; at most fanout). */
  #route (from: NodeId, out: Outbound): void {
    const others = [...this.#members.keys()].filter(x => x !== from && x !== out.first && (out.only === undefined || out.only.includes(x)))
    const targets = (out.to !== null ? [out.to] : out.first !== undefined && out.first !== from ? [out.first, ...others] : others)
      .slice(0, out.fanout ?? Infinity)
    // `only` is shown when it leaves out a node the transcript has: heartbeats to all voters read as before.
    const left = out.only === undefined ? [] : [...this.#members.keys()].filter(x => x !== from && !out.only!.includes(x))
    const extras = [out.first === undefined ? '' : ` first=${out.first}`, out.fanout === undefined ? '' : ` fanout=${out.fanout}`, left.length === 0 ? '' : ` only=${out.only!.join(',')}`].join('')
    this.#print(`${from}->${out.to ?? '*'} ${fmtMessage(out.msg)}${out.to === null ? extras : ''}`)
    for (const to of targets) {
      this.#inFlight.push({ from, to, msg: out.msg })
      this.#lastSent.set(`${from}->${to} ${out.msg.type}`, out.msg)
    }
  }

  #print (line: string): void {
    if (this.#now !== this.#lastPrinted) {
      this.#out.push(`@${fmtTime(this.#now)}`)
      this.#lastPrinted = this.#now
    }
    this.#out.push(line)
  }

  #nextDeadline (names: readonly NodeId[]): number | null {
    let next: number | null = null
    for (const id of names) {
      const d = this.#members.get(id)?.node?.nextDeadline() ?? null
      if (d !== null && (next === null || d < next)) next = d
    }
    return next
  }

  #liveNames (): NodeId[] {
    return [...this.#members].filter(([, m]) => m.node !== null && !m.paused).map(([id]) => id)
  }

  #filter (args: string[]): (f: InFlight) => boolean {
    let from = '*'
    let to = '*'
    let type: string | undefined
    for (const a of args) {
      if (a.includes('->')) [from, to] = this.#pair(a)
      else type = a
    }
    return f => (from === '*' || f.from === from) && (to === '*' || f.to === to) && (type === undefined || f.msg.type === type)
  }

  #pair (s: string): [NodeId, NodeId] {
    const [from, to] = s.split('->')
    if (from === undefined || to === undefined || from === '' || to === '') throw new Error(`bad pair "${s}", expected a->b`)
    return [from, to]
  }

  #member (id: NodeId): Member {
    const m = this.#members.get(id)
    if (m === undefined) throw new Error(`no node "${id}"`)
    return m
  }

  #live (id: NodeId): Node {
    const n = this.#member(id).node
    if (n === null) throw new Error(`${id} is down`)
    return n
  }

  #split (args: string[]): { names: string[], options: Record<string, string> } {
    const names: string[] = []
    const options: Record<string, string> = {}
    for (const a of args) {
      const eq = a.indexOf('=')
      if (eq < 0) names.push(a)
      else options[a.slice(0, eq)] = a.slice(eq + 1)
    }
    return { names, options }
  }

  #config (options: Record<string, string>): Partial<NodeConfig> {
    const keys: Record<string, keyof NodeConfig> = {
      lease: 'leaseMs',
      heartbeat: 'heartbeatMs',
      drift: 'maxDriftRatio',
      priority: 'priority',
      delay: 'electionDelayMs',
      round: 'roundTimeoutMs',
      size: 'clusterSize',
      presence: 'presenceMs',
      timeout: 'memberTimeoutMs',
      stab: 'stabilizationMs'
    }
    const config: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(options)) {
      if (k === 'meta') {
        config.metadata = Object.fromEntries(v.split(',').map(kv => kv.split(':') as [string, string]))
        continue
      }
      if (k === 'role') { config.role = v; continue }
      if (k === 'join') { config.join = v === 'true'; continue }
      const key = keys[k]
      if (key === undefined) throw new Error(`unknown option "${k}"`)
      config[key] = this.#number(v)
    }
    return config as Partial<NodeConfig>
  }

  #number (s: string | undefined): number {
    const n = Number(s)
    if (s === undefined || !Number.isFinite(n)) throw new Error(`expected a number, got "${s ?? ''}"`)
    return n
  }
}
