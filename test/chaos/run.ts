/**
 * A Jepsen-style chaos run over real node processes (see docs/chaos.md):
 *   npm run chaos -- --duration 120 --nodes 5 --seed 7
 * Options: --duration s (120), --nodes (5), --lease ms (1000), --seed (random),
 * --quiet s (quiet period after the last heal, default 12 leases),
 * --out dir (default a new directory under the system's temp directory),
 * --faults kill,pause,… (default all), --broken <variant> (see node.ts).
 * With 'roll' or 'scale' in the mix the LAN has two spare hosts besides
 * (n6 and n7 for five nodes), idle until one of those faults starts a node there.
 * Prints the faults with their recovery times, the registers, the checkers,
 * the final configuration, and last the line `faults: F, violations: V, elections: E`. Writes
 * history.jsonl, timeline.svg and stderr.log to the output directory.
 * Exits 1 if a checker found a violation. Needs root (network namespaces)
 * and iptables, which scripts/ensure-debs.sh installs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ChaosCluster, now } from './cluster.js'
import { Nemesis, prng, FAULT_WEIGHTS, MEMBERSHIP_FAULTS, SPARE_HOSTS } from './nemesis.js'
import { Registers } from './registers.js'
import { recoveries, type Recovery } from './recovery.js'
import { checkAll, convergenceMs, finalConfiguration, leaderlessMs, staleWrites, unconnectedPairs } from './checkers.js'
import { renderTimeline } from './timeline.js'
import type { FaultKind, HistoryEvent, Violation } from './history.js'

export interface ChaosOptions {
  readonly durationMs: number
  readonly nodes: number
  readonly leaseMs: number
  readonly seed: number
  readonly quietMs: number
  readonly dir: string
  readonly kinds?: readonly FaultKind[]
  readonly broken?: string
  /** Called with each line of the summary as it is made. */
  readonly print?: (line: string) => void
}

