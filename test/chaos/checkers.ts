/**
 * The properties a chaos run must keep, one checker each, over its whole
 * history (history.ts) once the run is over. The run's parameters (leaseMs,
 * nodes) come from its 'run' record.
 *
 * noOverlap           no two nodes' leaderships overlap in time.
 * oneLeaderPerEpoch   each epoch has one leader, whoever tells of it.
 * epochsIncrease      successive leaderships carry strictly increasing epochs.
 * learnedInOrder      each node learns epochs in increasing order (a leader lost and found again is told again).
 * wakeReadsFalse      a leader stalled longer than its lease wakes not leading.
 * convergesAfterHeal  after the faults stop, all live nodes follow one live leader within 10 leases.
 * noDeafFollower      while no fault is active, no connected follower misses the leader for over 2 leases.
 * noSpuriousErrors    no node reports an error (the run injects no disk faults).
 * pairsConnected      at the end, every live pair is connected, unless it lost its link or started in the last 5 leases.
 * votersAtTarget      at the end, the newest configuration's voters are the live nodes, as many as its target.
 * fencedRegister      the fenced register accepts no lower epoch, and one writer per epoch.
 *
 * Nodes come and go ('replace', 'roll', 'scale'): a host name may stand for
 * several peer IDs over a run, so IDs are looked up per incarnation (node,
 * inc), and a node counts only while its process runs (spawn to exit).
 */
import type { Checker, EventOf, HistoryEvent, Ms, Violation } from './history.js'

// ---------------------------------------------------------------------------
// Reading a history: shared by the checkers and the timeline.

type Run = EventOf<'run'>
type Write = EventOf<'write'>

export function runOf (history: readonly HistoryEvent[]): Run {
  const run = history.find((e): e is Run => e.ev === 'run')
  if (run === undefined) throw new Error('the history has no \'run\' record')
  return run
}

/** The 'end' record's time, or the last record's if the run was cut short. */
export function endOf (history: readonly HistoryEvent[]): Ms {
  const end = history.find(e => e.ev === 'end')
  return end?.t ?? history.reduce((m, e) => Math.max(m, e.t), -Infinity)
}

/** The records in time order (stable: records of one time keep their order). */
function inOrder (history: readonly HistoryEvent[]): HistoryEvent[] {
  return [...history].sort((a, b) => a.t - b.t)
}

/**
 * Peer IDs by node name and back, from every 'ready' record. A node keeps its
 * ID across restarts on its data directory, but a host whose directory was
 * wiped runs a new ID: `idOf(node, inc)` is that incarnation's ID (without
 * `inc`, or if it never said, the host's newest), and `nodeOf` the host an ID ran on.
 */
export function peerIds (history: readonly HistoryEvent[]): { idOf: (node: string, inc?: number) => string, nodeOf: (id: string | null) => string | undefined } {
  const byInc = new Map<string, string>()
  const newest = new Map<string, string>()
  const nodes = new Map<string, string>()
  for (const e of inOrder(history)) if (e.ev === 'ready') { byInc.set(`${e.node}#${e.inc}`, e.id); newest.set(e.node, e.id); nodes.set(e.id, e.node) }
  return {
    idOf: (node, inc) => (inc === undefined ? undefined : byInc.get(`${node}#${inc}`)) ?? newest.get(node) ?? node,
    nodeOf: id => id === null ? undefined : nodes.get(id)
  }
}

/** One node's leadership: [from, to) in ms. */
export interface Leadership { readonly node: string, readonly inc: number, readonly epoch: number, readonly from: Ms, readonly to: Ms }

/**
 * Every leadership interval, by start time. A 'lead' on:true opens one (a new
 * epoch while open closes the old one first); on:false, the process's exit
 * or a new spawn close it; a 'gap' from leader to not-leader closes it at
 * the gap's `from` (nothing was sampled during the stall). Open at the end: to the end.
 */
