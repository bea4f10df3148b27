/**
 * Random schedules through the deterministic simulator. Every failure names
 * its seed; `npm run sim -- --seed S` replays it with a trace.
 */
import { describe, expect, it } from 'vitest'
import { simulate, type SimResult } from './simulator.js'

const SEEDS = 5000
const CHUNK = 500

function summarize (r: SimResult): string {
  const v = r.violations[0]!
  return `seed ${r.seed}: ${v.property} at ${v.time.toFixed(3)} ms: ${v.detail} (replay: npm run sim -- --seed ${r.seed})`
}

describe('simulated schedules', () => {
  const results: SimResult[] = []

  for (let from = 1; from <= SEEDS; from += CHUNK) {
    it(`seeds ${from}–${from + CHUNK - 1} keep S1–S7 and L1`, async () => {
      const failures: string[] = []
      for (let seed = from; seed < from + CHUNK; seed++) {
        let r: SimResult
        try {
          r = await simulate(seed)
        } catch (err) {
          failures.push(`seed ${seed}: threw ${(err as Error).message} (replay: npm run sim -- --seed ${seed})`)
          continue
        }
        results.push(r)
        if (r.violations.length > 0) failures.push(summarize(r))
      }
      expect(failures).toEqual([])
    })
  }

  it('covers 1 to 7 nodes, both drivers and every kind of fault, and no run passes vacuously', () => {
    expect(results.length).toBe(SEEDS)
    for (const size of [1, 2, 3, 4, 5, 6, 7]) expect(results.filter(r => r.options.clusterSize === size).length, `size ${size}`).toBeGreaterThan(SEEDS / 30)
    // Each run ends healed with an agreed live leader (L1), so each elected someone.
    for (const r of results) expect(r.stats.leadersElected, `seed ${r.seed}`).toBeGreaterThan(0)
    const share = (f: (r: SimResult) => boolean): number => results.filter(f).length / results.length
    expect(share(r => r.options.driver === 'runner')).toBeGreaterThan(0.4)
    expect(share(r => r.options.driver === 'node')).toBeGreaterThan(0.4)
    expect(share(r => r.stats.failovers > 0)).toBeGreaterThan(0.5)
    expect(share(r => r.stats.resigns > 0)).toBeGreaterThan(0.3)
    expect(share(r => r.stats.fastAccepts > 0)).toBeGreaterThan(0.2)
    expect(share(r => r.stats.crashes > 0)).toBeGreaterThan(0.3)
    expect(share(r => r.stats.partitions > 0)).toBeGreaterThan(0.3)
    expect(share(r => r.stats.pauses > 0)).toBeGreaterThan(0.3)
    expect(share(r => r.options.maxDriftRatio > 0)).toBeGreaterThan(0.5)
    expect(share(r => r.options.wire)).toBeGreaterThan(0.05)
    expect(share(r => r.stats.convergenceMs > 0)).toBeGreaterThan(0.1)
    // The faults the seeds did not reach before the split.
    expect(share(r => r.stats.lostWrites > 0)).toBeGreaterThan(0.05)
    expect(share(r => r.stats.savesCoalesced > 0)).toBeGreaterThan(0.1)
    expect(share(r => r.stats.acksPastHeartbeat > 0)).toBeGreaterThan(0.1)
    expect(share(r => r.stats.staleAccepts > 0)).toBeGreaterThan(0.1)
    expect(share(r => r.stats.valuesAtTwoBallots > 0)).toBeGreaterThan(0.2)
    expect(share(r => r.stats.restartsNearGrant > 0)).toBeGreaterThan(0.1)
  })

  it('replays a seed identically, on either driver', async () => {
    for (const driver of ['runner', 'node'] as const) {
      const a = await simulate(4242, { trace: true, driver })
      const b = await simulate(4242, { trace: true, driver })
      expect(a.trace!.length).toBeGreaterThan(0)
      expect(a.trace).toEqual(b.trace)
      expect(a.stats).toEqual(b.stats)
    }
  })
})
