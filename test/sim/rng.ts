/** Seeded randomness for the simulator (xoroshiro128+ from pure-rand). */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import type { Random } from '../../src/node/clock.js'

export class Rng implements Random {
  readonly #g: ReturnType<typeof xoroshiro128plus>

  constructor (seed: number) {
    this.#g = xoroshiro128plus(mix(seed))
  }

  /** Uniform in [0, 1). */
  next (): number { return uniformFloat64(this.#g) }

  /** Uniform in [lo, hi). */
  float (lo: number, hi: number): number { return lo + (hi - lo) * this.next() }

  /** Uniform integer in [lo, hi]. */
  int (lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)) }

  chance (p: number): boolean { return this.next() < p }

  pick<T> (xs: readonly T[]): T { return xs[Math.floor(this.next() * xs.length)]! }

  /** An independent stream, so that adding draws in one place does not shift another. */
  fork (): Rng { return new Rng(this.int(-0x80000000, 0x7fffffff)) }
}

/** murmur3's 32-bit finalizer: nearby seeds (1, 2, 3…) start far-apart streams. */
function mix (seed: number): number {
  let h = seed | 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) | 0
}
