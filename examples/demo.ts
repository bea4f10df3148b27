/**
 * Five nodes in one process over real libp2p (TCP + Noise + yamux), finding
 * each other with mDNS: the first election, the leader stopping, the
 * re-election, printed as a timeline.
 *   npm run demo          (runs inside a private network namespace)
 */
import { createElection, type Election } from '../src/index.js'

if (process.env.QUORUM_NETNS !== '1' && !process.argv.includes('--host-network')) {
  console.error('demo: not inside a private network namespace (npm run demo makes one when run as root).')
  console.error('      Pass --host-network to run it on this machine\'s network anyway (mDNS will multicast on your LAN).')
  process.exit(2)
}

const LEASE_MS = 1000
const t0 = performance.now()
const stamp = (): string => `+${String(Math.round(performance.now() - t0)).padStart(5)} ms`
const log = (line: string): void => { console.log(`${stamp()}  ${line}`) }

const names = new Map<string, string>()
const name = (id: string): string => names.get(id) ?? id.slice(-6)

log(`starting 5 nodes on 127.0.0.1 (TCP + Noise, mDNS discovery, leaseMs ${LEASE_MS})`)
const nodes: Election[] = await Promise.all(['n1', 'n2', 'n3', 'n4', 'n5'].map(async n => {
  const e = await createElection({
    clusterName: 'demo', clusterSize: 5, leaseMs: LEASE_MS, listen: ['/ip4/127.0.0.1/tcp/0'], mdnsIntervalMs: 200,
    metadata: { name: n }
  })
  names.set(e.nodeId, n)
  return e
}))
for (const e of nodes) log(`${name(e.nodeId)} is ${e.nodeId}`)
log('memory storage is not durable, so each node first waits out a quarantine of about one lease')

const announced = new Set<number>()
for (const e of nodes) {
  const me = name(e.nodeId)
  let joined = 0
  e.on('peer:join', () => { if (++joined === 4) log(`${me} connected to all 4 peers`) })
  e.on('leaderChosen', l => { if (!announced.has(l.epoch)) { announced.add(l.epoch); log(`epoch ${l.epoch}  leader chosen: ${name(l.leaderId)} (first known at ${me})`) } })
  e.on('elected', ({ epoch }) => { log(`epoch ${epoch}  ${me} is LEADER (majority lease held)`) })
  e.on('demoted', ({ epoch, reason }) => { log(`epoch ${epoch}  ${me} stopped leading: ${reason}`) })
}

async function agreed (among: Election[], what: string): Promise<Election> {
  const deadline = performance.now() + 20 * LEASE_MS
  for (;;) {
    const leaders = among.filter(e => e.isLeader)
    if (leaders.length === 1 && among.every(e => e.leader?.leaderId === leaders[0]!.nodeId)) return leaders[0]!
    if (performance.now() > deadline) throw new Error(`demo: no agreement on ${what}`)
    await new Promise(resolve => setTimeout(resolve, 2))
  }
}

let alive = nodes
const first = await agreed(alive, 'the first leader')
log(`all ${alive.length} nodes agree: ${name(first.nodeId)} leads epoch ${first.epoch}`)

for (let round = 0; round < 2; round++) {
  await new Promise(resolve => setTimeout(resolve, LEASE_MS))
  const leader = alive.find(e => e.isLeader)!
  log(`stopping the leader ${name(leader.nodeId)} (it resigns, then leaves)`)
  const t = performance.now()
  await leader.stop()
  alive = alive.filter(e => e !== leader)
  const next = await agreed(alive, 'a successor')
  log(`all ${alive.length} remaining nodes agree: ${name(next.nodeId)} leads epoch ${next.epoch}, ${(performance.now() - t).toFixed(1)} ms after the stop`)
}

await Promise.all(alive.map(async e => { await e.stop() }))
log('all nodes stopped')
