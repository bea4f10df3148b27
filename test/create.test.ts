import { describe, expect, it } from 'vitest'
import { connectionMonitorFor, ConfigError } from '../src/index.js'

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
