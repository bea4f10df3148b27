import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CodecError, decodeMessage, encodeMessage, LIMITS } from '../../src/transport/codec.js'
import { Frame, type Configuration as PbConfiguration, type LeaderRecord as PbRecord } from '../../src/transport/pb/quorum.js'
import type { Message } from '../../src/paxos/message.js'
import { messageArb } from './arbitraries.js'
import { testConfig } from './config.js'

/** A well-formed configuration as protons holds it: version 3, voters a (since 1) and b (since 3). */
const pbConfig = (over: Partial<PbConfiguration> = {}): PbConfiguration => ({
  version: 3n, clusterId: 'c', voters: [{ id: 'a', since: 1n }, { id: 'b', since: 3n }], target: 3, leaseMs: 1000, heartbeatMs: 200, maxDriftRatio: 0.01, ...over
})
const pbRecord = (over: Partial<PbRecord> = {}): PbRecord => ({ epoch: 1n, leaderId: 'a', metadata: new Map(), config: pbConfig(), ...over })

/** The error message decoding `f` throws, or 'decoded'. */
function bad (f: Partial<Frame>): string {
  try { decodeMessage(Frame.encode({ type: Frame.Type.PREPARE, epoch: 1n, chosenEpoch: 0n, reason: Frame.NackReason.PROMISED, seq: 0n, successor: '', ...f })); return 'decoded' } catch (e) { return (e as Error).message }
}

