/**
 * resolveConfig, case by case with exact messages and the edges of each range:
 * the cases `npm run mutate` showed the node tests left open (docs/mutation.md).
 */
import { describe, expect, it } from 'vitest'
import { ConfigError, METADATA_LIMITS, resolveConfig, type NodeConfig } from '../../src/node/config.js'
import { systemClock, systemRandom } from '../../src/node/clock.js'

const base: NodeConfig = { nodeId: 'a', clusterSize: 3 }
function refusal (c: unknown): ConfigError {
  try { resolveConfig(c as NodeConfig) } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).name).toBe('ConfigError')
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('resolveConfig', () => {
  it('fills the defaults from leaseMs', () => {
    expect(resolveConfig(base)).toEqual({
      nodeId: 'a', clusterSize: 3, leaseMs: 2000, heartbeatMs: 500, maxDriftRatio: 0.01, priority: 0, electionDelayMs: 100, roundTimeoutMs: 500,
      role: 'voter', join: false, presenceMs: 2000, memberTimeoutMs: 10_000, stabilizationMs: 4000, metadata: {}
    })
    expect(resolveConfig({ ...base, leaseMs: 4000 })).toMatchObject({
      heartbeatMs: 1000, electionDelayMs: 200, roundTimeoutMs: 1000, presenceMs: 4000, memberTimeoutMs: 20_000, stabilizationMs: 8000
    })
    // memberTimeoutMs defaults from leaseMs, not from a given presenceMs.
    expect(resolveConfig({ ...base, presenceMs: 100 })).toMatchObject({ presenceMs: 100, memberTimeoutMs: 10_000 })
  })

  it('keeps what is given, at the edges of each range, and freezes a copy of the metadata', () => {
    const metadata: Record<string, string> = Object.fromEntries(Array.from({ length: METADATA_LIMITS.entries }, (_, i) => [`k${i}`, 'v']))
    metadata.k0 = 'x'.repeat(METADATA_LIMITS.valueLength)
    metadata['y'.repeat(METADATA_LIMITS.keyLength)] = 'v'
    delete metadata.k1
    const r = resolveConfig({ nodeId: 'b', clusterSize: 1, leaseMs: 10, heartbeatMs: 9.5, maxDriftRatio: 0, priority: 0, electionDelayMs: 1, roundTimeoutMs: 2, metadata })
    expect(r).toMatchObject({ nodeId: 'b', clusterSize: 1, leaseMs: 10, heartbeatMs: 9.5, maxDriftRatio: 0, priority: 0, electionDelayMs: 1, roundTimeoutMs: 2 })
    expect(r.metadata).toEqual(metadata)
    expect(r.metadata).not.toBe(metadata)
    expect(Object.isFrozen(r.metadata)).toBe(true)
    expect(resolveConfig({ ...base, maxDriftRatio: 0.49, priority: 7 })).toMatchObject({ maxDriftRatio: 0.49, priority: 7 })
    // memberTimeoutMs at exactly twice presenceMs.
    expect(resolveConfig({ ...base, role: 'observer', join: true, presenceMs: 1, memberTimeoutMs: 2, stabilizationMs: 1 }))
      .toMatchObject({ role: 'observer', join: true, presenceMs: 1, memberTimeoutMs: 2, stabilizationMs: 1 })
    expect(resolveConfig({ ...base, role: 'voter', join: false })).toMatchObject({ role: 'voter', join: false })
  })

  it.each<[string, unknown, string]>([
    ['config', null, 'must be an object, got null'],
    ['config', 'a', 'must be an object, got the string "a"'],
    ['nodeId', { clusterSize: 3 }, 'must be a non-empty string, got undefined'],
    ['nodeId', { nodeId: '', clusterSize: 3 }, 'must be a non-empty string, got the string ""'],
    ['clusterSize', { nodeId: 'a', clusterSize: 0 }, 'must be an integer of at least 1, got the number 0'],
    ['clusterSize', { nodeId: 'a', clusterSize: 1.5 }, 'must be an integer of at least 1, got the number 1.5'],
    ['leaseMs', { ...base, leaseMs: 0 }, 'must be a positive finite number, got the number 0'],
    ['leaseMs', { ...base, leaseMs: -1 }, 'must be a positive finite number, got the number -1'],
    ['leaseMs', { ...base, leaseMs: Infinity }, 'must be a positive finite number, got the number Infinity'],
    ['leaseMs', { ...base, leaseMs: '2000' }, 'must be a positive finite number, got the string "2000"'],
    ['heartbeatMs', { ...base, heartbeatMs: 2000 }, 'must be below leaseMs (2000), got the number 2000'],
    ['heartbeatMs', { ...base, heartbeatMs: 0 }, 'must be a positive finite number, got the number 0'],
    ['maxDriftRatio', { ...base, maxDriftRatio: 0.5 }, 'must be a number in [0, 0.5), got the number 0.5'],
    ['maxDriftRatio', { ...base, maxDriftRatio: -0.01 }, 'must be a number in [0, 0.5), got the number -0.01'],
    ['maxDriftRatio', { ...base, maxDriftRatio: NaN }, 'must be a number in [0, 0.5), got NaN'],
    ['maxDriftRatio', { ...base, maxDriftRatio: '0.1' }, 'must be a number in [0, 0.5), got the string "0.1"'],
    ['priority', { ...base, priority: -1 }, 'must be a finite number of at least 0, got the number -1'],
    ['priority', { ...base, priority: Infinity }, 'must be a finite number of at least 0, got the number Infinity'],
    ['priority', { ...base, priority: '1' }, 'must be a finite number of at least 0, got the string "1"'],
    ['electionDelayMs', { ...base, electionDelayMs: 0 }, 'must be a positive finite number, got the number 0'],
    ['roundTimeoutMs', { ...base, roundTimeoutMs: 0 }, 'must be a positive finite number, got the number 0'],
    ['role', { ...base, role: 'leader' }, 'must be \'voter\' or \'observer\', got the string "leader"'],
    ['role', { ...base, role: 'Observer' }, 'must be \'voter\' or \'observer\', got the string "Observer"'],
    ['join', { ...base, join: 'yes' }, 'must be a boolean, got the string "yes"'],
    ['join', { ...base, join: 1 }, 'must be a boolean, got the number 1'],
    ['presenceMs', { ...base, presenceMs: 0 }, 'must be a positive finite number, got the number 0'],
    ['memberTimeoutMs', { ...base, memberTimeoutMs: 0 }, 'must be a positive finite number, got the number 0'],
    ['memberTimeoutMs', { ...base, presenceMs: 100, memberTimeoutMs: 199 }, 'must be at least twice presenceMs (100), got the number 199'],
    ['memberTimeoutMs', { ...base, memberTimeoutMs: 3999 }, 'must be at least twice presenceMs (2000), got the number 3999'],
    ['stabilizationMs', { ...base, stabilizationMs: 0 }, 'must be a positive finite number, got the number 0'],
    ['stabilizationMs', { ...base, stabilizationMs: -5 }, 'must be a positive finite number, got the number -5'],
    ['metadata', { ...base, metadata: 'x' }, 'must be an object of strings, got the string "x"'],
    ['metadata', { ...base, metadata: ['x'] }, 'must be an object of strings, got an array of 1 item'],
    ['metadata', { ...base, metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }, 'has 33 entries, at most 32 are allowed'],
    ['metadata', { ...base, metadata: { n: 1 } }, 'value of "n" must be a string, got the number 1'],
    ['metadata', { ...base, metadata: { ['k'.repeat(65)]: 'v' } }, `key "${'k'.repeat(20)}…" is longer than 64 characters`],
    ['metadata', { ...base, metadata: { u: 'x'.repeat(1025) } }, 'value of "u" is longer than 1024 characters'],
    ['metadata', { ...base, metadata: JSON.parse('{"__proto__":"x"}') as Record<string, string> }, 'the key "__proto__" is not allowed']
  ])('refuses %s in %j', (field, c, message) => {
    const err = refusal(c)
    expect(err.field).toBe(field)
    expect(err.message).toBe(`invalid option "${field}": ${message}`)
  })
})

describe('system clock and randomness', () => {
  it('reads performance.now and Math.random', () => {
    const t = performance.now()
    expect(systemClock.now()).toBeGreaterThanOrEqual(t)
    expect(systemClock.now()).toBeLessThan(t + 10_000)
    const r = systemRandom.next()
    expect(r).toBeGreaterThanOrEqual(0)
    expect(r).toBeLessThan(1)
    expect(new Set(Array.from({ length: 10 }, () => systemRandom.next())).size).toBeGreaterThan(1)
  })
})