export function leaderships (history: readonly HistoryEvent[]): Leadership[] {
  const open = new Map<string, Omit<Leadership, 'to'>>()
  const out: Leadership[] = []
  const close = (node: string, at: Ms): void => {
    const l = open.get(node)
    if (l === undefined) return
    out.push({ ...l, to: Math.max(l.from, at) })
    open.delete(node)
  }
  for (const e of inOrder(history)) {
    if (e.ev === 'lead') {
      const cur = open.get(e.node)
      if (!e.on) close(e.node, e.t)
      else if (cur === undefined || cur.epoch !== e.epoch || cur.inc !== e.inc) {
        close(e.node, e.t)
        open.set(e.node, { node: e.node, inc: e.inc, epoch: e.epoch, from: e.t })
      }
    } else if (e.ev === 'exit' || e.ev === 'spawn') close(e.node, e.t)
    else if (e.ev === 'gap' && e.before && !e.after) close(e.node, e.from)
  }
  const end = endOf(history)
  for (const node of [...open.keys()]) close(node, end)
  return out.sort((a, b) => a.from - b.from)
}

/** How long within [from, to) no node led (by the sampled leaderships): the leaderless time of, say, a roll. */
export function leaderlessMs (history: readonly HistoryEvent[], from: Ms, to: Ms): number {
  let covered = 0
  let reach = from
  for (const l of leaderships(history)) {
    const a = Math.max(l.from, reach)
    const b = Math.min(l.to, to)
    if (b > a) { covered += b - a; reach = b }
  }
  return Math.max(0, to - from - covered)
}

/** A fault in force over [from, to); a 'resign' has from === to. */
export interface FaultWindow { readonly id: number, readonly kind: EventOf<'fault'>['kind'], readonly nodes: readonly string[], readonly from: Ms, readonly to: Ms }

/**
 * Every fault's window. It ends at its 'heal' ('resign' at once); a 'kill',
 * 'term' or 'replace' lasts until its nodes are restarted too (and its heal, if any). A
 * fault never healed lasts until the end.
 */
export function faultWindows (history: readonly HistoryEvent[]): FaultWindow[] {
  const end = endOf(history)
  const heals = new Map<number, Ms>()
  for (const e of history) if (e.ev === 'heal') heals.set(e.id, e.t)
  const respawn = (node: string, after: Ms): Ms =>
    history.find(e => e.ev === 'spawn' && e.node === node && e.t > after)?.t ?? end
  const out: FaultWindow[] = []
  for (const f of history) {
    if (f.ev !== 'fault') continue
    let to = f.kind === 'resign' ? f.t : heals.get(f.id) ?? end
    if (f.kind === 'kill' || f.kind === 'term' || f.kind === 'replace') {
      to = Math.max(heals.get(f.id) ?? f.t, ...f.nodes.map(n => respawn(n, f.t)))
    }
    out.push({ id: f.id, kind: f.kind, nodes: f.nodes, from: f.t, to })
  }
  return out
}

/** What is known of one node at a moment of the sweep. */
interface NodeState {
  alive: boolean
  /** This incarnation's peer ID, once it said ('ready'). */
  id: string | null
  view: { leader: string | null, epoch: number } | null
  leading: Leadership | null
  /** Latest peer:join and peer:leave time per peer ID, this incarnation. */
  joined: Map<string, Ms>
  left: Map<string, Ms>
}

interface Moment {
  readonly t: Ms
  readonly nodes: ReadonlyMap<string, NodeState>
  /** No fault is in force now. */
  readonly calm: boolean
}

/**
 * The state of every node after each moment something changes (a record, a
 * leadership or fault boundary), up to the end; it holds until the next one.
 */
function * sweep (history: readonly HistoryEvent[]): Generator<Moment> {
  const events = inOrder(history)
  const leads = leaderships(history)
  const faults = faultWindows(history)
  const end = endOf(history)
  const points = [...new Set([
    ...events.map(e => e.t), ...leads.flatMap(l => [l.from, l.to]), ...faults.flatMap(f => [f.from, f.to])
  ])].filter(t => t <= end).sort((a, b) => a - b)
  const byNode = new Map<string, Leadership[]>()
  for (const l of leads) byNode.set(l.node, [...byNode.get(l.node) ?? [], l])
  const cursor = new Map<string, number>()
  const nodes = new Map<string, NodeState>()
  const fresh = (alive: boolean): NodeState => ({ alive, id: null, view: null, leading: null, joined: new Map(), left: new Map() })
  for (const n of runOf(history).nodes) nodes.set(n, fresh(false))
  let i = 0
  for (const t of points) {
    for (; i < events.length && events[i]!.t <= t; i++) {
      const e = events[i]!
      if (!('node' in e) || e.ev === 'write') continue
      const s = nodes.get(e.node) ?? fresh(false)
      nodes.set(e.node, s)
      if (e.ev === 'spawn' || e.ev === 'exit') nodes.set(e.node, fresh(e.ev === 'spawn'))
      else if (e.ev === 'ready') s.id = e.id
      else if (e.ev === 'view') s.view = { leader: e.leader, epoch: e.epoch }
      else if (e.ev === 'peer:join') s.joined.set(e.peerId, e.t)
      else if (e.ev === 'peer:leave') s.left.set(e.peerId, e.t)
    }
    for (const [node, s] of nodes) {
      // Each node's leaderships are disjoint and by start time, and t only grows.
      const mine = byNode.get(node) ?? []
      let k = cursor.get(node) ?? 0
      while (k < mine.length && mine[k]!.to <= t) k++
      cursor.set(node, k)
      s.leading = mine[k] !== undefined && mine[k]!.from <= t ? mine[k]! : null
    }
    yield { t, nodes, calm: !faults.some(f => f.from <= t && t < f.to) }
  }
}

