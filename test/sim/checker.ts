/**
 * The properties a simulated run must keep, one checker each (in checkers/,
 * as TigerBeetle keeps one *_checker.zig per property). The cluster reports
 * every observable fact to the Checker, which hands it to each property's
 * checker; a violation is recorded as soon as one appears.
 *
 * S1 at most one value is chosen per epoch (agreement.ts).
 * S2 a chosen value names a node that stood in that epoch, with its own metadata (validity.ts).
 * S3 each node announces epochs in increasing order (announce-order.ts).
 * S4 at no instant do two nodes both consider themselves leader (single-leader.ts).
 * S5 successive `elected` events carry strictly increasing epochs (elected-order.ts).
 * S6 a leader's lease, in real time, never outlasts the live grants of a majority (lease-grants.ts).
 * S7 no ballot or vote leaves a node before the state it depends on is durable (durable-ballot.ts).
 * S8 successive chosen configurations differ by at most one voter (one-change.ts).
 * L1 after faults stop, every node knows the same live leader within a bound (liveness.ts).
 */
import type { Message } from '../../src/paxos/message.js'
import type { Epoch, LeaderRecord, NodeId } from '../../src/paxos/proposal.js'
import type { Node, NodeEvent } from '../../src/node/node.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { majority } from '../../src/paxos/proposal.js'
import type { SimOptions } from './options.js'
import { AgreementChecker } from './checkers/agreement.js'
import { ValidityChecker } from './checkers/validity.js'
import { AnnounceOrderChecker } from './checkers/announce-order.js'
import { SingleLeaderChecker } from './checkers/single-leader.js'
import { ElectedOrderChecker } from './checkers/elected-order.js'
import { LeaseGrantsChecker } from './checkers/lease-grants.js'
import { DurableBallotChecker } from './checkers/durable-ballot.js'
import { LivenessChecker } from './checkers/liveness.js'
import { OneChangeChecker } from './checkers/one-change.js'

export type Property = 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6' | 'S7' | 'S8' | 'L1'

export const SAFETY: readonly Property[] = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8']

export interface Violation {
  readonly property: Property
  readonly time: number
  readonly detail: string
}

export type Report = (time: number, detail: string) => void

/** A grant given by an incarnation that has since crashed, in real time. */
export interface Ghost { readonly epoch: Epoch, readonly leaderId: NodeId, readonly untilReal: number }

/** What checkers see of one simulated node. */
export interface ReplicaView {
  readonly id: NodeId
  /** The live incarnation's node, or null while it is down (or still starting). */
  readonly node: Node | null
  readonly incarnation: number
  /** A time of the live incarnation's clock, as simulated real time. */
  readonly toReal: (local: number) => number
  /** What a crash now would leave on its disk. */
  readonly stored: PersistentState | null
  /** The newest grant a crashed incarnation of this node held. */
  readonly ghost: Ghost | null
  /** Until when (real time) it has cast no vote since that crash: down, then quarantined (Infinity while down). */
  readonly silentUntilReal: number
  /** No part of the cluster: a node the schedule has not started yet, or stopped for good. */
  readonly absent: boolean
}

export interface ClusterView {
  readonly now: number
  readonly replicas: readonly ReplicaView[]
}

/** One property's checker: it sees what it needs of each fact. */
export interface PropertyChecker {
  /** A message leaving `from` (released by its driver, before any loss). */
  onSend?: (time: number, from: ReplicaView, msg: Message) => void
  /** An event as the host sees it (after the batch's save, for the runner). */
  onEvent?: (time: number, node: ReplicaView, e: NodeEvent) => void
  /** After every simulator step. */
  onStep?: (view: ClusterView) => void
}

export function describeRecord (r: LeaderRecord): string {
  return `{epoch ${r.epoch}, leader ${r.leaderId}}`
}

export class Checker {
  readonly violations: Violation[] = []
  readonly quorum: number
  readonly liveness: LivenessChecker
  readonly #checkers: PropertyChecker[]
  readonly #agreement: AgreementChecker
  readonly #disabled: ReadonlySet<Property>
  /** Stop recording after this many, so a broken variant cannot flood memory. */
  readonly #maxViolations = 20

  constructor (o: SimOptions, metadata: ReadonlyMap<NodeId, Readonly<Record<string, string>>>, livenessBoundMs: number, disabled: readonly Property[] = []) {
    this.quorum = majority(o.clusterSize)
    this.#disabled = new Set(disabled)
    const report = (p: Property): Report => (time, detail) => { this.violation(p, time, detail) }
    const validity = new ValidityChecker(metadata, report('S2'))
    this.liveness = new LivenessChecker(livenessBoundMs, report('L1'))
    const oneChange = new OneChangeChecker(report('S8'))
    this.#agreement = new AgreementChecker(this.quorum, report('S1'), (time, epoch, value, how) => {
      validity.onChosen(time, epoch, value, how)
      oneChange.onChosen(time, epoch, value)
    })
    this.#checkers = [
      this.#agreement,
      validity,
      new AnnounceOrderChecker(report('S3')),
      new SingleLeaderChecker(report('S4')),
      new ElectedOrderChecker(report('S5')),
      new LeaseGrantsChecker(report('S6'), epoch => this.#agreement.chosen(epoch)),
      new DurableBallotChecker(report('S7')),
      this.liveness
    ]
  }

  get ok (): boolean { return this.violations.length === 0 }

  violation (property: Property, time: number, detail: string): void {
    if (this.#disabled.has(property)) return
    if (this.violations.length < this.#maxViolations) this.violations.push({ property, time, detail })
  }

  onSend (time: number, from: ReplicaView, msg: Message): void {
    for (const c of this.#checkers) c.onSend?.(time, from, msg)
  }

  /** The newest record chosen, by the omniscient tally or a learner. */
  get newestChosen (): LeaderRecord | null { return this.#agreement.newest }

  /** Whether some node learned a chosen record (a node started empty after that joins, rule 12). */
  founded = false

  onEvent (time: number, node: ReplicaView, e: NodeEvent): void {
    if (e.type === 'leaderChosen') this.founded = true
    for (const c of this.#checkers) c.onEvent?.(time, node, e)
  }

  onStep (view: ClusterView): void {
    for (const c of this.#checkers) c.onStep?.(view)
  }
}
