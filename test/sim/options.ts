/**
 * The parameters of one simulated run, derived from its seed (as VOPR derives
 * its cluster and fault options from the seed), so that runs differ in kind,
 * not only in order; and the liveness bound those parameters imply.
 */
import { resolveConfig, type ResolvedConfig } from '../../src/node/config.js'
import { LAZY_SAVE_DELAY_MS } from '../../src/node/runner.js'
import { Rng } from './rng.js'

/** Which driver runs each node: the real NodeRunner over a simulated disk and transport, or the bare Node. */
export type Driver = 'runner' | 'node'

/**
 * An operator's plan run during the faulty phase (schedule.ts): a rolling
 * update that starts a replacement before it stops each member for good
 * (maxSurge 1), one that stops and restarts each member in place, or scaling
 * the replica count 3 → 5 → 7 → 3.
 */
export type Schedule = 'none' | 'roll-surge' | 'roll-no-surge' | 'scale'

/** Nodes the scale schedule starts: 3 → 5 → 7. */
export const SCALE_NODES = 4

export interface SimOptions {
  readonly driver: Driver
  readonly clusterSize: number
  readonly leaseMs: number
  readonly heartbeatMs: number
  readonly maxDriftRatio: number
  /** Whether storage survives crashes and records grants (else: quarantine at every start). */
  readonly durable: boolean
  /** Per-message probabilities while faults are on. */
  readonly loss: number
  readonly duplication: number
  /** One-way delay: base plus uniform jitter (jitter reorders). */
  readonly delayMs: number
  readonly jitterMs: number
  /**
   * Probability that a message is held back by an extra delay in
   * [heartbeatMs, slowMaxMs] while faults are on: acknowledgements late past a
   * whole heartbeat round, old Accepts overtaken by higher ones.
   */
  readonly slow: number
  readonly slowMaxMs: number
  /** Disk write latency (the runner driver): base plus uniform jitter, and a rare slow write up to slowDiskMs. */
  readonly diskMs: number
  readonly diskJitterMs: number
  readonly slowDisk: number
  readonly slowDiskMs: number
  /** Expected events per second of virtual time while faults are on. */
  readonly crashRate: number
  readonly pauseRate: number
  readonly partitionRate: number
  readonly resignRate: number
  /** Crash a voter just after it grants a lease and restart it within 2ρ·leaseMs of that grant. */
  readonly bounceRate: number
  /** Length of the faulty phase, in virtual ms. */
  readonly faultMs: number
  readonly priorities: readonly number[]
  /** Send every message through the wire codec (encode, then decode), as the libp2p transport does. */
  readonly wire: boolean
  /** Nodes beyond clusterSize that join during the faulty phase (they start as observers). */
  readonly spares: number
  /** Nodes that are observers by choice (role 'observer'), up from the start. */
  readonly observers: number
  /** Graceful stops (leave the configuration, then restart later), per second. */
  readonly leaveRate: number
  readonly schedule: Schedule
  /** Scale schedule: the nodes it starts carry clusterSize 5, then 7 (the leader's decides the target). */
  readonly scaleTargets: boolean
}

/** Nodes a schedule starts beyond the others: a replacement per member, or the scale-up. */
export function scheduledNodes (o: SimOptions): number {
  return o.schedule === 'roll-surge' ? o.clusterSize : o.schedule === 'scale' ? SCALE_NODES : 0
}

/** Every node slot of a run: members, spares, observers, then the schedule's nodes. */
export function slots (o: SimOptions): number {
  return o.clusterSize + o.spares + o.observers + scheduledNodes(o)
}

/**
 * Leases a schedule's step may take: a start (catch-up, a quarantine on
 * memory storage) and a graceful stop (at most stabilizationMs + 2 leases,
 * the runner's default leave) with room for faults. The faulty phase grows by
 * this per step, so that most schedules finish before the heal.
 */
const LEASES_PER_STEP = 8

function scheduleSteps (schedule: Schedule, clusterSize: number): number {
  // scale: two starts of two nodes, four stops.
  return schedule === 'none' ? 0 : schedule === 'scale' ? 6 : clusterSize
}


/** Derives a run's options from its seed. */
export function optionsForSeed (seed: number): SimOptions {
  const r = new Rng(seed ^ 0x5eed)
  // Even sizes and a single node too: quorums of 1, 2 of 2, 3 of 4, 4 of 6.
  const clusterSize = r.pick([1, 2, 3, 3, 4, 5, 5, 6, 7])
  const leaseMs = r.pick([300, 1000, 2000])
  const heartbeatMs = leaseMs / r.pick([3, 4, 6])
  const calm = r.chance(0.15)
  const maxDriftRatio = r.pick([0, 0.01, 0.01, 0.05])
  const diskMs = r.pick([0.05, 0.5, 2])
  const o: SimOptions = {
    driver: r.chance(0.5) ? 'runner' : 'node',
    clusterSize,
    leaseMs,
    heartbeatMs,
    maxDriftRatio,
    durable: r.chance(0.5),
    loss: calm ? 0 : r.pick([0, 0.01, 0.05, 0.2, 0.4]),
    duplication: calm ? 0 : r.pick([0, 0.02, 0.1]),
    delayMs: r.float(0.1, 3),
    jitterMs: r.pick([0, 1, 10, 0.2 * leaseMs]),
    slow: calm ? 0 : r.pick([0, 0, 0.01, 0.05]),
    slowMaxMs: 3 * heartbeatMs,
    diskMs,
    diskJitterMs: diskMs,
    slowDisk: r.pick([0, 0.01, 0.05]),
    slowDiskMs: leaseMs / 20,
    crashRate: calm ? 0 : r.pick([0, 0.05, 0.3]) * 1000 / leaseMs,
    pauseRate: calm ? 0 : r.pick([0, 0.05, 0.3]) * 1000 / leaseMs,
    partitionRate: calm ? 0 : r.pick([0, 0.05, 0.2]) * 1000 / leaseMs,
    resignRate: r.pick([0, 0.1, 0.3]) * 1000 / leaseMs,
    bounceRate: calm || maxDriftRatio === 0 ? 0 : r.pick([0, 0.1, 0.3]) * 1000 / leaseMs,
    faultMs: leaseMs * r.int(10, 25),
    priorities: Array.from({ length: clusterSize }, () => (r.chance(0.3) ? r.int(0, 3) : 0)),
    wire: r.chance(0.1),
    spares: r.pick([0, 0, 1, 2]),
    observers: r.pick([0, 0, 1]),
    leaveRate: calm ? 0 : r.pick([0, 0.1, 0.3]) * 1000 / leaseMs,
    schedule: 'none',
    scaleTargets: false
  }
  return withSchedule(o, r)
}

