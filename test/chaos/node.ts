/**
 * One node of a chaos run, as its own process (started by test/chaos/cluster.ts
 * inside its host's network namespace). It runs the election through the
 * public API with a data directory and writes history records (history.ts),
 * one JSON object per line, to stdout:
 * - `isLeader` and `leader`, sampled every millisecond, when they change;
 * - a `gap` when the sampler itself ran late (the process was stalled);
 * - every election event, peer event, error, warning and configuration learned.
 * With --join it never founds a cluster, only joins one (a node a roll or scale adds).
 * With --registers <socket>, it runs the fenced-resource workload: while it
 * leads, every WRITE_EVERY_MS it takes its epoch, works for HOLD_MS (a stall
 * there is what makes a write stale), and then writes to both registers.
 * Signals: SIGUSR2 resigns; SIGTERM stops gracefully (resigning) and exits.
 *
 * QUORUM_CHAOS_BROKEN=<variant> plants a bug, to show that a checker bites:
 * - sticky-leader: reports itself leader from `elected` until `demoted`,
 *   ignoring the lease (as an application caching `isLeader` would);
 * - deaf (node n1 only): ignores every heartbeat, Chosen and status reply (the catch-up
 *   a nack would start, seen under load), though its connections stay up (the deaf link),
 *   and every promise and accepted, so that it never leads;
 * - send-throws: the transport throws on one send or broadcast in ten (the start-up errors of old).
 */
import { parseArgs } from 'node:util'
import { connect, type Socket } from 'node:net'
import { createElection } from '../../src/index.js'
import { Node } from '../../src/node/node.js'
import { Libp2pTransport } from '../../src/transport/libp2p.js'

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    inc: { type: 'string', default: '1' },
    cluster: { type: 'string', default: 'chaos' },
    size: { type: 'string', default: '5' },
    lease: { type: 'string', default: '1000' },
    listen: { type: 'string' },
    'data-dir': { type: 'string' },
    registers: { type: 'string' },
    join: { type: 'boolean', default: false }
  }
})

/** Sampler period; a sample later than this by GAP_MS is recorded as a gap. */
const SAMPLE_MS = 1
const GAP_MS = 25
const WRITE_EVERY_MS = 100
const HOLD_MS = 50

const node = values.name!
const inc = Number(values.inc)
const now = (): number => Number(process.hrtime.bigint()) / 1e6
const out = (o: Record<string, unknown>): void => { process.stdout.write(JSON.stringify({ t: now(), node, inc, ...o }) + '\n') }
const broken = process.env.QUORUM_CHAOS_BROKEN ?? ''

if (broken === 'deaf' && values.name === 'n1') {
  const step = Node.prototype.step
  const unheard = new Set(['heartbeat', 'promise', 'accepted', 'chosen', 'statusReply'])
  Node.prototype.step = function (this: Node, from, msg) { if (!unheard.has(msg.type)) step.call(this, from, msg) }
}
if (broken === 'send-throws') {
  const { send, broadcast } = Libp2pTransport.prototype
  let n = 0
  const maybeThrow = (): void => { if (++n % 10 === 0) throw new Error('Cannot write to a stream that is closed') }
  Libp2pTransport.prototype.send = function (this: Libp2pTransport, to, msg) { maybeThrow(); send.call(this, to, msg) }
  Libp2pTransport.prototype.broadcast = function (this: Libp2pTransport, msg, first, fanout) { maybeThrow(); broadcast.call(this, msg, first, fanout) }
}

const election = await createElection({
  clusterName: values.cluster,
  clusterSize: Number(values.size),
  leaseMs: Number(values.lease),
  listen: [values.listen!],
  dataDir: values['data-dir']!,
  join: values.join
})
out({ ev: 'ready', id: election.nodeId })

let sticky = false
for (const ev of ['leaderChosen', 'leaderLost'] as const) {
  election.on(ev, (r: { epoch: number, leaderId: string }) => { out({ ev, epoch: r.epoch, leaderId: r.leaderId }) })
}
election.on('elected', ({ epoch }) => { sticky = true; out({ ev: 'elected', epoch }) })
election.on('demoted', ({ epoch, reason }) => { sticky = false; out({ ev: 'demoted', epoch, reason }) })
for (const ev of ['peer:join', 'peer:leave'] as const) election.on(ev, ({ peerId }) => { out({ ev, peerId }) })
election.on('error', err => { out({ ev: 'error', message: err.message, code: (err as { code?: string }).code }) })
election.on('warning', err => { out({ ev: 'warning', message: err.message, code: err.code }) })
election.on('configuration', c => { out({ ev: 'configuration', version: c.version, voters: c.voters, target: c.target }) })

const isLeader = (): boolean => broken === 'sticky-leader' ? sticky : election.isLeader

// The sampler: a setInterval of 1 ms, reporting changes only.
let lastAt = now()
let lastLead = isLeader()
let lastEpoch = election.epoch
let lastView = ''
out({ ev: 'lead', on: lastLead, epoch: lastEpoch })
const sample = (): void => {
  const t = now()
  const lead = isLeader()
  const epoch = election.epoch
  if (t - lastAt > SAMPLE_MS + GAP_MS) out({ ev: 'gap', t, from: lastAt, before: lastLead, after: lead })
  if (lead !== lastLead || (lead && epoch !== lastEpoch)) out({ ev: 'lead', t, on: lead, epoch })
  const l = election.leader
  const view = `${l?.leaderId ?? ''}@${l?.epoch ?? 0}`
  if (view !== lastView) { lastView = view; out({ ev: 'view', t, leader: l?.leaderId ?? null, epoch: l?.epoch ?? 0 }) }
  lastAt = t
  lastLead = lead
  lastEpoch = epoch
}
setInterval(sample, SAMPLE_MS)

// The transport's counters, for reading a run afterwards: every second, when they changed.
let lastStats = ''
setInterval(() => {
  const wire = { ...election.wireStats }
  const { framesSent: _s, framesReceived: _r, bytesSent: _bs, bytesReceived: _br, peerListsSent: _ls, peerListsReceived: _lr, ...rare } = wire
  const key = JSON.stringify([rare, election.peers])
  if (key !== lastStats) { lastStats = key; out({ ev: 'stats', wire, peers: election.peers }) }
}, 1000)

// The workload: the check, the work, then the write, as an unfenced application would do it.
let registers: Socket | null = null
if (values.registers !== undefined) {
  registers = connect(values.registers)
  registers.on('error', err => { process.stderr.write(`registers: ${err.message}\n`) })
  let seq = 0
  let busy = false
  setInterval(() => {
    if (busy || !isLeader()) return
    busy = true
    const epoch = election.epoch
    setTimeout(() => {
      busy = false
      registers!.write(JSON.stringify({ node, epoch, seq: ++seq }) + '\n')
    }, HOLD_MS)
  }, WRITE_EVERY_MS)
}

process.on('SIGUSR2', () => { election.resign().catch(() => {}) })
process.once('SIGTERM', () => {
  election.stop().then(() => { process.exit(0) }, err => { out({ ev: 'error', message: String(err) }); process.exit(1) })
})
