/**
 * An operator's plan, run during the faulty phase alongside the faults
 * (SimOptions.schedule): rolling updates with and without surge, and scaling
 * 3 → 5 → 7 → 3. Each plan is a generator of waits that the cluster polls, so
 * it reads as the steps an operator (or a Kubernetes controller) takes:
 *
 * - roll-surge (a Deployment with maxSurge 1): for each member, start a new
 *   node, wait until it has caught up, then stop the member for good;
 * - roll-no-surge (maxUnavailable 1): stop each member, then start it again,
 *   on its own disk if storage is durable, else as a new node under a new ID;
 * - scale: start two nodes, let them settle, start two more, then stop four
 *   for good (voters and the leader among them, at times).
 *
 * A member stopped for good first leaves: it asks to, and stops only once the
 * leader took it out of the configuration (it waits for that as long as the
 * faulty phase lasts, as a preStop hook would). One that is no voter says it
 * leaves before it stops, as stop() does, so that it is not promoted as it
 * goes (README: stop(); docs/kubernetes.md). So the plan never takes a
 * voter away for good; what it tests is that the cluster hands the votes over
 * safely, under the faults, one change at a time. The heal ends the plan
 * wherever it is: a node still leaving then keeps running.
 */
import type { Rng } from './rng.js'
import type { Schedule } from './options.js'

/** One node slot, as a plan sees it. */
export interface Slot { readonly id: string }

/** What a plan may do to the cluster and ask of it. */
export interface ScheduleHost<S extends Slot> {
  /** The cluster's original members, then the nodes the plan may start (surge replacements, scale-up). */
  readonly members: readonly S[]
  readonly extra: readonly S[]
  /** Starts a node the plan has not started yet, or starts a stopped member again. */
  start: (s: S) => void
  /** A graceful stop: resigns if leading, saves, stops; `forGood`: it never comes back. */
  stop: (s: S, forGood: boolean) => void
  /**
   * Asks `s` to leave if it does not ask yet (again after a restart); true once the leader took it out.
   * A node that is no voter says it leaves all the same and is out at once, as stop() has it do.
   */
  leave: (s: S) => boolean
  up: (s: S) => boolean
  /** Up and knowing the newest chosen epoch: what it says of its own membership is current. */
  current: (s: S) => boolean
  /** Up, out of quarantine, and following the leader of the newest chosen epoch. */
  caughtUp: (s: S) => boolean
  isVoter: (s: S) => boolean
  isLeader: (s: S) => boolean
  /** Whether `s` is the one voter of its configuration (which cannot leave). */
  soleVoter: (s: S) => boolean
  /**
   * Whether the others carry on without `s` (a disruption budget): it is no
   * voter, or the other voters up and not leaving are a majority of the
   * configuration it leaves behind (without `s` if it leaves, else with it,
   * down), and one of them knows the newest epoch, so that it can lead.
   */
  mayGo: (s: S, leaves: boolean) => boolean
  /** Whether a record has been chosen: there is a cluster to act on. */
  founded: () => boolean
  /** Whether storage survives a restart (a member comes back as itself). */
  readonly durable: boolean
  readonly leaseMs: number
  /** The nodes' stabilizationMs: how long the leader watches an observer before it promotes it. */
  readonly stabilizationMs: number
  log: (line: string) => void
}

/** Wait until `done()` holds, or at most `atMostMs`; the plan resumes with whether it held. */
export interface Wait { readonly done: () => boolean, readonly atMostMs: number }

export type Plan = Generator<Wait, void, boolean>

function until (done: () => boolean, atMostMs = Infinity): Wait { return { done, atMostMs } }

function pause (ms: number): Wait { return { done: () => false, atMostMs: ms } }

/** The plan of `schedule`, or null for none. */
export function plan<S extends Slot> (schedule: Schedule, h: ScheduleHost<S>, rng: Rng): Plan | null {
  switch (schedule) {
    case 'none': return null
    case 'roll-surge': return withStart(h, rng, rollSurge(h))
    case 'roll-no-surge': return withStart(h, rng, rollNoSurge(h, rng))
    case 'scale': return withStart(h, rng, scale(h, rng))
  }
}

/** Every plan begins once the cluster exists, a little later. */
function * withStart<S extends Slot> (h: ScheduleHost<S>, rng: Rng, steps: Plan): Plan {
  yield until(h.founded)
  yield pause(rng.float(0, 2 * h.leaseMs))
  yield * steps
  h.log('done')
}

/** How long a plan waits for a node to catch up before it goes on all the same (a readiness deadline). */
function readyMs<S extends Slot> (h: ScheduleHost<S>): number { return h.stabilizationMs + 2 * h.leaseMs }