describe('wire codec', () => {
  it('round-trips every message', () => {
    fc.assert(fc.property(messageArb, m => {
      expect(decodeMessage(encodeMessage(m))).toEqual(m)
    }), { numRuns: 2000 })
  })

  it('rejects random bytes with a CodecError or decodes them into a valid message, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
      try {
        const m = decodeMessage(bytes)
        // Whatever decodes re-encodes to a message that decodes the same.
        expect(decodeMessage(encodeMessage(m))).toEqual(m)
      } catch (err) {
        expect(err).toBeInstanceOf(CodecError)
        expect(err).toMatchObject({ name: 'CodecError', code: 'ERR_CODEC' })
      }
    }), { numRuns: 5000 })
  })

  it('names what is wrong', () => {
    expect(bad({})).toMatch(/ballot is missing/)
    expect(bad({ ballot: { round: 0n, nodeId: 'a' } })).toBe('decoded')
    expect(bad({ ballot: { round: 2n ** 60n, nodeId: 'a' } })).toMatch(/beyond 2147483647/)
    // protons-runtime 7.1.2 garbles a uint64 from 2^31 to 2^32−1 (into whatever its buffer held):
    // such numbers are never encoded.
    expect(() => encodeMessage({ type: 'prepare', epoch: 1, ballot: { round: 2 ** 31, nodeId: 'a' } })).toThrow(/ballot.round 2147483648 cannot be sent/)
    expect(() => encodeMessage({ type: 'heartbeatAck', epoch: 2 ** 31, seq: 1 })).toThrow(CodecError)
    expect(bad({ ballot: { round: 1n, nodeId: '' } })).toMatch(/ballot.nodeId is empty/)
    expect(bad({ epoch: 0n, ballot: { round: 1n, nodeId: 'a' } })).toMatch(/epoch must be at least 1/)
    expect(bad({ type: Frame.Type.UNKNOWN })).toMatch(/unknown frame type/)
    expect(bad({ type: Frame.Type.CHOSEN, value: pbRecord({ epoch: 2n }) })).toMatch(/value is for epoch 2/)
    const many = new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']))
    expect(bad({ type: Frame.Type.CHOSEN, value: pbRecord({ metadata: many }) })).toMatch(/metadata/)
    const hb = { type: Frame.Type.HEARTBEAT, seq: 1n, value: pbRecord() }
    expect(bad(hb)).toBe('decoded')
    expect(decodeMessage(Frame.encode({ ...hb, epoch: 1n, chosenEpoch: 0n, reason: Frame.NackReason.PROMISED, seq: 1n, successor: '', lease: false, ackListed: true, ackFrom: [], observer: false, ready: false, leaving: false, rejoin: false }))).toMatchObject({ ackFrom: [] })
    expect(bad({ ...hb, ackListed: true, ackFrom: ['b', ''] })).toMatch(/ackFrom\[1\] is empty/)
    expect(bad({ ...hb, ackFrom: ['b'] })).toMatch(/ackFrom is given but ackListed is not set/)
    expect(bad({ ...hb, ackListed: true, ackFrom: Array.from({ length: 65 }, (_, i) => `n${i}`) })).toMatch(/ackFrom/)
  })

  it('round-trips a hand-built record with its configuration, and presence from a node that knows no epoch', () => {
    const m: Message = { type: 'heartbeat', epoch: 4, seq: 2, value: { epoch: 4, leaderId: 'b', metadata: {}, config: testConfig(['c', 'a', 'b']) }, ackFrom: 'all' }
    expect(decodeMessage(encodeMessage(m))).toEqual(m)
    const p: Message = { type: 'presence', epoch: 0, observer: true, ready: false, leaving: false, rejoin: true, metadata: { url: 'http://10.0.0.7:8080' }, priority: 2.5 }
    expect(decodeMessage(encodeMessage(p))).toEqual(p)
    expect(decodeMessage(Frame.encode({ type: Frame.Type.NACK, epoch: 1n, ballot: { round: 1n, nodeId: 'a' }, reason: Frame.NackReason.CONFIG }))).toMatchObject({ reason: 'config' })
  })

  it('checks a presence digest: ids, the number of reports, ages it cannot carry', () => {
    const report = { id: 'o1', epoch: 3n, observer: true, ready: false, leaving: false, rejoin: false, ageMs: 12, metadata: new Map([['url', 'u']]), priority: 3 }
    expect(decodeMessage(Frame.encode({ type: Frame.Type.PRESENCE_DIGEST, epoch: 0n, reports: [report] } as Frame)))
      .toEqual({ type: 'presenceDigest', epoch: 0, reports: [{ id: 'o1', epoch: 3, observer: true, ready: false, leaving: false, rejoin: false, metadata: { url: 'u' }, priority: 3, ageMs: 12 }] })
    expect(bad({ type: Frame.Type.PRESENCE_DIGEST, reports: [{ ...report, metadata: new Map([['__proto__', 'x']]) }] })).toMatch(/reports\[0\]\.metadata has a forbidden key/)
    expect(bad({ type: Frame.Type.PRESENCE, metadata: new Map(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) })).toMatch(/metadata/)
    expect(bad({ type: Frame.Type.PRESENCE_DIGEST, reports: [{ ...report, id: '' }] })).toMatch(/reports\[0\]\.id is empty/)
    expect(bad({ type: Frame.Type.PRESENCE_DIGEST, reports: [{ ...report, priority: -1 }] })).toMatch(/reports\[0\]\.priority must be a finite number/)
    expect(bad({ type: Frame.Type.PRESENCE, priority: Number.NaN })).toMatch(/priority must be a finite number of at least 0, got NaN/)
    expect(bad({ type: Frame.Type.PRESENCE_DIGEST, reports: [{ ...report, epoch: 2n ** 40n }] })).toMatch(/reports\[0\]\.epoch/)
    expect(bad({ type: Frame.Type.PRESENCE_DIGEST, reports: Array.from({ length: LIMITS.reports + 1 }, () => report) })).toMatch(/reports/)
    const digest = (ageMs: number): Message => ({ type: 'presenceDigest', epoch: 1, reports: [{ id: 'o1', epoch: 1, observer: false, ready: true, leaving: false, rejoin: false, metadata: {}, priority: 0, ageMs }] })
    expect(() => encodeMessage(digest(-1))).toThrow(CodecError)
    expect(() => encodeMessage(digest(0.5))).toThrow(/ageMs/)
    expect(() => encodeMessage(digest(2 ** 31))).toThrow(/ageMs/)
  })

  it('refuses every record without a configuration', () => {
    const value = pbRecord({ config: undefined })
    const ballot = { round: 1n, nodeId: 'a' }
    expect(bad({ type: Frame.Type.PROMISE, ballot, acceptedBallot: ballot, value })).toMatch(/value\.config is missing/)
    expect(bad({ type: Frame.Type.ACCEPT, ballot, value })).toMatch(/value\.config is missing/)
    expect(bad({ type: Frame.Type.ACCEPTED, ballot, value })).toMatch(/value\.config is missing/)
    expect(bad({ type: Frame.Type.CHOSEN, value })).toMatch(/value\.config is missing/)
    expect(bad({ type: Frame.Type.HEARTBEAT, seq: 1n, value })).toMatch(/value\.config is missing/)
    expect(bad({ type: Frame.Type.STATUS_REPLY, value })).toMatch(/value\.config is missing/)
  })

  it('names what is wrong in a configuration', () => {
    const badConfig = (over: Partial<PbConfiguration>): string => bad({ type: Frame.Type.CHOSEN, value: pbRecord({ config: pbConfig(over) }) })
    const voters = (n: number): PbConfiguration['voters'] => Array.from({ length: n }, (_, i) => ({ id: `n${String(i).padStart(3, '0')}`, since: 1n }))
    expect(badConfig({})).toBe('decoded')
    expect(badConfig({ version: 0n })).toMatch(/value\.config\.version must be at least 1/)
    expect(badConfig({ version: 2n ** 53n })).toMatch(/value\.config\.version \d+ is beyond 2147483647/)
    expect(badConfig({ clusterId: '' })).toMatch(/value\.config\.clusterId is empty/)
    expect(badConfig({ clusterId: 'x'.repeat(LIMITS.idLength + 1) })).toMatch(/value\.config\.clusterId is longer than 128/)
    expect(badConfig({ voters: [] })).toMatch(/value\.config\.voters is empty/)
    expect(badConfig({ voters: voters(LIMITS.voters) })).toBe('decoded')
    expect(badConfig({ voters: voters(LIMITS.voters + 1) })).toMatch(/not a valid protobuf frame: .*"voters" had too many elements/)
    expect(badConfig({ voters: [{ id: 'a', since: 1n }, { id: '', since: 1n }] })).toMatch(/value\.config\.voters\[1\]\.id is empty/)
    expect(badConfig({ voters: [{ id: 'x'.repeat(LIMITS.idLength + 1), since: 1n }] })).toMatch(/value\.config\.voters\[0\]\.id is longer than 128/)
    expect(badConfig({ voters: [{ id: 'b', since: 1n }, { id: 'a', since: 1n }] })).toMatch(/value\.config\.voters\[1\]\.id is out of order/)
    expect(badConfig({ voters: [{ id: 'a', since: 1n }, { id: 'a', since: 2n }] })).toMatch(/value\.config\.voters\[1\]\.id is a duplicate/)
    expect(badConfig({ voters: [{ id: 'a', since: 0n }] })).toMatch(/value\.config\.voters\[0\]\.since must be at least 1/)
    expect(badConfig({ voters: [{ id: 'a', since: 1n }, { id: 'b', since: 4n }] })).toMatch(/value\.config\.voters\[1\]\.since 4 is beyond the version 3/)
    expect(badConfig({ target: 0 })).toMatch(/value\.config\.target must be at least 1/)
    expect(badConfig({ leaseMs: 0 })).toMatch(/value\.config\.leaseMs must be a finite number above 0/)
    expect(badConfig({ leaseMs: -1 })).toMatch(/value\.config\.leaseMs must be a finite number above 0/)
    expect(badConfig({ leaseMs: Infinity })).toMatch(/value\.config\.leaseMs must be a finite number above 0/)
    expect(badConfig({ leaseMs: NaN })).toMatch(/value\.config\.leaseMs must be a finite number above 0/)
    expect(badConfig({ heartbeatMs: 0 })).toMatch(/value\.config\.heartbeatMs must be a finite number above 0/)
    expect(badConfig({ heartbeatMs: Infinity })).toMatch(/value\.config\.heartbeatMs must be a finite number above 0/)
    expect(badConfig({ heartbeatMs: NaN })).toMatch(/value\.config\.heartbeatMs must be a finite number above 0/)
    expect(badConfig({ maxDriftRatio: 0 })).toBe('decoded')
    expect(badConfig({ maxDriftRatio: 0.5 })).toMatch(/value\.config\.maxDriftRatio must be in \[0, 0\.5\)/)
    expect(badConfig({ maxDriftRatio: -0.01 })).toMatch(/value\.config\.maxDriftRatio must be in \[0, 0\.5\)/)
    expect(badConfig({ maxDriftRatio: NaN })).toMatch(/value\.config\.maxDriftRatio must be in \[0, 0\.5\)/)
  })
})
