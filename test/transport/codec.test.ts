import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CodecError, decodeMessage, encodeMessage } from '../../src/transport/codec.js'
import { Frame } from '../../src/transport/pb/quorum.js'
import type { Message } from '../../src/paxos/message.js'
import type { Ballot, LeaderRecord } from '../../src/paxos/proposal.js'

const nodeId = fc.string({ minLength: 1, maxLength: 60 })
const epoch = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
const ballot: fc.Arbitrary<Ballot> = fc.record({ round: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), nodeId })
const metadata = fc.dictionary(fc.string({ maxLength: 10 }).filter(k => k !== '__proto__'), fc.string({ maxLength: 40 }), { maxKeys: 5 })
const recordFor = (e: number): fc.Arbitrary<LeaderRecord> => fc.record({ epoch: fc.constant(e), leaderId: nodeId, metadata })

export const messageArb: fc.Arbitrary<Message> = epoch.chain(e => fc.oneof(
  fc.record({ type: fc.constant('prepare' as const), epoch: fc.constant(e), ballot }),
  fc.record({ type: fc.constant('promise' as const), epoch: fc.constant(e), ballot, accepted: fc.option(fc.record({ ballot, value: recordFor(e) }), { nil: null }) }),
  fc.record({ type: fc.constant('accept' as const), epoch: fc.constant(e), ballot, value: recordFor(e) }),
  fc.record({ type: fc.constant('accepted' as const), epoch: fc.constant(e), ballot, value: recordFor(e), lease: fc.boolean() }),
  fc.record({ type: fc.constant('nack' as const), epoch: fc.constant(e), ballot, promised: fc.option(ballot, { nil: null }), chosenEpoch: fc.nat(), reason: fc.constantFrom('promised' as const, 'lease' as const, 'quarantine' as const, 'stale' as const) }),
  fc.record({ type: fc.constant('chosen' as const), epoch: fc.constant(e), value: recordFor(e) }),
  fc.record({ type: fc.constant('heartbeat' as const), epoch: fc.constant(e), seq: fc.integer({ min: 1, max: 1e9 }), value: recordFor(e) }),
  fc.record({ type: fc.constant('heartbeatAck' as const), epoch: fc.constant(e), seq: fc.integer({ min: 1, max: 1e9 }) }),
  fc.record({ type: fc.constant('resign' as const), epoch: fc.constant(e), successor: fc.option(nodeId, { nil: null }) }),
  fc.record({ type: fc.constant('statusRequest' as const), epoch: fc.constant(e) }),
  fc.record({ type: fc.constant('statusReply' as const), epoch: fc.constant(e), value: fc.option(recordFor(e), { nil: null }) })
))

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
  })
})
