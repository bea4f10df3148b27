/**
 * Quorum: embeddable leader election for Node.js services.
 *
 * This entry point exports the consensus core and its in-process runtime.
 * The libp2p transport and the `createElection` API build on these.
 */
export { Node } from './node/node.js'
export type { NodeEvent, DemotionReason, Ready, Outbound, NodeDeps } from './node/node.js'
export { NodeRunner } from './node/runner.js'
export type { RunnerEvents, RunnerOptions } from './node/runner.js'
export { ConfigError, resolveConfig } from './node/config.js'
export type { NodeConfig, ResolvedConfig } from './node/config.js'
export { systemClock, systemRandom } from './node/clock.js'
export type { Clock, Random } from './node/clock.js'
export type { Storage, PersistentState } from './storage/storage.js'
export { MemoryStorage } from './storage/memory.js'
export type { Transport, TransportHandlers } from './transport/transport.js'
export { MemoryNetwork, MemoryTransport } from './transport/memory.js'
export type { MemoryNetworkOptions } from './transport/memory.js'
export { Acceptor } from './paxos/acceptor.js'
export type { AcceptorEpochState, AcceptorSnapshot, AcceptorStep } from './paxos/acceptor.js'
export { Proposer } from './paxos/proposer.js'
export type { ProposerPhase } from './paxos/proposer.js'
export { Learner } from './paxos/learner.js'
export type { LearnResult } from './paxos/learner.js'
export { compareBallots, nextBallot, majority, leaderRecordEquals } from './paxos/proposal.js'
export type { Ballot, Epoch, LeaderRecord, NodeId } from './paxos/proposal.js'
export type * from './paxos/message.js'
export { MESSAGE_TYPES } from './paxos/message.js'
