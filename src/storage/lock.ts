/**
 * One node per data directory. Two processes on one `dataDir` would share a
 * peer ID (its voter ID) and each vote from its own copy of the acceptor
 * state: to the others, one acceptor going back on its promises, which can
 * get two leaders chosen for one epoch. So a node holds `dataDir/LOCK` while
 * it runs, and a second process is refused with a DataDirInUseError naming
 * the holder.
 *
 * Node has no flock(), so the lock is a file naming its holder: host name,
 * process ID, the process's start time and the machine's boot ID (Linux).
 * A holder that is gone (no such process, a process ID reused by another
 * process, a machine rebooted since) leaves a stale LOCK, which the next
 * node removes, so a node that was SIGKILLed restarts at once. A LOCK
 * written under another host name (a data directory on a network share, a
 * container recreated under a new name) cannot be checked and is never
 * removed. Process IDs do not cross PID namespaces: a container recreated
 * under the same host name takes over (its own IDs and start times differ),
 * and two containers of one host name sharing the directory at once are
 * not caught.
 *
 * The file is created whole (written under a temporary name, then linked
 * into place, which fails if it exists), so a reader never sees half of it.
 * Removing a stale LOCK is serialized through `LOCK.break`, created the same
 * way: the remover checks, under it, that LOCK is still the stale one it
 * judged, so two nodes starting at once never both remove and both take it.
 * Left open: a process that dies while holding `LOCK.break` (a few system
 * calls long) and two nodes that then start at the very same moment.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { DataDirInUseError, type LockHolder } from '../errors.js'
import { cannotCreate, unusable } from './unusable.js'

/** The lock file's name inside a data directory. */
export const LOCK_FILE = 'LOCK'

/** Defined in src/errors.ts; re-exported here for existing imports. */
export { DataDirInUseError, type LockHolder }

let tmpCounter = 0

/** A held lock on a data directory. */
export class DataDirLock {
  #released = false
  private constructor (readonly file: string, readonly holder: LockHolder) {}

  /**
   * Takes the lock of `dir` (created if missing, with its parents), removing a
   * stale one. Throws a DataDirInUseError if another process, or another
   * election in this one, holds it, or if its LOCK cannot be read; a
   * StorageError if the directory cannot be created or written.
   */
  static async acquire (dir: string): Promise<DataDirLock> {
    try { mkdirSync(dir, { recursive: true, mode: 0o700 }) } catch (err) { throw cannotCreate(dir, err) }
    const file = join(dir, LOCK_FILE)
    const me = ownHolder()
    // Each round takes the lock, refuses, or removes a stale LOCK (or waits while another
    // process does): a few suffice unless other nodes keep starting on this directory.
    for (let round = 0; round < 100; round++) {
      if (createWhole(file, me)) return new DataDirLock(file, me)
      const held = readHolder(file)
      if (held === 'gone') continue
      if (isAlive(held)) throw new DataDirInUseError(file, held, describe(held))
      if (!removeStale(file, held, me)) await new Promise(resolve => setTimeout(resolve, 10))
    }
    throw new DataDirInUseError(file, null, 'could not take the lock: other processes keep taking and removing it')
  }

  /** Gives the lock up (idempotent); a LOCK no longer ours is left alone. */
  release (): void {
    if (this.#released) return
    this.#released = true
    try {
      const now = readHolder(this.file)
      if (now !== 'gone' && sameHolder(now, this.holder)) unlinkQuietly(this.file)
    } catch {
      // Unreadable now: leave it. The next start finds this process gone, or reports the LOCK.
    }
  }
}

function describe (h: LockHolder): string {
  // A live holder with this process's ID and start time is this process: another election in it.
  if (h.host === hostname() && h.pid === process.pid && h.start === startTimeOf(process.pid)) return 'already in use by another election in this process'
  const where = h.host === hostname() ? 'on this machine' : `on host ${JSON.stringify(h.host)} (a LOCK from another host cannot be checked; remove it only if that node is surely stopped)`
  return `in use by process ${h.pid} ${where}, since ${h.since}`
}

function ownHolder (): LockHolder {
  return { host: hostname(), pid: process.pid, start: startTimeOf(process.pid), boot: bootId(), since: new Date().toISOString() }
}

/** Creates `file` holding `h`, whole, unless it exists; true if created. A directory that cannot be written is a StorageError. */
function createWhole (file: string, h: LockHolder): boolean {
  const tmp = `${file}.tmp-${process.pid}-${tmpCounter++}`
  try {
    writeFileSync(tmp, JSON.stringify(h) + '\n', { mode: 0o600 })
    linkSync(tmp, file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw unusable(file, err, 'create it')
  } finally {
    // Best effort: on a read-only file system even this fails, and the error above is the one to report.
    try { unlinkQuietly(tmp) } catch {}
  }
}

/** The holder named in `file`, or 'gone' if there is no such file. */
function readHolder (file: string): LockHolder | 'gone' {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw new DataDirInUseError(file, null, `cannot be read (${(err as Error).message})`)
  }
  let h: unknown
  try { h = JSON.parse(text) } catch { h = null }
  const o = h as Partial<Record<keyof LockHolder, unknown>> | null
  if (o === null || typeof o !== 'object' || typeof o.host !== 'string' || !Number.isSafeInteger(o.pid) || (o.pid as number) <= 0 ||
      typeof o.start !== 'string' || typeof o.boot !== 'string' || typeof o.since !== 'string') {
    throw new DataDirInUseError(file, null, `does not name a holder (${JSON.stringify(text.slice(0, 80))}); remove it only if no node runs on this directory`)
  }
  return o as LockHolder
}

const sameHolder = (a: LockHolder, b: LockHolder): boolean =>
  a.host === b.host && a.pid === b.pid && a.start === b.start && a.boot === b.boot && a.since === b.since

/** False only when the holder is surely gone; a holder that cannot be checked counts as alive. */
function isAlive (h: LockHolder): boolean {
  if (h.host !== hostname()) return true
  const boot = bootId()
  if (h.boot !== '' && boot !== '' && h.boot !== boot) return false // the machine rebooted since
  try {
    process.kill(h.pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    // EPERM: a process of another user has that ID, so it is alive.
  }
  // Same ID, another process: the holder exited and its ID was reused.
  const start = startTimeOf(h.pid)
  return !(h.start !== '' && start !== '' && start !== h.start)
}

/**
 * Removes `file` if it still names the stale holder `stale`, one remover at a
 * time; false if another process is removing it (try again shortly).
 */
function removeStale (file: string, stale: LockHolder, me: LockHolder): boolean {
  const breaker = `${file}.break`
  if (!createWhole(breaker, me)) {
    const b = readHolder(breaker)
    if (b === 'gone') return true
    if (isAlive(b)) return false
    // Its remover died mid-way: clear the way for the next round.
    unlinkQuietly(breaker)
    return true
  }
  try {
    const now = readHolder(file)
    if (now !== 'gone' && sameHolder(now, stale)) unlinkQuietly(file)
  } finally {
    unlinkQuietly(breaker)
  }
  return true
}

function unlinkQuietly (file: string): void {
  try { unlinkSync(file) } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err }
}

/** Field 22 of /proc/PID/stat: start time since boot, in clock ticks; '' where unknown. */
function startTimeOf (pid: number): string {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return s.slice(s.lastIndexOf(')') + 2).split(' ')[19] ?? ''
  } catch {
    return ''
  }
}

let bootIdCache: string | null = null
function bootId (): string {
  if (bootIdCache === null) {
    try { bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() } catch { bootIdCache = '' }
  }
  return bootIdCache
}
