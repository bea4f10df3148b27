import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, readFile, readdir, rm, stat, unlink, writeFile, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { FileStorage, StorageError, STATE_FILE, MANIFEST_FILE, LEGACY_STATE_FILE } from '../../src/storage/file.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { record } from '../support/records.js'
import { rejection } from './rejection.js'

const dirs: string[] = []
async function dataDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-file-'))
  dirs.push(d)
  return d
}
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })

const voters = ['a', 'b', 'c']
const state: PersistentState = {
  acceptor: [[7, { promised: { round: 3, nodeId: 'b' }, accepted: { ballot: { round: 2, nodeId: 'a' }, value: record(7, 'a', { voters, metadata: { url: 'http://a' } }) } }]],
  learned: record(6, 'c', { voters }),
  highestRound: 3,
  fastEpoch: 5,
  candidateEpoch: 6,
  grant: { epoch: 6, leaderId: 'c' },
  joinedAt: 0
}

const legacyFile = (st: unknown): string => {
  const payload = JSON.stringify(st)
  return JSON.stringify({ format: 'quorum-state', version: 1, sha256: createHash('sha256').update(payload).digest('hex'), state: payload }) + '\n'
}

const errorOf = async (p: Promise<unknown>): Promise<StorageError> => await rejection(p, StorageError, 'StorageError', 'ERR_STORAGE')

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

  it('returns the newest of many saves, which alternate between the two regions', async () => {
    const d = await dataDir()
    const s = new FileStorage(d)
    for (let round = 1; round <= 7; round++) {
      await s.save({ ...state, highestRound: round })
      expect((await new FileStorage(d).load())?.highestRound).toBe(round)
    }
    // Saved in place: the file keeps its size.
    expect((await stat(join(d, STATE_FILE))).size).toBe(8192)
  })

  it('refuses a truncated file, naming it', async () => {
    const d = await dataDir()
    await new FileStorage(d).save(state)
    await truncate(join(d, STATE_FILE), 40)
    const err = await errorOf(new FileStorage(d).load())
    expect(err.file).toBe(join(d, STATE_FILE))
    expect(err.message).toMatch(/40 bytes long, not two whole regions/)
  })

  it('refuses altered content through the checksum, in the newest region and in the older one', async () => {
    for (const region of [1, 0]) {
      const d = await dataDir()
      await new FileStorage(d).save(state) // generation 3, in region 1; region 0 holds generation 2
      const f = join(d, STATE_FILE)
      const bytes = await readFile(f)
      const at = bytes.indexOf(region === 1 ? '"round":3' : '"highestRound":0', region * 4096)
      expect(at).toBeGreaterThan(region * 4096)
      bytes[at + (region === 1 ? 8 : 15)] = 0x31 // one digit changed
      await writeFile(f, bytes)
      const err = await errorOf(new FileStorage(d).load())
      expect(err.message).toMatch(new RegExp(`region ${region} fails its checksum.*cannot be known for certain`))
    }
  })

  it('after a save torn by a power loss, returns the state acknowledged before it', async () => {
    const d = await dataDir()
    const s = new FileStorage(d)
    await s.save({ ...state, highestRound: 10 }) // generation 3, region 1
    await s.save({ ...state, highestRound: 11 }) // generation 4, region 0
    const f = join(d, STATE_FILE)
    const before = await readFile(f)
    await s.save({ ...state, highestRound: 12 }) // generation 5, region 1
    const after = await readFile(f)
    // Region 1 half written: its first sector new (5) and the rest old (3), or the reverse.
    for (const [head, rest] of [[after, before], [before, after]] as const) {
      const torn = Buffer.from(after)
      rest.copy(torn, 4096, 4096, 8192)
      head.copy(torn, 4096, 4096, 4096 + 512)
      await writeFile(f, torn)
      expect((await new FileStorage(d).load())?.highestRound).toBe(11)
    }
    // The next save goes on from there.
    const again = new FileStorage(d)
    await again.load()
    await again.save({ ...state, highestRound: 13 })
    expect((await new FileStorage(d).load())?.highestRound).toBe(13)
  })

  it('refuses regions whose generations do not fit together', async () => {
    const d = await dataDir()
    const s = new FileStorage(d)
    await s.save(state) // generations 2 and 3
    const f = join(d, STATE_FILE)
    const old = await readFile(f)
    for (let i = 0; i < 3; i++) await s.save(state) // generations 5 and 6
    const now = await readFile(f)
    old.copy(now, 0, 0, 4096) // region 0 back to generation 2
    await writeFile(f, now)
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/generation 2 and region 1 holds generation 5, not consecutive/)
    // A tear whose ends are not the generations around the intact region is damage, not a tear.
    const torn = Buffer.from(await readFile(f))
    const later = Buffer.from(torn.subarray(4096, 4096 + 512).toString('latin1').replace('gen 5 ', 'gen 7 '), 'latin1')
    later.copy(torn, 4096)
    old.copy(torn, 0, 0, 4096)
    await writeFile(f, torn)
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/begins as generation 7 and ends as 5/)
  })

  it('refuses an unknown format version and a foreign file', async () => {
    const d = await dataDir()
    await new FileStorage(d).save(state)
    const f = join(d, STATE_FILE)
    const bytes = await readFile(f)
    bytes.write('quorum-state 9', 4096, 'latin1')
    await writeFile(f, bytes)
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/version 9/)
    await writeFile(f, Buffer.alloc(8192, 'x'))
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/no readable header/)
  })

  it('refuses a well-formed record whose state is invalid', async () => {
    const d = await dataDir()
    const bad = { ...state, highestRound: -1 }
    await new FileStorage(d).save(bad as PersistentState)
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/highestRound/)
  })

  it('grows its regions for a state that outgrows them, and keeps it', async () => {
    const d = await dataDir()
    const s = new FileStorage(d)
    const big = { ...state, learned: record(6, 'c', { voters, metadata: { note: 'x'.repeat(10_000) } }) }
    await s.save(state)
    await s.save(big)
    expect(await new FileStorage(d).load()).toEqual(big)
    await s.save(state)
    expect(await new FileStorage(d).load()).toEqual(state)
    expect((await stat(join(d, STATE_FILE))).size % 8192).toBe(0)
  })

  it('converts a state.json of version 1, and keeps the old file under another name', async () => {
    const d = await dataDir()
    await writeFile(join(d, LEGACY_STATE_FILE), legacyFile(state))
    await writeFile(join(d, MANIFEST_FILE), 'quorum-state 1\n')
    expect(await new FileStorage(d).load()).toEqual(state)
    expect((await readdir(d)).sort()).toEqual([MANIFEST_FILE, `${LEGACY_STATE_FILE}.v1`, STATE_FILE])
    const s = new FileStorage(d)
    await s.load()
    await s.save({ ...state, highestRound: 4 })
    expect((await new FileStorage(d).load())?.highestRound).toBe(4)
  })

  it('reads a version 1 state saved before candidateEpoch existed as having stood in every epoch it knew of', async () => {
    const d = await dataDir()
    const { candidateEpoch, ...old } = state
    expect(candidateEpoch).toBe(6)
    await writeFile(join(d, LEGACY_STATE_FILE), legacyFile(old))
    // The acceptor holds epoch 7, the learned record is of epoch 6: the newer one counts.
    expect((await new FileStorage(d).load())?.candidateEpoch).toBe(7)
  })

  it('refuses a damaged version 1 file, naming it, and converts nothing', async () => {
    const d = await dataDir()
    const text = legacyFile(state)
    await writeFile(join(d, LEGACY_STATE_FILE), text.replace('\\"round\\":3', '\\"round\\":1'))
    const err = await errorOf(new FileStorage(d).load())
    expect(err.file).toBe(join(d, LEGACY_STATE_FILE))
    expect(err.message).toMatch(/checksum/)
    expect(await readdir(d)).toEqual([LEGACY_STATE_FILE])
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

describe('joinedAt', () => {
  it('round-trips null, 0 and a version, and is refused when not a count', async () => {
    for (const joinedAt of [null, 0, 12]) {
      const d = await dataDir()
      await new FileStorage(d).save({ ...state, joinedAt })
      expect((await new FileStorage(d).load())?.joinedAt).toBe(joinedAt)
    }
    for (const joinedAt of [-1, 2.5, '3']) {
      const d = await dataDir()
      await new FileStorage(d).save({ ...state, joinedAt } as unknown as PersistentState)
      expect((await errorOf(new FileStorage(d).load())).message).toMatch(/region 1 holds an invalid state: joinedAt is not a count/)
    }
  })
})

describe('a state written before records carried a configuration (no joinedAt)', () => {
  // What such a Quorum saved: records without config, no joinedAt.
  const old = {
    acceptor: [[7, { promised: { round: 3, nodeId: 'b' }, accepted: { ballot: { round: 2, nodeId: 'a' }, value: { epoch: 7, leaderId: 'a', metadata: { url: 'http://a' } } } }]],
    learned: { epoch: 6, leaderId: 'c', metadata: {} },
    highestRound: 3,
    fastEpoch: 5,
    candidateEpoch: 6,
    grant: { epoch: 6, leaderId: 'c' }
  }
  // Its history is dropped; the ballot rounds, the epochs stood in and the grant (quarantine) are kept.
  const migrated: PersistentState = { acceptor: [], learned: null, highestRound: 3, fastEpoch: 5, candidateEpoch: 6, grant: { epoch: 6, leaderId: 'c' }, joinedAt: null }

  it('loads from state.slots with learned null, acceptor [] and joinedAt null, the rest kept', async () => {
    const d = await dataDir()
    const s = new FileStorage(d)
    await s.save(old as unknown as PersistentState) // generation 3, region 1
    await s.save(old as unknown as PersistentState) // generation 4, region 0: both regions old
    expect(await new FileStorage(d).load()).toEqual(migrated)
    // Saved again, it is a state of this format, and stays as it is.
    const again = new FileStorage(d)
    await again.load()
    await again.save({ ...migrated, highestRound: 4 })
    expect(await new FileStorage(d).load()).toEqual({ ...migrated, highestRound: 4 })
  })

  it('converts a state.json of version 1 the same way', async () => {
    const d = await dataDir()
    await writeFile(join(d, LEGACY_STATE_FILE), legacyFile(old))
    expect(await new FileStorage(d).load()).toEqual(migrated)
    expect((await readdir(d)).sort()).toEqual([MANIFEST_FILE, `${LEGACY_STATE_FILE}.v1`, STATE_FILE])
    // The converted file holds the migrated state.
    expect(await new FileStorage(d).load()).toEqual(migrated)
  })

  it('takes candidateEpoch of a version 1 file from before candidateEpoch from the records it then drops', async () => {
    const d = await dataDir()
    const { candidateEpoch: _, ...older } = old
    await writeFile(join(d, LEGACY_STATE_FILE), legacyFile(older))
    expect(await new FileStorage(d).load()).toEqual({ ...migrated, candidateEpoch: 7 })
  })

  it('migrates only a state without joinedAt: one with it whose records lack a configuration is refused', async () => {
    const d = await dataDir()
    await new FileStorage(d).save({ ...old, joinedAt: null } as unknown as PersistentState)
    expect((await errorOf(new FileStorage(d).load())).message).toMatch(/region 1 holds an invalid state: learned is not a leader record/)
    const d2 = await dataDir()
    await writeFile(join(d2, LEGACY_STATE_FILE), legacyFile({ ...old, learned: null, joinedAt: 0 }))
    expect((await errorOf(new FileStorage(d2).load())).message).toMatch(/holds an invalid state: acceptor epoch 7 has a malformed accepted value/)
  })
})
