/**
 * S7: nothing leaves a node that a crash at that moment would let it take back.
 * At the moment a message leaves (its driver released it), what is on the
 * sender's disk must already cover it:
 * - a Prepare or Accept of its own ballot: `highestRound` at least its round
 *   (ballots stay unique across restarts);
 * - a round-0 Accept: `fastEpoch` at least its epoch (round 0 once per epoch ever);
 * - an Accept of its own record: `candidateEpoch` at least its epoch (rule 7);
 * - a Promise: a stored promise of at least its ballot in its epoch, or a
 *   stored learned record of that epoch or newer (which compacts the epoch);
 * - an Accepted: a stored acceptance of at least its ballot, or such a record.
 */
import { compareBallots, type Ballot } from '../../../src/paxos/proposal.js'
import type { Message } from '../../../src/paxos/message.js'
import type { PersistentState } from '../../../src/storage/storage.js'
import type { PropertyChecker, ReplicaView, Report } from '../checker.js'

export class DurableBallotChecker implements PropertyChecker {
  readonly #report: Report

  constructor (report: Report) { this.#report = report }

  onSend (time: number, from: ReplicaView, msg: Message): void {
    const why = this.#uncovered(from.id, from.stored, msg)
    if (why !== null) this.#report(time, `${from.id} sent ${msg.type} e${msg.epoch} ${why}`)
  }

  #uncovered (id: string, s: PersistentState | null, m: Message): string | null {
    switch (m.type) {
      case 'prepare':
      case 'accept': {
        if (m.ballot.nodeId !== id) return null
        if (m.ballot.round > (s?.highestRound ?? 0)) return `at round ${m.ballot.round} with round ${s?.highestRound ?? 0} stored`
        if (m.type !== 'accept') return null
        if (m.ballot.round === 0 && (s?.fastEpoch ?? 0) < m.epoch) return `at round 0 with fastEpoch ${s?.fastEpoch ?? 0} stored`
        if (m.value.leaderId === id && (s?.candidateEpoch ?? 0) < m.epoch) return `of its own record with candidateEpoch ${s?.candidateEpoch ?? 0} stored`
        return null
      }
      case 'promise': return covers(s, m.epoch, m.ballot, 'promised') ? null : `for ${fmt(m.ballot)} before that promise was stored`
      case 'accepted': return covers(s, m.epoch, m.ballot, 'accepted') ? null : `for ${fmt(m.ballot)} before that acceptance was stored`
      default: return null
    }
  }
}

function covers (s: PersistentState | null, epoch: number, ballot: Ballot, what: 'promised' | 'accepted'): boolean {
  if (s === null) return false
  if (s.learned !== null && s.learned.epoch >= epoch) return true
  for (const [e, st] of s.acceptor) {
    if (e !== epoch) continue
    const b = what === 'promised' ? st.promised : st.accepted?.ballot ?? null
    return b !== null && compareBallots(b, ballot) >= 0
  }
  return false
}

function fmt (b: Ballot): string { return `(${b.round},${b.nodeId})` }
