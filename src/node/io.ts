/**
 * What goes into a node (NodeDeps) and what it hands to the layer above
 * through `ready()`: the state to store, the messages to send and the events
 * to report, in one batch, gathered in an Outbox.
 */
import type { Acceptor } from '../paxos/acceptor.js'
import type { Learner } from '../paxos/learner.js'
import type { Epoch, LeaderRecord, NodeId } from '../paxos/proposal.js'
import type { Message } from '../paxos/message.js'
import type { PersistentState } from '../storage/storage.js'
import type { Clock, Random } from './clock.js'
import type { Configuration } from '../paxos/configuration.js'

/** What a node is given instead of reading clocks, random sources or storage itself. */
export interface NodeDeps {
  readonly clock: Clock
  readonly random: Random
  /** State loaded from storage, or null for a node that never saved any. */
  readonly state: PersistentState | null
  /** Whether the storage survives crashes (decides the quarantine rule). */
  readonly durableStorage: boolean
  /** Test hooks: replace a role with a variant (the simulator's broken variants use them). */
  readonly makeAcceptor?: (snapshot: PersistentState['acceptor']) => Acceptor
  readonly makeLearner?: (bootstrapVoters: number, newest: LeaderRecord | null) => Learner
}

/**
 * Why a leader stopped leading: its lease ran out unrenewed ('lease-expired');
 * resign(), stop() or a configuration that no longer names it (it hands over
 * first) ('resigned'); or it learned that a later epoch was chosen ('newer-epoch').
 */
export type DemotionReason = 'lease-expired' | 'resigned' | 'newer-epoch'

/** What a node reports to the layer above, through `ready()`. */
export type NodeEvent =
  /** A leader was chosen for `record.epoch` (emitted once per epoch, in increasing order). */
  | { readonly type: 'leaderChosen', readonly record: LeaderRecord }
  /** This node holds a majority-acknowledged lease for `epoch`. */
  | { readonly type: 'elected', readonly epoch: Epoch }
  /** This node stopped being leader of `epoch`. */
  | { readonly type: 'demoted', readonly epoch: Epoch, readonly reason: DemotionReason }
  /** The known leader's lease expired here without renewal, or it resigned. */
  | { readonly type: 'leaderLost', readonly record: LeaderRecord }
  /** The leader reported lost is heard from again (same epoch): it leads after all. */
  | { readonly type: 'leaderFound', readonly record: LeaderRecord }
  /** This node stands for election in `epoch` with its own record. */
  | { readonly type: 'candidate', readonly epoch: Epoch }
  /** The newest learned record carries a configuration other than the one before (rule 8). */
  | { readonly type: 'configuration', readonly config: Configuration }
  /**
   * This node's setting differs from the cluster's configuration. For
   * clusterSize it follows the cluster's (`adopted`); for leaseMs,
   * heartbeatMs and maxDriftRatio it refuses to vote or lead until restarted
   * with the cluster's value, since its leases would not be the cluster's.
   */
  | { readonly type: 'settingMismatch', readonly field: string, readonly local: number, readonly cluster: number, readonly adopted: boolean }
  /** `from` reported a record of another cluster (another history under the same name); it is ignored. */
  | { readonly type: 'foreignCluster', readonly from: NodeId, readonly clusterId: string, readonly ours: string }
  /**
   * This node is a voter of the configuration under an ID whose earlier votes
   * it forgot (it started without its state): it votes nothing until the
   * leader removed it and added it again (rule 11).
   */
  | { readonly type: 'forgotten', readonly version: number }
  /** Two different values were reported chosen for one epoch: a safety violation seen here. */
  | { readonly type: 'conflict', readonly known: LeaderRecord, readonly reported: LeaderRecord }

/** A message to send: to one node, or (`to: null`) to every other node. */
export interface Outbound {
  /** Recipient, or null for every other node. */
  readonly to: NodeId | null
  readonly msg: Message
  /** For a broadcast: the node to send to before the others. */
  readonly first?: NodeId
  /** For a broadcast: send to at most this many peers (the node asks the rest later if need be). */
  readonly fanout?: number
  /** For a broadcast: only to these peers (the leader's heartbeats, a relay's forwards: rule 13). */
  readonly only?: readonly NodeId[]
}

