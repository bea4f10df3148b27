/**
 * Cases of MemoryStorage and the identity file that `npm run mutate` showed
 * the other storage tests left open (docs/mutation.md).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { chmod, lstat, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { MemoryStorage } from '../../src/storage/memory.js'
import { IdentityError, KEY_FILE, loadOrCreateIdentity } from '../../src/storage/identity.js'
import type { PersistentState } from '../../src/storage/storage.js'

const state: PersistentState = { acceptor: [], learned: null, highestRound: 4, fastEpoch: 0, candidateEpoch: 0, grant: null, joinedAt: null }

describe('MemoryStorage counts its saves', () => {
  it('counts save and put alike, and peek returns what put stored', async () => {
    const s = new MemoryStorage()
    expect(s.peek()).toBeNull()
    await s.save(state)
    s.put({ ...state, highestRound: 5 })
    expect(s.saves).toBe(2)
    expect(s.peek()?.highestRound).toBe(5)
    expect((await s.load())?.highestRound).toBe(5)
  })
})

describe('the identity file, refused for each fault', () => {
  const dirs: string[] = []
  afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })
  async function refusal (d: string): Promise<IdentityError> {
    const err = await loadOrCreateIdentity(d).then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(IdentityError)
    expect((err as IdentityError).name).toBe('IdentityError')
    expect((err as IdentityError).file).toBe(join(d, KEY_FILE))
    return err as IdentityError
  }

  it('refuses a key file it cannot read, other than a missing one, and writes no new key over it', async () => {
    const d = await mkdtemp(join(tmpdir(), 'quorum-id-'))
    dirs.push(d)
    // A symbolic link to itself: stat fails with ELOOP, not ENOENT.
    await symlink(KEY_FILE, join(d, KEY_FILE))
    const err = await refusal(d)
    expect(err.message).toMatch(/^.*node\.key: cannot be read \(ELOOP/)
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ELOOP')
    expect((await lstat(join(d, KEY_FILE))).isSymbolicLink()).toBe(true)
  })

  it('refuses a key that is not Ed25519, and one that is not a key at all', async () => {
    const d = await mkdtemp(join(tmpdir(), 'quorum-id-'))
    dirs.push(d)
    await writeFile(join(d, KEY_FILE), privateKeyToProtobuf(await generateKeyPair('secp256k1')), { mode: 0o600 })
    await chmod(join(d, KEY_FILE), 0o600)
    expect((await refusal(d)).message).toBe(`${join(d, KEY_FILE)}: holds a secp256k1 key; Quorum uses Ed25519`)
    await writeFile(join(d, KEY_FILE), 'not a key')
    const err = await refusal(d)
    expect(err.message).toMatch(/does not hold a valid private key/)
    expect(err.cause).toBeInstanceOf(Error)
  })
})
