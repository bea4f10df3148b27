/**
 * Strict options of leaderElection (the service path): a value of the wrong
 * type is refused, never coerced, and the message shows the value with its
 * type. leaderElection validates when called and starts nothing, so these
 * tests need no network.
 */
import { describe as group, expect, it } from 'vitest'
import { ConfigError, leaderElection, type ElectionOptions } from '../src/index.js'
import { describe } from '../src/options.js'

/** The ConfigError leaderElection throws for `options`. */
function refusal (options: unknown): ConfigError {
  try { leaderElection(options as ElectionOptions) } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    expect(err).toMatchObject({ name: 'ConfigError', code: 'ERR_CONFIG' })
    return err as ConfigError
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(options)}`)
}

group('describe', () => {
  it('names the type of every kind of value', () => {
    expect(describe('3')).toBe('the string "3"')
    expect(describe('')).toBe('the string ""')
    expect(describe(3)).toBe('the number 3')
    expect(describe(-0.5)).toBe('the number -0.5')
    expect(describe(Infinity)).toBe('the number Infinity')
    expect(describe(Number.NaN)).toBe('NaN')
    expect(describe(true)).toBe('the boolean true')
    expect(describe(null)).toBe('null')
    expect(describe(undefined)).toBe('undefined')
    expect(describe([])).toBe('an array of 0 items')
    expect(describe(['a'])).toBe('an array of 1 item')
    expect(describe({ a: 1 })).toBe('an object')
    expect(describe(Object.create(null))).toBe('an object')
    expect(describe(new Uint8Array(2))).toBe('a Uint8Array')
    expect(describe(new Error('x'))).toBe('an Error')
    expect(describe(() => 1)).toBe('a function')
    expect(describe(3n)).toBe('the bigint 3n')
    expect(describe(Symbol('s'))).toBe('a symbol')
  })

  it('cuts a long string short', () => {
    expect(describe('x'.repeat(100))).toBe(`the string "${'x'.repeat(60)}…"`)
  })
})

group('leaderElection refuses a value of the wrong type, showing it with its type', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['clusterSize', { clusterSize: '3' }, 'must be an integer of at least 1, got the string "3"'],
    ['clusterSize', {}, 'must be an integer of at least 1, got undefined'],
    ['clusterSize', { clusterSize: Number.NaN }, 'must be an integer of at least 1, got NaN'],
    ['leaseMs', { clusterSize: 3, leaseMs: '2000' }, 'must be a positive finite number, got the string "2000"'],
    ['heartbeatMs', { clusterSize: 3, heartbeatMs: null }, 'must be a positive finite number, got null'],
    ['join', { clusterSize: 3, join: 'true' }, 'must be a boolean, got the string "true"'],
    ['role', { clusterSize: 3, role: ['voter'] }, 'must be \'voter\' or \'observer\', got an array of 1 item'],
    ['clusterName', { clusterSize: 3, clusterName: null }, 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit; got null'],
    ['clusterName', { clusterSize: 3, clusterName: 7 }, 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit; got the number 7'],
    ['bootstrap', { clusterSize: 3, bootstrap: '/ip4/127.0.0.1/tcp/1' }, 'must be an array of multiaddr strings, got the string "/ip4/127.0.0.1/tcp/1"'],
    ['bootstrap', { clusterSize: 3, bootstrap: [4001] }, 'must hold multiaddr strings, but holds the number 4001'],
    ['dataDir', { clusterSize: 3, dataDir: true }, 'must be a non-empty path, got the boolean true'],
    ['storage', { clusterSize: 3, storage: {} }, 'must be a Storage (an object with load and save methods and a durable flag, such as a FileStorage), got an object'],
    ['maxMessagesPerSecond', { clusterSize: 3, maxMessagesPerSecond: '500' }, 'must be a number of at least 10, got the string "500"'],
    ['maxFrameBytes', { clusterSize: 3, maxFrameBytes: 1e9 }, 'must be an integer from 1024 to 4194304, got the number 1000000000'],
    ['voters', { clusterSize: 1, voters: 'abc' }, 'must be an array of peer ID strings, got the string "abc"'],
    ['voters', { clusterSize: 1, voters: [1] }, 'must hold peer ID strings, but holds the number 1'],
    ['metadata', { clusterSize: 3, metadata: { url: 8080 } }, 'value of "url" must be a string, got the number 8080'],
    ['options', null as unknown as Record<string, unknown>, 'must be an object, got null']
  ])('%s in %j', (field, options, message) => {
    const err = refusal(options)
    expect(err.field).toBe(field)
    expect(err.message).toBe(`invalid option "${field}": ${message}`)
  })
})

group('an option name that is not known is refused, with the nearest known one', () => {
  it.each<[Record<string, unknown>, string, string]>([
    [{ clustersize: 3 }, 'clustersize', 'clusterSize'],
    [{ clusterSize: 3, leaseMS: 2000 }, 'leaseMS', 'leaseMs'],
    [{ clusterSize: 3, datadir: '/tmp/q' }, 'datadir', 'dataDir'],
    [{ clusterSize: 3, heartbeat: 500 }, 'heartbeat', 'heartbeatMs'],
    [{ clusterSize: 3, bootstraps: [] }, 'bootstraps', 'bootstrap'],
    [{ clusterSize: 3, clustrName: 'a' }, 'clustrName', 'clusterName']
  ])('%j', (options, field, suggestion) => {
    const err = refusal(options)
    expect(err.field).toBe(field)
    expect(err.message).toBe(`invalid option "${field}": is not an option of leaderElection; did you mean ${suggestion}?`)
  })

  it('lists the options when none is near, and refuses a misspelt key even when its value is undefined', () => {
    const err = refusal({ clusterSize: 3, colour: 'blue' })
    expect(err.message).toMatch(/^invalid option "colour": is not an option of leaderElection; the options are clusterName, clusterSize, role, .*, storage$/)
    expect(refusal({ clusterSize: 3, leasems: undefined }).field).toBe('leasems')
  })

  it('the core NodeConfig is as strict', async () => {
    const { resolveConfig } = await import('../src/node/config.js')
    expect(() => resolveConfig({ nodeId: 'a', clusterSize: 3, electionDelay: 5 } as never)).toThrow('invalid option "electionDelay": is not an option of NodeConfig; did you mean electionDelayMs?')
  })
})

group('createElection\'s options about its own libp2p node are refused by leaderElection, saying how to do it there', () => {
  it.each<[string, unknown, RegExp]>([
    ['listen', ['/ip4/0.0.0.0/tcp/4001'], /createLibp2p\(\{ addresses: \{ listen: \[\.\.\.\] \} \}\)/],
    ['mdns', false, /peerDiscovery: \[mdns\(\{ serviceTag: mdnsServiceTag\(clusterName\) \}\)\]/],
    ['mdnsIntervalMs', 1000, /mdns\(\{ serviceTag: mdnsServiceTag\(clusterName\), interval \}\)/],
    ['logger', {}, /createLibp2p\(\{ logger \}\)/],
    ['swarmKey', 'k', /connectionProtector: preSharedKey\(\{ psk: parseSwarmKey\(key\) \}\).*@libp2p\/pnet/],
    ['swarmKeyFile', '/etc/quorum/swarm.key', /connectionProtector: preSharedKey\(\{ psk: await readSwarmKeyFile\(path\) \}\).*@libp2p\/pnet/],
    ['privateKey', {}, /createLibp2p\(\{ privateKey \}\)/]
  ])('%s', (field, value, advice) => {
    const err = refusal({ clusterSize: 3, [field]: value })
    expect(err.field).toBe(field)
    expect(err.message).toMatch(new RegExp(`^invalid option "${field}": is not an option of leaderElection: `))
    expect(err.message).toMatch(advice)
  })

  it('a slip of such a name is pointed to it, with the same advice', () => {
    const err = refusal({ clusterSize: 3, swarmkey: 'k' })
    expect(err.field).toBe('swarmkey')
    expect(err.message).toMatch(/did you mean swarmKey\? It is not an option of leaderElection either: protect your libp2p node/)
  })
})

group('the timing options have floors, with the reason in the message', () => {
  it('leaseMs is at least 100 ms: shorter leases are eaten by ordinary event-loop delays', () => {
    const err = refusal({ clusterSize: 3, leaseMs: 99 })
    expect(err.field).toBe('leaseMs')
    expect(err.message).toMatch(/^invalid option "leaseMs": must be at least 100 ms, got the number 99: below that, ordinary event-loop delays .* healthy leaders lose it$/)
    expect(() => leaderElection({ clusterSize: 3, leaseMs: 100 })).not.toThrow()
  })

  it('heartbeatMs is at least 10 ms: shorter ones flood the voters', () => {
    const err = refusal({ clusterSize: 3, leaseMs: 1000, heartbeatMs: 9 })
    expect(err.field).toBe('heartbeatMs')
    expect(err.message).toMatch(/^invalid option "heartbeatMs": must be at least 10 ms, got the number 9: below that the leader floods every voter/)
    expect(() => leaderElection({ clusterSize: 3, leaseMs: 1000, heartbeatMs: 10 })).not.toThrow()
    // The default heartbeat (leaseMs/4) of the shortest lease is above the floor.
    expect(() => leaderElection({ clusterSize: 3, leaseMs: 100 })).not.toThrow()
  })

  it('the heartbeat rate must stay within half of maxMessagesPerSecond, or peers would disconnect the leader', () => {
    const err = refusal({ clusterSize: 3, leaseMs: 1000, heartbeatMs: 50, maxMessagesPerSecond: 39 })
    expect(err.field).toBe('heartbeatMs')
    expect(err.message).toBe('invalid option "heartbeatMs": 50 ms makes the leader send each peer 20 heartbeats a second, more than half of maxMessagesPerSecond (39) allows: peers would disconnect it; lengthen heartbeatMs or raise maxMessagesPerSecond')
    expect(() => leaderElection({ clusterSize: 3, leaseMs: 1000, heartbeatMs: 50, maxMessagesPerSecond: 40 })).not.toThrow()
    // The floors fit the default limit (500 a second).
    expect(() => leaderElection({ clusterSize: 3, leaseMs: 1000, heartbeatMs: 10 })).not.toThrow()
  })

  it('the core NodeConfig keeps no floor: the simulator runs short leases in virtual time', async () => {
    const { resolveConfig } = await import('../src/node/config.js')
    expect(resolveConfig({ nodeId: 'a', clusterSize: 3, leaseMs: 10, heartbeatMs: 2 })).toMatchObject({ leaseMs: 10, heartbeatMs: 2 })
  })
})
