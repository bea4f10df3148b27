/**
 * Network benchmark: five node processes, each in its own network namespace on
 * a virtual bridge, over TCP + Noise + yamux with mDNS. Measures (medians):
 * - cold start: from the last node's libp2p being up (and from spawning the
 *   processes) to every node agreeing on a leader that holds its lease;
 * - failover: from SIGKILL of the leader until every survivor agrees on a new one;
 * - handover: from the leader's stop() (called by its SIGTERM handler; the
 *   leader resigns in stop()) until its successor holds a majority lease (the
 *   time without a leader), and until every survivor knows it; also from the
 *   bench sending SIGTERM, which adds the signal's delivery;
 * - messages and bytes per election;
 * - idle CPU % and RSS per node: in each trial a fresh cluster (the one whose
 *   cold start was just measured) idles for --settle ms after its election, then
 *   for the --idle window; the medians over trials of the median node and of the
 *   busiest node are reported, since one window of one cluster varies a lot.
 *   npm run bench                    table
 *   npm run bench -- --json          one JSON object
 *   npm run bench -- --trials 10 --lease 2000
 *   npm run bench -- --heartbeat 1000   heartbeats every 1000 ms instead of leaseMs/4
 *   npm run bench -- --phases handover   only some of cold, idle, failover, handover, rejoin, roll, replace
 *   rejoin (only when named): SIGKILL a node (a follower, then the leader, --trials times each) and
 *         restart it on its data directory (the same peer ID) after --restart-delay ms: from the new
 *         process's spawn and from its createElection resolving until it is connected to every peer
 *         (its 'peer:join' of each, and each one's of it), and until it knows a leader.
 *   npm run bench -- --phases rejoin --nodes 3 --trials 8
 *   roll: a rolling update with surge of every node (new node under a new identity, wait until it
 *         knows the leader, SIGTERM an old one), --roll-trials times: the leaderless time.
 *   replace: SIGKILL a voter while an observer waits: until the leader has put the observer in its
 *         place (memberTimeoutMs, then one change), --roll-trials times.
 *   npm run bench -- --memory        memory storage instead of a data directory per node
 *                                    (every start then waits out the quarantine)
 *   npm run bench -- --phases idle --trials 3 --settle 120000 --idle 60000
 *                                    idle CPU only, over one minute after two of running:
 *                                    V8 takes minutes to optimise code run a few times a second
 * Needs root (it creates network namespaces); it deletes them when done.
 */
