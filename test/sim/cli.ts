/**
 * Runs simulated schedules from the command line.
 *   npm run sim -- --seed S          replay one seed, print its parameters, stats and trace tail
 *   npm run sim -- --seeds N [--from F]   run N seeds and end with "seeds: N, violations: V"
 *   add --variant NAME to run a deliberately broken variant (see variants.ts)
 */
import { parseArgs } from 'node:util'
import { simulate } from './simulator.js'
import { VARIANTS, type VariantName } from './variants.js'

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string' },
    from: { type: 'string', default: '1' },
    variant: { type: 'string' },
    trace: { type: 'boolean', default: false }
  }
})

function int (name: string, v: string): number {
  const n = Number(v)
  if (!Number.isSafeInteger(n)) { console.error(`--${name} must be an integer, got ${v}`); process.exit(2) }
  return n
}

const variant = values.variant as VariantName | undefined
if (variant !== undefined && !(variant in VARIANTS)) {
  console.error(`unknown --variant ${variant}; one of: ${Object.keys(VARIANTS).join(', ')}`)
  process.exit(2)
}
const makeNode = variant === undefined ? undefined : VARIANTS[variant].makeNode

if (values.seed !== undefined) {
  const seed = int('seed', values.seed)
  const r = simulate(seed, { makeNode, trace: true })
  console.log(`seed ${seed}`)
  console.log('params', JSON.stringify(r.params))
  console.log('stats ', JSON.stringify(r.stats))
  const trace = r.trace ?? []
  const tail = values.trace ? trace : trace.slice(-60)
  if (!values.trace && trace.length > tail.length) console.log(`… ${trace.length - tail.length} earlier trace lines (use --trace for all)`)
  for (const line of tail) console.log('  ' + line)
  for (const v of r.violations) console.log(`VIOLATION ${v.property} at ${v.time.toFixed(3)} ms: ${v.detail}`)
  console.log(`seeds: 1, violations: ${r.violations.length}`)
  process.exit(r.violations.length === 0 ? 0 : 1)
}

const n = int('seeds', values.seeds ?? '100')
const from = int('from', values.from!)
let violations = 0
let failedSeeds = 0
// "Sometimes" properties: a run that never elects, fails over or resigns proves little.
const sometimes = { elected: 0, failover: 0, resign: 0, crash: 0, partition: 0, pause: 0 }
const sizes = new Map<number, number>()
let worstConvergence = 0
const started = performance.now()
for (let seed = from; seed < from + n; seed++) {
  const r = simulate(seed, { makeNode })
  if (r.stats.leadersElected > 0) sometimes.elected++
  if (r.stats.failovers > 0) sometimes.failover++
  if (r.stats.resigns > 0) sometimes.resign++
  if (r.stats.crashes > 0) sometimes.crash++
  if (r.stats.partitions > 0) sometimes.partition++
  if (r.stats.pauses > 0) sometimes.pause++
  sizes.set(r.params.clusterSize, (sizes.get(r.params.clusterSize) ?? 0) + 1)
  if (r.stats.convergenceMs >= 0) worstConvergence = Math.max(worstConvergence, r.stats.convergenceMs / r.params.leaseMs)
  if (r.violations.length > 0) {
    violations += r.violations.length
    failedSeeds++
    const v = r.violations[0]!
    if (failedSeeds <= 20) console.log(`seed ${seed}: ${v.property} at ${v.time.toFixed(3)} ms: ${v.detail}  (replay: npm run sim -- --seed ${seed}${variant !== undefined ? ` --variant ${variant}` : ''})`)
  }
  if ((seed - from + 1) % 1000 === 0) console.error(`… ${seed - from + 1} seeds, ${failedSeeds} failing, ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
console.log(`cluster sizes: ${[...sizes].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k} nodes × ${v}`).join(', ')}`)
console.log(`runs with: ${Object.entries(sometimes).map(([k, v]) => `${k} ${v}`).join(', ')}`)
console.log(`slowest convergence after healing: ${worstConvergence.toFixed(2)} × leaseMs; time ${((performance.now() - started) / 1000).toFixed(1)} s`)
console.log(`seeds: ${n}, violations: ${violations}`)
process.exit(violations === 0 || variant !== undefined ? 0 : 1)
