import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectionMonitorFor, ConfigError, createElection, newSwarmKey, type CreateElectionOptions, type Election } from '../src/index.js'

describe('connectionMonitorFor', () => {
  it('pings once a lease with a timeout of one lease, never below 500 ms, and aborts on failure', () => {
    expect(connectionMonitorFor(2000)).toEqual({ pingInterval: 2000, pingTimeout: { minTimeout: 2000, maxTimeout: 2000 }, abortConnectionOnPingFailure: true })
    expect(connectionMonitorFor(100)).toEqual({ pingInterval: 500, pingTimeout: { minTimeout: 500, maxTimeout: 500 }, abortConnectionOnPingFailure: true })
  })

  it('refuses a lease that is not a positive number, naming it', () => {
    for (const bad of [Number.NaN, 0, -5, Infinity, '2000' as unknown as number]) {
      expect(() => connectionMonitorFor(bad)).toThrow(ConfigError)
    }
    expect(() => connectionMonitorFor('2000' as unknown as number)).toThrow(/leaseMs.*"2000"/)
  })
})

/**
 * createElection's refusals. Each must come before any libp2p node starts; these
 * tests run inside the private network namespace (npm test) all the same, in
 * case one did not.
 */
async function refusal (options: unknown): Promise<ConfigError> {
  let election: Election | null = null
  try {
    election = await createElection(options as CreateElectionOptions)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    expect(err).toMatchObject({ name: 'ConfigError', code: 'ERR_CONFIG' })
    return err as ConfigError
  }
  await election.stop()
  throw new Error(`expected a ConfigError for ${JSON.stringify(options)}`)
}

describe('createElection refuses an option name it does not know, with the nearest known one', () => {
  it.each<[Record<string, unknown>, string, string]>([
    [{ clusterSize: 3, swarmkeyFile: '/k' }, 'swarmkeyFile', 'swarmKeyFile'],
    [{ clusterSize: 3, mdnsInterval: 500 }, 'mdnsInterval', 'mdnsIntervalMs'],
    [{ clustersize: 3 }, 'clustersize', 'clusterSize'],
    [{ clusterSize: 3, Listen: ['/ip4/127.0.0.1/tcp/0'] }, 'Listen', 'listen'],
    [{ clusterSize: 3, leaseMS: 2000 }, 'leaseMS', 'leaseMs']
  ])('%j', async (options, field, suggestion) => {
    const err = await refusal(options)
    expect(err.field).toBe(field)
    expect(err.message).toBe(`invalid option "${field}": is not an option of createElection; did you mean ${suggestion}?`)
  })

  it('refuses options that are not an object', async () => {
    expect((await refusal(null)).message).toBe('invalid option "options": must be an object, got null')
    expect((await refusal([3])).message).toBe('invalid option "options": must be an object, got an array of 1 item')
  })
})

describe('createElection refuses a bad option of its own libp2p node, showing the value with its type', () => {
  it.each<[string, unknown, string]>([
    ['mdns', 'yes', 'must be a boolean, got the string "yes"'],
    ['mdns', 1, 'must be a boolean, got the number 1'],
    ['listen', '/ip4/127.0.0.1/tcp/0', 'must be a non-empty array of multiaddr strings, got the string "/ip4/127.0.0.1/tcp/0"'],
    ['listen', [], 'must be a non-empty array of multiaddr strings, got an array of 0 items'],
    ['listen', [4001], 'must hold multiaddr strings, but holds the number 4001'],
    ['mdnsIntervalMs', '200', 'must be a number of at least 10, got the string "200"'],
    ['mdnsIntervalMs', 5, 'must be a number of at least 10, got the number 5'],
    ['logger', { log: () => {} }, 'must be a ComponentLogger (an object with a forComponent method, such as defaultLogger() of @libp2p/logger), got an object'],
    ['privateKey', 'CAESQ…', 'must be a libp2p PrivateKey (such as generateKeyPair(\'Ed25519\') of @libp2p/crypto/keys makes), got the string "CAESQ…"'],
    ['swarmKey', 42, 'must be the key\'s text or bytes, got the number 42'],
    ['swarmKeyFile', '', 'must be a non-empty path, got the string ""']
  ])('%s: %j', async (field, value, message) => {
    const err = await refusal({ clusterSize: 3, listen: ['/ip4/127.0.0.1/tcp/0'], [field]: value })
    expect(err.field).toBe(field)
    expect(err.message).toBe(`invalid option "${field}": ${message}`)
  })

  it('checks the cluster key before it creates anything in the data directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'quorum-create-'))
    try {
      const dataDir = join(root, 'data')
      const bad = await refusal({ clusterSize: 3, dataDir, swarmKey: 'not a key' })
      expect(bad.field).toBe('swarmKey')
      const keyFile = join(root, 'swarm.key')
      await writeFile(keyFile, newSwarmKey(), { mode: 0o644 })
      const open = await refusal({ clusterSize: 3, dataDir, swarmKeyFile: keyFile })
      expect(open.field).toBe('swarmKeyFile')
      expect(open.message).toMatch(/644.*chmod 600/)
      // No LOCK, no node.key, no state: the directory was never made.
      expect(existsSync(dataDir)).toBe(false)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