import { parseArgs } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { canCreateNamespaces, VirtualLan } from '../test/multihost/netns.js'
import { leaderlessMs, startNode, type NodeProc, type ProcEvent } from '../test/multihost/cluster.js'
import { encodeMessage } from '../src/transport/codec.js'

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    trials: { type: 'string', default: '10' },
    lease: { type: 'string', default: '2000' },
    heartbeat: { type: 'string' },
    nodes: { type: 'string', default: '5' },
    idle: { type: 'string', default: '20000' },
    settle: { type: 'string', default: '5000' },
    memory: { type: 'boolean', default: false },
    phases: { type: 'string', default: 'cold,idle,failover,handover,roll,replace' },
    'roll-trials': { type: 'string', default: '3' },
    'restart-delay': { type: 'string', default: '0' }
  }
})
/** A numeric option (a whole one for counts), or exit naming the bad one. */
function numberOption (name: 'trials' | 'lease' | 'heartbeat' | 'nodes' | 'idle' | 'settle' | 'restart-delay', min: number, whole = false): number {
  const v = Number(values[name])
  if (!(whole ? Number.isSafeInteger(v) : Number.isFinite(v)) || v < min) {
    console.error(`bench: --${name} must be a ${whole ? 'whole ' : ''}number of at least ${min}, got ${JSON.stringify(values[name])}`)
    process.exit(2)
  }
  return v
}
const TRIALS = numberOption('trials', 1, true)
// --phases handover: measure only some of the phases.
const KNOWN_PHASES = ['cold', 'idle', 'failover', 'handover', 'rejoin', 'roll', 'replace']
const PHASES = new Set(values.phases.split(',').map(p => p.trim()).filter(p => p !== ''))
const unknownPhase = [...PHASES].find(p => !KNOWN_PHASES.includes(p))
if (unknownPhase !== undefined || PHASES.size === 0) {
  console.error(`bench: --phases takes a comma-separated list of ${KNOWN_PHASES.join(', ')}; got ${JSON.stringify(values.phases)}`)
  process.exit(2)
}
const trialsOf = (phase: string): number => PHASES.has(phase) ? TRIALS : 0
const LEASE = numberOption('lease', 1)
// The library's default unless given; it must stay below the lease.
const HEARTBEAT = values.heartbeat === undefined ? LEASE / 4 : numberOption('heartbeat', 1)
if (HEARTBEAT >= LEASE) {
  console.error(`bench: --heartbeat must be below --lease (${LEASE}), got ${HEARTBEAT}`)
  process.exit(2)
}
const N = numberOption('nodes', 1, true)
const IDLE_MS = numberOption('idle', 1000)
// How long the running cluster idles after its election before the idle window opens.
const SETTLE_MS = numberOption('settle', 0)
// How long a killed node stays down before it is restarted (rejoin).
const RESTART_DELAY_MS = numberOption('restart-delay', 0)
if (PHASES.has('rejoin') && (values.memory || N < 2)) {
  console.error('bench: the rejoin phase restarts a node on its data directory (not with --memory) among at least 2 nodes')
  process.exit(2)
}
const say = (s: string): void => { if (!values.json) console.log(s); else console.error(s) }

if (!canCreateNamespaces()) {
  console.error('bench: needs root to create network namespaces (the nodes never run on the host network)')
  process.exit(2)
}

/** The median, or null for a phase that was not measured. */
const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/**
 * The instant (child clock) at which all of `procs` agreed on one leader that
 * holds its lease, at or after `after`; waits for it.
 */
async function agreedAt (procs: NodeProc[], after: number, timeoutMs: number): Promise<{ t: number, leader: NodeProc }> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const leaders = procs.filter(p => p.isLeader)
    if (leaders.length === 1 && procs.every(p => p.leader === leaders[0]!.id && p.epoch === leaders[0]!.epoch)) {
      const l = leaders[0]!
      // The latest of the views that make up the agreement.
      const lastView = (p: NodeProc): number => {
        const v = [...p.events].reverse().find(e => e.ev === 'view' && e.leader === l.id && e.epoch === l.epoch && (p !== l || e.isLeader === true))
        return v?.t ?? Infinity
      }
      const t = Math.max(...procs.map(lastView))
      if (t >= after) return { t, leader: l }
    }
    if (Date.now() > end) throw new Error(`no agreement within ${timeoutMs} ms: ${procs.map(p => `${p.host.name}=${p.leader?.slice(-6) ?? 'none'}@${p.epoch}${p.isLeader ? '*' : ''}${p.exited ? '(exited)' : ''}`).join(' ')}`)
    // Woken by the next report of any node, not by polling: a 2 ms polling loop took a good
    // share of the two CPUs from the very nodes being measured.
    await Promise.race(procs.map(async p => { await p.changed(100) }))
  }
}

async function usage (p: NodeProc): Promise<ProcEvent> {
  const from = p.events.length
  p.signal('SIGUSR1')
  return await p.next(e => e.ev === 'usage', 5000, from)
}

interface Wire { framesSent: number, bytesSent: number }

/** What a cluster did over one idle window. */
interface IdleWindow {
  /** CPU % of each node over the window, all threads. */
  readonly cpu: number[]
  readonly rssMB: number[]
  /** Frames and bytes the whole cluster sent per ms. */
  readonly frameRate: number
  readonly byteRate: number
}

