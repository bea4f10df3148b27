/**
 * A save is not reported done before its sync returns. No SIGKILL test can see
 * a missing sync (the page cache survives the process), so these tests inject
 * a file-system layer into FileStorage whose syncs are held open until the test
 * releases them, and check that nothing FileStorage returns resolves earlier.
 * test/storage/durable-sync.test.ts does the same one level down, for the real
 * fdatasync and fsync calls of src/storage/durable.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { FileStorage, LEGACY_STATE_FILE, MANIFEST_FILE, STATE_FILE, nodeFileSystem, type StateFileSystem } from '../../src/storage/file.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { record } from '../support/records.js'
import { nextHeld, settle, tracked } from './hold.js'

const dirs: string[] = []
async function dataDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-sync-'))
  dirs.push(d)
  return d
}
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })

const state: PersistentState = {
  acceptor: [[7, { promised: { round: 3, nodeId: 'b' }, accepted: null }]],
  learned: record(6, 'c', { voters: ['a', 'b', 'c'] }),
  highestRound: 3,
  fastEpoch: 5,
  candidateEpoch: 6,
  grant: { epoch: 6, leaderId: 'c' },
  joinedAt: 0
}

type SyncKind = 'datasync' | 'fsync' | 'dirsync'
interface Held { readonly kind: SyncKind, readonly path: string, readonly release: () => void }

/**
 * The real file system, except that the writes are not synced and each sync is
 * a promise the test resolves: `held` lists the syncs waiting, `log` every call
 * in order. With `autoRelease` set, syncs return at once (for setting up).
 */
function holdingFs (): { fs: StateFileSystem, held: Held[], log: string[], autoRelease: { on: boolean } } {
  const held: Held[] = []
  const log: string[] = []
  const autoRelease = { on: true }
  const sync = async (kind: SyncKind, path: string): Promise<void> => {
    log.push(`${kind} ${path}`)
    if (autoRelease.on) return
    await new Promise<void>(resolve => { held.push({ kind, path, release: resolve }) })
    log.push(`${kind} ${path} returned`)
  }
  const fs: StateFileSystem = {
    ...nodeFileSystem,
    rename: async (from, to) => { await rename(from, to); log.push(`rename ${from} ${to}`) },
    async overwriteDurably (path, offset, data) {
      const h = await open(path, 'r+')
      try {
        await h.write(data, 0, data.length, offset)
        log.push(`write ${path} @${offset}`)
        await sync('datasync', path)
      } finally { await h.close() }
    },
    async writeFileDurably (path, data) {
      const tmp = `${path}.tmp-test`
      await writeFile(tmp, data)
      log.push(`write ${tmp}`)
      await sync('fsync', tmp)
      await rename(tmp, path)
      log.push(`rename ${tmp} ${path}`)
      await sync('dirsync', dirname(path))
    },
    syncDirectory: async dir => { await sync('dirsync', dir) }
  }
  return { fs, held, log, autoRelease }
}

/** A FileStorage over holdingFs with its file created; from here on every sync is held. */
async function started (): Promise<{ d: string, s: FileStorage, held: Held[], log: string[] }> {
  const d = await dataDir()
  const { fs, held, log, autoRelease } = holdingFs()
  const s = new FileStorage(d, fs)
  await s.load()
  autoRelease.on = false
  log.length = 0
  return { d, s, held, log }
}

describe('FileStorage waits for its syncs', () => {
  it('does not resolve a save in place before its fdatasync returns, nor start the next save', async () => {
    const { d, s, held, log } = await started()

    const first = tracked(s.save(state))
    const sync = await nextHeld(held)
    expect(sync).toMatchObject({ kind: 'datasync', path: join(d, STATE_FILE) })
    // A second save queues behind the first: two writes of one file at once could leave neither region whole.
    const second = tracked(s.save({ ...state, highestRound: 4 }))
    await settle()
    expect(first.done).toBe(false)
    expect(second.done).toBe(false)
    expect(log.filter(l => l.startsWith('write'))).toHaveLength(1)

    sync.release()
    await first.promise
    const sync2 = await nextHeld(held)
    expect(sync2.kind).toBe('datasync')
    await settle()
    expect(second.done).toBe(false)
    sync2.release()
    await second.promise
    // Generations 3 and 4 went to regions 1 and 0 (a new file holds generation 2), in order, each synced before the next write.
    expect(log).toEqual([
      `write ${join(d, STATE_FILE)} @4096`, `datasync ${join(d, STATE_FILE)}`, `datasync ${join(d, STATE_FILE)} returned`,
      `write ${join(d, STATE_FILE)} @0`, `datasync ${join(d, STATE_FILE)}`, `datasync ${join(d, STATE_FILE)} returned`
    ])
    expect((await new FileStorage(d).load())?.highestRound).toBe(4)
  })

  it('does not resolve a save that outgrows its regions before the file and then the directory are synced', async () => {
    const { d, s, held, log } = await started()
    const big = { ...state, learned: record(6, 'c', { voters: ['a', 'b', 'c'], metadata: { blob: 'x'.repeat(5000) } }) }

    const save = tracked(s.save(big))
    const fileSync = await nextHeld(held)
    expect(fileSync.kind).toBe('fsync')
    await settle()
    expect(save.done).toBe(false)
    fileSync.release()
    const dirSync = await nextHeld(held)
    expect(dirSync).toMatchObject({ kind: 'dirsync', path: d })
    // The directory is synced after the rename that it makes durable.
    expect(log.findIndex(l => l.startsWith(`rename ${join(d, STATE_FILE)}.tmp-test`))).toBeLessThan(log.indexOf(`dirsync ${d}`))
    await settle()
    expect(save.done).toBe(false)
    dirSync.release()
    await save.promise
    expect(await new FileStorage(d).load()).toEqual(big)
  })

  it('does not resolve the load that converts a version 1 file before the directory is synced after its rename', async () => {
    const d = await dataDir()
    const payload = JSON.stringify(state)
    await writeFile(join(d, LEGACY_STATE_FILE), JSON.stringify({ format: 'quorum-state', version: 1, sha256: createHash('sha256').update(payload).digest('hex'), state: payload }))
    await writeFile(join(d, MANIFEST_FILE), 'quorum-state 1\n')
    const { fs, held, log, autoRelease } = holdingFs()
    autoRelease.on = false

    const load = tracked(new FileStorage(d, fs).load())
    // The new state file first (its own fsync, rename and directory sync) …
    for (const kind of ['fsync', 'dirsync'] as const) {
      const h = await nextHeld(held)
      expect(h.kind).toBe(kind)
      await settle()
      expect(load.done).toBe(false)
      h.release()
    }
    // … then the old file renamed away, and that rename made durable.
    const dirSync = await nextHeld(held)
    expect(dirSync).toMatchObject({ kind: 'dirsync', path: d })
    const renamed = log.indexOf(`rename ${join(d, LEGACY_STATE_FILE)} ${join(d, LEGACY_STATE_FILE)}.v1`)
    expect(renamed).toBeGreaterThanOrEqual(0)
    expect(renamed).toBeLessThan(log.lastIndexOf(`dirsync ${d}`))
    await settle()
    expect(load.done).toBe(false)
    dirSync.release()
    expect(await load.promise).toEqual(state)
  })
})
