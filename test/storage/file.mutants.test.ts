/**
 * FileStorage's checks, case by case, with the exact fault each one reports:
 * the cases that `npm run mutate` showed test/storage/file.test.ts left open
 * (docs/mutation.md). Files are built by hand here, so that each fault is the
 * only one.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStorage, LEGACY_STATE_FILE, MANIFEST_FILE, STATE_FILE, StorageError } from '../../src/storage/file.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { record, testConfig } from '../support/records.js'

const dirs: string[] = []
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })
async function dataDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-checks-'))
  dirs.push(d)
  return d
}

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex')
const voters = ['a', 'b', 'c']
const learned = record(3, 'c', { voters })
const good: PersistentState = {
  acceptor: [[4, { promised: { round: 2, nodeId: 'b' }, accepted: { ballot: { round: 1, nodeId: 'a' }, value: record(4, 'a', { voters, metadata: { u: 'x' } }) } }]],
  learned,
  highestRound: 2,
  fastEpoch: 0,
  candidateEpoch: 3,
  grant: null,
  joinedAt: 0
}
/** `r` without its field `key`. */
const without = (r: object, key: string): unknown => Object.fromEntries(Object.entries(r).filter(([k]) => k !== key))
/** A config of `voters` as written, not sorted. */
const configOf = (members: unknown[], version = 1): unknown => ({ ...testConfig(voters), version, voters: members })

async function loadError (d: string): Promise<StorageError> {
  const err = await new FileStorage(d).load().then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(StorageError)
  return err as StorageError
}

const joinedAtCase = (joinedAt: unknown): [string, unknown] => ['joinedAt is not a count', { ...good, joinedAt }]

/**
 * A record's configuration, refused for each fault (`make(undefined)`: the
 * record has none); every state is `good` but for the configuration.
 */
function configCases (problem: string, make: (config: unknown) => unknown): Array<[string, unknown]> {
  const base = testConfig(voters)
  return [
    undefined,
    null,
    'v1',
    configOf([]), // no voters
    configOf([{ id: 'b', since: 1 }, { id: 'a', since: 1 }]), // not sorted
    configOf([{ id: 'a', since: 1 }, { id: 'a', since: 1 }]), // a voter twice
    configOf([{ id: 'a', since: 1 }, { id: 'b', since: 3 }], 2), // since above the version
    configOf([{ id: 'a', since: 0 }]),
    configOf([{ id: '', since: 1 }]),
    configOf([{ id: 'a', since: 1.5 }], 2),
    configOf(['a']),
    { ...base, voters: 'a' },
    { ...base, version: 0 },
    { ...base, version: 1.5 },
    { ...base, clusterId: '' },
    without(base, 'clusterId'),
    { ...base, target: 0 },
    { ...base, leaseMs: 0 },
    { ...base, leaseMs: '1000' },
    { ...base, heartbeatMs: 0 },
    { ...base, maxDriftRatio: -0.1 },
    { ...base, maxDriftRatio: 0.5 }
  ].map(config => [problem, make(config)])
}