const ms = (x: number): string => `${Math.round(x * 10) / 10} ms`

function reporter (checker: string): (t: Ms, message: string) => Violation {
  return (t, message) => ({ checker, t, message })
}

// ---------------------------------------------------------------------------
// The properties.

/** Two nodes' leaderships (any incarnations) overlapping by more than 0 ms: two leaders at once. */
export const noOverlap: Checker = history => {
  const v = reporter('noOverlap')
  const ls = leaderships(history)
  const out: Violation[] = []
  ls.forEach((a, i) => {
    for (const b of ls.slice(i + 1)) {
      const overlap = Math.min(a.to, b.to) - Math.max(a.from, b.from)
      if (a.node !== b.node && overlap > 0) {
        out.push(v(Math.max(a.from, b.from), `${a.node} (epoch ${a.epoch}) and ${b.node} (epoch ${b.epoch}) both led for ${ms(overlap)}`))
      }
    }
  })
  return out
}

/** Each epoch has one leader ID, whether from 'leaderChosen', 'elected' or 'lead' on:true (agreement). */
export const oneLeaderPerEpoch: Checker = history => {
  const v = reporter('oneLeaderPerEpoch')
  const { idOf } = peerIds(history)
  const first = new Map<number, { id: string, by: string }>()
  const reported = new Set<string>()
  const out: Violation[] = []
  for (const e of inOrder(history)) {
    const claim = e.ev === 'leaderChosen'
      ? { id: e.leaderId, by: `${e.node} learned` }
      : e.ev === 'elected' || (e.ev === 'lead' && e.on) ? { id: idOf(e.node, e.inc), by: `${e.node} ${e.ev === 'elected' ? 'was elected' : 'led'}` } : null
    if (claim === null || !('epoch' in e)) continue
    const prev = first.get(e.epoch)
    if (prev === undefined) first.set(e.epoch, claim)
    else if (prev.id !== claim.id && !reported.has(`${e.epoch} ${claim.id}`)) {
      reported.add(`${e.epoch} ${claim.id}`)
      out.push(v(e.t, `epoch ${e.epoch} has two leaders: ${prev.id} (${prev.by}) and ${claim.id} (${claim.by})`))
    }
  }
  return out
}

/**
 * Leaderships over all nodes, by start time, carry strictly increasing epochs.
 * One process leading its epoch again right after its own leadership of it is
 * a lease that lapsed and was renewed (isLeader is "elected and lease live"),
 * not a new leadership.
 */
export const epochsIncrease: Checker = history => {
  const v = reporter('epochsIncrease')
  const ls = leaderships(history)
  return ls.slice(1).flatMap((b, i) => {
    const a = ls[i]!
    const renewed = a.node === b.node && a.inc === b.inc && a.epoch === b.epoch
    return b.epoch > a.epoch || renewed ? [] : [v(b.from, `${b.node} led in epoch ${b.epoch} after ${a.node} led in epoch ${a.epoch}`)]
  })
}

/**
 * Per node, 'leaderChosen' epochs strictly increase within an incarnation and
 * never fall below an earlier incarnation's of the same ID (equal is allowed: a
 * restarted node may announce the record it stored again). A new ID on the host
 * (a wiped data directory) remembers nothing, so it starts afresh.
 */
