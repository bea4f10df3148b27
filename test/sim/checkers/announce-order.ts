/**
 * S3: each node announces epochs in increasing order: within one incarnation
 * strictly; across restarts never lower, and an equal epoch only with the
 * same leader.
 */
import type { Epoch, NodeId } from '../../../src/paxos/proposal.js'
import type { NodeEvent } from '../../../src/node/node.js'
import type { PropertyChecker, ReplicaView, Report } from '../checker.js'

export class AnnounceOrderChecker implements PropertyChecker {
  readonly #report: Report
  readonly #announced = new Map<NodeId, { incarnation: number, epoch: Epoch, leaderId: NodeId }>()

  constructor (report: Report) { this.#report = report }

  onEvent (time: number, node: ReplicaView, e: NodeEvent): void {
    if (e.type !== 'leaderChosen') return
    const prev = this.#announced.get(node.id)
    if (prev !== undefined) {
      const sameIncarnation = prev.incarnation === node.incarnation
      if (e.record.epoch < prev.epoch || (sameIncarnation && e.record.epoch === prev.epoch)) {
        this.#report(time, `${node.id} announced epoch ${e.record.epoch} after epoch ${prev.epoch}`)
      } else if (e.record.epoch === prev.epoch && e.record.leaderId !== prev.leaderId) {
        this.#report(time, `${node.id} changed the leader of epoch ${e.record.epoch} from ${prev.leaderId} to ${e.record.leaderId}`)
      }
    }
    this.#announced.set(node.id, { incarnation: node.incarnation, epoch: e.record.epoch, leaderId: e.record.leaderId })
  }
}
