import { afterEach, describe, expect, it } from 'vitest'
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IdentityError, KEY_FILE, loadOrCreateIdentity } from '../../src/storage/identity.js'
import { rejection } from './rejection.js'

const dirs: string[] = []
async function dataDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-id-'))
  dirs.push(d)
  return d
}
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })

const errorOf = async (p: Promise<unknown>): Promise<IdentityError> => await rejection(p, IdentityError, 'IdentityError', 'ERR_IDENTITY')

describe('persistent identity', () => {
  it('creates an Ed25519 key with mode 0600 once, then keeps the same peer ID', async () => {
    const d = await dataDir()
    const first = await loadOrCreateIdentity(d)
    expect(first.type).toBe('Ed25519')
    expect((await stat(join(d, KEY_FILE))).mode & 0o777).toBe(0o600)
    const again = await loadOrCreateIdentity(d)
    expect(peerIdFromPrivateKey(again).toString()).toBe(peerIdFromPrivateKey(first).toString())
  })

  it('refuses a key file others can read, naming it', async () => {
    const d = await dataDir()
    await loadOrCreateIdentity(d)
    await chmod(join(d, KEY_FILE), 0o644)
    const err = await errorOf(loadOrCreateIdentity(d))
    expect(err.file).toBe(join(d, KEY_FILE))
    expect(err.message).toMatch(/644.*chmod 600/)
  })

  it('refuses a key file with the wrong content', async () => {
    const d = await dataDir()
    await writeFile(join(d, KEY_FILE), 'not a key', { mode: 0o600 })
    expect((await errorOf(loadOrCreateIdentity(d))).message).toMatch(/valid private key/)
  })
})
