/**
 * What you run on each machine of a cluster (one process per machine):
 *
 *   npx tsx examples/service.ts --cluster payments --size 3 --data-dir /var/lib/payments/quorum
 *   npx tsx examples/service.ts --cluster payments --size 3 --data-dir /var/lib/payments/quorum \
 *     --listen /ip4/0.0.0.0/tcp/4001 --bootstrap /ip4/10.0.0.5/tcp/4001 --bootstrap /ip4/10.0.0.6/tcp/4001   # no multicast on your LAN
 *
 * It prints every leadership change and runs a periodic job only while this
 * node is the leader, handing the epoch to the job as a fencing token: a
 * downstream system that remembers the highest token it saw can refuse a
 * write from a leader that has since been replaced.
 */
import { parseArgs } from 'node:util'
import { createElection } from '../src/index.js'

const { values } = parseArgs({
  options: {
    cluster: { type: 'string', default: 'default' },
    size: { type: 'string', default: '3' },
    listen: { type: 'string', default: '/ip4/0.0.0.0/tcp/0' },
    bootstrap: { type: 'string', multiple: true, default: [] },
    lease: { type: 'string', default: '2000' },
    url: { type: 'string', default: '' },
    'job-every': { type: 'string', default: '1000' },
    'data-dir': { type: 'string' },
    'swarm-key-file': { type: 'string' },
    // Nodes added to a running cluster: never found a new one (docs/protocol.md, membership rules).
    join: { type: 'boolean', default: false },
    role: { type: 'string', default: 'voter' }
  }
})

const stamp = (): string => new Date().toISOString().slice(11, 23)
const log = (msg: string): void => { console.log(`${stamp()}  ${msg}`) }

// Start-up refusals name what is wrong: a bad option (ConfigError, with its field), damaged
// state (StorageError), an unusable key (IdentityError), a data directory another node is
// using (DataDirInUseError). Each has a stable `code` as well (README: Errors). Report them and exit.
const election = await createElection({
  clusterName: values.cluster,
  clusterSize: Number(values.size),
  listen: [values.listen!],
  bootstrap: values.bootstrap,
  leaseMs: Number(values.lease),
  metadata: values.url === '' ? {} : { url: values.url },
  join: values.join,
  role: values.role === 'observer' ? 'observer' : 'voter',
  // Durable state: survives crashes, and a fresh node needs no start-up quarantine.
  ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
  // The cluster key (npx quorum keygen); QUORUM_SWARM_KEY or QUORUM_SWARM_KEY_FILE in the environment work too.
  ...(values['swarm-key-file'] === undefined ? {} : { swarmKeyFile: values['swarm-key-file'] })
}).catch((err: Error) => {
  console.error(`cannot start: ${err.name}: ${err.message}`)
  process.exit(1)
})
log(`node ${election.nodeId} in cluster "${values.cluster}" (${values.size} voters)`)
for (const a of election.multiaddrs) log(`  reachable at ${a}`)

election.on('peer:join', ({ peerId }) => { log(`peer joined: ${peerId} (${election.peers.length} connected)`) })
election.on('peer:leave', ({ peerId }) => { log(`peer left: ${peerId} (${election.peers.length} connected)`) })
election.on('leaderChosen', l => { log(`epoch ${l.epoch}: leader is ${l.isSelf ? 'ME' : l.leaderId}${l.metadata.url !== undefined ? ` (${l.metadata.url})` : ''}`) })
election.on('elected', ({ epoch }) => { log(`I am the leader now (epoch ${epoch})`) })
election.on('demoted', ({ epoch, reason }) => { log(`I am no longer the leader of epoch ${epoch}: ${reason}`) })
election.on('leaderLost', ({ epoch, leaderId }) => { log(`lost the leader of epoch ${epoch} (${leaderId}); electing`) })
election.on('error', err => { log(`error: ${err.message}`) })
election.on('warning', err => { log(`warning: ${err.message}`) })
election.on('configuration', c => { log(`configuration ${c.version}: voters ${c.voters.join(', ')} (target ${c.target})`) })

// The leader-only job. isLeader is computed from the lease at the moment it is
// read, so a node that was paused past its lease skips the run.
let runs = 0
const job = setInterval(() => {
  if (!election.isLeader) return
  runs++
  log(`job #${runs} runs with fencing token ${election.epoch}`)
}, Number(values['job-every']))

const shutdown = (): void => {
  clearInterval(job)
  log('stopping (a leader hands over first)')
  election.stop().then(() => { process.exit(0) }, err => { console.error(err); process.exit(1) })
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
