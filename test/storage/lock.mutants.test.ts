/**
 * Cases of the data directory lock that `npm run mutate` showed
 * test/storage/lock.test.ts left open (docs/mutation.md): each LOCK here is
 * written by hand, with one field chosen.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { DataDirInUseError, DataDirLock, LOCK_FILE, type LockHolder } from '../../src/storage/lock.js'

const dirs: string[] = []
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })
async function dataDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-lockm-'))
  dirs.push(d)
  return d
}
async function refusal (p: Promise<unknown>): Promise<DataDirInUseError> {
  const err = await p.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(DataDirInUseError)
  expect((err as Error).name).toBe('DataDirInUseError')
  return err as DataDirInUseError
}
const ownStart = (): string => { const s = readFileSync('/proc/self/stat', 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' ')[19]! }
const bootId = (): string => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
const me = (): LockHolder => ({ host: hostname(), pid: process.pid, start: ownStart(), boot: bootId(), since: '2026-01-01T00:00:00.000Z' })
const lockAt = async (dir: string, h: Partial<LockHolder>, file = LOCK_FILE): Promise<void> => {
  await writeFile(join(dir, file), JSON.stringify({ ...me(), ...h }))
}

describe('data directory lock, field by field', () => {
  it('writes its LOCK whole, one line, mode 0600, naming this boot', async () => {
    const d = await dataDir()
    const lock = await DataDirLock.acquire(d)
    const text = await readFile(join(d, LOCK_FILE), 'utf8')
    expect(text.endsWith('}\n')).toBe(true)
    expect((await stat(join(d, LOCK_FILE))).mode & 0o777).toBe(0o600)
    const h = JSON.parse(text) as LockHolder
    expect(h).toMatchObject({ host: hostname(), pid: process.pid, start: ownStart(), boot: bootId() })
    expect(h.boot).toMatch(/^[0-9a-f-]{36}$/)
    lock.release()
  })

  it('on release leaves a LOCK that differs from its own in any one field', async () => {
    for (const field of ['host', 'pid', 'start', 'boot', 'since'] as const) {
      const d = await dataDir()
      const lock = await DataDirLock.acquire(d)
      const other = { ...lock.holder, [field]: field === 'pid' ? 1 : 'other' }
      await writeFile(join(d, LOCK_FILE), JSON.stringify(other))
      lock.release()
      expect(existsSync(join(d, LOCK_FILE)), field).toBe(true)
    }
  })

  it('counts a holder of unknown boot or start time in this process as alive', async () => {
    for (const h of [{ boot: '' }, { start: '' }, { boot: '', start: '' }]) {
      const d = await dataDir()
      await lockAt(d, h)
      await refusal(DataDirLock.acquire(d))
      expect(existsSync(join(d, LOCK_FILE))).toBe(true)
    }
  })

  it('says which: another election in this process, this process ID of unknown start, or another host', async () => {
    const d = await dataDir()
    await lockAt(d, {})
    expect((await refusal(DataDirLock.acquire(d))).message).toMatch(/already in use by another election in this process/)
    await lockAt(d, { start: '' })
    expect((await refusal(DataDirLock.acquire(d))).message).toMatch(new RegExp(`in use by process ${process.pid} on this machine, since 2026-01-01T00:00:00.000Z`))
    await lockAt(d, { host: 'elsewhere.example' })
    expect((await refusal(DataDirLock.acquire(d))).message).toMatch(/in use by process \d+ on host "elsewhere.example"/)
  })

  it('refuses a LOCK with any field of the wrong type, quoting at most 80 characters of it', async () => {
    const d = await dataDir()
    for (const h of [{ host: 1 }, { pid: 0 }, { pid: 1.5 }, { pid: '1' }, { start: 1 }, { boot: null }, { since: 0 }]) {
      await writeFile(join(d, LOCK_FILE), JSON.stringify({ ...me(), ...h }))
      const err = await refusal(DataDirLock.acquire(d))
      expect(err.message, JSON.stringify(h)).toMatch(/LOCK: does not name a holder/)
    }
    await writeFile(join(d, LOCK_FILE), 'x'.repeat(200))
    expect((await refusal(DataDirLock.acquire(d))).message).toContain(`("${'x'.repeat(80)}")`)
  })

  it('refuses a LOCK it cannot read, naming it', async () => {
    const d = await dataDir()
    await mkdir(join(d, LOCK_FILE))
    const err = await refusal(DataDirLock.acquire(d))
    expect(err.message).toMatch(/LOCK: cannot be read \(EISDIR/)
    expect(err.holder).toBeNull()
  })

  it('clears a LOCK.break left by a remover that died, then takes the stale lock', async () => {
    const d = await dataDir()
    await lockAt(d, { start: '1' })
    await lockAt(d, { start: '1', since: 'a remover that died' }, `${LOCK_FILE}.break`)
    const lock = await DataDirLock.acquire(d)
    expect(existsSync(join(d, `${LOCK_FILE}.break`))).toBe(false)
    expect((JSON.parse(await readFile(join(d, LOCK_FILE), 'utf8')) as LockHolder).since).not.toBe('2026-01-01T00:00:00.000Z')
    lock.release()
  })

  it('waits while a live remover holds LOCK.break, and gives up after its rounds', async () => {
    const d = await dataDir()
    await lockAt(d, { start: '1' })
    await lockAt(d, { since: 'a live remover' }, `${LOCK_FILE}.break`)
    const t0 = performance.now()
    const err = await refusal(DataDirLock.acquire(d))
    expect(err.message).toMatch(/could not take the lock: other processes keep taking and removing it/)
    // 100 rounds, each waiting 10 ms.
    expect(performance.now() - t0).toBeGreaterThan(900)
    expect(existsSync(join(d, LOCK_FILE))).toBe(true)
  })
})
