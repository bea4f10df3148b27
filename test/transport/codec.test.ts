import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CodecError, decodeMessage, encodeMessage } from '../../src/transport/codec.js'
import { Frame } from '../../src/transport/pb/quorum.js'
import { messageArb } from './arbitraries.js'

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
    const bad = (f: Partial<Frame>): string => {
      try { decodeMessage(Frame.encode({ type: Frame.Type.PREPARE, epoch: 1n, chosenEpoch: 0n, reason: Frame.NackReason.PROMISED, seq: 0n, successor: '', ...f })); return 'decoded' } catch (e) { return (e as Error).message }
    }
    expect(bad({})).toMatch(/ballot is missing/)
    expect(bad({ ballot: { round: 0n, nodeId: 'a' } })).toBe('decoded')
    expect(bad({ ballot: { round: 2n ** 60n, nodeId: 'a' } })).toMatch(/beyond 2\^53/)
    expect(bad({ ballot: { round: 1n, nodeId: '' } })).toMatch(/ballot.nodeId is empty/)
    expect(bad({ epoch: 0n, ballot: { round: 1n, nodeId: 'a' } })).toMatch(/epoch must be at least 1/)
    expect(bad({ type: Frame.Type.UNKNOWN })).toMatch(/unknown frame type/)
    expect(bad({ type: Frame.Type.CHOSEN, value: { epoch: 2n, leaderId: 'a', metadata: new Map() } })).toMatch(/value is for epoch 2/)
    const many = new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']))
    expect(bad({ type: Frame.Type.CHOSEN, value: { epoch: 1n, leaderId: 'a', metadata: many } })).toMatch(/metadata/)
    const hb = { type: Frame.Type.HEARTBEAT, seq: 1n, value: { epoch: 1n, leaderId: 'a', metadata: new Map() } }
    expect(bad(hb)).toBe('decoded')
    expect(decodeMessage(Frame.encode({ ...hb, epoch: 1n, chosenEpoch: 0n, reason: Frame.NackReason.PROMISED, seq: 1n, successor: '', lease: false, ackListed: true, ackFrom: [] }))).toMatchObject({ ackFrom: [] })
    expect(bad({ ...hb, ackListed: true, ackFrom: ['b', ''] })).toMatch(/ackFrom\[1\] is empty/)
    expect(bad({ ...hb, ackFrom: ['b'] })).toMatch(/ackFrom is given but ackListed is not set/)
    expect(bad({ ...hb, ackListed: true, ackFrom: Array.from({ length: 65 }, (_, i) => `n${i}`) })).toMatch(/ackFrom/)
  })
})
