/**
 * Deliberately broken variants. Each must make the simulator report the
 * violation it causes: that is how we know the checkers bite. They are built
 * only through the hooks the code has (makeAcceptor/makeLearner, config and
 * state edits, Node's protected leaseHeld, public methods a subclass may
 * wrap, storage wrappers), never by editing node.ts.
 */
import { Acceptor, type AcceptorStep } from '../../src/paxos/acceptor.js'
import { Learner } from '../../src/paxos/learner.js'
import { bootstrapElectorate, electorateOf, memberOf, withoutVoter, type Configuration, type Electorate } from '../../src/paxos/configuration.js'
import { Voter, type GrantResult } from '../../src/node/voter.js'
import type { Outbox } from '../../src/node/io.js'
import type { PersistentState } from '../../src/storage/storage.js'
import type { Membership } from '../../src/node/membership.js'
import type { LeaderRecord } from '../../src/paxos/proposal.js'
import { majority } from '../../src/paxos/proposal.js'
import type { Accept, Accepted, Message, Nack, Prepare, PromiseMsg } from '../../src/paxos/message.js'
import { Node, type NodeDeps, type Ready } from '../../src/node/node.js'
import type { NodeConfig } from '../../src/node/config.js'
import type { Clock } from '../../src/node/clock.js'
import type { Storage } from '../../src/storage/storage.js'
import type { Driver } from './options.js'
import type { NodeFactory } from './simulator.js'
import type { Property } from './checker.js'

/** Promises every Prepare and accepts every Accept: it forgets the promises it made. */
export class ForgetfulAcceptor extends Acceptor {
  override onPrepare (m: Prepare, chosenEpoch: number): AcceptorStep<PromiseMsg> {
    const r = super.onPrepare(m, chosenEpoch)
    if (r.reply.type === 'promise') return r
    return { changed: false, reply: { type: 'promise', epoch: m.epoch, ballot: m.ballot, accepted: this.state(m.epoch).accepted } }
  }

  override onAccept (m: Accept, chosenEpoch: number): AcceptorStep<Accepted> {
    const r = super.onAccept(m, chosenEpoch)
    if (r.reply.type === 'accepted') return r
    return { changed: false, reply: { type: 'accepted', epoch: m.epoch, ballot: m.ballot, value: m.value, lease: false } }
  }
}

/**
 * A leader that moves two voters per change (adds two observers, or removes
 * two voters) and acceptors that let it: successive majorities need not share
 * a voter any more.
 */
class TwoAtOnceNode extends Node {
  protected override follows (): boolean { return true }

  protected override planChange (membership: Membership, config: Configuration, epoch: number, now: number): Configuration | null {
    const one = membership.nextChange(config, this.config.clusterSize, epoch, now)
    if (one === null || one.target !== config.target) return one
    const two = membership.nextChange(one, this.config.clusterSize, epoch, now)
    if (two === null || two.target !== one.target) return one
    return { ...two, version: config.version + 1, voters: two.voters.map(m => ({ ...m, since: Math.min(m.since, config.version + 1) })) }
  }
}

/** A leader that counts its lease as if its last voter had been removed, which no majority agreed to. */
class UnagreedRemovalNode extends Node {
  protected override leaseElectorate (record: LeaderRecord): Electorate {
    const others = record.config.voters.filter(m => m.id !== this.id)
    if (others.length === 0) return electorateOf(record.config)
    return electorateOf(withoutVoter(record.config, others[others.length - 1]!.id))
  }
}

/**
 * A voter that takes itself to be bound by no lease while it is the newest
 * configuration's new voter: it grants a lease to, and votes for, a rival of
 * the leader it granted. Rule 9 counts on every voter of the new
 * configuration keeping the old leader's lease.
 */
class UnboundVoter extends Voter {
  readonly #fresh: () => boolean

  constructor (selfId: string, out: Outbox, acceptor: Acceptor, storedGrant: PersistentState['grant'], durable: boolean, leaseMs: number, fresh: () => boolean) {
    super(selfId, out, acceptor, storedGrant, durable, leaseMs)
    this.#fresh = fresh
  }

  override boundAgainst (from: string, epoch: number, now: number): boolean {
    return this.#fresh() ? false : super.boundAgainst(from, epoch, now)
  }

