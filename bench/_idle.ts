import { VirtualLan } from '../test/multihost/netns.js'
import { NodeProc, agreement } from '../test/multihost/cluster.js'
import { fileURLToPath } from 'node:url'
const interval = process.argv[2] ?? '1000'
const extra = process.argv.slice(3)
const lan = new VirtualLan(5, 'idle')
const NODE_PROC = fileURLToPath(new URL('../test/multihost/node-proc.ts', import.meta.url))
const ps = lan.hosts.map(h => new NodeProc(h, lan.spawn(h, [process.execPath, ...extra, '--import', 'tsx', NODE_PROC, '--size', '5', '--lease', '2000', '--mdns-interval', interval, '--listen', `/ip4/${h.address}/tcp/0`])))
try {
  await agreement(ps, 30000)
  await new Promise(r => setTimeout(r, 10000))
  const u = async () => Promise.all(ps.map(async p => { const f = p.events.length; p.signal('SIGUSR1'); return p.next(e => e.ev === 'usage', 5000, f) }))
  const a = await u(); await new Promise(r => setTimeout(r, 20000)); const b = await u()
  console.log(JSON.stringify(b.map(x => x.wire)))
  console.log('mdns', interval, 'cpu%', ps.map((_, i) => (100 * (((b[i]!.cpuUserUs as number) + (b[i]!.cpuSystemUs as number) - (a[i]!.cpuUserUs as number) - (a[i]!.cpuSystemUs as number)) / 1000) / (b[i]!.t - a[i]!.t)).toFixed(2)).join(' '))
} finally { for (const p of ps) p.signal('SIGTERM'); await Promise.all(ps.map(p => p.exit())); lan.destroy() }
