/**
 * The checkers bite: each deliberately broken variant must be reported, with
 * the property it breaks, within a fixed set of seeds.
 */
import { describe, expect, it } from 'vitest'
import { simulate } from './simulator.js'
import { VARIANTS, type VariantName } from './variants.js'

const SEEDS = 2000

describe('broken variants are caught', () => {
  for (const name of Object.keys(VARIANTS) as VariantName[]) {
    const { makeNode, catches } = VARIANTS[name]
    it(`${name} violates ${catches}`, () => {
      const caught: number[] = []
      for (let seed = 1; seed <= SEEDS && caught.length < 3; seed++) {
        const r = simulate(seed, { makeNode })
        if (r.violations.some(v => v.property === catches)) caught.push(seed)
      }
      expect(caught.length, `${name} was never reported as ${catches}`).toBeGreaterThan(0)
    })
  }

  it('a disk that acknowledges saves before syncing them loses state, and a safety checker catches it', () => {
    // Only crashes lose unsynced saves: the correct, synced disk passes the same seeds (the 5,000-seed suite).
    let caught = 0
    let crashed = 0
    for (let seed = 1; seed <= SEEDS && caught === 0; seed++) {
      const r = simulate(seed, { lossyStorageMs: 200 })
      if (r.stats.crashes > 0) crashed++
      // Typically S5: a node that forgot the epochs it learned and voted in is elected for an old epoch again.
      if (r.violations.some(v => v.property !== 'L1')) caught++
    }
    expect(crashed).toBeGreaterThan(0)
    expect(caught, 'a lossy disk was never reported as a safety violation').toBeGreaterThan(0)
  })

  it('the correct node passes the seeds that catch the variants', () => {
    for (const name of Object.keys(VARIANTS) as VariantName[]) {
      const { makeNode, catches } = VARIANTS[name]
      let seed = 1
      while (!simulate(seed, { makeNode }).violations.some(v => v.property === catches)) seed++
      expect(simulate(seed).violations, `seed ${seed}`).toEqual([])
    }
  })
})
