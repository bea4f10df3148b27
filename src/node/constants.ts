/**
 * The numbers behind the timing options' defaults and floors, with why each
 * is what it is. The floors hold for the election (leaderElection,
 * createElection), which runs on real timers; the core's NodeConfig does not
 * enforce them, so the simulator can run short leases in virtual time, where
 * no timer is ever late.
 */

/**
 * The lease length when none is configured, in ms: a crashed leader is
 * replaced after about this long.
 * @default 2000
 */
export const DEFAULT_LEASE_MS = 2000

/**
 * The shortest lease the election accepts, in ms. On a healthy event loop a
 * timer fires up to LATE_TIMER_MS (10 ms, see runner.ts) late, a GC pause or a
 * busy loop takes tens of ms, and a new vote or grant waits for a disk flush
 * on each voter. Below 100 ms these ordinary delays are a large part of a
 * lease, and healthy leaders would lose theirs.
 * @default 100
 */
export const MIN_LEASE_MS = 100

/**
 * The shortest heartbeat interval the election accepts, in ms. The leader
 * sends every voter a heartbeat each interval and each one answers: below
 * 10 ms that is over 100 frames a second per voter each way, for nothing, and
 * an interval no longer than the lateness at which the runner takes a timer
 * for a stalled event loop (LATE_TIMER_MS, 10 ms).
 * @default 10
 */
export const MIN_HEARTBEAT_MS = 10

/**
 * How many times the heartbeat rate a peer's `maxMessagesPerSecond` must
 * allow: a leader's heartbeats are most of what it sends each peer, and a
 * peer that exceeds the limit is disconnected. Twice leaves room for the rest.
 * @default 2
 */
export const HEARTBEAT_RATE_HEADROOM = 2

/**
 * No ping of createElection's connection monitor waits less than this, in ms,
 * however short the lease: a busy event loop must not cut healthy connections.
 * @default 500
 */
export const MIN_PING_TIMEOUT_MS = 500