  override grantLease (epoch: number, leaderId: string, now: number): GrantResult {
    const grant = this.grant
    if (this.#fresh() && grant !== null && grant.leaderId !== leaderId) this.release(grant.leaderId, grant.epoch)
    return super.grantLease(epoch, leaderId, now)
  }
}

class NewVoterUnboundNode extends Node {
  protected override makeVoter (out: Outbox, acceptor: Acceptor, storedGrant: PersistentState['grant'], durable: boolean): Voter {
    return new UnboundVoter(this.id, out, acceptor, storedGrant, durable, this.config.leaseMs, () => {
      const config = this.configuration
      return config !== null && config.version > 1 && memberOf(config, this.id)?.since === config.version
    })
  }
}

/** Observers vote like voters, and every proposer and learner counts any node's vote. */
class ObserverCountedNode extends Node {
  constructor (c: NodeConfig, d: NodeDeps) {
    super({ ...c, role: 'voter' }, { ...d, makeLearner: (n, newest) => new CountingLearner(n, newest) })
  }

  protected override leaseElectorate (record: LeaderRecord): Electorate {
    return bootstrapElectorate(record.config.voters.length)
  }

  protected override refusal (epoch: number): Nack['reason'] | null {
    return epoch === this.epoch + 1 ? null : 'membership'
  }
}

/** A learner whose every epoch is decided by a count of any nodes, as epoch 1's is. */
class CountingLearner extends Learner {
  override get electorate (): Electorate { return bootstrapElectorate(this.newest?.config.voters.length ?? 1) }
}

/** A leader that believes its lease never runs out. */
class LeaseIgnoringNode extends Node {
  protected override leaseHeld (leaseUntil: number): boolean {
    return leaseUntil > -Infinity
  }
}

/**
 * A leader that counts each heartbeat round's lease from the arrival of the
 * acknowledgement that completed its majority, instead of from the round's
 * send time: its lease runs a round trip too long. It watches its own
 * heartbeats leave (ready) and the acknowledgements come in (step), and
 * answers leaseHeld by the arrival time of the round that set the lease.
 */
class AckArrivalLeaseNode extends Node {
  readonly #clock: Clock
  readonly #leaderLeaseMs: number
  /** The lease end a round sets (send time + leaderLeaseMs, computed as Node does) → "epoch/seq". */
  readonly #roundByLeaseEnd = new Map<number, string>()
  readonly #acks = new Map<string, Set<string>>()
  /** "epoch/seq" → when the acknowledgement completing its majority arrived. */
  readonly #completedAt = new Map<string, number>()

  constructor (config: NodeConfig, deps: NodeDeps) {
    super(config, deps)
    this.#clock = deps.clock
    const rho = this.config.maxDriftRatio
    this.#leaderLeaseMs = this.config.leaseMs * (1 - rho) / (1 + rho)
  }

  override ready (): Ready {
    const rd = super.ready()
    const now = this.#clock.now()
    for (const out of rd.messages) {
      const m = out.msg
      if (m.type === 'heartbeat' && m.value.leaderId === this.id) this.#roundByLeaseEnd.set(now + this.#leaderLeaseMs, `${m.epoch}/${m.seq}`)
    }
    return rd
  }