/**
 * How a batch's state change must be stored: not at all; in the background,
 * after its messages left (a change a crash may lose, see `Ready.sync`); or
 * before its messages leave.
 */
export type PersistMode = 'none' | 'lazy' | 'sync'

/** One batch of output: persist `persist`, then emit `events` and send `messages`. */
export interface Ready {
  /** When non-null, store this (before sending `messages`, if `sync`). */
  readonly persist: PersistentState | null
  /**
   * Whether `messages` and `events` must wait until `persist` is stored. False
   * when the only change is one a crash may lose: the record of this node's
   * own election, learned (a restarted node learns it again from a majority;
   * `candidateEpoch` keeps it from leading that epoch again). The driver then
   * sends and emits at once and stores the state in the background, in order
   * with the other saves; the batches before this one must still have been
   * stored.
   */
  readonly sync: boolean
  readonly messages: readonly Outbound[]
  readonly events: readonly NodeEvent[]
}

const EMPTY_READY: Ready = Object.freeze({ persist: null, sync: false, messages: [], events: [] })

/** What a node produced since its last `ready()`, and its own messages to itself. */
export class Outbox {
  readonly #selfId: NodeId
  /** How this batch's state change must be stored. */
  #persist: PersistMode = 'none'
  /** How the last batch that stored anything stored it ('lazy': a learned record may still be unsaved). */
  #lastPersist: PersistMode = 'none'
  #messages: Outbound[] = []
  #events: NodeEvent[] = []
  /** Messages this node sent itself, delivered after the handler that sent them returns. */
  readonly loopback: Message[] = []

  constructor (selfId: NodeId) {
    this.#selfId = selfId
  }

  /**
   * Whether a change may be stored lazily now (rule 7): nothing else of this
   * batch is to be stored, and no earlier lazy save is still the newest.
   */
  get mayStoreLazily (): boolean { return this.#persist === 'none' && this.#lastPersist !== 'lazy' }

  /** Raises this batch's persist mode: none < lazy < sync. */
  store (mode: 'lazy' | 'sync'): void {
    if (mode === 'sync' || this.#persist === 'none') this.#persist = mode
  }

  event (e: NodeEvent): void { this.#events.push(e) }

  send (to: NodeId, msg: Message): void {
    if (to === this.#selfId) this.loopback.push(msg)
    else this.#messages.push({ to, msg })
  }

  broadcast (msg: Message, first?: NodeId, fanout?: number): void {
    this.loopback.push(msg)
    this.#messages.push({ to: null, msg, ...(first === undefined ? {} : { first }), ...(fanout === undefined ? {} : { fanout }) })
  }

  /** Sends `msg` to `to` (one frame encoded once) and, when `to` names this node, to itself. */
  multicast (msg: Message, to: readonly NodeId[]): void {
    if (to.includes(this.#selfId)) this.loopback.push(msg)
    const others = to.filter(id => id !== this.#selfId)
    if (others.length > 0) this.#messages.push({ to: null, msg, only: others })
  }

  /** Whether this batch must store anything: then `drain` needs the state. */
  get storing (): boolean { return this.#persist !== 'none' }

  /** Hands out the batch, with `state` to store (non-null exactly when `storing`). */
  drain (state: PersistentState | null): Ready {
    if (this.#persist === 'none' && this.#messages.length === 0 && this.#events.length === 0) return EMPTY_READY
    const rd: Ready = {
      persist: this.#persist === 'none' ? null : state,
      sync: this.#persist === 'sync',
      messages: this.#messages,
      events: this.#events
    }
    if (this.#persist !== 'none') this.#lastPersist = this.#persist
    this.#persist = 'none'
    this.#messages = []
    this.#events = []
    return rd
  }
}
