import { describe, expect, it } from 'vitest'
import { connectionMonitorFor, ConfigError, createElection, type CreateElectionOptions, type Election } from '../src/index.js'

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