export const learnedInOrder: Checker = history => {
  const v = reporter('learnedInOrder')
  const { idOf } = peerIds(history)
  const seen = new Map<string, { inc: number, last: number, floor: number, lost: number | null }>()
  const out: Violation[] = []
  for (const e of inOrder(history)) {
    if (e.ev === 'leaderLost') { const s = seen.get(e.node); if (s?.inc === e.inc) s.lost = e.epoch; continue }
    if (e.ev !== 'leaderChosen') continue
    let s = seen.get(e.node) ?? { inc: e.inc, last: -Infinity, floor: -Infinity, lost: null }
    if (s.inc !== e.inc) {
      const same = idOf(e.node, e.inc) === idOf(e.node, s.inc)
      s = { inc: e.inc, last: -Infinity, floor: same ? Math.max(s.floor, s.last) : -Infinity, lost: null }
    }
    // The one repeat allowed: a leader reported lost and then heard from again is reported again.
    const refound = e.epoch === s.last && s.lost === e.epoch
    if (e.epoch <= s.last && !refound) out.push(v(e.t, `${e.node} (inc ${e.inc}) learned epoch ${e.epoch} after epoch ${s.last}`))
    else if (e.epoch < s.floor) out.push(v(e.t, `${e.node} (inc ${e.inc}) learned epoch ${e.epoch} below epoch ${s.floor} of an earlier incarnation`))
    s.last = Math.max(s.last, e.epoch)
    s.lost = null
    seen.set(e.node, s)
  }
  return out
}

/** A leader stalled longer than its lease (a 'gap' over leaseMs) reads isLeader false at once on waking. */
export const wakeReadsFalse: Checker = history => {
  const v = reporter('wakeReadsFalse')
  const { leaseMs } = runOf(history)
  return history.flatMap(e => e.ev === 'gap' && e.before && e.after && e.t - e.from > leaseMs
    ? [v(e.t, `${e.node} woke from a ${ms(e.t - e.from)} stall (lease ${ms(leaseMs)}) still leading`)]
    : [])
}

/** The liveness bound after 'quiet': 10 leases. */
export const convergenceBoundMs = (history: readonly HistoryEvent[]): number => 10 * runOf(history).leaseMs

/**
 * Ms from 'quiet' to the first moment every live node views the same
 * (leader, epoch) and that leader's node leads in that epoch; null if no
 * quiet record or never before the end (the bound is not applied here).
 */
export function convergenceMs (history: readonly HistoryEvent[]): number | null {
  const quiet = history.find(e => e.ev === 'quiet')
  if (quiet === undefined) return null
  for (const m of sweep(history)) {
    // The moment at quiet.t exists (it is a record's time): the state as the faults stop.
    if (m.t >= quiet.t && converged(m)) return m.t - quiet.t
  }
  return null
}

function converged (m: Moment): boolean {
  const alive = [...m.nodes.values()].filter(s => s.alive)
  const view = alive[0]?.view
  if (view == null || view.leader === null) return false
  if (!alive.every(s => s.view?.leader === view.leader && s.view.epoch === view.epoch)) return false
  // The leader is the live incarnation running that ID (a host may have run another ID before).
  const leader = alive.find(s => s.id === view.leader)
  return leader !== undefined && leader.leading?.epoch === view.epoch
}

/** An ordered pair of live nodes without an election connection at the end, and since when (a's last loss of b, or the later start of the two). */
interface Apart { readonly a: string, readonly b: string, readonly since: Ms }

function pairsApart (history: readonly HistoryEvent[]): Apart[] {
  const spawned = new Map<string, Ms>()
  for (const e of history) if (e.ev === 'spawn') spawned.set(e.node, Math.max(spawned.get(e.node) ?? -Infinity, e.t))
  let last: Moment | undefined
  for (const m of sweep(history)) last = m
  if (last === undefined) return []
  const alive = [...last.nodes].filter(([, s]) => s.alive)
  return alive.flatMap(([a, s]) => alive.flatMap(([b, sb]) => {
    // b's ID this incarnation (a started process that never said its ID goes by its name: apart).
    const id = sb.id ?? b
    const left = s.left.get(id) ?? -Infinity
    if (b === a || (s.joined.get(id) ?? -Infinity) > left) return []
    return [{ a, b, since: Math.max(left, spawned.get(a) ?? -Infinity, spawned.get(b) ?? -Infinity) }]
  }))
}

