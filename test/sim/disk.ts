/**
 * A simulated disk: a Storage whose writes take virtual time and complete in
 * order, and whose writes still in flight at a crash are lost. `stored` is
 * what a crash would leave: the checkers read it as the durable state.
 *
 * With `acknowledgeEarlyMs` it is a broken disk that reports a write done at
 * once but makes it durable only that many ms later (a missing fdatasync).
 */
import type { PersistentState, Storage } from '../../src/storage/storage.js'

export interface DiskIo {
  /** Runs `fn` after `delayMs` of virtual time: the disk runs on while its process is paused. */
  readonly schedule: (delayMs: number, fn: () => void) => void
  /** Runs `fn` in the owning process: now, or when its pause ends. */
  readonly resume: (fn: () => void) => void
  /** The latency of the next write. */
  readonly latency: () => number
}

export interface DiskStats {
  writes: number
  /** Writes lost because the node crashed before they completed. */
  lostWrites: number
}

export class SimDisk implements Storage {
  readonly durable: boolean
  readonly stats: DiskStats
  readonly #io: DiskIo
  readonly #acknowledgeEarlyMs: number
  #stored: PersistentState | null = null
  /** Bumped at every crash: completions of older writes are dropped. */
  #life = 0
  #inFlight = 0
  /** When the last write queued completes: writes complete in order, one after another. */
  #busyUntil = 0
  #now: () => number

  constructor (durable: boolean, io: DiskIo, now: () => number, stats: DiskStats, opts: { acknowledgeEarlyMs?: number } = {}) {
    this.durable = durable
    this.#io = io
    this.#now = now
    this.stats = stats
    this.#acknowledgeEarlyMs = opts.acknowledgeEarlyMs ?? 0
  }

  /** What survives a crash now. */
  get stored (): PersistentState | null { return this.#stored }

  async load (): Promise<PersistentState | null> {
    return this.#stored
  }

  async save (state: PersistentState): Promise<void> {
    const life = this.#life
    const start = Math.max(this.#now(), this.#busyUntil)
    const done = start + (this.#acknowledgeEarlyMs > 0 ? this.#acknowledgeEarlyMs : this.#io.latency())
    this.#busyUntil = done
    this.#inFlight++
    const complete = (): void => {
      if (life !== this.#life) return
      this.#inFlight--
      this.#stored = state
      this.stats.writes++
    }
    if (this.#acknowledgeEarlyMs > 0) {
      this.#io.schedule(done - this.#now(), complete)
      return
    }
    await new Promise<void>(resolve => {
      this.#io.schedule(done - this.#now(), () => {
        if (life !== this.#life) return // never resolves: the process that waited is gone
        complete()
        this.#io.resume(resolve)
      })
    })
  }

  /** Synchronous write, for the bare-node driver that stores a batch before it sends it. */
  put (state: PersistentState): void {
    this.#stored = state
    this.stats.writes++
  }

  /** The process died: what was not yet on the disk is gone. */
  crash (): void {
    this.stats.lostWrites += this.#inFlight
    this.#inFlight = 0
    this.#busyUntil = 0
    this.#life++
  }
}
