import { afterEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { DataDirInUseError, DataDirLock, LOCK_FILE, type LockHolder } from '../../src/storage/lock.js'
import { rejection } from './rejection.js'

const HOLDER = fileURLToPath(new URL('./lock-holder.ts', import.meta.url))

const dirs: string[] = []
const children: ChildProcess[] = []
async function dataDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-lock-'))
  dirs.push(d)
  return d
}
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) }))
})

/** A child process running lock-holder.ts on `dir`, with its JSON lines. */
function holder (dir: string, waitGo = false, prefix: string[] = []): { child: ChildProcess, next: () => Promise<Record<string, unknown>> } {
  const argv = [...prefix, process.execPath, '--import', 'tsx', HOLDER, dir, ...(waitGo ? ['--wait-go'] : [])]
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] })
  children.push(child)
  const queue: Array<Record<string, unknown>> = []
  const waiters: Array<(o: Record<string, unknown>) => void> = []
  createInterface({ input: child.stdout! }).on('line', l => {
    const o = JSON.parse(l) as Record<string, unknown>
    const w = waiters.shift()
    if (w !== undefined) w(o); else queue.push(o)
  })
  return { child, next: async () => queue.shift() ?? await new Promise(resolve => waiters.push(resolve)) }
}

async function exited (c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return
  await new Promise(resolve => c.once('exit', resolve))
}

const refusal = async (p: Promise<unknown>): Promise<DataDirInUseError> => await rejection(p, DataDirInUseError, 'DataDirInUseError', 'ERR_DATA_DIR_IN_USE')

/** A process ID that no process has now: one that has just exited. */
async function deadPid (): Promise<number> {
  const c = spawn(process.execPath, ['-e', ''])
  await exited(c)
  return c.pid!
}

const ownStart = (): string => { const s = readFileSync('/proc/self/stat', 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' ')[19]! }
const bootId = (): string => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
const lockAt = async (dir: string, h: Partial<LockHolder>): Promise<void> => {
  await writeFile(join(dir, LOCK_FILE), JSON.stringify({ host: hostname(), pid: process.pid, start: '', boot: '', since: '2026-01-01T00:00:00.000Z', ...h }))
}
const holderIn = async (dir: string): Promise<LockHolder> => JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as LockHolder

