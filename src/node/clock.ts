/**
 * Time and randomness are injected so that the same node logic runs under
 * real timers and under the deterministic simulator.
 */

/** A monotonic clock in milliseconds. It need not relate to wall-clock time. */
export interface Clock {
  now: () => number
}

/** A source of uniform random numbers in [0, 1). */
export interface Random {
  next: () => number
}

/** `performance.now()`: monotonic. */
export const systemClock: Clock = { now: () => performance.now() }

/** `Math.random()`. */
export const systemRandom: Random = { next: () => Math.random() }