describe('a version 1 state.json, checked field by field', () => {
  const legacy = (state: unknown): string => { const p = JSON.stringify(state); return JSON.stringify({ format: 'quorum-state', version: 1, sha256: sha(p), state: p }) }
  const cases: Array<[string, unknown]> = [
    ['not an object', null],
    ['not an object', 5],
    ['highestRound is not a count', { ...good, highestRound: -1 }],
    ['highestRound is not a count', { ...good, highestRound: 1.5 }],
    ['highestRound is not a count', { ...good, highestRound: '2' }],
    ['fastEpoch is not a count', { ...good, fastEpoch: -1 }],
    ['candidateEpoch is not a count', { ...good, candidateEpoch: -1 }],
    ['learned is not a leader record', { ...good, learned: 'c' }],
    ['learned is not a leader record', { ...good, learned: { ...learned, epoch: 0 } }],
    ['learned is not a leader record', { ...good, learned: { ...learned, epoch: 1.5 } }],
    ['learned is not a leader record', { ...good, learned: { ...learned, leaderId: '' } }],
    ['learned is not a leader record', { ...good, learned: { ...learned, leaderId: 7 } }],
    ['learned is not a leader record', { ...good, learned: { ...learned, leaderId: ['c'] } }],
    ['learned is not a leader record', { ...good, learned: { ...learned, metadata: null } }],
    ['learned is not a leader record', { ...good, learned: { ...learned, metadata: 'u' } }],
    ['learned is not a leader record', { ...good, learned: { ...learned, metadata: { u: 1 } } }],
    ['learned is not a leader record', { ...good, learned: without(learned, 'metadata') }],
    joinedAtCase(-1),
    joinedAtCase(1.5),
    joinedAtCase('2'),
    ...configCases('learned is not a leader record', config => ({ ...good, learned: config === undefined ? without(learned, 'config') : { ...learned, config } })),
    ...configCases('acceptor epoch 4 has a malformed accepted value', config => {
      const value = good.acceptor[0]![1].accepted!.value
      return { ...good, acceptor: [[4, { promised: null, accepted: { ballot: { round: 1, nodeId: 'a' }, value: config === undefined ? without(value, 'config') : { ...value, config } } }]] }
    }),
    ['grant is malformed', { ...good, grant: 'c' }],
    ['grant is malformed', { ...good, grant: { epoch: -1, leaderId: 'c' } }],
    ['grant is malformed', { ...good, grant: { epoch: 3, leaderId: '' } }],
    ['acceptor is not a list', { ...good, acceptor: {} }],
    ['an acceptor entry is malformed', { ...good, acceptor: [4] }],
    ['an acceptor entry is malformed', { ...good, acceptor: [[4]] }],
    ['an acceptor entry is malformed', { ...good, acceptor: [[4, { promised: null, accepted: null }, 5]] }],
    ['an acceptor entry is malformed', { ...good, acceptor: [[-4, { promised: null, accepted: null }]] }],
    ['acceptor epoch 4 is malformed', { ...good, acceptor: [[4, null]] }],
    ['acceptor epoch 4 is malformed', { ...good, acceptor: [[4, 'x']] }],
    ['acceptor epoch 4 has a malformed promise', { ...good, acceptor: [[4, { promised: 'b', accepted: null }]] }],
    ['acceptor epoch 4 has a malformed promise', { ...good, acceptor: [[4, { promised: { round: -1, nodeId: 'b' }, accepted: null }]] }],
    ['acceptor epoch 4 has a malformed promise', { ...good, acceptor: [[4, { promised: { round: 1, nodeId: '' }, accepted: null }]] }],
    ['acceptor epoch 4 has a malformed accepted value', { ...good, acceptor: [[4, { promised: null }]] }],
    ['acceptor epoch 4 has a malformed accepted value', { ...good, acceptor: [[4, { promised: null, accepted: { ballot: null, value: good.learned } }]] }],
    ['acceptor epoch 4 has a malformed accepted value', { ...good, acceptor: [[4, { promised: null, accepted: { ballot: { round: 1, nodeId: 'a' }, value: null } }]] }]
  ]

  it.each(cases)('refuses a state where %s', async (problem, state) => {
    const d = await dataDir()
    await writeFile(join(d, LEGACY_STATE_FILE), legacy(state))
    const err = await loadError(d)
    expect(err.file).toBe(join(d, LEGACY_STATE_FILE))
    expect(err.message).toBe(`${join(d, LEGACY_STATE_FILE)}: holds an invalid state: ${problem}; refusing to start with lost or damaged state (the file is left as it is)`)
    expect(await readdir(d)).toEqual([LEGACY_STATE_FILE])
  })

  it('accepts counts of 0, no grant, no promise, and a grant; and writes a manifest saying it converted', async () => {
    const d = await dataDir()
    const state = { ...good, highestRound: 0, learned: record(1, 'c', { voters }), grant: { epoch: 3, leaderId: 'c' }, acceptor: [[4, { promised: null, accepted: null }]] }
    await writeFile(join(d, LEGACY_STATE_FILE), legacy(state))
    expect(await new FileStorage(d).load()).toEqual(state)
    expect(await readFile(join(d, MANIFEST_FILE), 'utf8')).toMatch(/^quorum-state 2\nconverted \d{4}-\d\d-\d\dT/)
    expect((await readdir(d)).sort()).toEqual([MANIFEST_FILE, `${LEGACY_STATE_FILE}.v1`, STATE_FILE])
  })

  it('keeps a manifest that was there when it converts', async () => {
    const d = await dataDir()
    await writeFile(join(d, LEGACY_STATE_FILE), legacy(good))
    await writeFile(join(d, MANIFEST_FILE), 'quorum-state 1\n')
    await new FileStorage(d).load()
    expect(await readFile(join(d, MANIFEST_FILE), 'utf8')).toBe('quorum-state 1\n')
  })

  it.each<[string, string]>([
    ['is not valid JSON, probably truncated or overwritten (', '{"format":'],
    ['is not a Quorum state file (format undefined)', 'null'],
    ['is not a Quorum state file (format undefined)', '"quorum-state"'],
    ['is not a Quorum state file (format "other")', JSON.stringify({ format: 'other', version: 1, sha256: sha('{}'), state: '{}' })],
    ['has format version 2; this Quorum converts version 1', JSON.stringify({ format: 'quorum-state', version: 2, sha256: sha('{}'), state: '{}' })],
    ['lacks its state or checksum', JSON.stringify({ format: 'quorum-state', version: 1, sha256: sha('{}') })],
    ['lacks its state or checksum', JSON.stringify({ format: 'quorum-state', version: 1, state: '{}' })],
    ['holds a state that is not valid JSON despite a matching checksum', JSON.stringify({ format: 'quorum-state', version: 1, sha256: sha('{'), state: '{' })]
  ])('refuses a file that %s', async (problem, text) => {
    const d = await dataDir()
    await writeFile(join(d, LEGACY_STATE_FILE), text)
    const err = await loadError(d)
    expect(err.message.startsWith(`${join(d, LEGACY_STATE_FILE)}: ${problem}`)).toBe(true)
    if (text === '{"format":') expect(err.cause).toBeInstanceOf(SyntaxError)
  })

  it('refuses a state.json or state.slots it cannot read, naming the file and keeping the cause', async () => {
    for (const name of [LEGACY_STATE_FILE, STATE_FILE]) {
      const d = await dataDir()
      await mkdir(join(d, name))
      const err = await loadError(d)
      expect(err.name).toBe('StorageError')
      expect(err.file).toBe(join(d, name))
      expect(err.message).toBe(`${join(d, name)}: cannot read it: it is a directory (EISDIR); the data directory cannot be used`)
      expect(err.reason).toBe('unusable')
      expect((err.cause as NodeJS.ErrnoException).code).toBe('EISDIR')
    }
  })

  it('takes a file from before candidateEpoch as having stood in the newest epoch it names, ignoring what is not an epoch', async () => {
    for (const [old, expected] of [
      [{ ...good, learned: null, acceptor: [] }, 0],
      [{ ...good, learned: record(9, 'c', { voters }) }, 9],
      [{ ...good, learned: null }, 4]
    ] as const) {
      const d = await dataDir()
      const { candidateEpoch: _, ...rest } = old
      await writeFile(join(d, LEGACY_STATE_FILE), legacy(rest))
      expect((await new FileStorage(d).load())?.candidateEpoch).toBe(expected)
    }
    // An acceptor that is not a list still gets its candidateEpoch first, and is then refused for what it is.
    const d = await dataDir()
    const { candidateEpoch: _, ...rest } = { ...good, learned: null, acceptor: 'x' }
    await writeFile(join(d, LEGACY_STATE_FILE), legacy(rest))
    expect((await loadError(d)).message).toMatch(/acceptor is not a list/)
    const d2 = await dataDir()
    const { candidateEpoch: __, ...rest2 } = { ...good, learned: null, acceptor: [[1.5, {}], ['x', {}]] }
    await writeFile(join(d2, LEGACY_STATE_FILE), legacy(rest2))
    expect((await loadError(d2)).message).toMatch(/an acceptor entry is malformed/)
  })
})