describe('data directory lock', () => {
  it('is held in LOCK while taken, and given up on release', async () => {
    const d = await dataDir()
    const lock = await DataDirLock.acquire(d)
    expect((await holderIn(d)).pid).toBe(process.pid)
    lock.release()
    expect(existsSync(join(d, LOCK_FILE))).toBe(false)
    lock.release()
    // A LOCK that is no longer its own (taken over meanwhile) is left alone.
    const again = await DataDirLock.acquire(d)
    await lockAt(d, { pid: 1, since: 'later' })
    again.release()
    expect((await holderIn(d)).pid).toBe(1)
  })

  it('refuses a second election in the same process', async () => {
    const d = await dataDir()
    const lock = await DataDirLock.acquire(d)
    try {
      const err = await refusal(DataDirLock.acquire(join(d, '.', '')))
      expect(err.message).toMatch(/another election in this process/)
    } finally {
      lock.release()
    }
  })

  it('refuses a directory another process holds, naming it; takes it once that process is killed', async () => {
    const d = await dataDir()
    const h = holder(d)
    expect((await h.next()).ev).toBe('locked')
    const err = await refusal(DataDirLock.acquire(d))
    expect(err.holder?.pid).toBe(h.child.pid)
    expect(err.file).toBe(join(d, LOCK_FILE))
    expect(err.message).toContain(`in use by process ${h.child.pid} on this machine`)
    // A crash leaves the LOCK behind; the next node finds its holder gone and takes it.
    h.child.kill('SIGKILL')
    await exited(h.child)
    expect((await holderIn(d)).pid).toBe(h.child.pid)
    const lock = await DataDirLock.acquire(d)
    expect((await holderIn(d)).pid).toBe(process.pid)
    lock.release()
  })

  it('a holder that exits normally releases the directory', async () => {
    const d = await dataDir()
    const h = holder(d)
    expect((await h.next()).ev).toBe('locked')
    h.child.stdin!.end()
    await exited(h.child)
    expect(existsSync(join(d, LOCK_FILE))).toBe(false)
  })

  it('takes over from a holder whose process ID was reused, or whose machine rebooted', async () => {
    const d = await dataDir()
    // Alive, but not the process that took the lock (another start time).
    await lockAt(d, { pid: process.pid, start: '1', boot: bootId() })
    ;(await DataDirLock.acquire(d)).release()
    const h = holder(d)
    expect((await h.next()).ev).toBe('locked')
    const live = await holderIn(d)
    h.child.stdin!.end()
    await exited(h.child)
    // The same process, alive, but the LOCK is from an earlier boot.
    await lockAt(d, { ...live, pid: process.pid, start: ownStart(), boot: 'an-earlier-boot' })
    ;(await DataDirLock.acquire(d)).release()
  })

  // Each holder in a PID namespace of its own, as in a container recreated under the same host name.
  const OWN_PID_NS = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child']
  it.skipIf(spawnSync(OWN_PID_NS[0]!, [...OWN_PID_NS.slice(1), 'true']).status !== 0)('a node in a new PID namespace takes over from one killed in another (needs root)', async () => {
    const d = await dataDir()
    const first = holder(d, false, OWN_PID_NS)
    expect((await first.next()).ev).toBe('locked')
    // Process 1 of its namespace: an ID that is alive in every namespace, this one included.
    expect((await holderIn(d)).pid).toBe(1)
    // --kill-child: the holder dies with unshare, as a container's processes do.
    first.child.kill('SIGKILL')
    await exited(first.child)
    const second = holder(d, false, OWN_PID_NS)
    expect((await second.next()).ev).toBe('locked')
    expect((await holderIn(d)).pid).toBe(1)
    second.child.stdin!.end()
    await exited(second.child)
  })

  it('never takes a LOCK it cannot check: one from another host, or one that names no holder', async () => {
    const d = await dataDir()
    await lockAt(d, { host: 'elsewhere.example', pid: await deadPid() })
    const err = await refusal(DataDirLock.acquire(d))
    expect(err.message).toMatch(/on host "elsewhere.example" \(a LOCK from another host cannot be checked/)
    for (const text of ['', '{"pid":12', '{"host":"h","pid":-1,"start":"","boot":"","since":""}']) {
      await writeFile(join(d, LOCK_FILE), text)
      const bad = await refusal(DataDirLock.acquire(d))
      expect(bad.message).toMatch(/LOCK: does not name a holder/)
      expect(bad.holder).toBeNull()
    }
    expect(existsSync(join(d, LOCK_FILE))).toBe(true)
  })

  it('removes a stale LOCK only while holding LOCK.break, so two removers never both succeed', async () => {
    const d = await dataDir()
    const stale = { pid: await deadPid(), boot: bootId() }
    await lockAt(d, stale)
    // Another remover (alive: this very process) is at work: leave the LOCK to it, and give up in time.
    await writeFile(join(d, `${LOCK_FILE}.break`), JSON.stringify({ host: hostname(), pid: process.pid, start: ownStart(), boot: bootId(), since: '' }))
    const err = await refusal(DataDirLock.acquire(d))
    expect(err.message).toMatch(/could not take the lock/)
    expect((await holderIn(d)).pid).toBe(stale.pid)
    // A remover that died while at work is cleared away.
    await writeFile(join(d, `${LOCK_FILE}.break`), JSON.stringify({ host: hostname(), pid: await deadPid(), start: '', boot: bootId(), since: '' }))
    ;(await DataDirLock.acquire(d)).release()
    expect(readdirSync(d)).toEqual([])
  })

  it('exactly one of several processes starting at once takes a stale lock', async () => {
    for (let round = 0; round < 3; round++) {
      const d = await dataDir()
      await lockAt(d, { pid: await deadPid(), boot: bootId() })
      const hs = Array.from({ length: 6 }, () => holder(d, true))
      for (const h of hs) expect((await h.next()).ev).toBe('ready')
      for (const h of hs) h.child.stdin!.write('go\n')
      const results = await Promise.all(hs.map(async h => await h.next()))
      const winners = hs.filter((_, i) => results[i]!.ev === 'locked')
      expect(winners.length).toBe(1)
      const winner = winners[0]!.child.pid
      for (const r of results) if (r.ev === 'refused') expect(r.holder).toBe(winner)
      expect((await holderIn(d)).pid).toBe(winner)
      for (const h of hs) h.child.stdin!.end()
      await Promise.all(hs.map(async h => { await exited(h.child) }))
      // Nothing left behind: no LOCK, no LOCK.break, no temporary file.
      expect(readdirSync(d)).toEqual([])
    }
  })
})