  override step (from: string, msg: Message): void {
    if (msg.type === 'heartbeatAck') {
      const key = `${msg.epoch}/${msg.seq}`
      let acks = this.#acks.get(key)
      if (acks === undefined) { acks = new Set(); this.#acks.set(key, acks) }
      acks.add(from)
      // This node acknowledges its own round at once; the others complete the majority.
      if (acks.size === majority(this.config.clusterSize) - 1) this.#completedAt.set(key, this.#clock.now())
    }
    super.step(from, msg)
  }

  protected override leaseHeld (leaseUntil: number, now: number): boolean {
    const round = this.#roundByLeaseEnd.get(leaseUntil)
    const completed = round === undefined ? undefined : this.#completedAt.get(round)
    return completed === undefined ? now < leaseUntil : now < completed + this.#leaderLeaseMs
  }
}

/** A driver-facing bug: every batch is marked safe to release before its save, so the runner sends first and saves later. */
class EagerReleaseNode extends Node {
  override ready (): Ready {
    const rd = super.ready()
    return rd.sync ? { ...rd, sync: false } : rd
  }
}

/** A storage layer that drops a field: highestRound is always stored as 0. */
function dropHighestRound (s: Storage): Storage {
  return { durable: s.durable, load: async () => await s.load(), save: async state => { await s.save({ ...state, highestRound: 0 }) } }
}

/**
 * A storage layer that drops the stored grant: a voter restarted on durable
 * storage then sees no grant and skips its quarantine, though it may still be
 * bound by a lease it granted just before the crash.
 */
function dropGrant (s: Storage): Storage {
  return { durable: s.durable, load: async () => await s.load(), save: async state => { await s.save({ ...state, grant: null }) } }
}

export type VariantName =
  | 'forgetful-acceptor' | 'minority-learner' | 'lease-ignoring-leader' | 'drift-unaware' | 'forgets-candidacy'
  | 'lease-from-ack-arrival' | 'releases-before-save' | 'storage-drops-highest-round' | 'storage-drops-grant'
  | 'two-voters-at-once' | 'unagreed-removal' | 'observer-counted' | 'new-voter-unbound'

export interface Variant {
  readonly makeNode?: NodeFactory
  readonly wrapStorage?: (s: Storage) => Storage
  /** The driver the bug lives in (default: the seed's). */
  readonly driver?: Driver
  /** The property that reports it first. */
  readonly catches: Property
  /** The property that still reports it with `catches` switched off. */
  readonly alsoCaughtBy?: Property
  /** How many seeds the bite may search (default 2000): for a bug that needs a rare schedule. */
  readonly seeds?: number
}

export const VARIANTS: Record<VariantName, Variant> = {
  'forgetful-acceptor': {
    makeNode: (c, d) => new Node(c, { ...d, makeAcceptor: s => new ForgetfulAcceptor(s) }),
    // A promise it does not record is a vote out before its state is durable (S7); S1 once two values are chosen.
    catches: 'S7',
    alsoCaughtBy: 'S1'
  },
  'minority-learner': {
    makeNode: (c, d) => new Node(c, { ...d, makeLearner: (n, newest) => new Learner(n, newest, 1) }),
    catches: 'S1'
  },
  /** S6 reports it the moment the lease outlives the grants; S4 once a second leader appears. */
  'lease-ignoring-leader': {
    makeNode: (c, d) => new LeaseIgnoringNode(c, d),
    catches: 'S6',
    alsoCaughtBy: 'S4'
  },
  /** Configured for perfect clocks while the simulated clocks drift: leases are not shortened. */
  'drift-unaware': {
    makeNode: (c, d) => new Node({ ...c, maxDriftRatio: 0 }, d),
    catches: 'S6',
    alsoCaughtBy: 'S4'
  },
  /**
   * Restarts without the epoch it last stood in, so it may lead again an epoch its previous
   * incarnation led (its learned record, saved lazily, may be lost in the crash).
   */
  'forgets-candidacy': {
    makeNode: (c, d) => new Node(c, { ...d, state: d.state === null ? null : { ...d.state, candidateEpoch: 0 } }),
    catches: 'S5'
  },
  'lease-from-ack-arrival': {
    makeNode: (c, d) => new AckArrivalLeaseNode(c, d),
    catches: 'S6'
  },
  'releases-before-save': {
    makeNode: (c, d) => new EagerReleaseNode(c, d),
    driver: 'runner',
    catches: 'S7'
  },
  'storage-drops-highest-round': {
    wrapStorage: dropHighestRound,
    driver: 'runner',
    catches: 'S7'
  },
  /** S8 sees the first chosen configuration that moved two voters. */
  'two-voters-at-once': {
    makeNode: (c, d) => new TwoAtOnceNode(c, d),
    catches: 'S8'
  },
  /** S6 counts the lease against the configuration actually chosen. */
  'unagreed-removal': {
    makeNode: (c, d) => new UnagreedRemovalNode(c, d),
    catches: 'S6'
  },
  'observer-counted': {
    makeNode: (c, d) => new ObserverCountedNode(c, d),
    catches: 'S6'
  },
  /** S6 sees the leader's lease outlive the grant the new voter gave up for its rival (only where two majorities share that one voter: first at seed 2020). */
  'new-voter-unbound': {
    makeNode: (c, d) => new NewVoterUnboundNode(c, d),
    catches: 'S6',
    seeds: 3000
  },
  /** S6 sees the restarted voter vote again while the grant it crashed with still runs. */
  'storage-drops-grant': {
    wrapStorage: dropGrant,
    driver: 'runner',
    catches: 'S6'
  }
}
