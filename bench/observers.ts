/**
 * What observers cost the leader (rule 13): three voters and N observers on
 * the deterministic node harness (no I/O, no faults, leaseMs 2000, the default
 * heartbeat and presence intervals), settled, then 20 leases of steady state.
 * Counts the messages the leader sends and receives per second of virtual
 * time, and those of the busiest other voter (a relay).
 *   npm run bench:observers                 table, N = 0, 10, 100, 300
 *   npm run bench:observers -- --json       one JSON object
 *   npm run bench:observers -- --observers 0,50
 */
import { parseArgs } from 'node:util'
import { Cluster } from '../test/node/cluster.js'

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, observers: { type: 'string', default: '0,10,100,300' } } })
const counts = values.observers.split(',').map(Number)
for (const n of counts) if (!Number.isSafeInteger(n) || n < 0) { console.error(`--observers: counts are whole numbers of at least 0, got ${values.observers}`); process.exit(2) }

const LEASE_MS = 2000
const STEADY_MS = 20 * LEASE_MS

interface Row { readonly observers: number, readonly leaderSentPerS: number, readonly leaderReceivedPerS: number, readonly relaySentPerS: number, readonly relayReceivedPerS: number }

function measure (observers: number): Row {
  const c = new Cluster(['a', 'b', 'c'], { leaseMs: LEASE_MS })
  c.startAll()
  c.settle()
  // Observers start a few at a time, as a deployment scales out (each one's first status request goes to everyone).
  for (let i = 0; i < observers; i++) {
    c.add(`o${i}`, { role: 'observer' }).start()
    if (i % 10 === 9) c.advance(LEASE_MS / 20)
  }
  const leader = c.settle(['a', 'b', 'c'], 40 * LEASE_MS)
  c.advance(2 * LEASE_MS)
  const mark = c.log.length
  c.advance(STEADY_MS)
  const log = c.log.slice(mark)
  const perS = (k: number): number => k / (STEADY_MS / 1000)
  const relays = ['a', 'b', 'c'].filter(id => id !== leader)
  const busiest = Math.max(...relays.map(id => log.filter(s => s.from === id).length))
  const busiestIn = Math.max(...relays.map(id => log.filter(s => s.to === id).length))
  return {
    observers,
    leaderSentPerS: perS(log.filter(s => s.from === leader).length),
    leaderReceivedPerS: perS(log.filter(s => s.to === leader).length),
    relaySentPerS: perS(busiest),
    relayReceivedPerS: perS(busiestIn)
  }
}

const rows = counts.map(measure)
if (values.json) {
  console.log(JSON.stringify({ leaseMs: LEASE_MS, steadyMs: STEADY_MS, rows }))
} else {
  console.log('observers  leader sent/s  leader received/s  busiest relay sent/s  received/s')
  for (const r of rows) {
    console.log(`${String(r.observers).padStart(9)}  ${r.leaderSentPerS.toFixed(1).padStart(13)}  ${r.leaderReceivedPerS.toFixed(1).padStart(17)}  ${r.relaySentPerS.toFixed(1).padStart(20)}  ${r.relayReceivedPerS.toFixed(1).padStart(10)}`)
  }
}
