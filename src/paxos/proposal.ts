/**
 * Ballots (proposal numbers) and the values Quorum agrees on.
 *
 * Invariant enforced here: ballots are globally unique and totally ordered.
 * A ballot is (round, nodeId); two nodes never share a nodeId, and one node
 * never reuses a round within an epoch (the node persists the highest round it
 * used before sending a Prepare), so no two proposals carry the same ballot.
 */
import { configurationEquals, type Configuration } from './configuration.js'

/** Identifies a node (its libp2p peer ID string, or any unique name). */
export type NodeId = string

/** One Paxos instance per epoch; the epoch is also the leader's fencing token. */
export type Epoch = number

/** A proposal number: unique, totally ordered by round, then node ID. */
export interface Ballot {
  readonly round: number
  readonly nodeId: NodeId
}

/**
 * The value decided in each epoch: who leads it, and the cluster's
 * configuration, which governs this epoch's lease and the next epoch's
 * election (see configuration.ts).
 */
export interface LeaderRecord {
  readonly epoch: Epoch
  readonly leaderId: NodeId
  readonly metadata: Readonly<Record<string, string>>
  readonly config: Configuration
}

/** Orders ballots by round first, then by node ID; returns <0, 0 or >0. */
export function compareBallots (a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round < b.round ? -1 : 1
  if (a.nodeId === b.nodeId) return 0
  return a.nodeId < b.nodeId ? -1 : 1
}

/** True when `a` is strictly above `b`; every ballot is above "none". */
export function ballotAbove (a: Ballot, b: Ballot | null): boolean {
  return b === null || compareBallots(a, b) > 0
}

/** True when `a` is at least `b`; every ballot is at least "none". */
export function ballotAtLeast (a: Ballot, b: Ballot | null): boolean {
  return b === null || compareBallots(a, b) >= 0
}

/** True when both are the same ballot, or both none. */
export function ballotEquals (a: Ballot | null, b: Ballot | null): boolean {
  if (a === null || b === null) return a === b
  return a.round === b.round && a.nodeId === b.nodeId
}

/**
 * The smallest ballot owned by `nodeId` that is above every ballot in `seen`
 * and whose round is above `minRound` (the highest round this node already used).
 */
export function nextBallot (nodeId: NodeId, seen: ReadonlyArray<Ballot | null>, minRound = 0): Ballot {
  let round = minRound
  for (const b of seen) if (b !== null && b.round > round) round = b.round
  // round+1 beats every seen ballot regardless of node IDs.
  return { round: round + 1, nodeId }
}

/** True when both records are equal, metadata and configuration included. */
export function leaderRecordEquals (a: LeaderRecord, b: LeaderRecord): boolean {
  if (a.epoch !== b.epoch || a.leaderId !== b.leaderId || !configurationEquals(a.config, b.config)) return false
  const ka = Object.keys(a.metadata)
  const kb = Object.keys(b.metadata)
  if (ka.length !== kb.length) return false
  for (const k of ka) if (a.metadata[k] !== b.metadata[k]) return false
  return true
}

/** `round.nodeId`, or `-` for none, for logs. */
export function formatBallot (b: Ballot | null): string {
  return b === null ? '-' : `${b.round}.${b.nodeId}`
}

/**
 * Majority quorum size for `voters` voters. Any two sets of this size overlap
 * in at least one voter, which is what makes a chosen value stick.
 */
export function majority (voters: number): number {
  return Math.floor(voters / 2) + 1
}
