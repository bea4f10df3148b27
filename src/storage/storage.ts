/**
 * What a node must keep across crashes. The node hands over a full snapshot
 * whenever it changed, and must not release the messages of the same step
 * until `save` has completed (unless the node marks the batch as one whose
 * change is safe to lose: see `Ready.sync`).
 */
import type { AcceptorSnapshot } from '../paxos/acceptor.js'
import type { Epoch, LeaderRecord, NodeId } from '../paxos/proposal.js'

/** Everything a node must not forget across a crash. */
export interface PersistentState {
  /** Promised and accepted ballots per undecided epoch. */
  readonly acceptor: AcceptorSnapshot
  /** The newest chosen leader record this node learned. */
  readonly learned: LeaderRecord | null
  /** The highest ballot round this node used as a proposer; keeps its ballots unique across restarts. */
  readonly highestRound: number
  /**
   * The newest epoch in which this node used the reserved round-0 ballot (as
   * the successor a resigning leader named). It never uses it twice in an
   * epoch, even after a restart.
   */
  readonly fastEpoch: number
  /**
   * The newest epoch in which this node sent an Accept carrying its own record.
   * A restarted node never leads that epoch or an older one: its previous
   * incarnation may have led it, and an epoch (the fencing token) has one
   * leader's term only. This is what lets the learned record be saved lazily.
   */
  readonly candidateEpoch: Epoch
  /**
   * The last lease this node granted (without its expiry: monotonic time does
   * not survive a restart). Its presence after a restart means "I may still be
   * bound by a lease", so the node quarantines.
   */
  readonly grant: { readonly epoch: Epoch, readonly leaderId: NodeId } | null
  /**
   * The configuration version at which this node's memory begins: 0 when it
   * took part in the cluster from its start, v when it started without state
   * and first learned configuration v, null while it has learned none. Under a
   * configuration that made it a voter at or before this version it votes
   * nothing: its ID may have voted in a life it forgot (rule 11).
   */
  readonly joinedAt: number | null
}

/**
 * Whether `state` remembers nothing: no vote, no ballot, no candidacy, no
 * grant, no record. A node that loads such a state started without state
 * (rule 11), whatever wrote it: FileStorage writes one when it opens a new
 * or wiped directory.
 */
export function remembersNothing (state: PersistentState): boolean {
  return state.acceptor.length === 0 && state.learned === null && state.highestRound === 0 && state.fastEpoch === 0 &&
    state.candidateEpoch === 0 && state.grant === null && state.joinedAt === null
}

/** Where a node keeps its {@link PersistentState}. */
export interface Storage {
  /**
   * True when saved state survives a process crash. A node on storage that is
   * not durable cannot know whether it granted a lease before it started, so
   * it always quarantines at start.
   */
  readonly durable: boolean
  /** The state saved last, or null when nothing was ever saved. */
  load: () => Promise<PersistentState | null>
  /** Stores the state durably; resolves only once it would survive a crash. */
  save: (state: PersistentState) => Promise<void>
}
