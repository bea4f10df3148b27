/**
 * One cluster node as its own process, for the multi-host tests and the
 * benchmark. It prints one JSON object per line on stdout:
 *   {"ev":"ready","id","addrs","peers","leader","bootAt","createAt","t"} (bootAt: the process's start; createAt: createElection called), {"ev":"view","leader","epoch","isLeader","t"},
 *   {"ev":"elected"|"demoted"|"leaderChosen"|"leaderLost"|"peer:join"|"peer:leave",…,"t"},
 *   {"ev":"configuration","version","voters","target","t"}, {"ev":"error"|"warning","code","message","t"},
 *   {"ev":"usage","cpuUserUs","cpuSystemUs","rss","wire","t"} on SIGUSR1,
 *   {"ev":"stopping","t"} as SIGTERM calls stop(), {"ev":"stopped","t"} once it left gracefully, {"ev":"resigned","done"} after SIGUSR2.
 * `t` is wall-clock ms with sub-ms precision, comparable across processes on one machine.
 * 'configuration' and 'warning' are reported from the election's emit, so also those it
 * emits while createElection is still starting it (before any listener could be added).
 * --key-dir <dir>: the node's key from <dir>/node.key (made on first use) as `privateKey`,
 * a fixed identity without a data directory (memory storage).
 * QUORUM_TRACE_VOTES=1: every vote it sends, {"ev":"vote","type","epoch","to","t"} (promise,
 * accepted, heartbeatAck), for tests of who may vote (rule 11).
 */
import { parseArgs } from 'node:util'
import { createElection, FileStorage, type Storage } from '../../src/index.js'
import { Election } from '../../src/election.js'
import { loadOrCreateIdentity } from '../../src/storage/identity.js'
import { Libp2pTransport } from '../../src/transport/libp2p.js'

const { values } = parseArgs({
  options: {
    cluster: { type: 'string', default: 'test' },
    size: { type: 'string', default: '3' },
    lease: { type: 'string', default: '1000' },
    heartbeat: { type: 'string' },
    listen: { type: 'string', default: '/ip4/0.0.0.0/tcp/0' },
    bootstrap: { type: 'string', multiple: true, default: [] },
    mdns: { type: 'string', default: 'on' },
    priority: { type: 'string', default: '0' },
    'mdns-interval': { type: 'string' },
    'data-dir': { type: 'string' },
    'key-dir': { type: 'string' },
    'member-timeout': { type: 'string' },
    role: { type: 'string', default: 'voter' },
    join: { type: 'boolean', default: false }
  }
})

const now = (): number => performance.timeOrigin + performance.now()

if (process.env.QUORUM_TRACE === '1') {
  // Debugging aid: every message a node handles, with its time.
  const { Node } = await import('../../src/node/node.js')
  const step = Node.prototype.step
  Node.prototype.step = function (this: InstanceType<typeof Node>, from: string, msg: { type: string }) {
    process.stdout.write(JSON.stringify({ ev: 'msg', from: from.slice(-4), type: msg.type, detail: JSON.stringify(msg).slice(0, 160), t: now() }) + '\n')
    step.call(this, from, msg as never)
  }
  const resign = Node.prototype.resign
  Node.prototype.resign = function (this: InstanceType<typeof Node>) {
    process.stdout.write(JSON.stringify({ ev: 'resign', t: now() }) + '\n')
    return resign.call(this)
  }
  const save = FileStorage.prototype.save
  FileStorage.prototype.save = async function (this: FileStorage, state) {
    const t = now()
    await save.call(this, state)
    process.stdout.write(JSON.stringify({ ev: 'saved', ms: +(now() - t).toFixed(2), t: now() }) + '\n')
  }
}
const out = (o: Record<string, unknown>): void => { process.stdout.write(JSON.stringify({ ...o, t: now() }) + '\n') }

if (process.env.QUORUM_TRACE_VOTES === '1') {
  const votes = new Set(['promise', 'accepted', 'heartbeatAck'])
  const { send, broadcast } = Libp2pTransport.prototype
  Libp2pTransport.prototype.send = function (this: Libp2pTransport, to, msg) {
    if (votes.has(msg.type)) out({ ev: 'vote', type: msg.type, epoch: (msg as { epoch: number }).epoch, to })
    send.call(this, to, msg)
  }
  Libp2pTransport.prototype.broadcast = function (this: Libp2pTransport, msg, first, fanout) {
    if (votes.has(msg.type)) out({ ev: 'vote', type: msg.type, epoch: (msg as { epoch: number }).epoch, to: null })
    broadcast.call(this, msg, first, fanout)
  }
}

