/**
 * S2, validity: a chosen value names a node that stood for election in that
 * epoch, for that epoch, with that node's own metadata.
 */
import { leaderRecordEquals, type Epoch, type LeaderRecord, type NodeId } from '../../../src/paxos/proposal.js'
import type { NodeEvent } from '../../../src/node/node.js'
import { describeRecord, type PropertyChecker, type ReplicaView, type Report } from '../checker.js'

export class ValidityChecker implements PropertyChecker {
  readonly #metadata: ReadonlyMap<NodeId, Readonly<Record<string, string>>>
  readonly #report: Report
  readonly #candidates = new Map<Epoch, Set<NodeId>>()

  constructor (metadata: ReadonlyMap<NodeId, Readonly<Record<string, string>>>, report: Report) {
    this.#metadata = metadata
    this.#report = report
  }

  onEvent (_time: number, node: ReplicaView, e: NodeEvent): void {
    if (e.type !== 'candidate') return
    let s = this.#candidates.get(e.epoch)
    if (s === undefined) { s = new Set(); this.#candidates.set(e.epoch, s) }
    s.add(node.id)
  }

  /** The first value reported chosen for `epoch` (S1 checks that no other follows). */
  onChosen (time: number, epoch: Epoch, value: LeaderRecord, how: string): void {
    if (value.epoch !== epoch) this.#report(time, `value ${describeRecord(value)} chosen for epoch ${epoch}`)
    const proposedBy = this.#candidates.get(epoch)
    if (proposedBy === undefined || !proposedBy.has(value.leaderId)) {
      this.#report(time, `${describeRecord(value)} chosen (${how}) but ${value.leaderId} never stood in epoch ${epoch}`)
    }
    const meta = this.#metadata.get(value.leaderId)
    if (meta !== undefined && !leaderRecordEquals(value, { ...value, epoch, metadata: meta })) {
      this.#report(time, `${describeRecord(value)} carries metadata its leader never had`)
    }
  }
}
