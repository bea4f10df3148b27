/** S5: successive `elected` events, cluster-wide, carry strictly increasing epochs. */
import type { NodeEvent } from '../../../src/node/node.js'
import type { PropertyChecker, ReplicaView, Report } from '../checker.js'

export class ElectedOrderChecker implements PropertyChecker {
  readonly #report: Report
  #lastElected = 0

  constructor (report: Report) { this.#report = report }

  onEvent (time: number, node: ReplicaView, e: NodeEvent): void {
    if (e.type !== 'elected') return
    if (e.epoch <= this.#lastElected) this.#report(time, `${node.id} elected in epoch ${e.epoch} after a leader of epoch ${this.#lastElected}`)
    this.#lastElected = Math.max(this.#lastElected, e.epoch)
  }
}
