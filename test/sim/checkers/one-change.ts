/**
 * S8: the configuration chosen with each epoch follows the one chosen with the
 * epoch before by at most one voter, with the same cluster ID and shared
 * settings (rule 9). Any majority of one then shares a voter with any majority
 * of the next, which is what lets a leader carry its lease over a change.
 */
import { formatConfiguration, oneChange } from '../../../src/paxos/configuration.js'
import type { Epoch, LeaderRecord } from '../../../src/paxos/proposal.js'
import type { Report } from '../checker.js'

export class OneChangeChecker {
  readonly #report: Report
  readonly #chosen = new Map<Epoch, LeaderRecord>()

  constructor (report: Report) { this.#report = report }

  /** A value first reported chosen for `epoch` (S1 reports a second one). */
  onChosen (time: number, epoch: Epoch, value: LeaderRecord): void {
    this.#chosen.set(epoch, value)
    const before = this.#chosen.get(epoch - 1)
    if (before !== undefined) this.#check(time, before, value)
    const after = this.#chosen.get(epoch + 1)
    if (after !== undefined) this.#check(time, value, after)
  }

  #check (time: number, prev: LeaderRecord, next: LeaderRecord): void {
    if (!oneChange(prev.config, next.config)) {
      this.#report(time, `epoch ${next.epoch}'s configuration ${formatConfiguration(next.config)} does not follow epoch ${prev.epoch}'s ${formatConfiguration(prev.config)} by one voter`)
    }
  }
}
