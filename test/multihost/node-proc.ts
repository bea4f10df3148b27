/**
 * One cluster node as its own process, for the multi-host tests and the
 * benchmark. It prints one JSON object per line on stdout:
 *   {"ev":"ready","id","addrs","t"}, {"ev":"view","leader","epoch","isLeader","t"},
 *   {"ev":"elected"|"demoted"|"leaderChosen"|"leaderLost"|"peer:join"|"peer:leave",…,"t"},
 *   {"ev":"usage","cpuUserUs","cpuSystemUs","rss","wire","t"} on SIGUSR1,
 *   {"ev":"stopped","t"} after SIGTERM made it leave gracefully.
 * `t` is wall-clock ms with sub-ms precision, comparable across processes on one machine.
 */
import { parseArgs } from 'node:util'
import { createElection } from '../../src/index.js'

const { values } = parseArgs({
  options: {
    cluster: { type: 'string', default: 'test' },
    size: { type: 'string', default: '3' },
    lease: { type: 'string', default: '1000' },
    listen: { type: 'string', default: '/ip4/0.0.0.0/tcp/0' },
    bootstrap: { type: 'string', multiple: true, default: [] },
    mdns: { type: 'string', default: 'on' },
    priority: { type: 'string', default: '0' }
  }
})

const now = (): number => performance.timeOrigin + performance.now()
const out = (o: Record<string, unknown>): void => { process.stdout.write(JSON.stringify({ ...o, t: now() }) + '\n') }

const election = await createElection({
  clusterName: values.cluster,
  clusterSize: Number(values.size),
  leaseMs: Number(values.lease),
  listen: [values.listen!],
  bootstrap: values.bootstrap,
  mdns: values.mdns !== 'off',
  priority: Number(values.priority),
  metadata: { pid: String(process.pid) }
})
out({ ev: 'ready', id: election.nodeId, addrs: election.multiaddrs })

for (const ev of ['elected', 'demoted', 'leaderChosen', 'leaderLost', 'peer:join', 'peer:leave'] as const) {
  election.on(ev, (info: object) => { out({ ev, ...info }) })
}
election.on('error', err => { out({ ev: 'error', message: err.message }) })

// The view a host application would read: reported whenever it changes.
let last = ''
const poll = setInterval(() => {
  const l = election.leader
  const view = JSON.stringify([l?.leaderId ?? null, l?.epoch ?? 0, election.isLeader])
  if (view !== last) { last = view; out({ ev: 'view', leader: l?.leaderId ?? null, epoch: l?.epoch ?? 0, isLeader: election.isLeader }) }
}, 2)

process.on('SIGUSR1', () => {
  const cpu = process.cpuUsage()
  out({ ev: 'usage', cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rss: process.memoryUsage().rss, wire: election.wireStats })
})
process.once('SIGTERM', () => {
  clearInterval(poll)
  election.stop().then(() => { out({ ev: 'stopped' }); process.exit(0) }, err => { out({ ev: 'error', message: String(err) }); process.exit(1) })
})
