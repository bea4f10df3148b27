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

/** Rounding slack: a leader's own grant and lease may end at the same instant. */
const EPSILON_MS = 1e-6

export class LeaseGrantsChecker implements PropertyChecker {
  readonly #report: Report

  constructor (report: Report) {
    this.#report = report
  }

  onStep (view: ClusterView): void {
    for (const leader of view.replicas) {
      const n = leader.node
      if (n === null || !n.isLeader) continue
      const until = n.leaseUntil
      const epoch = n.leader?.epoch
      const voters = n.leaseVoters
      if (until === null || epoch === undefined || voters === null) continue
      const quorum = Math.floor(voters.length / 2) + 1
      // Believing it leads now is counting on the lease until now at least.
      const endReal = Math.max(view.now, leader.toReal(until))
      let bound = 0
      const short: string[] = []
      const byId = new Map(view.replicas.map(v => [v.id, v]))
      for (const id of voters) {
        const v = byId.get(id)
        // An ID no process has any more (memory storage restarts under a new one) never votes again.
        const why = v === undefined ? null : this.#binding(v, epoch, leader.id, endReal)
        if (why === null) bound++
        else short.push(`${id}: ${why}`)
      }
      if (bound < quorum) {
        this.#report(view.now, `${leader.id} holds the lease of epoch ${epoch} until ${endReal.toFixed(3)} (real), ` +
          `but only ${bound} voters are bound to it until then (${short.join('; ')})`)
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