describe('the manifest and an interrupted conversion', () => {
  it('writes a manifest saying the directory was created, and repairs a missing one without touching one that is there', async () => {
    const d = await dataDir()
    await new FileStorage(d).load()
    const created = await readFile(join(d, MANIFEST_FILE), 'utf8')
    expect(created).toMatch(/^quorum-state 2\ncreated \d{4}-\d\d-\d\dT[\d:.]+Z\n$/)
    await new FileStorage(d).load()
    expect(await readFile(join(d, MANIFEST_FILE), 'utf8')).toBe(created)
    await rm(join(d, MANIFEST_FILE))
    await new FileStorage(d).load()
    expect(await readFile(join(d, MANIFEST_FILE), 'utf8')).toMatch(/^quorum-state 2\nrepaired \d{4}-/)
  })

  it('finishes a conversion interrupted after the new file was written: state.json goes to state.json.v1', async () => {
    const d = await dataDir()
    await new FileStorage(d).save(good)
    await writeFile(join(d, LEGACY_STATE_FILE), 'the old file')
    expect(await new FileStorage(d).load()).toEqual(good)
    expect((await readdir(d)).sort()).toEqual([MANIFEST_FILE, `${LEGACY_STATE_FILE}.v1`, STATE_FILE])
    expect(await readFile(join(d, `${LEGACY_STATE_FILE}.v1`), 'utf8')).toBe('the old file')
  })
})

