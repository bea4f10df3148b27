import type { PersistentState, Storage } from './storage.js'

/**
 * Keeps state in memory. It survives a Node being stopped and recreated in the
 * same process (as in tests and the simulator), not a process crash, so it
 * reports itself as not durable unless told otherwise.
 */
export class MemoryStorage implements Storage {
  readonly durable: boolean
  #state: PersistentState | null = null
  saves = 0

  constructor (opts: { durable?: boolean } = {}) {
    this.durable = opts.durable ?? false
  }

  async load (): Promise<PersistentState | null> {
    return this.#state
  }

  async save (state: PersistentState): Promise<void> {
    this.#state = state
    this.saves++
  }

  /** Synchronous access for drivers that step nodes deterministically. */
  peek (): PersistentState | null { return this.#state }
  put (state: PersistentState): void { this.#state = state; this.saves++ }
}