/**
 * The ordered pairs "a->b" of nodes alive at the end where a's election had
 * no connection to b (no peer:join from b after its last peer:leave, this
 * incarnation of a): printed in the summary.
 */
export function unconnectedPairs (history: readonly HistoryEvent[]): string[] {
  return pairsApart(history).map(p => `${p.a}->${p.b}`)
}

/** How long a pair may be apart at the end before it counts (a connection lost just before the end is being redialed). */
export const reconnectBoundMs = (history: readonly HistoryEvent[]): number => 5 * runOf(history).leaseMs

/**
 * At the end, every live node's election is connected to every other live
 * node, unless it lost the connection, or one of the two started, within the
 * last 5 leases.
 */
export const pairsConnected: Checker = history => {
  const v = reporter('pairsConnected')
  const end = endOf(history)
  const bound = reconnectBoundMs(history)
  return pairsApart(history).filter(p => end - p.since > bound)
    .map(p => v(p.since, `${p.a} had no election connection to ${p.b} for the last ${ms(end - p.since)} of the run`))
}

/** A voter of the final configuration: its peer ID, and the host running it at the end (undefined if none does). */
export interface FinalVoter { readonly id: string, readonly node: string | undefined }

/**
 * The newest configuration any node reported (the highest version), with its
 * voters matched to the nodes alive at the end; null if none was reported.
 */
export function finalConfiguration (history: readonly HistoryEvent[]): { version: number, target: number, voters: FinalVoter[], live: Array<{ node: string, id: string | null }> } | null {
  let newest: EventOf<'configuration'> | null = null
  for (const e of history) if (e.ev === 'configuration' && (newest === null || e.version > newest.version)) newest = e
  if (newest === null) return null
  let last: Moment | undefined
  for (const m of sweep(history)) last = m
  const live = [...last?.nodes ?? []].filter(([, s]) => s.alive).map(([node, s]) => ({ node, id: s.id }))
  return {
    version: newest.version,
    target: newest.target,
    voters: [...newest.voters].map(id => ({ id, node: live.find(l => l.id === id)?.node })).sort((a, b) => (a.node ?? '~') < (b.node ?? '~') ? -1 : 1),
    live
  }
}

/**
 * At the end, the newest configuration has as many voters as its target, and
 * they are the live nodes: every ID of a node stopped for good or replaced has
 * been taken out, and every node that came in has been made a voter. (The
 * run ends 12 leases after the last heal: promotion takes stabilizationMs, 2
 * leases; removing a silent voter memberTimeoutMs, 5.)
 */
export const votersAtTarget: Checker = history => {
  const v = reporter('votersAtTarget')
  const end = endOf(history)
  const fc = finalConfiguration(history)
  if (fc === null) return [v(end, 'no node reported a configuration')]
  const out: Violation[] = []
  const gone = fc.voters.filter(m => m.node === undefined)
  const outside = fc.live.filter(l => !fc.voters.some(m => m.id === l.id))
  if (fc.voters.length !== fc.target) out.push(v(end, `configuration ${fc.version} has ${fc.voters.length} voters at the end, target ${fc.target}`))
  if (gone.length > 0) out.push(v(end, `configuration ${fc.version} still names ${gone.length} voter(s) no live node runs: ${gone.map(m => m.id).join(', ')}`))
  if (outside.length > 0) out.push(v(end, `at the end, ${outside.map(l => l.node).join(', ')} ${outside.length === 1 ? 'is' : 'are'} not a voter of configuration ${fc.version}`))
  return out
}

/** After 'quiet', convergence (see convergenceMs) within 10 leases, and before the end. */
export const convergesAfterHeal: Checker = history => {
  const v = reporter('convergesAfterHeal')
  const quiet = history.find(e => e.ev === 'quiet')
  const end = endOf(history)
  if (quiet === undefined) return [v(end, 'no \'quiet\' record: the faults never stopped, liveness is unchecked')]
  const bound = convergenceBoundMs(history)
  const took = convergenceMs(history)
  if (took !== null && took <= bound) return []
  const why = took !== null ? `only after ${ms(took)}` : end < quiet.t + bound ? `not before the end, ${ms(end - quiet.t)} after quiet` : 'never'
  return [v(Math.min(end, quiet.t + bound), `no agreement on a live leader within ${ms(bound)} of quiet: ${why}`)]
}