/** Measures an idle cluster over the next `windowMs`. */
async function idleWindow (ps: NodeProc[], windowMs: number): Promise<IdleWindow> {
  const u0 = await Promise.all(ps.map(usage))
  await sleep(windowMs)
  const u1 = await Promise.all(ps.map(usage))
  const cpu = ps.map((_, i) => {
    const a = u0[i]!; const b = u1[i]!
    const us = (b.cpuUserUs as number) + (b.cpuSystemUs as number) - (a.cpuUserUs as number) - (a.cpuSystemUs as number)
    return 100 * (us / 1000) / (b.t - a.t)
  })
  const sent = (us: ProcEvent[], field: keyof Wire): number => us.reduce((s, u) => s + (u.wire as Wire)[field], 0)
  const span = u1[0]!.t - u0[0]!.t
  return {
    cpu,
    rssMB: u1.map(u => (u.rss as number) / (1024 * 1024)),
    frameRate: (sent(u1, 'framesSent') - sent(u0, 'framesSent')) / span,
    byteRate: (sent(u1, 'bytesSent') - sent(u0, 'bytesSent')) / span
  }
}

/** Frames and bytes each process has sent so far. */
async function wireOf (ps: NodeProc[]): Promise<Map<NodeProc, Wire>> {
  return new Map(await Promise.all(ps.map(async p => [p, (await usage(p)).wire as Wire] as const)))
}

const lan = new VirtualLan(N, 'bench')
// By default each node keeps its state in a data directory (fresh for every cold start), the
// recommended set-up; --memory runs without one.
const root = values.memory ? null : mkdtempSync(join(tmpdir(), 'quorum-bench-'))
const procs: NodeProc[] = []
const kill = (p: NodeProc): void => { p.signal('SIGKILL') }
process.once('SIGINT', () => { for (const p of procs) kill(p); lan.destroy(); process.exit(130) })

