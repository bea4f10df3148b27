/**
 * The real sync calls of src/storage/durable.ts, under FileStorage with its
 * default file system: node:fs is mocked so that each fdatasync and fsync is
 * made for real but its callback held until the test releases it. A save must
 * not resolve before its fdatasync returns, and a rename must be followed by a
 * sync of its directory before anything resolves. (test/storage/file-sync.test.ts
 * checks FileStorage's side of the same contract through an injected layer.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStorage, STATE_FILE } from '../../src/storage/file.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { record } from '../support/records.js'
import { nextHeld, settle, tracked } from './hold.js'

interface Held { readonly kind: 'fdatasync' | 'fsync', readonly path: string, readonly release: () => void }

const ctl = vi.hoisted(() => ({
  hold: false,
  /** When set, the next sync fails with this error instead of reaching the disk. */
  fail: null as NodeJS.ErrnoException | null,
  held: [] as Held[],
  log: [] as string[],
  paths: new Map<number, string>(),
  /** Descriptors opened and not yet closed. */
  open: new Set<number>()
}))

vi.mock('node:fs', async importOriginal => {
  const real = await importOriginal<typeof import('node:fs')>()
  type Callback = (err: NodeJS.ErrnoException | null) => void
  const syncing = (kind: 'fdatasync' | 'fsync') => (fd: number, cb: Callback): void => {
    const path = ctl.paths.get(fd) ?? `fd ${fd}`
    ctl.log.push(`${kind} ${path}`)
    if (ctl.fail !== null) { const err = ctl.fail; ctl.fail = null; cb(err); return }
    real[kind](fd, err => {
      if (!ctl.hold) { cb(err); return }
      ctl.held.push({ kind, path, release: () => { ctl.log.push(`${kind} ${path} returned`); cb(err) } })
    })
  }
  return {
    ...real,
    openSync: (path: string, ...rest: unknown[]) => {
      const fd = (real.openSync as (...a: unknown[]) => number)(path, ...rest)
      ctl.paths.set(fd, path)
      ctl.open.add(fd)
      return fd
    },
    closeSync: (fd: number) => { real.closeSync(fd); ctl.open.delete(fd) },
    renameSync: (from: string, to: string) => { real.renameSync(from, to); ctl.log.push(`rename ${to}`) },
    fdatasync: syncing('fdatasync'),
    fsync: syncing('fsync')
  }
})

const dirs: string[] = []
afterEach(async () => {
  ctl.hold = false
  ctl.open.clear()
  ctl.held.splice(0).forEach(h => { h.release() })
  await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) }))
})

const state: PersistentState = { acceptor: [], learned: null, highestRound: 3, fastEpoch: 0, candidateEpoch: 0, grant: null, joinedAt: null }

/** A FileStorage with its file created; from here on every sync is held. */
async function started (): Promise<{ d: string, s: FileStorage }> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-durable-'))
  dirs.push(d)
  const s = new FileStorage(d)
  await s.load()
  ctl.hold = true
  ctl.log.length = 0
  return { d, s }
}

describe('durable writes wait for the disk', () => {
  it('a save whose fdatasync fails rejects with that error', async () => {
    const { s } = await started()
    ctl.hold = false
    ctl.fail = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })
    await expect(s.save(state)).rejects.toMatchObject({ code: 'EIO' })
    expect(ctl.open.size).toBe(0)
  })

  it('a save in place resolves only after its fdatasync returns', async () => {
    const { d, s } = await started()

    const save = tracked(s.save(state))
    const sync = await nextHeld(ctl.held)
    expect(sync).toMatchObject({ kind: 'fdatasync', path: join(d, STATE_FILE) })
    await settle()
    expect(save.done).toBe(false)
    sync.release()
    await save.promise
    expect(ctl.open.size).toBe(0)
    expect(ctl.log).toEqual([`fdatasync ${join(d, STATE_FILE)}`, `fdatasync ${join(d, STATE_FILE)} returned`])
  })

  it('a save that rewrites the file resolves only after the file\'s fsync and, after the rename, the directory\'s', async () => {
    const { d, s } = await started()

    const save = tracked(s.save({ ...state, learned: record(1, 'a', { metadata: { blob: 'x'.repeat(5000) } }) }))
    const fileSync = await nextHeld(ctl.held)
    expect(fileSync.kind).toBe('fsync')
    expect(fileSync.path.startsWith(`${join(d, STATE_FILE)}.tmp-`)).toBe(true)
    await settle()
    expect(save.done).toBe(false)
    expect(ctl.log.some(l => l.startsWith('rename'))).toBe(false)
    fileSync.release()

    const dirSync = await nextHeld(ctl.held)
    expect(dirSync).toMatchObject({ kind: 'fsync', path: d })
    await settle()
    expect(save.done).toBe(false)
    dirSync.release()
    await save.promise
    // The temporary file and the directory were both closed.
    expect(ctl.open.size).toBe(0)
    expect(ctl.log.slice(2)).toEqual([`rename ${join(d, STATE_FILE)}`, `fsync ${d}`, `fsync ${d} returned`])
  })
})
