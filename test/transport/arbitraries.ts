/** fast-check arbitraries for protocol messages, shared by the codec and node fuzz tests. */
import fc from 'fast-check'
import { LIMITS } from '../../src/transport/codec.js'
import type { Message } from '../../src/paxos/message.js'
import type { Ballot, LeaderRecord } from '../../src/paxos/proposal.js'
import type { Configuration } from '../../src/paxos/configuration.js'

const nodeId = fc.string({ minLength: 1, maxLength: 60 })
const epoch = fc.integer({ min: 1, max: LIMITS.maxCount })
const ballot: fc.Arbitrary<Ballot> = fc.record({ round: fc.integer({ min: 0, max: LIMITS.maxCount }), nodeId })
const metadata = fc.dictionary(fc.string({ maxLength: 10 }).filter(k => k !== '__proto__'), fc.string({ maxLength: 40 }), { maxKeys: 5 })
const positiveMs = fc.double({ min: Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true })
/** A well-formed configuration: voters sorted by ID without duplicates, each added at a version up to the current one. */
export const configurationArb: fc.Arbitrary<Configuration> = fc.integer({ min: 1, max: LIMITS.maxCount }).chain(version => fc.record({
  version: fc.constant(version),
  clusterId: nodeId,
  voters: fc.uniqueArray(nodeId, { minLength: 1, maxLength: 7 })
    .chain(ids => fc.tuple(...ids.sort().map(id => fc.record({ id: fc.constant(id), since: fc.integer({ min: 1, max: version }) })))),
  target: fc.integer({ min: 1, max: 255 }),
  leaseMs: positiveMs,
  heartbeatMs: positiveMs,
  maxDriftRatio: fc.double({ min: 0, max: 0.5, maxExcluded: true, noNaN: true })
}))
const recordFor = (e: number): fc.Arbitrary<LeaderRecord> => fc.record({ epoch: fc.constant(e), leaderId: nodeId, metadata, config: configurationArb })

/** Priorities as the option allows them: finite, at least 0 (−0 would not round-trip as itself). */
const priority = fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }).map(p => p === 0 ? 0 : p)

export const messageArb: fc.Arbitrary<Message> = epoch.chain(e => fc.oneof(
  fc.record({ type: fc.constant('prepare' as const), epoch: fc.constant(e), ballot }),
  fc.record({ type: fc.constant('promise' as const), epoch: fc.constant(e), ballot, accepted: fc.option(fc.record({ ballot, value: recordFor(e) }), { nil: null }) }),
  fc.record({ type: fc.constant('accept' as const), epoch: fc.constant(e), ballot, value: recordFor(e) }),
  fc.record({ type: fc.constant('accepted' as const), epoch: fc.constant(e), ballot, value: recordFor(e), lease: fc.boolean() }),
  fc.record({ type: fc.constant('nack' as const), epoch: fc.constant(e), ballot, promised: fc.option(ballot, { nil: null }), chosenEpoch: fc.nat(), reason: fc.constantFrom('promised' as const, 'lease' as const, 'quarantine' as const, 'stale' as const, 'membership' as const, 'config' as const) }),
  fc.record({ type: fc.constant('chosen' as const), epoch: fc.constant(e), value: recordFor(e) }),
  fc.record({ type: fc.constant('heartbeat' as const), epoch: fc.constant(e), seq: fc.integer({ min: 1, max: 1e9 }), value: recordFor(e), ackFrom: fc.oneof(fc.constant('all' as const), fc.array(nodeId, { maxLength: 6 })) }),
  fc.record({ type: fc.constant('heartbeatAck' as const), epoch: fc.constant(e), seq: fc.integer({ min: 1, max: 1e9 }) }),
  fc.record({ type: fc.constant('resign' as const), epoch: fc.constant(e), successor: fc.option(nodeId, { nil: null }) }),
  fc.record({ type: fc.constant('statusRequest' as const), epoch: fc.constant(e) }),
  fc.record({ type: fc.constant('statusReply' as const), epoch: fc.constant(e), value: fc.option(recordFor(e), { nil: null }) }),
  fc.record({ type: fc.constant('presence' as const), epoch: fc.constant(e), observer: fc.boolean(), ready: fc.boolean(), leaving: fc.boolean(), rejoin: fc.boolean(), metadata, priority }),
  fc.record({
    type: fc.constant('presenceDigest' as const),
    epoch: fc.constant(e),
    reports: fc.array(fc.record({ id: nodeId, epoch: fc.nat({ max: 2 ** 31 - 1 }), observer: fc.boolean(), ready: fc.boolean(), leaving: fc.boolean(), rejoin: fc.boolean(), metadata, priority, ageMs: fc.nat({ max: 2 ** 31 - 1 }) }), { maxLength: 4 })
  })
))