/**
 * While no fault is active, a live follower F connected to a live leader L
 * (peer:join after its last peer:leave) views L with L's epoch within
 * 2 leases: each longer "deaf" stretch is a violation. A stretch starts when
 * all that holds (so at the latest of the last heal, L's leadership start,
 * F's connection) and restarts with each leadership of L. L is known by the
 * ID its current process runs under; a node that is not running (stopped for
 * good, or not yet started) is neither leader nor follower.
 */
export const noDeafFollower: Checker = history => {
  const v = reporter('noDeafFollower')
  const limit = 2 * runOf(history).leaseMs
  const open = new Map<string, { from: Ms, lead: Leadership }>()
  const out: Violation[] = []
  const close = (key: string, at: Ms): void => {
    const s = open.get(key)
    open.delete(key)
    if (s !== undefined && at - s.from > limit) {
      const [f, l] = key.split(' ')
      out.push(v(s.from, `${f} was deaf to leader ${l} (epoch ${s.lead.epoch}) for ${ms(at - s.from)} from ${ms(s.from)}`))
    }
  }
  for (const m of sweep(history)) {
    for (const [f, fs] of m.nodes) {
      for (const [l, ls] of m.nodes) {
        const key = `${f} ${l}`
        const lead = ls.leading
        const id = ls.id ?? l
        const deaf = m.calm && f !== l && fs.alive && ls.alive && lead !== null && fs.leading === null &&
          (fs.joined.get(id) ?? -Infinity) > (fs.left.get(id) ?? -Infinity) &&
          !(fs.view?.leader === id && fs.view.epoch === lead.epoch)
        const cur = open.get(key)
        if (cur !== undefined && (!deaf || cur.lead !== lead)) close(key, m.t)
        if (deaf && !open.has(key)) open.set(key, { from: m.t, lead })
      }
    }
  }
  const end = endOf(history)
  for (const key of [...open.keys()]) close(key, end)
  return out
}

/** Every 'error' record: the run injects no disk faults, so any error reported to the host is spurious. */
export const noSpuriousErrors: Checker = history => {
  const v = reporter('noSpuriousErrors')
  return history.flatMap(e => e.ev === 'error' ? [v(e.t, `${e.node} (inc ${e.inc}) reported: ${e.message}${e.code !== undefined ? ` [${e.code}]` : ''}`)] : [])
}

/** Accepted writes to `register` whose epoch is below the highest it accepted before them. */
export function staleWrites (history: readonly HistoryEvent[], register: Write['register']): Write[] {
  let highest = -Infinity
  const out: Write[] = []
  for (const e of inOrder(history)) {
    if (e.ev !== 'write' || e.register !== register || !e.accepted) continue
    if (e.epoch < highest) out.push(e)
    highest = Math.max(highest, e.epoch)
  }
  return out
}

/** The unfenced register's stale writes: the anomaly the run must show. Expected, so not a checker. */
export const unfencedAnomalies = (history: readonly HistoryEvent[]): Write[] => staleWrites(history, 'unfenced')

/** The fenced register accepts no write below an epoch it accepted before, and one node's writes per epoch. */
export const fencedRegister: Checker = history => {
  const v = reporter('fencedRegister')
  const out = staleWrites(history, 'fenced').map(w => v(w.t, `accepted ${w.node}'s write ${w.seq} in epoch ${w.epoch} after a higher epoch`))
  const writer = new Map<number, string>()
  for (const e of inOrder(history)) {
    if (e.ev !== 'write' || e.register !== 'fenced' || !e.accepted) continue
    const w = writer.get(e.epoch)
    if (w === undefined) writer.set(e.epoch, e.node)
    else if (w !== e.node) out.push(v(e.t, `epoch ${e.epoch} has two writers: ${w} and ${e.node} (write ${e.seq})`))
  }
  return out
}

export const CHECKERS: Record<string, Checker> = {
  noOverlap,
  oneLeaderPerEpoch,
  epochsIncrease,
  learnedInOrder,
  wakeReadsFalse,
  convergesAfterHeal,
  noDeafFollower,
  noSpuriousErrors,
  pairsConnected,
  votersAtTarget,
  fencedRegister
}

/** Every checker's violations, in time order. */
export function checkAll (history: readonly HistoryEvent[]): Violation[] {
  return Object.values(CHECKERS).flatMap(c => c(history)).sort((a, b) => a.t - b.t)
}
