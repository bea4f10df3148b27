import { createElection, Node, type Election } from '../src/index.js'
const t0 = performance.now()
const T = () => (performance.now() - t0).toFixed(1)
const orig = Node.prototype.step
Node.prototype.step = function (from: string, msg: any) {
  if (['prepare','nack','resign','chosen','accept'].includes(msg.type)) console.log(T(), this.id.slice(-4), '<-', from.slice(-4), msg.type, msg.reason ?? '', msg.epoch, msg.successor?.slice(-4) ?? '', msg.ballot ? `${msg.ballot.round}.${msg.ballot.nodeId.slice(-4)}` : '')
  return orig.call(this, from, msg)
}
const origTick = Node.prototype.tick
const LEASE = 1000
let alive: Election[] = await Promise.all([1,2,3,4,5].map(async () => await createElection({ clusterName: 'dbg', clusterSize: 5, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdnsIntervalMs: 200 })))
async function agreed (among: Election[]) { for (;;) { const l = among.filter(e => e.isLeader); if (l.length === 1 && among.every(e => e.leader?.leaderId === l[0]!.nodeId)) return l[0]!; await new Promise(r => setTimeout(r, 2)) } }
await agreed(alive)
for (let r = 0; r < 2; r++) {
  await new Promise(res => setTimeout(res, LEASE))
  const leader = alive.find(e => e.isLeader)!
  console.log(T(), '=== stopping', leader.nodeId.slice(-4))
  const t = performance.now()
  await leader.stop()
  console.log(T(), '=== stopped')
  alive = alive.filter(e => e !== leader)
  const n = await agreed(alive)
  console.log(T(), '=== agreed', n.nodeId.slice(-4), performance.now() - t)
}
await Promise.all(alive.map(e => e.stop()))
