/**
 * The simulated network: while faults are on it drops, duplicates, delays
 * (base plus jitter, which reorders, and now and then a long hold-up past a
 * heartbeat round) and partitions; once healed it only delays. It also counts
 * the network faults that matter to the protocol when they reach a node.
 */
import { compareBallots, type Ballot } from '../../src/paxos/proposal.js'
import type { Message } from '../../src/paxos/message.js'
import { decodeMessage, encodeMessage } from '../../src/transport/codec.js'
import { slots, type SimOptions } from './options.js'
import type { Rng } from './rng.js'

export interface Packet {
  readonly from: number
  /** The sender's node ID when it sent this (a node on memory storage restarts under a new one). */
  readonly fromId: string
  readonly to: number
  readonly msg: Message
  readonly sentAt: number
}

export interface NetworkStats {
  messages: number
  delivered: number
  partitions: number
  /** Messages held back past a heartbeat round. */
  slowMessages: number
  /** HeartbeatAcks that reached their leader more than heartbeatMs after they left. */
  acksPastHeartbeat: number
  /** Accepts that reached a node after it had received a higher-ballot Accept of the same epoch. */
  staleAccepts: number
}

export class Network {
  readonly stats: NetworkStats = { messages: 0, delivered: 0, partitions: 0, slowMessages: 0, acksPastHeartbeat: 0, staleAccepts: 0 }
  readonly #o: SimOptions
  readonly #rng: Rng
  readonly #send: (p: Packet, delay: number) => void
  readonly #group: number[]
  /** The highest Accept ballot delivered to each node, per epoch ("to/epoch"). */
  readonly #highestAccept = new Map<string, Ballot>()
  #faults = true

  constructor (o: SimOptions, rng: Rng, send: (p: Packet, delay: number) => void) {
    this.#o = o
    this.#rng = rng
    this.#send = send
    this.#group = new Array<number>(slots(o)).fill(0)
  }

  get faulty (): boolean { return this.#faults }

  /** Splits the nodes into up to three groups that cannot reach each other. */
  partition (rng: Rng): string {
    const groups = rng.int(1, 3)
    for (let i = 0; i < this.#group.length; i++) this.#group[i] = rng.int(0, groups - 1)
    this.stats.partitions++
    return this.#group.map((g, i) => `n${i + 1}:${g}`).join(' ')
  }

  /** Faults stop: every node reaches every other, nothing is lost, duplicated or held back any more. */
  heal (): void {
    this.#faults = false
    this.#group.fill(0)
  }

  #connected (a: number, b: number): boolean {
    return !this.#faults || this.#group[a] === this.#group[b]
  }

  transmit (from: number, fromId: string, to: number, msg: Message, now: number): void {
    const o = this.#o
    this.stats.messages++
    // A message the codec would refuse never arrives on a real network: find out here.
    if (o.wire) msg = decodeMessage(encodeMessage(msg))
    if (this.#faults) {
      if (!this.#connected(from, to)) return
      if (this.#rng.chance(o.loss)) return
    }
    const copies = this.#faults && this.#rng.chance(o.duplication) ? 2 : 1
    for (let i = 0; i < copies; i++) {
      let delay = o.delayMs + this.#rng.next() * o.jitterMs
      if (this.#faults && this.#rng.chance(o.slow)) {
        delay += this.#rng.float(o.heartbeatMs, o.slowMaxMs)
        this.stats.slowMessages++
      }
      this.#send({ from, fromId, to, msg, sentAt: now }, delay)
    }
  }

  /** Whether a packet due now still gets through (a partition since it left cuts it off), counting what it reaches. */
  arrives (p: Packet, now: number): boolean {
    if (!this.#connected(p.from, p.to)) return false
    this.stats.delivered++
    const m = p.msg
    if (m.type === 'heartbeatAck' && now - p.sentAt > this.#o.heartbeatMs) this.stats.acksPastHeartbeat++
    if (m.type === 'accept') {
      const key = `${p.to}/${m.epoch}`
      const highest = this.#highestAccept.get(key)
      if (highest === undefined || compareBallots(m.ballot, highest) > 0) this.#highestAccept.set(key, m.ballot)
      else if (compareBallots(m.ballot, highest) < 0) this.stats.staleAccepts++
    }
    return true
  }
}
