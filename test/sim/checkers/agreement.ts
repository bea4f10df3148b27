/**
 * S1, agreement: at most one value is chosen per epoch. Both the omniscient
 * view (a majority of distinct acceptors of the epoch's electorate sent
 * Accepted for one (epoch, ballot): the voters of the configuration chosen
 * with the epoch before, or any `bootstrapQuorum` nodes for epoch 1) and
 * every node's learned values must agree, and no node may see a conflict.
 */
import { electorateOf } from '../../../src/paxos/configuration.js'
import { leaderRecordEquals, type Epoch, type LeaderRecord, type NodeId } from '../../../src/paxos/proposal.js'
import type { Message } from '../../../src/paxos/message.js'
import type { NodeEvent } from '../../../src/node/node.js'
import { describeRecord, type PropertyChecker, type ReplicaView, type Report } from '../checker.js'

export type OnChosen = (time: number, epoch: Epoch, value: LeaderRecord, how: string) => void

export class AgreementChecker implements PropertyChecker {
  readonly #quorum: number
  readonly #report: Report
  readonly #onFirstChosen: OnChosen
  /** epoch → value, from the omniscient tally and from learners. */
  readonly #chosen = new Map<Epoch, LeaderRecord>()
  /** epoch → ballot key → acceptors that sent Accepted. */
  readonly #tally = new Map<Epoch, Map<string, { value: LeaderRecord, from: Set<NodeId> }>>()

  constructor (quorum: number, report: Report, onFirstChosen: OnChosen) {
    this.#quorum = quorum
    this.#report = report
    this.#onFirstChosen = onFirstChosen
  }

  /** The value chosen for `epoch`, if known. */
  chosen (epoch: Epoch): LeaderRecord | undefined { return this.#chosen.get(epoch) }

  /** The newest record chosen so far. */
  get newest (): LeaderRecord | null {
    let best: LeaderRecord | null = null
    for (const r of this.#chosen.values()) if (best === null || r.epoch > best.epoch) best = r
    return best
  }

  onSend (time: number, from: ReplicaView, msg: Message): void {
    if (msg.type !== 'accepted') return
    let byBallot = this.#tally.get(msg.epoch)
    if (byBallot === undefined) { byBallot = new Map(); this.#tally.set(msg.epoch, byBallot) }
    const key = `${msg.ballot.round}/${msg.ballot.nodeId}`
    let t = byBallot.get(key)
    if (t === undefined) { t = { value: msg.value, from: new Set() }; byBallot.set(key, t) }
    if (!leaderRecordEquals(t.value, msg.value)) {
      this.#report(time, `two values for ballot ${key} in epoch ${msg.epoch}`)
      return
    }
    t.from.add(from.id)
    const previous = msg.epoch === 1 ? null : this.#chosen.get(msg.epoch - 1)
    if (previous === undefined) return
    const electorate = previous === null ? null : electorateOf(previous.config)
    const votes = electorate === null ? t.from.size : [...t.from].filter(id => electorate.counts(id)).length
    const quorum = electorate?.quorum ?? this.#quorum
    if (votes === quorum && (electorate === null || electorate.counts(from.id))) this.#record(time, msg.epoch, msg.value, `a majority of its electorate accepted it at ballot ${key}`)
  }

  onEvent (time: number, node: ReplicaView, e: NodeEvent): void {
    if (e.type === 'leaderChosen') this.#record(time, e.record.epoch, e.record, `${node.id} learned it`)
    // Only a leader already reported chosen can be found again.
    if (e.type === 'leaderFound') this.#record(time, e.record.epoch, e.record, `${node.id} found it again`)
    if (e.type === 'conflict') this.#report(time, `${node.id} saw ${describeRecord(e.reported)} against learned ${describeRecord(e.known)}`)
  }

  #record (time: number, epoch: Epoch, value: LeaderRecord, how: string): void {
    const known = this.#chosen.get(epoch)
    if (known === undefined) {
      this.#chosen.set(epoch, value)
      this.#onFirstChosen(time, epoch, value, how)
    } else if (!leaderRecordEquals(known, value)) {
      this.#report(time, `epoch ${epoch}: ${describeRecord(value)} (${how}) after ${describeRecord(known)} was chosen`)
    }
  }
}