/**
 * Drawn last, so that the options drawn before are those of the seed without
 * a schedule. Scaling starts from 3 nodes, as the 3 → 5 → 7 → 3 does;
 * a rolling update keeps the seed's size.
 */
function withSchedule (o: SimOptions, r: Rng): SimOptions {
  const schedule = r.pick<Schedule>(['none', 'none', 'none', 'none', 'roll-surge', 'roll-no-surge', 'scale'])
  const scaleTargets = r.chance(0.5)
  if (schedule === 'none') return o
  const clusterSize = schedule === 'scale' ? 3 : o.clusterSize
  const faultMs = o.faultMs + scheduleSteps(schedule, clusterSize) * LEASES_PER_STEP * o.leaseMs
  return { ...o, schedule, clusterSize, faultMs, scaleTargets: schedule === 'scale' && scaleTargets }
}

/** The node configuration the run's nodes resolve to (every default filled in). */
export function resolvedConfig (o: SimOptions, index = 0): ResolvedConfig {
  return resolveConfig({
    nodeId: `n${index + 1}`,
    clusterSize: o.clusterSize,
    leaseMs: o.leaseMs,
    heartbeatMs: o.heartbeatMs,
    maxDriftRatio: o.maxDriftRatio,
    priority: o.priorities[index] ?? 0
  })
}

/** Election attempts allowed after the heal before L1 fails: duelling proposers may each spoil a few. */
export const ELECTION_ATTEMPTS = 8

/**
 * How long after faults stop every node must agree on a live leader, derived
 * from the resolved configuration (ρ = maxDriftRatio; a local duration d lasts
 * at most d/(1−ρ) real ms on the slowest clock allowed):
 *
 * 1. a node down at the heal boots then and may quarantine for
 *    leaseMs·(1+ρ)/(1−ρ) local ms (rule 6);
 * 2. a voter's grant to a leader that is gone may have been renewed by a
 *    heartbeat still in flight at the heal (slowMaxMs plus one ordinary delay),
 *    and runs out leaseMs local ms later; a follower's view of that leader
 *    expires no later (rule 3);
 *    (1 and 2 start together at the heal: the longer one counts);
 * 3. a starting node catches up: its StatusRequest is retried every
 *    roundTimeoutMs until a majority answered (one retry, on a healed network);
 * 4. then up to ELECTION_ATTEMPTS attempts, each a wait (the first at most
 *    electionDelayMs at priority 0, later ones a backoff of at most
 *    1.5·electionDelayMs + roundTimeoutMs/4) and a round timeout. When a
 *    round's worst case (four hops, each behind one disk write) takes longer
 *    than roundTimeoutMs, an attempt can also fail for timing alone (a
 *    jitter of 0.2·leaseMs against a round timeout of leaseMs/4): the
 *    attempts allowed grow by that ratio;
 * 5. the winning round: Prepare, Promise, Accept, Accepted, then the first
 *    heartbeat and its acknowledgement, six hops each behind one disk write,
 *    and the lazy save of the learned record (the runner's LAZY_SAVE_DELAY_MS).
 *
 * The heartbeat interval enters through 2 only as the spacing of renewals;
 * a leader already elected at the heal converges at once.
 */
export function livenessBoundMs (o: SimOptions): number {
  const c = resolvedConfig(o)
  const rho = c.maxDriftRatio
  const real = (local: number): number => local / (1 - rho)
  const netMs = o.delayMs + o.jitterMs
  const diskMs = o.driver === 'runner' ? Math.max(o.diskMs + o.diskJitterMs, o.slowDisk > 0 ? o.slowDiskMs : 0) : 0
  const quarantine = real(c.leaseMs * (1 + rho) / (1 - rho))
  const staleGrant = (o.slow > 0 ? o.slowMaxMs : 0) + netMs + real(c.leaseMs)
  const catchUp = real(c.roundTimeoutMs)
  const attempt = real(Math.max(c.electionDelayMs, 1.5 * c.electionDelayMs + c.roundTimeoutMs / 4) + c.roundTimeoutMs)
  const attempts = ELECTION_ATTEMPTS * Math.max(1, 4 * (netMs + diskMs) / c.roundTimeoutMs)
  const winningRound = 6 * (netMs + diskMs) + (o.driver === 'runner' ? real(LAZY_SAVE_DELAY_MS) : 0)
  // 1 and 2 both start at the heal, and run side by side.
  return Math.max(quarantine, staleGrant) + catchUp + attempts * attempt + winningRound
}
