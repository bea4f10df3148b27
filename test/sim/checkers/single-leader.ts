/** S4: at no instant do two nodes both consider themselves leader. */
import type { ClusterView, PropertyChecker, Report } from '../checker.js'

export class SingleLeaderChecker implements PropertyChecker {
  readonly #report: Report

  constructor (report: Report) { this.#report = report }

  onStep (view: ClusterView): void {
    let leaders: string[] | null = null
    for (const r of view.replicas) if (r.node?.isLeader === true) (leaders ??= []).push(r.id)
    if (leaders !== null && leaders.length > 1) this.#report(view.now, `${leaders.join(' and ')} both consider themselves leader`)
  }
}