describe('state.slots regions, checked one fault at a time', () => {
  const SIZE = 4096
  interface Spec { gen: number, state?: unknown, format?: string, version?: number, tailGen?: number, bytes?: number, payload?: string, noTrailer?: boolean }
  function region (r: Spec): Buffer {
    const payload = Buffer.from(r.payload ?? JSON.stringify(r.state ?? good))
    const head = Buffer.from(`${r.format ?? 'quorum-state'} ${r.version ?? 2} gen ${r.gen} sha256 ${sha(payload)} bytes ${r.bytes ?? payload.length}\n`)
    const out = Buffer.alloc(SIZE, 0x20)
    head.copy(out, 0)
    payload.copy(out, head.length)
    if (r.noTrailer !== true) Buffer.from(`\nend ${r.tailGen ?? r.gen}\n`).copy(out, SIZE - `\nend ${r.tailGen ?? r.gen}\n`.length)
    return out
  }
  async function dirWith (a: Spec, b: Spec): Promise<string> {
    const d = await dataDir()
    await writeFile(join(d, STATE_FILE), Buffer.concat([region(a), region(b)]))
    await writeFile(join(d, MANIFEST_FILE), 'quorum-state 2\n')
    return d
  }
  const problemOf = async (d: string): Promise<string> => {
    const m = (await loadError(d)).message
    const prefix = `${join(d, STATE_FILE)}: `
    expect(m.startsWith(prefix)).toBe(true)
    return m.slice(prefix.length, m.indexOf('; refusing to start'))
  }

  it('reads the newer of two consecutive generations, with numbers of several digits', async () => {
    expect((await new FileStorage(await dirWith({ gen: 12, state: { ...good, highestRound: 12 } }, { gen: 13, state: { ...good, highestRound: 13 } })).load())?.highestRound).toBe(13)
    expect((await new FileStorage(await dirWith({ gen: 14, state: { ...good, highestRound: 14 } }, { gen: 13, state: { ...good, highestRound: 13 } })).load())?.highestRound).toBe(14)
  })

  it('continues after the generation it read, into the other region', async () => {
    const d = await dirWith({ gen: 12, state: { ...good, highestRound: 12 } }, { gen: 13, state: { ...good, highestRound: 13 } })
    const s = new FileStorage(d)
    await s.save({ ...good, highestRound: 14 })
    expect((await new FileStorage(d).load())?.highestRound).toBe(14)
    expect((await readFile(join(d, STATE_FILE))).subarray(0, 40).toString()).toMatch(/^quorum-state 2 gen 14 /)
  })

  const R1 = 'region 1 holds generation 3'
  it.each<[string, Spec, Spec, string]>([
    ['another format', { gen: 2, format: 'other' }, { gen: 3 }, `region 0 is not a Quorum state region (format "other"); ${R1}`],
    ['another version', { gen: 2 }, { gen: 3, version: 3 }, 'region 0 holds generation 2; region 1 has format version 3; this Quorum reads version 2'],
    ['a version of two digits', { gen: 2, version: 10 }, { gen: 3 }, `region 0 has format version 10; this Quorum reads version 2; ${R1}`],
    ['no trailer', { gen: 2, noTrailer: true }, { gen: 3 }, `region 0 has no readable trailer; ${R1}`],
    ['a length past its end', { gen: 2, bytes: 5000 }, { gen: 3 }, `region 0 claims more bytes than it holds; ${R1}`],
    // The payload it claims ends exactly at the region's end, its trailer included: held, so checked.
    ['a length that runs exactly to its end', { gen: 2, bytes: SIZE - `quorum-state 2 gen 2 sha256 ${'0'.repeat(64)} bytes 3992\n`.length }, { gen: 3 }, `region 0 fails its checksum: the state was altered or damaged; ${R1}`],
    ['a payload that is not JSON', { gen: 2, payload: '{"a":' }, { gen: 3 }, `region 0 holds a state that is not valid JSON despite a matching checksum; ${R1}`],
    ['an invalid state', { gen: 2, state: { ...good, fastEpoch: -1 } }, { gen: 3 }, `region 0 holds an invalid state: fastEpoch is not a count; ${R1}`],
    ['a joinedAt that is not a count', { gen: 2 }, { gen: 3, state: { ...good, joinedAt: -1 } }, 'region 0 holds generation 2; region 1 holds an invalid state: joinedAt is not a count'],
    ['a learned record without configuration', { gen: 2, state: { ...good, learned: without(learned, 'config') } }, { gen: 3 }, `region 0 holds an invalid state: learned is not a leader record; ${R1}`],
    ['an accepted value with unsorted voters', { gen: 2 }, { gen: 3, state: { ...good, acceptor: [[4, { promised: null, accepted: { ballot: { round: 1, nodeId: 'a' }, value: { ...learned, config: configOf([{ id: 'c', since: 1 }, { id: 'b', since: 1 }]) } } }]] } }, 'region 0 holds generation 2; region 1 holds an invalid state: acceptor epoch 4 has a malformed accepted value'],
    ['a torn region whose ends are not the neighbours', { gen: 2, tailGen: 5 }, { gen: 3 }, `region 0 begins as generation 2 and ends as 5; ${R1}`],
    ['a torn region one of whose ends is wrong', { gen: 4, tailGen: 1 }, { gen: 3 }, `region 0 begins as generation 4 and ends as 1; ${R1}`],
    ['a torn region the other of whose ends is wrong', { gen: 4, tailGen: 7 }, { gen: 5 }, 'region 0 begins as generation 4 and ends as 7; region 1 holds generation 5'],
    ['two torn regions', { gen: 2, tailGen: 4 }, { gen: 3, tailGen: 5 }, 'region 0 begins as generation 2 and ends as 4; region 1 begins as generation 3 and ends as 5']
  ])('refuses a file with %s', async (_what, a, b, problem) => {
    expect(await problemOf(await dirWith(a, b))).toBe(`${problem}: the newest state cannot be known for certain`)
  })

  it('refuses a generation in the wrong region, and generations that are not consecutive', async () => {
    expect(await problemOf(await dirWith({ gen: 3 }, { gen: 2 }))).toBe('region 0 holds generation 3, which belongs in region 1')
    expect(await problemOf(await dirWith({ gen: 2 }, { gen: 5 }))).toBe('region 0 holds generation 2 and region 1 holds generation 5, not consecutive generations')
  })

  it('refuses an empty file', async () => {
    const d = await dataDir()
    await writeFile(join(d, STATE_FILE), '')
    expect(await problemOf(d)).toBe('is 0 bytes long, not two whole regions (truncated or overwritten?)')
  })

  it('does not take a header or trailer that is not at the region\'s edge', async () => {
    const a = region({ gen: 2 })
    const d = await dataDir()
    await writeFile(join(d, STATE_FILE), Buffer.concat([Buffer.from(' '), a.subarray(0, SIZE - 1), region({ gen: 3 })]))
    expect(await problemOf(d)).toBe(`region 0 has no readable header; region 1 holds generation 3: the newest state cannot be known for certain`)
    const d3 = await dataDir()
    await writeFile(join(d3, STATE_FILE), Buffer.concat([a.subarray(0, 200), a.subarray(201), Buffer.from(' '), region({ gen: 3 })]))
    expect(await problemOf(d3)).toBe(`region 0 has no readable trailer; region 1 holds generation 3: the newest state cannot be known for certain`)
  })
})

