/**
 * S6: a leader's lease, in simulated real time, never outlasts the live grants
 * of a majority. Whenever a node believes it holds the lease of epoch e until
 * local time u, a majority of the voters backing it (the configuration of its
 * record, or the one before while it carries that lease over a change; the
 * leader included) must be bound to it until at least u in real time: each
 * either holds a live grant to it for e or an earlier epoch it led that lasts (in its own clock, translated to real time through its own
 * rate) until then, or held one when it crashed that lasts until then and has
 * cast no vote since (down, then quarantined). Any two majorities share a
 * voter, so this is what keeps two leases from overlapping: a lease bug is
 * caught when it makes an overlap possible, not only when a second leader
 * happens to appear.
 */
import type { ClusterView, PropertyChecker, ReplicaView, Report } from '../checker.js'
import type { Epoch, LeaderRecord } from '../../../src/paxos/proposal.js'

/** Rounding slack: a leader's own grant and lease may end at the same instant. */
const EPSILON_MS = 1e-6

export class LeaseGrantsChecker implements PropertyChecker {
  readonly #report: Report
  readonly #chosen: (epoch: Epoch) => LeaderRecord | undefined

  /** `chosen`: the value chosen for an epoch, as the omniscient tally knows it (not as the node says). */
  constructor (report: Report, chosen: (epoch: Epoch) => LeaderRecord | undefined) {
    this.#report = report
    this.#chosen = chosen
  }

  /**
   * Who may back the lease of `epoch` led by `leaderId`: the voters of the
   * configuration chosen with it, or, for a lease carried over a change by
   * the same leader, those chosen with the epoch before.
   */
  #backers (epoch: Epoch, leaderId: string, learned: LeaderRecord | null): Array<readonly string[]> {
    const sets: Array<readonly string[]> = []
    // The tally misses a value whose deciding vote was the proposer's own (it never leaves the node);
    // the leader's learned record stands in for it (S1 checks learned records against the tally).
    const now = this.#chosen(epoch) ?? (learned?.epoch === epoch ? learned : undefined)
    if (now !== undefined) sets.push(now.config.voters.map(m => m.id))
    const before = this.#chosen(epoch - 1)
    if (before !== undefined && before.leaderId === leaderId) sets.push(before.config.voters.map(m => m.id))
    return sets
  }

  onStep (view: ClusterView): void {
    for (const leader of view.replicas) {
      const n = leader.node
      if (n === null || !n.isLeader) continue
      const until = n.leaseUntil
      const epoch = n.leader?.epoch
      if (until === null || epoch === undefined) continue
      // Believing it leads now is counting on the lease until now at least.
      const endReal = Math.max(view.now, leader.toReal(until))
      const byId = new Map(view.replicas.map(v => [v.id, v]))
      const failures: string[] = []
      const sets = this.#backers(epoch, leader.id, n.newestChosen)
      const backed = sets.some(voters => {
        const quorum = Math.floor(voters.length / 2) + 1
        let bound = 0
        const short: string[] = []
        for (const id of voters) {
          const v = byId.get(id)
          // An ID no process has any more (memory storage restarts under a new one) never votes again.
          const why = v === undefined ? null : this.#binding(v, epoch, leader.id, endReal)
          if (why === null) bound++
          else short.push(`${id}: ${why}`)
        }
        if (bound < quorum) failures.push(`only ${bound} of [${voters.join(', ')}] are bound to it until then (${short.join('; ')})`)
        return bound >= quorum
      })
      if (!backed) {
        this.#report(view.now, `${leader.id} holds the lease of epoch ${epoch} until ${endReal.toFixed(3)} (real), but ` +
          (sets.length === 0 ? 'no configuration was chosen for it' : failures.join('; or ')))
        return
      }
    }
  }

  /** Null if `v` cannot vote for another leader before `endReal`; else why it can. */
  #binding (v: ReplicaView, epoch: number, leaderId: string, endReal: number): string | null {
    const g = v.node?.grant ?? null
    if (g !== null && g.leaderId === leaderId) {
      const grantEnd = v.toReal(g.expiresAt)
      if (grantEnd + EPSILON_MS >= endReal) return null
      return `its grant ends at ${grantEnd.toFixed(3)}`
    }
    const ghost = v.ghost
    if (ghost !== null && ghost.leaderId === leaderId) {
      if (ghost.untilReal + EPSILON_MS < endReal) return `the grant it crashed with ended at ${ghost.untilReal.toFixed(3)}`
      if (v.silentUntilReal + EPSILON_MS < endReal) return `restarted, voting again from ${v.silentUntilReal.toFixed(3)}`
      return null
    }
    return g === null ? 'no grant' : `granted epoch ${g.epoch} to ${g.leaderId}`
  }
}
