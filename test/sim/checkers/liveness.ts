/**
 * L1, liveness: once faults stop, every node knows the same live leader within
 * a bound derived from the configuration (see livenessBoundMs in options.ts).
 * Every node: all but those absent (not started by the schedule, or stopped by
 * it for good).
 */
import type { LeaderRecord } from '../../../src/paxos/proposal.js'
import type { ClusterView, PropertyChecker, Report } from '../checker.js'

export class LivenessChecker implements PropertyChecker {
  readonly boundMs: number
  readonly #report: Report
  #healedAt: number | null = null
  /** Virtual ms from the heal until every node agreed on a live leader (-1: not yet). */
  convergenceMs = -1

  constructor (boundMs: number, report: Report) {
    this.boundMs = boundMs
    this.#report = report
  }

  get deadline (): number { return this.#healedAt === null ? Infinity : this.#healedAt + this.boundMs }

  heal (now: number): void { this.#healedAt = now }

  onStep (view: ClusterView): void {
    if (this.#healedAt === null || this.convergenceMs >= 0 || !converged(view)) return
    this.convergenceMs = view.now - this.#healedAt
  }

  /** At the end of the run: reports L1 if the cluster never converged. */
  finish (view: ClusterView): void {
    if (this.convergenceMs >= 0) return
    this.#report(view.now, `no agreement on a live leader within ${Math.round(this.boundMs)} ms after faults stopped: ${describeViews(view)}`)
  }
}

function converged (view: ClusterView): boolean {
  let agreed: LeaderRecord | null = null
  for (const r of view.replicas) {
    if (r.absent) continue
    const l = r.node?.leader ?? null
    if (l === null) return false
    if (agreed === null) agreed = l
    else if (agreed.epoch !== l.epoch || agreed.leaderId !== l.leaderId) return false
  }
  const leaderId = agreed?.leaderId
  return view.replicas.some(r => r.id === leaderId && r.node?.isLeader === true)
}

function describeViews (view: ClusterView): string {
  return view.replicas.filter(r => !r.absent).map(r => {
    const n = r.node
    const l = n?.leader
    return `${r.id}=${n === null ? 'down' : l == null ? 'none' : `${l.leaderId}@${l.epoch}`}${n?.isLeader === true ? '*' : ''}`
  }).join(' ')
}
