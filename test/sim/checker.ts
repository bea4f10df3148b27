/**
 * Safety and liveness checkers for simulated runs. The simulator reports every
 * observable fact (messages sent, node events, who considers itself leader at
 * each instant) and the checker records a violation as soon as one appears.
 *
 * S1 at most one value is chosen per epoch: both the omniscient view (a majority
 *    of distinct acceptors sent Accepted for one (epoch, ballot)) and every
 *    node's learned values must agree.
 * S2 a chosen value names a node that stood for election in that epoch, with
 *    that node's own metadata.
 * S3 each node announces epochs in increasing order (within one incarnation;
 *    across restarts never lower, and an equal epoch with the same leader).
 * S4 at no instant do two nodes both consider themselves leader.
 * S5 successive `elected` events carry strictly increasing epochs.
 * L1 after faults stop, every node knows the same live leader within a bound.
 */
import { leaderRecordEquals, majority, type Epoch, type LeaderRecord, type NodeId } from '../../src/paxos/proposal.js'
import type { Message } from '../../src/paxos/message.js'
import type { NodeEvent } from '../../src/node/node.js'

export type Property = 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'L1'

export interface Violation {
  readonly property: Property
  readonly time: number
  readonly detail: string
}

export function describeRecord (r: LeaderRecord): string {
  return `{epoch ${r.epoch}, leader ${r.leaderId}}`
}

export class Checker {
  readonly violations: Violation[] = []
  readonly #quorum: number
  readonly #metadata: ReadonlyMap<NodeId, Readonly<Record<string, string>>>
  /** epoch → value, from the omniscient tally and from learners. */
  readonly #chosen = new Map<Epoch, LeaderRecord>()
  /** epoch → ballot key → acceptors that sent Accepted. */
  readonly #tally = new Map<Epoch, Map<string, { value: LeaderRecord, from: Set<NodeId> }>>()
  readonly #candidates = new Map<Epoch, Set<NodeId>>()
  readonly #announced = new Map<NodeId, { incarnation: number, epoch: Epoch, leaderId: NodeId }>()
  #lastElected = 0
  /** Stop recording after this many, so a broken variant cannot flood memory. */
  readonly #maxViolations = 20

  constructor (clusterSize: number, metadata: ReadonlyMap<NodeId, Readonly<Record<string, string>>>) {
    this.#quorum = majority(clusterSize)
    this.#metadata = metadata
  }

  get ok (): boolean { return this.violations.length === 0 }

  violation (property: Property, time: number, detail: string): void {
    if (this.violations.length < this.#maxViolations) this.violations.push({ property, time, detail })
  }

  /** A message leaving `from` (before any loss): Accepted messages are tallied here. */
  onSend (time: number, from: NodeId, msg: Message): void {
    if (msg.type !== 'accepted') return
    let byBallot = this.#tally.get(msg.epoch)
    if (byBallot === undefined) { byBallot = new Map(); this.#tally.set(msg.epoch, byBallot) }
    const key = `${msg.ballot.round}/${msg.ballot.nodeId}`
    let t = byBallot.get(key)
    if (t === undefined) { t = { value: msg.value, from: new Set() }; byBallot.set(key, t) }
    if (!leaderRecordEquals(t.value, msg.value)) {
      this.violation('S1', time, `two values for ballot ${key} in epoch ${msg.epoch}`)
      return
    }
    t.from.add(from)
    if (t.from.size === this.#quorum) this.#recordChosen(time, msg.epoch, msg.value, `a majority accepted it at ballot ${key}`)
  }

  onEvent (time: number, node: NodeId, incarnation: number, e: NodeEvent): void {
    switch (e.type) {
      case 'candidate': {
        let s = this.#candidates.get(e.epoch)
        if (s === undefined) { s = new Set(); this.#candidates.set(e.epoch, s) }
        s.add(node)
        return
      }
      case 'leaderChosen': {
        this.#recordChosen(time, e.record.epoch, e.record, `${node} learned it`)
        const prev = this.#announced.get(node)
        if (prev !== undefined) {
          const sameIncarnation = prev.incarnation === incarnation
          if (e.record.epoch < prev.epoch || (sameIncarnation && e.record.epoch === prev.epoch)) {
            this.violation('S3', time, `${node} announced epoch ${e.record.epoch} after epoch ${prev.epoch}`)
          } else if (e.record.epoch === prev.epoch && e.record.leaderId !== prev.leaderId) {
            this.violation('S3', time, `${node} changed the leader of epoch ${e.record.epoch} from ${prev.leaderId} to ${e.record.leaderId}`)
          }
        }
        this.#announced.set(node, { incarnation, epoch: e.record.epoch, leaderId: e.record.leaderId })
        return
      }
      case 'leaderFound':
        // Only a leader already reported chosen can be found again.
        this.#recordChosen(time, e.record.epoch, e.record, `${node} found it again`)
        return
      case 'elected':
        if (e.epoch <= this.#lastElected) {
          this.violation('S5', time, `${node} elected in epoch ${e.epoch} after a leader of epoch ${this.#lastElected}`)
        }
        this.#lastElected = Math.max(this.#lastElected, e.epoch)
        return
      case 'conflict':
        this.violation('S1', time, `${node} saw ${describeRecord(e.reported)} against learned ${describeRecord(e.known)}`)
        return
      default:
    }
  }

  /** Called after every simulator step with the nodes that consider themselves leader now. */
  checkLeaders (time: number, leaders: readonly NodeId[]): void {
    if (leaders.length > 1) this.violation('S4', time, `${leaders.join(' and ')} both consider themselves leader`)
  }

  #recordChosen (time: number, epoch: Epoch, value: LeaderRecord, how: string): void {
    const known = this.#chosen.get(epoch)
    if (known === undefined) {
      this.#chosen.set(epoch, value)
      if (value.epoch !== epoch) this.violation('S2', time, `value ${describeRecord(value)} chosen for epoch ${epoch}`)
      const proposedBy = this.#candidates.get(epoch)
      if (proposedBy === undefined || !proposedBy.has(value.leaderId)) {
        this.violation('S2', time, `${describeRecord(value)} chosen (${how}) but ${value.leaderId} never stood in epoch ${epoch}`)
      }
      const meta = this.#metadata.get(value.leaderId)
      if (meta !== undefined && !leaderRecordEquals(value, { epoch, leaderId: value.leaderId, metadata: meta })) {
        this.violation('S2', time, `${describeRecord(value)} carries metadata its leader never had`)
      }
      return
    }
    if (!leaderRecordEquals(known, value)) {
      this.violation('S1', time, `epoch ${epoch}: ${describeRecord(value)} (${how}) after ${describeRecord(known)} was chosen`)
    }
  }

  get chosenEpochs (): number { return this.#chosen.size }
}