try {
  let generation = 0
  const start = (i: number): NodeProc => {
    const dataDir = root === null ? undefined : join(root, `g${generation}`, `h${i}`)
    const p = startNode(lan, lan.hosts[i]!, { size: N, leaseMs: LEASE, ...(values.heartbeat === undefined ? {} : { heartbeatMs: HEARTBEAT }), cluster: 'bench', ...(dataDir === undefined ? {} : { dataDir }) })
    procs[i] = p
    return p
  }

  // ---- cold start, then idle CPU and memory of the same fresh cluster ------------
  const cold: number[] = []
  const coldSpawn: number[] = []
  const idle: IdleWindow[] = []
  /** The leader's CPU % in each idle window. */
  const idleLeader: number[] = []
  const freshTrials = Math.max(trialsOf('cold'), trialsOf('idle'))
  for (let trial = 0; trial < freshTrials; trial++) {
    const spawnedAt = performance.timeOrigin + performance.now()
    const ps = Array.from({ length: N }, (_, i) => start(i))
    const ready = await Promise.all(ps.map(async p => await p.next(e => e.ev === 'ready', 30_000)))
    const lastReady = Math.max(...ready.map(e => e.t))
    const { t } = await agreedAt(ps, lastReady, 30 * LEASE)
    if (PHASES.has('cold')) {
      cold.push(t - lastReady)
      coldSpawn.push(t - spawnedAt)
      say(`cold start ${trial + 1}: ${(t - lastReady).toFixed(1)} ms after the last node was up, ${(t - spawnedAt).toFixed(0)} ms after spawning`)
    }
    if (PHASES.has('idle')) {
      // After the election's own work (JIT, GC of start-up garbage) has settled (--settle).
      await sleep(SETTLE_MS)
      const w = await idleWindow(ps, IDLE_MS)
      idle.push(w)
      // The leader as the window closes (an idle cluster keeps the one it elected).
      const leader = ps.find(p => p.isLeader) ?? null
      if (leader !== null) idleLeader.push(w.cpu[ps.indexOf(leader)]!)
      say(`idle ${trial + 1}: CPU ${w.cpu.map((c, i) => `${c.toFixed(2)}${ps[i] === leader ? ' (leader)' : ''}`).join(', ')} %; RSS ${w.rssMB.map(r => r.toFixed(0)).join(', ')} MB; ${(w.frameRate * 1000).toFixed(1)} frames/s in the cluster`)
    }
    for (const p of ps) kill(p)
    await Promise.all(ps.map(async p => { await p.exit() }))
    generation++
  }
  const idleMedian = idle.map(w => median(w.cpu)!)
  const idleMax = idle.map(w => Math.max(...w.cpu))

  // A running cluster for failover and handover, settled as the idle clusters were.
  if (PHASES.has('failover') || PHASES.has('handover')) {
    for (let i = 0; i < N; i++) start(i)
    await agreedAt(procs, 0, 30 * LEASE)
    await sleep(SETTLE_MS)
  }
  // The heartbeat background, subtracted from the traffic of a handover.
  let background = { frameRate: median(idle.map(w => w.frameRate)), byteRate: median(idle.map(w => w.byteRate)) }
  if (PHASES.has('handover') && background.frameRate === null) {
    const w = await idleWindow(procs, 5000)
    background = { frameRate: w.frameRate, byteRate: w.byteRate }
  }

  // ---- failover after SIGKILL ----------------------------------------------------
  const failover: number[] = []
  for (let trial = 0; trial < trialsOf('failover'); trial++) {
    const { leader } = await agreedAt(procs, 0, 30 * LEASE)
    await sleep(LEASE / 2 + Math.random() * LEASE / 2)
    const i = procs.indexOf(leader)
    const killedAt = performance.timeOrigin + performance.now()
    kill(leader)
    await leader.exit()
    const survivors = procs.filter(p => p !== leader)
    const { t } = await agreedAt(survivors, killedAt, 30 * LEASE)
    failover.push(t - killedAt)
    say(`failover ${trial + 1}: ${(t - killedAt).toFixed(1)} ms (${((t - killedAt) / LEASE).toFixed(3)} × leaseMs)`)
    // Bring the host back as a new process and let it settle before the next trial.
    const back = start(i)
    await back.next(e => e.ev === 'ready', 30_000)
    await agreedAt(procs, 0, 30 * LEASE)
    await sleep(LEASE * 1.2)
  }

  // ---- graceful handover after stop() --------------------------------------------
  const handover: number[] = []
  const handoverAgreement: number[] = []
  const handoverFromSignal: number[] = []
  const msgs: number[] = []
  const bytes: number[] = []
  const frameRate = background.frameRate ?? 0
  const byteRate = background.byteRate ?? 0
  // A Resign frame with a successor: length prefix + protobuf (type, epoch, successor peer ID).
  const resignBytes = procs[0] === undefined ? 0 : 1 + encodeMessage({ type: 'resign', epoch: 1, successor: procs[0].id }).length
  for (let trial = 0; trial < trialsOf('handover'); trial++) {
    const { leader } = await agreedAt(procs, 0, 30 * LEASE)
    await sleep(200 + Math.random() * 200)
    const i = procs.indexOf(leader)
    const leaderEpoch = leader.epoch
    const survivors = procs.filter(p => p !== leader)
    const before = await wireOf(survivors)
    const from = leader.events.length
    const stoppedAt = performance.timeOrigin + performance.now()
    leader.signal('SIGTERM')
    const { t, leader: next } = await agreedAt(survivors, stoppedAt, 10 * LEASE)
    // The old leader's clock reading as its SIGTERM handler called stop().
    const stopping = (await leader.next(e => e.ev === 'stopping', 5000, from)).t
    // The successor's first epoch after the old leader's (it then removes the leaver: a later epoch).
    const elected = await next.next(e => e.ev === 'elected' && (e.epoch as number) > leaderEpoch, 5000)
    await leader.exit()
    const windowStart = Date.now()
    const after = await wireOf(survivors)
    handover.push(elected.t - stopping)
    handoverAgreement.push(t - stopping)
    handoverFromSignal.push(elected.t - stoppedAt)
    // The election's own traffic: what the survivors sent, plus the old leader's Resign to each
    // of them, less the heartbeat background the survivors would have sent anyway.
    const window = Date.now() - windowStart + (t - stoppedAt)
    let f = N - 1
    let by = (N - 1) * resignBytes
    for (const p of survivors) { f += after.get(p)!.framesSent - before.get(p)!.framesSent; by += after.get(p)!.bytesSent - before.get(p)!.bytesSent }
    msgs.push(Math.max(0, f - frameRate * window * (N - 1) / N))
    bytes.push(Math.max(0, by - byteRate * window * (N - 1) / N))
    say(`handover ${trial + 1}: successor holds its lease ${(elected.t - stopping).toFixed(1)} ms after stop() (${(elected.t - stoppedAt).toFixed(1)} ms after SIGTERM), all survivors agree after ${(t - stopping).toFixed(1)} ms`)
    start(i)
    await agreedAt(procs, 0, 30 * LEASE)
    await sleep(LEASE * 1.2)
  }

  // ---- rejoin: a node killed and restarted on its data directory -----------------
  /** Wall-clock instants of one restart; `smaller`: how many of its peers have a smaller peer ID (see transport/dialer.ts). */
  interface Rejoin { spawn: number, ready: number, own: number, theirs: number, leader: number, firstPeer: number, smaller: number }
  const rejoin: Record<'follower' | 'leader', Rejoin[]> = { follower: [], leader: [] }
  if (PHASES.has('rejoin')) {
    if (procs.length < N || procs.some(p => p.exited)) {
      for (const p of procs) if (p !== undefined) kill(p)
      await Promise.all(procs.filter(p => p !== undefined).map(async p => { await p.exit() }))
      generation++
      for (let i = 0; i < N; i++) start(i)
    }
    await agreedAt(procs, 0, 30 * LEASE)
    await sleep(SETTLE_MS)
  }
  for (let trial = 0; trial < 2 * trialsOf('rejoin'); trial++) {
    const role = trial % 2 === 0 ? 'follower' : 'leader'
    const { leader } = await agreedAt(procs, 0, 30 * LEASE)
    await sleep(LEASE / 2 + Math.random() * LEASE / 2)
    // Each follower in turn.
    const followers = procs.filter(p => p !== leader)
    const victim = role === 'leader' ? leader : followers[(trial >> 1) % followers.length]!
    const i = procs.indexOf(victim)
    const id = victim.id!
    kill(victim)
    await victim.exit()
    await sleep(RESTART_DELAY_MS)
    const others = procs.filter(p => p !== victim)
    const spawnedAt = performance.timeOrigin + performance.now()
    const back = start(i)
    const ready = await back.next(e => e.ev === 'ready', 30_000)
    if (ready.id !== id) throw new Error(`rejoin: ${back.host.name} came back as ${String(ready.id)}, not ${id}`)
    // Its own view: the peers it had as createElection resolved, then each 'peer:join'.
    const joined = new Set(ready.peers as string[])
    let firstPeer = joined.size > 0 ? ready.t : Infinity
    let own = joined.size === N - 1 ? ready.t : Infinity
    for (let from = 0; own === Infinity;) {
      const e = await back.next(e => e.ev === 'peer:join' || e.ev === 'peer:leave', 30 * LEASE, from)
      from = back.events.indexOf(e) + 1
      if (e.ev === 'peer:join') { joined.add(e.peerId as string); firstPeer = Math.min(firstPeer, e.t) } else joined.delete(e.peerId as string)
      if (joined.size === N - 1) own = e.t
    }
    // Theirs: every other node's 'peer:join' of the restarted one, after its start.
    const theirs = await Promise.all(others.map(async p => (await p.next(e => e.ev === 'peer:join' && e.peerId === id && e.t > spawnedAt, 30 * LEASE)).t))
    const leaderAt = ready.leader !== null ? ready.t : (await back.next(e => e.ev === 'view' && e.leader !== null, 30 * LEASE)).t
    const r: Rejoin = { spawn: spawnedAt, ready: ready.t, own, theirs: Math.max(...theirs), leader: leaderAt, firstPeer, smaller: others.filter(p => p.id! < id).length }
    rejoin[role].push(r)
    say(`rejoin ${trial + 1} (${role}, ${r.smaller} of ${N - 1} peers with a smaller ID): up ${(r.ready - r.spawn).toFixed(0)} ms after spawn; from createElection resolving: first peer ${(r.firstPeer - r.ready).toFixed(0)} ms, all its peers ${(r.own - r.ready).toFixed(0)} ms, every peer has it ${(r.theirs - r.ready).toFixed(0)} ms, knows a leader ${(r.leader - r.ready).toFixed(0)} ms`)
    await agreedAt(procs, 0, 30 * LEASE)
    await sleep(LEASE)
  }
  /** Median and max over both roles of `f`, as text. */
  const rejoinStat = (rs: Rejoin[], f: (r: Rejoin) => number): string => rs.length === 0 ? 'not measured' : `${median(rs.map(f))!.toFixed(0)} ms (max ${Math.max(...rs.map(f)).toFixed(0)})`
  const reached = (r: Rejoin): number => Math.max(r.own, r.theirs)
  const rejoinAll = [...rejoin.follower, ...rejoin.leader]

  // ---- rolling update with surge, and replacing a crashed voter --------------------
  const rollTrials = PHASES.has('roll') || PHASES.has('replace') ? Number(values['roll-trials']) : 0
  const rollLeaderless: number[] = []
  const rollDuration: number[] = []
  const replaceMs: number[] = []
  /** A node under a new identity that joins the running cluster, on host `i` next to the one there. */
  const fresh = (i: number): NodeProc => {
    generation++
    const dataDir = root === null ? undefined : join(root, `g${generation}`, `h${i}`)
    return startNode(lan, lan.hosts[i]!, { size: N, leaseMs: LEASE, join: true, ...(values.heartbeat === undefined ? {} : { heartbeatMs: HEARTBEAT }), cluster: 'bench', ...(dataDir === undefined ? {} : { dataDir }) })
  }
  const lastVoters = (p: NodeProc): readonly string[] => (p.events.findLast(e => e.ev === 'configuration')?.voters as string[] | undefined) ?? []
  if (rollTrials > 0 && procs.length < N) {
    for (let i = 0; i < N; i++) start(i)
    await agreedAt(procs, 0, 30 * LEASE)
    await sleep(SETTLE_MS)
  }
  for (let trial = 0; trial < (PHASES.has('roll') ? rollTrials : 0); trial++) {
    const all: NodeProc[] = [...procs]
    const t0 = performance.timeOrigin + performance.now()
    for (let i = 0; i < N; i++) {
      const old = procs[i]!
      const next = fresh(i)
      all.push(next)
      await next.next(e => e.ev === 'view' && e.leader !== null, 30 * LEASE)
      old.signal('SIGTERM')
      await old.exit()
      procs[i] = next
    }
    const { t } = await agreedAt(procs, 0, 30 * LEASE)
    const gap = leaderlessMs(all, t0, t)
    rollLeaderless.push(gap)
    rollDuration.push(t - t0)
    say(`roll ${trial + 1}: ${N} nodes replaced in ${((t - t0) / 1000).toFixed(1)} s, leaderless ${gap.toFixed(1)} ms`)
    await sleep(LEASE)
  }
  for (let trial = 0; trial < (PHASES.has('replace') ? rollTrials : 0); trial++) {
    const { leader } = await agreedAt(procs, 0, 30 * LEASE)
    const victimIndex = procs.findIndex(p => p !== leader)
    const victim = procs[victimIndex]!
    const spare = fresh(victimIndex)
    await spare.next(e => e.ev === 'view' && e.leader !== null, 30 * LEASE)
    await sleep(LEASE)
    const killedAt = performance.timeOrigin + performance.now()
    kill(victim)
    await victim.exit()
    const replaced = await leader.next(e => e.ev === 'configuration' && e.t > killedAt && (e.voters as string[]).includes(spare.id!) && !(e.voters as string[]).includes(victim.id!), 60 * LEASE)
    replaceMs.push(replaced.t - killedAt)
    say(`replace ${trial + 1}: crashed voter replaced ${(replaced.t - killedAt).toFixed(0)} ms after SIGKILL (${((replaced.t - killedAt) / LEASE).toFixed(2)} × leaseMs; voters ${lastVoters(leader).length})`)
    procs[victimIndex] = spare
    await sleep(LEASE)
  }

  const failoverMs = median(failover)
  const result = {
    nodes: N,
    leaseMs: LEASE,
    heartbeatMs: HEARTBEAT,
    storage: values.memory ? 'memory' : 'dataDir',
    trials: TRIALS,
    phases: KNOWN_PHASES.filter(p => PHASES.has(p)),
    coldStartMs: median(cold),
    coldStartFromSpawnMs: median(coldSpawn),
    failoverMs,
    failoverToLeaseRatio: failoverMs === null ? null : failoverMs / LEASE,
    handoverMs: median(handover),
    handoverAgreementMs: median(handoverAgreement),
    handoverFromSignalMs: median(handoverFromSignal),
    messagesPerElection: median(msgs),
    bytesPerElection: median(bytes),
    // Medians over trials of each trial's median node and of its busiest node.
    idleCpuPercent: median(idleMedian),
    idleCpuMaxPercent: median(idleMax),
    idleCpuMaxPercentByTrial: idleMax.map(x => Number(x.toFixed(3))),
    idleCpuLeaderPercent: median(idleLeader),
    idleSettleMs: SETTLE_MS,
    idleWindowMs: IDLE_MS,
    rssMB: median(idle.map(w => median(w.rssMB)!)),
    idleFramesPerSecond: background.frameRate === null ? null : background.frameRate * 1000,
    rollLeaderlessMs: median(rollLeaderless),
    rollLeaderlessMsByTrial: rollLeaderless.map(x => Number(x.toFixed(1))),
    rollDurationMs: median(rollDuration),
    replaceCrashedVoterMs: median(replaceMs),
    rejoinRestartDelayMs: RESTART_DELAY_MS,
    // From the restarted process's start (spawn) and from its createElection resolving (ready)
    // until it and every peer are connected both ways; by the killed node's role.
    rejoinFromSpawnMs: median(rejoinAll.map(r => reached(r) - r.spawn)),
    rejoinFromSpawnMaxMs: rejoinAll.length === 0 ? null : Math.max(...rejoinAll.map(r => reached(r) - r.spawn)),
    rejoinFromReadyMs: median(rejoinAll.map(r => reached(r) - r.ready)),
    rejoinFromReadyMaxMs: rejoinAll.length === 0 ? null : Math.max(...rejoinAll.map(r => reached(r) - r.ready)),
    rejoinLeaderKnownFromReadyMs: median(rejoinAll.map(r => r.leader - r.ready)),
    rejoinByRole: Object.fromEntries((['follower', 'leader'] as const).map(role => [role, rejoin[role].map(r => ({
      upMs: Math.round(r.ready - r.spawn),
      firstPeerMs: Math.round(r.firstPeer - r.ready),
      ownMs: Math.round(r.own - r.ready),
      theirsMs: Math.round(r.theirs - r.ready),
      leaderMs: Math.round(r.leader - r.ready),
      smallerPeers: r.smaller
    }))]))
  }
  if (values.json) {
    console.log(JSON.stringify(result))
  } else {
    const f = (v: number | null, digits: number, unit = ''): string => v === null ? 'not measured' : `${v.toFixed(digits)}${unit}`
    const over = idleMax.filter(x => x >= 1).length
    console.log('')
    console.log(`Quorum network benchmark: ${N} processes in namespaces on a virtual bridge, leaseMs ${LEASE}, heartbeatMs ${HEARTBEAT}, ${result.storage} storage, ${TRIALS} trials (medians)`)
    const rows: Array<[string, string, string]> = [
      ['cold start (from last node up)', f(result.coldStartMs, 1, ' ms'), 'target < 1000 ms'],
      ['cold start (from spawn)', f(result.coldStartFromSpawnMs, 0, ' ms'), ''],
      ['failover after SIGKILL', result.failoverMs === null ? 'not measured' : `${f(result.failoverMs, 1, ' ms')} = ${f(result.failoverToLeaseRatio, 3)} × leaseMs`, `target < leaseMs + 100 = ${LEASE + 100} ms`],
      ['handover: stop() → successor leads', f(result.handoverMs, 1, ' ms'), 'target < 20 ms'],
      ['  SIGTERM → successor leads', f(result.handoverFromSignalMs, 1, ' ms'), ''],
      ['  stop() → all survivors agree', f(result.handoverAgreementMs, 1, ' ms'), ''],
      ['messages per election', f(result.messagesPerElection, 0), ''],
      ['bytes per election', f(result.bytesPerElection, 0), ''],
      ['idle CPU per node', result.idleCpuPercent === null ? 'not measured' : `${f(result.idleCpuPercent, 2, ' %')} (busiest ${f(result.idleCpuMaxPercent, 2, ' %')})`, 'target < 1 %'],
      ['  busiest node, by trial', idleMax.length === 0 ? '' : `${Math.min(...idleMax).toFixed(2)}–${Math.max(...idleMax).toFixed(2)} %, ≥ 1 % in ${over} of ${idleMax.length}`, ''],
      ['  the leader', f(result.idleCpuLeaderPercent, 2, ' %'), ''],
      ['  measured', `${(IDLE_MS / 1000).toFixed(0)} s, from ${(SETTLE_MS / 1000).toFixed(0)} s after the election`, ''],
      ['RSS per node', f(result.rssMB, 0, ' MB'), ''],
      [`rolling update (surge), leaderless`, result.rollLeaderlessMs === null ? 'not measured' : `${f(result.rollLeaderlessMs, 1, ' ms')} (by trial ${rollLeaderless.map(x => x.toFixed(0)).join(', ')})`, 'target < 500 ms'],
      ['  whole roll', f(result.rollDurationMs === null ? null : result.rollDurationMs / 1000, 1, ' s'), ''],
      ['replace a crashed voter', f(result.replaceCrashedVoterMs, 0, ' ms'), 'memberTimeoutMs + a change'],
      [`rejoin after SIGKILL (${rejoinAll.length} restarts)`, rejoinStat(rejoinAll, r => reached(r) - r.spawn), `from spawn; target < leaseMs = ${LEASE} ms`],
      ['  from createElection resolving', rejoinStat(rejoinAll, r => reached(r) - r.ready), ''],
      ['  spawn → createElection resolves', rejoinStat(rejoinAll, r => r.ready - r.spawn), ''],
      ['  → its first peer', rejoinStat(rejoinAll, r => r.firstPeer - r.ready), ''],
      ['  → all its peers (its view)', rejoinStat(rejoinAll, r => r.own - r.ready), ''],
      ['  → every peer has it (theirs)', rejoinStat(rejoinAll, r => r.theirs - r.ready), ''],
      ['  → knows a leader', rejoinStat(rejoinAll, r => r.leader - r.ready), ''],
      ['    when its ID is the smallest', rejoinStat(rejoinAll.filter(r => r.smaller === 0), r => r.own - r.ready), ''],
      ['    when a peer\'s is smaller', rejoinStat(rejoinAll.filter(r => r.smaller > 0), r => r.own - r.ready), ''],
      ['  a follower killed', rejoinStat(rejoin.follower, r => reached(r) - r.ready), ''],
      ['  the leader killed', rejoinStat(rejoin.leader, r => reached(r) - r.ready), '']
    ]
    for (const [k, v, tgt] of rows) console.log(`${k.padEnd(36)} ${v.padEnd(36)} ${tgt}`)
  }
} finally {
  for (const p of procs) if (p !== undefined) kill(p)
  await Promise.all(procs.filter(p => p !== undefined).map(async p => { await p.exit() }))
  lan.destroy()
  if (root !== null) rmSync(root, { recursive: true, force: true })
}