function * rollSurge<S extends Slot> (h: ScheduleHost<S>): Plan {
  for (let i = 0; i < h.members.length; i++) {
    const member = h.members[i]!
    const fresh = h.extra[i]!
    h.log(`start ${fresh.id} to replace ${member.id}`)
    h.start(fresh)
    yield * awaitCaughtUp(h, fresh)
    yield * retire(h, member)
  }
}

function * rollNoSurge<S extends Slot> (h: ScheduleHost<S>, rng: Rng): Plan {
  for (const member of h.members) {
    // A durable member may come back as the same voter (a StatefulSet's restart), or leave first.
    const leaveFirst = !h.durable || rng.chance(0.5)
    if (leaveFirst) {
      if (!(yield * handOver(h, member))) continue
    } else {
      if (!(yield * awaitMayGo(h, member, false))) continue
    }
    h.log(`stop ${member.id}, to start again ${h.durable ? 'on its disk' : 'under a new ID'}`)
    h.stop(member, false)
    yield until(() => !h.up(member))
    h.start(member)
    yield * awaitCaughtUp(h, member)
  }
}

function * scale<S extends Slot> (h: ScheduleHost<S>, rng: Rng): Plan {
  const [a, b, c, d] = h.extra
  yield * grow(h, [a!, b!])
  yield * grow(h, [c!, d!])
  for (let stopped = 0; stopped < 4;) {
    const pick = pickToStop(h, rng)
    if (pick === null) {
      yield pause(h.leaseMs)
      continue
    }
    if (yield * retire(h, pick)) stopped++
  }
}

/** Starts `nodes`, waits until they caught up, then lets them settle (the leader may promote them). */
function * grow<S extends Slot> (h: ScheduleHost<S>, nodes: readonly S[]): Plan {
  h.log(`scale up: start ${nodes.map(n => n.id).join(', ')}`)
  for (const n of nodes) h.start(n)
  for (const n of nodes) yield * awaitCaughtUp(h, n)
  yield pause(h.stabilizationMs + h.leaseMs)
}

/**
 * The next node to stop for good when scaling down: the leader now and then,
 * else a voter more often than not, else any node still running.
 */
function pickToStop<S extends Slot> (h: ScheduleHost<S>, rng: Rng): S | null {
  const running = [...h.members, ...h.extra].filter(s => h.up(s) && !h.soleVoter(s))
  if (running.length === 0) return null
  const leader = running.find(s => h.isLeader(s))
  if (leader !== undefined && rng.chance(0.25)) return leader
  const voters = running.filter(s => h.isVoter(s))
  return voters.length > 0 && rng.chance(0.6) ? rng.pick(voters) : rng.pick(running)
}

function * awaitCaughtUp<S extends Slot> (h: ScheduleHost<S>, s: S): Plan {
  const ok = yield until(() => h.caughtUp(s), readyMs(h))
  h.log(ok ? `${s.id} caught up` : `${s.id} not caught up in time; going on`)
}

/**
 * A voter leaves: it asks, and the plan waits until the leader took it out
 * (asking again if a crash restarted it meanwhile). False if it cannot leave.
 */
function * handOver<S extends Slot> (h: ScheduleHost<S>, s: S): Generator<Wait, boolean, boolean> {
  yield until(() => h.up(s))
  if (h.soleVoter(s)) {
    h.log(`${s.id} stays: the only voter cannot leave`)
    return false
  }
  if (!(yield * awaitMayGo(h, s, true))) return false
  h.log(`${s.id} leaves${h.isLeader(s) ? ' (the leader)' : h.isVoter(s) ? ' (a voter)' : ''}`)
  // Asked in the step that found the budget holds, not a poll later: a crash in between was let
  // through while s still counted as staying, and the two took a majority away (seed 12872).
  if (!h.leave(s)) yield until(() => h.leave(s))
  return true
}

/**
 * Waits (a while) until `s` is current (a node that lags may not know it was
 * made a voter, and would stop without leaving) and the others carry on
 * without it; false, and `s` is skipped, if that does not come.
 */
function * awaitMayGo<S extends Slot> (h: ScheduleHost<S>, s: S, leaves: boolean): Generator<Wait, boolean, boolean> {
  if (yield until(() => h.current(s) && h.mayGo(s, leaves), readyMs(h))) return true
  h.log(`skip ${s.id}: the others would not carry on without it`)
  return false
}

/** Stops `s` for good, once it left the configuration. False if it could not leave. */
function * retire<S extends Slot> (h: ScheduleHost<S>, s: S): Generator<Wait, boolean, boolean> {
  if (!(yield * handOver(h, s))) return false
  h.log(`stop ${s.id} for good`)
  h.stop(s, true)
  yield until(() => !h.up(s))
  return true
}