describe('state sizes across the region\'s edge', () => {
  it('reads back every size, whether it still fits its region or the file is rewritten with larger ones', async () => {
    const d = await dataDir()
    const s = new FileStorage(d)
    expect(await s.load()).toBeNull()
    const sized = (n: number): PersistentState => ({ ...good, learned: record(3, 'c', { voters, metadata: { pad: 'x'.repeat(n) } }) })
    // Header (about 105 bytes), payload and trailer (about 9) just below one 4096-byte region, then one byte more each save.
    const start = 4096 - 105 - 9 - Buffer.byteLength(JSON.stringify(sized(0))) - 30
    // Bytes a region needs for the state of size n as generation gen.
    const need = (n: number, gen: number): number => {
      const payload = JSON.stringify(sized(n))
      return `quorum-state 2 gen ${gen} sha256 ${'0'.repeat(64)} bytes ${payload.length}\n`.length + payload.length + `\nend ${gen}\n`.length
    }
    const grew: number[] = []
    // A new directory holds generations 1 and 2; the saves write 3, 4, …
    for (let n = start, gen = 3; n < start + 60; n++, gen++) {
      await s.save(sized(n))
      if ((await readFile(join(d, STATE_FILE))).length > 2 * 4096) grew.push(need(n, gen))
      expect((await new FileStorage(d).load())?.learned?.metadata.pad?.length).toBe(n)
    }
    // The sweep crossed the edge: the file was rewritten with larger regions at the first
    // state that did not fit, an exact fit still written in place.
    expect(need(start, 3)).toBeLessThan(4096)
    expect(grew[0]).toBe(4097)
  })
})
