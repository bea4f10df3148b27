/**
 * `quorum-election/core`: the consensus core and its runtimes, for those who
 * build on them rather than use the election (which is the package root).
 * The errors, the storage interface and its implementations are exported from
 * the root only.
 */
// First: on a Node.js too old for libp2p, importing the package fails here, saying so (see runtime.ts).
import './runtime.js'
export { Node } from './node/node.js'
export type { NodeEvent, DemotionReason, Ready, Outbound, NodeDeps } from './node/node.js'
export { NodeRunner } from './node/runner.js'
export type { RunnerEvents, RunnerOptions } from './node/runner.js'
export { resolveConfig } from './node/config.js'
export type { NodeConfig, ResolvedConfig } from './node/config.js'
export { systemClock, systemRandom } from './node/clock.js'
export type { Clock, Random } from './node/clock.js'
export { Acceptor } from './paxos/acceptor.js'
export type { AcceptorEpochState, AcceptorSnapshot, AcceptorStep } from './paxos/acceptor.js'
export { Proposer } from './paxos/proposer.js'
export type { ProposerPhase } from './paxos/proposer.js'
export { Learner } from './paxos/learner.js'
export type { LearnResult } from './paxos/learner.js'
export { compareBallots, nextBallot, majority, leaderRecordEquals } from './paxos/proposal.js'
export type { Ballot, Epoch, LeaderRecord, NodeId } from './paxos/proposal.js'
export type * from './paxos/message.js'
export { MESSAGE_TYPES, MAX_ACK_FROM, METADATA_LIMITS } from './paxos/message.js'
export { encodeMessage, decodeMessage } from './transport/codec.js'
export type { Transport, TransportHandlers } from './transport/transport.js'
export { MemoryNetwork, MemoryTransport } from './transport/memory.js'
export type { MemoryNetworkOptions } from './transport/memory.js'
export { Libp2pTransport, protocolFor, PROTOCOL_VERSION } from './transport/libp2p.js'
export type { Libp2pTransportOptions, TransportStats } from './transport/libp2p.js'
export { loadOrCreateIdentity } from './storage/identity.js'
