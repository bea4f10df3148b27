/**
 * Quorum: embeddable leader election for Node.js services.
 *
 * The package root holds what an application uses: the election (as a
 * libp2p node of its own, or as a service of yours), its events and options,
 * the errors, storage, and the cluster-key helpers. The consensus core, its
 * runtime, the codec and the transports are in `quorum-election/core`.
 */
// First: on a Node.js too old for libp2p, importing the package fails here, saying so (see runtime.ts).
import './runtime.js'
export { createElection, mdnsServiceTag, connectionMonitorFor } from './create.js'
export type { CreateElectionOptions } from './create.js'
export { Election, leaderElection } from './election.js'
export type { ElectionEvents, ElectionOptions, ElectionComponents, LeaderInfo, MemberInfo, ClusterConfiguration, WaitForLeaderOptions } from './election.js'
export type { DemotionReason } from './node/node.js'
export type { Epoch, LeaderRecord, NodeId } from './paxos/proposal.js'
export * from './errors.js'
export type { Storage, PersistentState } from './storage/storage.js'
export { MemoryStorage } from './storage/memory.js'
export { FileStorage } from './storage/file.js'
export { parseSwarmKey, readSwarmKeyFile, resolveSwarmKey, newSwarmKey } from './security/swarm-key.js'
