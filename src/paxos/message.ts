/**
 * Every message Quorum nodes exchange, as a discriminated union on `type`.
 * Each carries the epoch it concerns. The sender is not a field: transports
 * report it (the libp2p transport uses the authenticated peer ID), so a
 * message can never claim another node's identity.
 */
import type { Ballot, Epoch, LeaderRecord, NodeId } from './proposal.js'

/** A value an acceptor accepted, with the ballot it accepted it at. */
export interface AcceptedValue {
  readonly ballot: Ballot
  readonly value: LeaderRecord
}

/** Phase 1a: "promise me you will ignore ballots below this one". */
export interface Prepare { readonly type: 'prepare', readonly epoch: Epoch, readonly ballot: Ballot }

/** Phase 1b: the promise, with the highest-ballot value this acceptor accepted in the epoch. */
export interface PromiseMsg {
  readonly type: 'promise'
  readonly epoch: Epoch
  readonly ballot: Ballot
  readonly accepted: AcceptedValue | null
}

/** Phase 2a: "accept this value at this ballot". */
export interface Accept { readonly type: 'accept', readonly epoch: Epoch, readonly ballot: Ballot, readonly value: LeaderRecord }

/**
 * Phase 2b, sent to the proposer, whose learner counts these. `lease` says the
 * acceptor also granted the value's leader a lease from the moment it accepted,
 * as a heartbeat would: a proposer of its own record that learns it is chosen
 * then already holds a lease counted from when it sent the Accept.
 */
export interface Accepted {
  readonly type: 'accepted'
  readonly epoch: Epoch
  readonly ballot: Ballot
  readonly value: LeaderRecord
  readonly lease: boolean
}

/** Why a request was refused. */
export type NackReason = 'promised' | 'lease' | 'quarantine' | 'stale' | 'membership' | 'config'

/** A refusal: the ballot that beat the request and the newest chosen epoch the sender knows. */
export interface Nack {
  readonly type: 'nack'
  readonly epoch: Epoch
  readonly ballot: Ballot
  readonly promised: Ballot | null
  readonly chosenEpoch: Epoch
  readonly reason: NackReason
}

/** A value known to be chosen (for catch-up and for proposers of decided epochs). */
export interface Chosen { readonly type: 'chosen', readonly epoch: Epoch, readonly value: LeaderRecord }

/** The most voters a heartbeat names in `ackFrom`; a leader that would need more asks everyone. */
export const MAX_ACK_FROM = 64

/** Limits on leader metadata; peers reject frames beyond them, so config enforces them too. */
export const METADATA_LIMITS = {
  entries: 32,
  keyLength: 64,
  valueLength: 1024
} as const

/**
 * The leader's lease renewal. It carries the chosen record, so it also teaches it.
 * Every voter that can grants the lease; only those `ackFrom` names (all of them,
 * or the listed ones, or none) acknowledge it: the leader asks as its own lease needs.
 */
export interface Heartbeat {
  readonly type: 'heartbeat'
  readonly epoch: Epoch
  readonly seq: number
  readonly value: LeaderRecord
  readonly ackFrom: 'all' | readonly NodeId[]
}

/** A voter's acknowledgement of heartbeat `seq`: it granted the lease. */
export interface HeartbeatAck { readonly type: 'heartbeatAck', readonly epoch: Epoch, readonly seq: number }

/**
 * The leader of `epoch` steps down; voters drop its lease at once. It names a
 * voter that answered it recently as `successor`, which stands at once while
 * the others wait their usual delay: a handover without duelling proposers.
 */
export interface Resign { readonly type: 'resign', readonly epoch: Epoch, readonly successor: NodeId | null }

/** Catch-up: "what is the newest chosen epoch you know?"; `epoch` is the asker's newest. */
export interface StatusRequest { readonly type: 'statusRequest', readonly epoch: Epoch }

export interface StatusReply {
  readonly type: 'statusReply'
  /** Newest chosen epoch the sender knows (0 for none). */
  readonly epoch: Epoch
  readonly value: LeaderRecord | null
}

/**
 * A node tells the leader it is there (rule 10), every `presenceMs` and at
 * once when something changes (an observer tells its relay instead, rule 13): the newest epoch it knows (caught up when it is
 * the leader's), whether it is an observer by choice, whether it may vote now
 * (out of quarantine, settings matching, not forgetful), and whether it asks
 * to leave the configuration (stopping) or to be removed and added again
 * (`rejoin`: it forgot the state of a voter under its ID); and its metadata,
 * so that the leader's `members` shows every member's.
 */
export interface Presence {
  readonly type: 'presence'
  readonly epoch: Epoch
  readonly observer: boolean
  readonly ready: boolean
  readonly leaving: boolean
  readonly rejoin: boolean
  readonly metadata: Readonly<Record<string, string>>
  /** The sender's `priority` option: a resigning leader names the highest-priority voter that answers as successor (rule 4). */
  readonly priority: number
}

/** Node `id`'s presence as a relay heard it `ageMs` before sending the digest (rule 13). */
export interface PresenceReport extends Omit<Presence, 'type'> {
  readonly id: NodeId
  readonly ageMs: number
}

/** Most reports one digest carries; a relay with more subscribers sends several (with metadata at its limits, 16 fill a frame). */
export const MAX_DIGEST_REPORTS = 256

/**
 * A voter tells the leader of the observers that report to it (rule 13), so
 * that the leader hears from each voter, not from each observer. `epoch` is
 * the sender's newest.
 */
export interface PresenceDigest {
  readonly type: 'presenceDigest'
  readonly epoch: Epoch
  readonly reports: readonly PresenceReport[]
}

/** Every protocol message. */
export type Message =
  | Prepare | PromiseMsg | Accept | Accepted | Nack | Chosen
  | Heartbeat | HeartbeatAck | Resign | StatusRequest | StatusReply | Presence | PresenceDigest

/** The `type` tag of a message. */
export type MessageType = Message['type']

/** All message types. */
export const MESSAGE_TYPES: readonly MessageType[] = [
  'prepare', 'promise', 'accept', 'accepted', 'nack', 'chosen',
  'heartbeat', 'heartbeatAck', 'resign', 'statusRequest', 'statusReply', 'presence', 'presenceDigest'
]
