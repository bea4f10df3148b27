import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, readFile, readdir, rm, unlink, writeFile, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStorage, StorageError, STATE_FILE, MANIFEST_FILE } from '../../src/storage/file.js'
import type { PersistentState } from '../../src/storage/storage.js'

const dirs: string[] = []
async function dataDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-file-'))
  dirs.push(d)
  return d
}
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })

const state: PersistentState = {
  acceptor: [[7, { promised: { round: 3, nodeId: 'b' }, accepted: { ballot: { round: 2, nodeId: 'a' }, value: { epoch: 7, leaderId: 'a', metadata: { url: 'http://a' } } } }]],
  learned: { epoch: 6, leaderId: 'c', metadata: {} },
  highestRound: 3,
  fastEpoch: 5,
  candidateEpoch: 6,
  grant: { epoch: 6, leaderId: 'c' }
}

async function errorOf (p: Promise<unknown>): Promise<StorageError> {
  try { await p } catch (err) { expect(err).toBeInstanceOf(StorageError); return err as StorageError }
  throw new Error('expected a StorageError')
}

describe('FileStorage', () => {
  it('starts empty in a new directory, then returns what was saved, across instances', async () => {
    const d = await dataDir()
    expect(await new FileStorage(join(d, 'node')).load()).toBeNull()
    const s = new FileStorage(join(d, 'node'))
    await s.save(state)
    expect(await new FileStorage(join(d, 'node')).load()).toEqual(state)
    expect(s.durable).toBe(true)
    // Only the state file and the manifest: temporary files are renamed away.
    expect((await readdir(join(d, 'node'))).sort()).toEqual([MANIFEST_FILE, STATE_FILE])
  })

  it('refuses a truncated file, naming it', async () => {
    const d = await dataDir()
    await new FileStorage(d).save(state)
    await truncate(join(d, STATE_FILE), 40)
    const err = await errorOf(new FileStorage(d).load())
    expect(err.file).toBe(join(d, STATE_FILE))
    expect(err.message).toMatch(/not valid JSON/)
  })

  it('refuses altered content through the checksum', async () => {
    const d = await dataDir()
    await new FileStorage(d).save(state)
    const f = join(d, STATE_FILE)
    const text = await readFile(f, 'utf8')
    await writeFile(f, text.replace('"round\\":3', '"round\\":1'))
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/checksum/)
  })

  it('refuses an unknown format version and a foreign file', async () => {
    const d = await dataDir()
    await new FileStorage(d).save(state)
    const f = join(d, STATE_FILE)
    const rec = JSON.parse(await readFile(f, 'utf8'))
    await writeFile(f, JSON.stringify({ ...rec, version: 99 }))
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/version 99/)
    await writeFile(f, JSON.stringify({ hello: 'world' }))
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/not a Quorum state file/)
  })

  it('refuses a well-formed record whose state is invalid', async () => {
    const d = await dataDir()
    const bad = { ...state, highestRound: -1 }
    await new FileStorage(d).save(bad as PersistentState)
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/highestRound/)
  })

  it('reads a state saved before candidateEpoch existed as having stood in every epoch it knew of', async () => {
    const d = await dataDir()
    const { candidateEpoch, ...old } = state
    expect(candidateEpoch).toBe(6)
    await new FileStorage(d).save(old as PersistentState)
    // The acceptor holds epoch 7, the learned record is of epoch 6: the newer one counts.
    expect((await new FileStorage(d).load())?.candidateEpoch).toBe(7)
  })

  it('refuses to start when the state file of a used directory was deleted', async () => {
    const d = await dataDir()
    await new FileStorage(d).load()
    await new FileStorage(d).save(state)
    await unlink(join(d, STATE_FILE))
    const err = await errorOf(new FileStorage(d).load())
    expect(err.message).toMatch(/missing.*deleted/)
    // The evidence stays: nothing was recreated or removed.
    expect(await readdir(d)).toEqual([MANIFEST_FILE])
  })

  it('ignores a temporary file left by a crash in the middle of a save', async () => {
    const d = await dataDir()
    await new FileStorage(d).save(state)
    await writeFile(join(d, `${STATE_FILE}.tmp-1-0`), '{"half')
    expect(await new FileStorage(d).load()).toEqual(state)
  })
})
