/**
 * Five in-process nodes over the memory transport: the first election, a
 * leader crash and the re-election, then a graceful resignation.
 *   npm run demo:memory
 */
// An application would import these from 'quorum-election/core' and 'quorum-election'.
import { MemoryNetwork, NodeRunner } from '../src/core.js'
import { MemoryStorage } from '../src/index.js'

const LEASE_MS = 1000
const t0 = performance.now()
const stamp = (): string => `+${String(Math.round(performance.now() - t0)).padStart(5)} ms`
const log = (line: string): void => { console.log(`${stamp()}  ${line}`) }

const network = new MemoryNetwork({ latencyMs: 1 })
const runners = ['n1', 'n2', 'n3', 'n4', 'n5'].map(id => {
  const r = new NodeRunner({
    config: { clusterSize: 5, leaseMs: LEASE_MS, metadata: { url: `http://${id}.local:8080` } },
    storage: new MemoryStorage(),
    transport: network.transport(id)
  })
  r.on('elected', ({ epoch }) => { log(`epoch ${epoch}  ${id} is now LEADER (holds a majority lease)`) })
  r.on('demoted', ({ epoch, reason }) => { log(`epoch ${epoch}  ${id} stopped leading (${reason})`) })
  r.on('leaderLost', rec => { log(`epoch ${rec.epoch}  ${id} lost sight of leader ${rec.leaderId}`) })
  r.on('error', err => { log(`${id} error: ${err.message}`) })
  return { id, r }
})

// One line per epoch when the whole cluster knows its leader.
const known = new Map<number, Set<string>>()
for (const { id, r } of runners) {
  r.on('leaderChosen', rec => {
    const s = known.get(rec.epoch) ?? new Set<string>()
    known.set(rec.epoch, s)
    s.add(id)
    if (s.size === 1) log(`epoch ${rec.epoch}  leader chosen: ${rec.leaderId} (${rec.metadata.url ?? ''}), first known at ${id}`)
  })
}

function leaderOf (): { id: string, r: NodeRunner } | undefined {
  return runners.find(x => x.r.isLeader)
}

async function waitFor (what: string, cond: () => boolean, timeoutMs = 10 * LEASE_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

const agreed = (skip?: string): boolean => {
  const alive = runners.filter(x => x.id !== skip && x.r.running)
  const l = leaderOf()
  return l !== undefined && alive.every(x => x.r.leader?.leaderId === l.id && x.r.leader.epoch === l.r.epoch)
}

log(`starting 5 nodes (leaseMs ${LEASE_MS}); memory storage is not durable, so each node first waits out a quarantine of one lease`)
await Promise.all(runners.map(x => x.r.start()))
await waitFor('the first leader', () => agreed())
const first = leaderOf()!
log(`all 5 nodes agree: ${first.id} leads epoch ${first.r.epoch}`)

await new Promise(resolve => setTimeout(resolve, LEASE_MS))
log(`crashing the leader ${first.id} (no resignation: the others must wait for its lease to expire)`)
const crashedAt = performance.now()
await first.r.crash()
await waitFor('a new leader after the crash', () => agreed(first.id))
const second = leaderOf()!
log(`re-elected: ${second.id} leads epoch ${second.r.epoch}, ${Math.round(performance.now() - crashedAt)} ms after the crash`)

await new Promise(resolve => setTimeout(resolve, LEASE_MS))
log(`${second.id} resigns gracefully`)
const resignedAt = performance.now()
await second.r.resign()
await waitFor('a new leader after the resignation', () => { const l = leaderOf(); return l !== undefined && l.id !== second.id && agreed(first.id) })
const third = leaderOf()!
log(`handed over: ${third.id} leads epoch ${third.r.epoch}, ${Math.round(performance.now() - resignedAt)} ms after the resignation`)

await Promise.all(runners.map(x => x.r.stop()))
log('all nodes stopped')
