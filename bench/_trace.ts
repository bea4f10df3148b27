import { VirtualLan } from '../test/multihost/netns.js'
import { startNode, agreement } from '../test/multihost/cluster.js'
process.env.QUORUM_TRACE = '1'
const lan = new VirtualLan(5, 'tr')
const ps = lan.hosts.map(h => startNode(lan, h, { size: 5, leaseMs: 2000 }))
try {
  const l = await agreement(ps, 30000)
  await new Promise(r => setTimeout(r, 1000))
  const t0 = performance.timeOrigin + performance.now()
  const marks = ps.map(p => p.events.length)
  l.signal('SIGTERM')
  await agreement(ps.filter(p => p !== l), 5000)
  await new Promise(r => setTimeout(r, 100))
  const rows: string[] = []
  ps.forEach((p, i) => { for (const e of p.events.slice(marks[i])) rows.push(`${(e.t - t0).toFixed(2).padStart(8)} ${p.host.name} ${p.id!.slice(-4)} ${e.ev} ${e.type ?? ''} ${(e.from as string) ?? ''} ${e.detail ?? ""} ${e.ev === "view" ? JSON.stringify([String(e.leader).slice(-4), e.epoch, e.isLeader]) : ''}`) })
  rows.sort((a, b) => parseFloat(a) - parseFloat(b))
  for (const p of ps) console.log(p.host.name, p.stderr.join(' / ').slice(0, 600))
  console.log(rows.filter(r => !r.includes('heartbeat ') || true).slice(0, 80).join('\n'))
} finally { for (const p of ps) p.signal('SIGKILL'); await Promise.all(ps.map(p => p.exit())); lan.destroy() }
