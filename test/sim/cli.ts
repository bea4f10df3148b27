/**
 * Runs simulated schedules from the command line.
 *   npm run sim -- --seed S          replay one seed, print its options, stats and trace tail
 *   npm run sim -- --seeds N [--from F]   run N seeds and end with "seeds: N, violations: V"
 *   add --variant NAME to run a deliberately broken variant (see variants.ts)
 *   add --driver runner|node to force one driver (the seed picks one otherwise)
 *   add --disable S6,… to switch properties off (to see which other one catches a variant)
 *   SIM_TRACE_MESSAGES=1 npm run sim -- --seed S --trace   also traces every message but heartbeats,
 *     their acknowledgements and presences; a failing run ends its trace with each node's state
 */
import { parseArgs } from 'node:util'
import { simulate, type SimulateOptions } from './simulator.js'
import type { Property } from './checker.js'
import { VARIANTS, type VariantName } from './variants.js'
import type { Driver } from './options.js'

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string' },
    from: { type: 'string', default: '1' },
    variant: { type: 'string' },
    driver: { type: 'string' },
    disable: { type: 'string' },
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
if (values.driver !== undefined && values.driver !== 'runner' && values.driver !== 'node') {
  console.error(`--driver must be runner or node, got ${values.driver}`)
  process.exit(2)
}
const v = variant === undefined ? undefined : VARIANTS[variant]
const simOpts: SimulateOptions = {
  makeNode: v?.makeNode,
  wrapStorage: v?.wrapStorage,
  driver: (values.driver as Driver | undefined) ?? v?.driver,
  disable: values.disable === undefined ? undefined : values.disable.split(',') as Property[]
}

if (values.seed !== undefined) {
  const seed = int('seed', values.seed)
  const r = await simulate(seed, { ...simOpts, trace: true })
  console.log(`seed ${seed}`)
  console.log('options', JSON.stringify(r.options))
  console.log('stats  ', JSON.stringify(r.stats))
  const trace = r.trace ?? []
  const tail = values.trace ? trace : trace.slice(-60)
  if (!values.trace && trace.length > tail.length) console.log(`… ${trace.length - tail.length} earlier trace lines (use --trace for all)`)
  for (const line of tail) console.log('  ' + line)
  for (const x of r.violations) console.log(`VIOLATION ${x.property} at ${x.time.toFixed(3)} ms: ${x.detail}`)
  console.log(`seeds: 1, violations: ${r.violations.length}`)
  process.exit(r.violations.length === 0 ? 0 : 1)
}

const n = int('seeds', values.seeds ?? '100')
const from = int('from', values.from!)
let violations = 0
let failedSeeds = 0
const byProperty = new Map<string, number>()
// "Sometimes" properties: a run that never elects, fails over or resigns proves little.
// Each name counts the runs in which its stat was above zero; the output keeps these names and order.
const SOMETIMES = {
  elected: 'leadersElected', failover: 'failovers', resign: 'resigns', crash: 'crashes', partition: 'partitions', pause: 'pauses',
  lostWrite: 'lostWrites', ackPastHeartbeat: 'acksPastHeartbeat', staleAccept: 'staleAccepts', valueAtTwoBallots: 'valuesAtTwoBallots',
  restartNearGrant: 'restartsNearGrant', saveCoalesced: 'savesCoalesced'
} as const
const sometimes = Object.fromEntries(Object.keys(SOMETIMES).map(k => [k, 0])) as Record<keyof typeof SOMETIMES, number>
const totals = { savesCoalesced: 0, lostWrites: 0, acksPastHeartbeat: 0, staleAccepts: 0, valuesAtTwoBallots: 0, restartsNearGrant: 0 }
const sizes = new Map<number, number>()
const drivers = new Map<string, number>()
/** Per schedule: seeds, how many ran it to its end before the heal, and the nodes started and stopped. */
const schedules = new Map<string, { seeds: number, finished: number, steps: number }>()
let worstConvergence = 0
const started = performance.now()
for (let seed = from; seed < from + n; seed++) {
  const r = await simulate(seed, simOpts)
  const s = r.stats
  for (const [name, stat] of Object.entries(SOMETIMES) as Array<[keyof typeof SOMETIMES, keyof typeof s]>) if (s[stat] > 0) sometimes[name]++
  for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += s[k]
  sizes.set(r.options.clusterSize, (sizes.get(r.options.clusterSize) ?? 0) + 1)
  drivers.set(r.options.driver, (drivers.get(r.options.driver) ?? 0) + 1)
  const sc = schedules.get(r.options.schedule) ?? { seeds: 0, finished: 0, steps: 0 }
  schedules.set(r.options.schedule, { seeds: sc.seeds + 1, finished: sc.finished + s.scheduleFinished, steps: sc.steps + s.scheduleSteps })
  if (s.convergenceMs >= 0) worstConvergence = Math.max(worstConvergence, s.convergenceMs / r.options.leaseMs)
  if (r.violations.length > 0) {
    violations += r.violations.length
    failedSeeds++
    const x = r.violations[0]!
    byProperty.set(x.property, (byProperty.get(x.property) ?? 0) + 1)
    if (failedSeeds <= 20) console.log(`seed ${seed}: ${x.property} at ${x.time.toFixed(3)} ms: ${x.detail}  (replay: npm run sim -- --seed ${seed}${variant !== undefined ? ` --variant ${variant}` : ''})`)
  }
  if ((seed - from + 1) % 1000 === 0) console.error(`… ${seed - from + 1} seeds, ${failedSeeds} failing, ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
const list = (m: Map<number | string, number>): string => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, c]) => `${k} × ${c}`).join(', ')
console.log(`cluster sizes: ${list(sizes)}; drivers: ${list(drivers)}`)
console.log(`schedules: ${[...schedules].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, c]) =>
  k === 'none' ? `none × ${c.seeds}` : `${k} × ${c.seeds} (finished before the heal ${c.finished}, nodes started or stopped ${c.steps})`).join(', ')}`)
console.log(`runs with: ${Object.entries(sometimes).map(([k, c]) => `${k} ${c}`).join(', ')}`)
console.log(`fault counters (total over runs): ${Object.entries(totals).map(([k, c]) => `${k} ${c}`).join(', ')}`)
if (byProperty.size > 0) console.log(`failing seeds by first property: ${list(byProperty)}`)
console.log(`slowest convergence after healing: ${worstConvergence.toFixed(2)} × leaseMs; time ${((performance.now() - started) / 1000).toFixed(1)} s`)
console.log(`seeds: ${n}, violations: ${violations}`)
process.exit(violations === 0 || variant !== undefined ? 0 : 1)