// From the emit itself: a configuration or warning emitted during start comes before any listener.
const emit = Election.prototype.emit
Election.prototype.emit = function (this: Election, name: string | symbol, ...args: unknown[]): boolean {
  if (name === 'configuration') {
    const c = args[0] as { version: number, voters: readonly string[], target: number }
    out({ ev: 'configuration', version: c.version, voters: c.voters, target: c.target })
  }
  if (name === 'warning') {
    const err = args[0] as { code: string, message: string }
    out({ ev: 'warning', code: err.code, message: err.message })
  }
  return (emit as (this: Election, name: string | symbol, ...args: unknown[]) => boolean).call(this, name, ...args)
} as typeof emit

// QUORUM_LAZY_DISK=<ms>: a deliberately broken disk that acknowledges a save at
// once and writes it that many ms later, so a SIGKILL loses what was acknowledged.
let storage: Storage | undefined
const lazyMs = Number(process.env.QUORUM_LAZY_DISK ?? 0)
if (lazyMs > 0 && values['data-dir'] !== undefined) {
  const disk = new FileStorage(values['data-dir'])
  let chain = Promise.resolve()
  storage = {
    durable: true,
    load: async () => await disk.load(),
    save: async state => { const t = setTimeout(() => { chain = chain.then(async () => { await disk.save(state) }) }, lazyMs); void t }
  }
}

const createAt = now()
const election = await createElection({
  clusterName: values.cluster,
  clusterSize: Number(values.size),
  leaseMs: Number(values.lease),
  ...(values.heartbeat === undefined ? {} : { heartbeatMs: Number(values.heartbeat) }),
  listen: [values.listen!],
  bootstrap: values.bootstrap,
  mdns: values.mdns !== 'off',
  ...(values['mdns-interval'] === undefined ? {} : { mdnsIntervalMs: Number(values['mdns-interval']) }),
  priority: Number(values.priority),
  metadata: { pid: String(process.pid) },
  role: values.role as 'voter' | 'observer',
  join: values.join,
  ...(values['member-timeout'] === undefined ? {} : { memberTimeoutMs: Number(values['member-timeout']) }),
  ...(values['key-dir'] === undefined ? {} : { privateKey: await loadOrCreateIdentity(values['key-dir']) }),
  ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
  ...(storage === undefined ? {} : { storage })
})
// With what it already had as createElection resolved (peers and a leader can come first), and
// this process's start (performance.timeOrigin: before the loader and the imports).
out({ ev: 'ready', id: election.nodeId, addrs: election.multiaddrs, peers: election.peers, leader: election.leader?.leaderId ?? null, bootAt: performance.timeOrigin, createAt })

for (const ev of ['elected', 'demoted', 'leaderChosen', 'leaderLost', 'peer:join', 'peer:leave'] as const) {
  election.on(ev, (info: object) => { out({ ev, ...info }) })
}
election.on('error', err => { out({ ev: 'error', code: err.code, message: err.message }) })
// 'configuration' and 'warning': reported from the emit (above).

// The view a host application would read: reported whenever it changes.
let last = ''
const report = (): void => {
  const l = election.leader
  const view = JSON.stringify([l?.leaderId ?? null, l?.epoch ?? 0, election.isLeader])
  if (view !== last) { last = view; out({ ev: 'view', leader: l?.leaderId ?? null, epoch: l?.epoch ?? 0, isLeader: election.isLeader }) }
}
// Every change of the view comes with one of these events (a lapsing lease with 'demoted' or
// 'leaderLost'), so no polling: a poll would wake the process and count in its idle CPU.
for (const ev of ['elected', 'demoted', 'leaderChosen', 'leaderLost'] as const) election.on(ev, report)
// A leader learned while createElection was still starting: no event comes for it.
if (election.leader !== null) report()

process.on('SIGUSR1', () => {
  const cpu = process.cpuUsage()
  out({ ev: 'usage', cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rss: process.memoryUsage().rss, wire: election.wireStats, peers: election.peers })
})
// SIGUSR2: a forced resignation (for churn tests).
process.on('SIGUSR2', () => { election.resign().then(done => { out({ ev: 'resigned', done }) }, () => {}) })
process.once('SIGTERM', () => {
  // The moment stop() is called, the start of a graceful handover; reported once the Resign is out.
  const t = now()
  election.stop().then(() => { out({ ev: 'stopped' }); process.exit(0) }, err => { out({ ev: 'error', message: String(err) }); process.exit(1) })
  setImmediate(() => { process.stdout.write(JSON.stringify({ ev: 'stopping', t }) + '\n') })
})
