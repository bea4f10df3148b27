import { createElection } from '../src/index.js'
const e = await createElection({ clusterName: 'lone', clusterSize: 3, listen: ['/ip4/127.0.0.1/tcp/0'] })
await new Promise(r => setTimeout(r, 15000))
const a = process.cpuUsage(); const t = performance.now()
await new Promise(r => setTimeout(r, Number(process.env.LONE_MS ?? 8000)))
const b = process.cpuUsage(a)
console.log('lone cpu%', (100 * (b.user + b.system) / 1000 / (performance.now() - t)).toFixed(2))
await e.stop()
