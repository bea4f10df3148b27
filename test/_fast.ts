import { Cluster } from './node/cluster.js'
const c = new Cluster(['a','b','c','d','e'], { leaseMs: 2000 }, false)
c.startAll()
c.advance(10000)
const leader = c.leaders()[0]!
console.log('leader', leader, 'quarantined?', [...c.nodes.values()].map(n => n.quarantined))
const before = c.log.length
c.node(leader).resign()
c.pump()
c.advance(50)
for (const s of c.log.slice(before)) console.log(s.from, '->', s.to, JSON.stringify(s.msg).slice(0, 100))
