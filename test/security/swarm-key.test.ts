import { afterEach, describe, expect, it } from 'vitest'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../src/node/config.js'
import { newSwarmKey, parseSwarmKey, readSwarmKeyFile, resolveSwarmKey } from '../../src/security/swarm-key.js'

const dirs: string[] = []
async function dir (): Promise<string> { const d = await mkdtemp(join(tmpdir(), 'quorum-key-')); dirs.push(d); return d }
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })

function fieldOf (f: () => unknown): string {
  try { f() } catch (err) { expect(err).toBeInstanceOf(ConfigError); return (err as ConfigError).field }
  return 'no error'
}

describe('cluster (swarm) key', () => {
  it('makes keys in the pnet format, and accepts them', () => {
    const k = newSwarmKey()
    expect(k).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    expect(parseSwarmKey(k).length).toBe(95)
    // A key file ends with a newline (quorum keygen writes one); the key libp2p gets does not.
    expect(parseSwarmKey(`${k}\n`)).toEqual(parseSwarmKey(k))
    expect(newSwarmKey()).not.toBe(k)
  })

  it('rejects anything else, naming the option', () => {
    expect(fieldOf(() => parseSwarmKey('hello'))).toBe('swarmKey')
    expect(fieldOf(() => parseSwarmKey('/key/swarm/psk/1.0.0/\n/base16/\n1234'))).toBe('swarmKey')
    // Neither text nor bytes: refused, showing what it got.
    expect(() => parseSwarmKey(42 as unknown as string)).toThrow('invalid option "swarmKey": must be the key\'s text or bytes, got the number 42')
  })

  it('reads a key file only when others cannot read it', async () => {
    const d = await dir()
    const f = join(d, 'swarm.key')
    await writeFile(f, newSwarmKey(), { mode: 0o600 })
    expect((await readSwarmKeyFile(f)).length).toBe(95)
    await chmod(f, 0o644)
    await expect(readSwarmKeyFile(f)).rejects.toThrow(/644.*chmod 600/)
    await expect(readSwarmKeyFile(join(d, 'missing'))).rejects.toBeInstanceOf(ConfigError)
    await expect(readSwarmKeyFile(7 as unknown as string)).rejects.toThrow('invalid option "swarmKeyFile": must be a non-empty path, got the number 7')
  })

  it('comes from the options, else from QUORUM_SWARM_KEY or QUORUM_SWARM_KEY_FILE', async () => {
    const d = await dir()
    const f = join(d, 'swarm.key')
    const k = newSwarmKey()
    await writeFile(f, k, { mode: 0o600 })
    const text = (b: Uint8Array | undefined): string => Buffer.from(b!).toString()
    expect(await resolveSwarmKey({}, {})).toBeUndefined()
    expect(text(await resolveSwarmKey({ swarmKey: k }, {}))).toBe(k)
    expect(text(await resolveSwarmKey({ swarmKeyFile: f }, {}))).toBe(k)
    expect(text(await resolveSwarmKey({}, { QUORUM_SWARM_KEY: k }))).toBe(k)
    expect(text(await resolveSwarmKey({}, { QUORUM_SWARM_KEY_FILE: f }))).toBe(k)
    await expect(resolveSwarmKey({}, { QUORUM_SWARM_KEY: 'nonsense' })).rejects.toMatchObject({ field: 'QUORUM_SWARM_KEY' })
    await expect(resolveSwarmKey({ swarmKey: k, swarmKeyFile: f }, {})).rejects.toMatchObject({ field: 'swarmKey' })
  })
})
