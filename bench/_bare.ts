const a = process.cpuUsage(); const t = performance.now()
await new Promise(r => setTimeout(r, 5000))
const b = process.cpuUsage(a)
console.log('bare node cpu%', (100 * (b.user + b.system) / 1000 / (performance.now() - t)).toFixed(2))