export interface ChaosResult {
  readonly history: HistoryEvent[]
  readonly violations: Violation[]
  readonly recoveries: Recovery[]
  readonly faults: number
  readonly elections: number
  readonly dir: string
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export async function runChaos (o: ChaosOptions): Promise<ChaosResult> {
  const print = o.print ?? (() => {})
  const sock = join(o.dir, 'registers.sock')
  const kinds = (o.kinds ?? Object.keys(FAULT_WEIGHTS) as FaultKind[]).filter(k => FAULT_WEIGHTS[k] > 0)
  const spares = kinds.some(k => MEMBERSHIP_FAULTS.includes(k)) ? SPARE_HOSTS : 0
  const cluster = new ChaosCluster({ nodes: o.nodes, spares, leaseMs: o.leaseMs, dir: o.dir, registers: sock, ...(o.broken === undefined ? {} : { broken: o.broken }) })
  const registers = await Registers.listen(sock, e => { cluster.record(e) }, now)
  let nemesis: Nemesis | null = null
  try {
    cluster.record({ ev: 'run', t: now(), nodes: cluster.members.map(m => m.name), leaseMs: o.leaseMs, maxDriftRatio: 0.01, seed: o.seed, durationMs: o.durationMs })
    for (const m of cluster.inService) cluster.spawn(m.name)
    // The first election, before any fault (bounded: a broken variant may never agree).
    const firstBy = now() + 30 * o.leaseMs
    while (!cluster.agreed && now() < firstBy) await sleep(20)
    nemesis = new Nemesis(cluster, { leaseMs: o.leaseMs, durationMs: o.durationMs, random: prng(o.seed), ...(o.kinds === undefined ? {} : { kinds: o.kinds }) })
    await nemesis.run()
    cluster.healNetwork()
    for (const m of cluster.inService) if (m.child === null) cluster.spawn(m.name)
    cluster.record({ ev: 'quiet', t: now() })
    await sleep(o.quietMs)
    cluster.record({ ev: 'end', t: now() })
  } finally {
    await cluster.close()
    await registers.close()
  }
  const history = cluster.history
  const violations = checkAll(history)
  const recs = recoveries(history)
  const elections = new Set(history.filter(e => e.ev === 'elected').map(e => (e as { epoch: number }).epoch)).size
  writeFileSync(join(o.dir, 'timeline.svg'), renderTimeline(history))

  print(`chaos: ${o.nodes} nodes${spares > 0 ? ` (+${spares} spare hosts)` : ''}, leaseMs ${o.leaseMs}, seed ${o.seed}, ${o.durationMs / 1000} s of faults${o.broken === undefined ? '' : `, broken variant ${o.broken}`}`)
  print('  #  fault      nodes       from start   recovery        × lease')
  const t0 = history[0]?.t ?? 0
  for (const r of recs) {
    const what = `${r.kind}${r.detail === undefined ? '' : ` (${r.detail})`}`
    const rec = r.ms === null ? 'not recovered' : `${Math.round(r.ms)} ms from ${r.from === 'stop' ? 'leader stop' : r.from}`
    print(`${String(r.id).padStart(3)}  ${what.padEnd(30).slice(0, 30)} ${r.nodes.join(',').padEnd(11)} ${((r.start - t0) / 1000).toFixed(1).padStart(7)} s  ${rec.padEnd(24)} ${r.ms === null ? '' : (r.ms / o.leaseMs).toFixed(2)}`)
    if (r.note !== undefined) print(`     note: ${r.note}`)
  }
  const membership = recs.filter(r => MEMBERSHIP_FAULTS.includes(r.kind) && r.heal !== null)
  if (membership.length > 0) {
    const took = membership.map(r => r.heal! - r.start).sort((a, b) => a - b)
    const gaps = membership.map(r => leaderlessMs(history, r.start, r.heal!)).sort((a, b) => a - b)
    print(`roll and scale faults: ${membership.length}, each from start to heal: median ${Math.round(took[Math.floor(took.length / 2)]!)} ms, max ${Math.round(took.at(-1)!)} ms; ` +
      `leaderless within them: median ${Math.round(gaps[Math.floor(gaps.length / 2)]!)} ms, max ${Math.round(gaps.at(-1)!)} ms`)
  }
  const affected = recs.filter(r => r.leaderAffected && r.ms !== null).map(r => r.ms!).sort((a, b) => a - b)
  if (affected.length > 0) {
    const med = affected[Math.floor(affected.length / 2)]!
    print(`leader-removing faults: ${affected.length}, recovery median ${Math.round(med)} ms (${(med / o.leaseMs).toFixed(2)} × lease), max ${Math.round(affected[affected.length - 1]!)} ms`)
  }
  const conv = convergenceMs(history)
  print(`after the final heal, every node knew one leader within ${conv === null ? '(never)' : `${Math.round(conv)} ms`}`)
  const fc = finalConfiguration(history)
  print(fc === null ? 'no configuration was reported' : `final configuration: version ${fc.version}, ${fc.voters.length} voters (target ${fc.target}): ${fc.voters.map(v => v.node ?? `gone ${v.id.slice(-6)}`).join(' ')}`)
  const apart = unconnectedPairs(history)
  print(`at the end, ${apart.length} of ${o.nodes * (o.nodes - 1)} ordered pairs had no election connection${apart.length === 0 ? '' : `: ${apart.join(' ')}`}`)
  for (const register of ['unfenced', 'fenced'] as const) {
    const writes = history.filter(e => e.ev === 'write' && e.register === register) as Array<Extract<HistoryEvent, { ev: 'write' }>>
    print(`${register} register: ${writes.filter(w => w.accepted).length} writes accepted, ${writes.filter(w => !w.accepted).length} rejected, ${staleWrites(history, register).length} stale`)
  }
  const byChecker = new Map<string, number>()
  for (const v of violations) byChecker.set(v.checker, (byChecker.get(v.checker) ?? 0) + 1)
  for (const v of violations.slice(0, 20)) print(`VIOLATION ${v.checker} at ${((v.t - t0) / 1000).toFixed(3)} s: ${v.message}`)
  if (violations.length > 20) print(`… and ${violations.length - 20} more`)
  print(`history: ${join(o.dir, 'history.jsonl')}, timeline: ${join(o.dir, 'timeline.svg')}`)
  print(`faults: ${nemesis?.faults ?? 0}, violations: ${violations.length}, elections: ${elections}`)
  return { history, violations, recoveries: recs, faults: nemesis?.faults ?? 0, elections, dir: o.dir }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '120' },
      nodes: { type: 'string', default: '5' },
      lease: { type: 'string', default: '1000' },
      seed: { type: 'string' },
      quiet: { type: 'string' },
      out: { type: 'string' },
      faults: { type: 'string' },
      broken: { type: 'string' }
    }
  })
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v)
    if (!Number.isFinite(n) || n < min) { console.error(`--${name} must be a number of at least ${min}, got ${String(v)}`); process.exit(2) }
    return n
  }
  const kinds = values.faults?.split(',') as FaultKind[] | undefined
  for (const k of kinds ?? []) if (!(k in FAULT_WEIGHTS)) { console.error(`--faults: unknown fault ${k}; known: ${Object.keys(FAULT_WEIGHTS).join(', ')}`); process.exit(2) }
  const leaseMs = num('lease', values.lease, 100)
  const result = await runChaos({
    durationMs: num('duration', values.duration, 1) * 1000,
    nodes: num('nodes', values.nodes, 1),
    leaseMs,
    seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : num('seed', values.seed, 0),
    quietMs: values.quiet === undefined ? 12 * leaseMs : num('quiet', values.quiet, 0) * 1000,
    dir: values.out ?? mkdtempSync(join(tmpdir(), 'quorum-chaos-')),
    ...(kinds === undefined ? {} : { kinds }),
    ...(values.broken === undefined ? {} : { broken: values.broken }),
    print: line => { console.log(line) }
  })
  process.exit(result.violations.length > 0 ? 1 : 0)
}
