/**
 * Deliberately broken variants. Each must make the simulator report the
 * violation it causes: that is how we know the checkers bite.
 */
import { Acceptor, type AcceptorStep } from '../../src/paxos/acceptor.js'
import { Learner } from '../../src/paxos/learner.js'
import { majority } from '../../src/paxos/proposal.js'
import type { Accept, Accepted, Prepare, PromiseMsg } from '../../src/paxos/message.js'
import { Node } from '../../src/node/node.js'
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

/** A leader that believes its lease never runs out. */
class LeaseIgnoringNode extends Node {
  protected override leaseHeld (leaseUntil: number): boolean {
    return leaseUntil > -Infinity
  }
}

export type VariantName = 'forgetful-acceptor' | 'minority-learner' | 'lease-ignoring-leader' | 'drift-unaware' | 'forgets-candidacy'

export const VARIANTS: Record<VariantName, { readonly makeNode: NodeFactory, readonly catches: Property }> = {
  'forgetful-acceptor': {
    makeNode: (c, d) => new Node(c, { ...d, makeAcceptor: s => new ForgetfulAcceptor(s) }),
    catches: 'S1'
  },
  'minority-learner': {
    makeNode: (c, d) => new Node(c, { ...d, makeLearner: (n, newest) => new Learner(n, newest, majority(n) - 1) }),
    catches: 'S1'
  },
  'lease-ignoring-leader': {
    makeNode: (c, d) => new LeaseIgnoringNode(c, d),
    catches: 'S4'
  },
  /** Configured for perfect clocks while the simulated clocks drift: leases are not shortened. */
  'drift-unaware': {
    makeNode: (c, d) => new Node({ ...c, maxDriftRatio: 0 }, d),
    catches: 'S4'
  },
  /**
   * Restarts without the epoch it last stood in, so it may lead again an epoch its previous
   * incarnation led (its learned record, saved lazily, may be lost in the crash).
   */
  'forgets-candidacy': {
    makeNode: (c, d) => new Node(c, { ...d, state: d.state === null ? null : { ...d.state, candidateEpoch: 0 } }),
    catches: 'S5'
  }
}
