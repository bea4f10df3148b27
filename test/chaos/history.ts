/**
 * The history of a chaos run: one record per line (JSON lines), every time
 * in ms on the host's monotonic clock (`process.hrtime.bigint()` / 1e6), which
 * all processes on one host share. Node processes write their records to
 * stdout (test/chaos/node.ts); the harness adds the faults, the process
 * lifecycle and the registers' writes, and merges everything in time order.
 *
 * Nodes are named by their host, `n1`…`nN` (and the spare hosts after them,
 * idle until a 'roll' or 'scale' starts a node there); `inc` counts a host's
 * incarnations (1 for its first process, +1 at each start). A node keeps its
 * peer ID across restarts on its data directory; a start on a wiped one
 * ('replace', or a spare host put to use) is a new node under a new ID. So a
 * host name may stand for several IDs over a run: `ready` maps each
 * incarnation (node, inc) to its peer ID.
 */

/** Milliseconds on the shared monotonic clock. */
export type Ms = number

export type FaultKind =
  | 'kill' // SIGKILL, then a restart on the same data directory
  | 'pause' // SIGSTOP, then SIGCONT
  | 'isolate' // one node cut off from all others, both ways (iptables)
  | 'split' // a minority and a majority, both ways (iptables)
  | 'one-way' // one node hears nobody, but is heard (iptables INPUT only)
  | 'link-down' // one node's veth down
  | 'loss' // random loss of a share of one node's incoming packets (iptables statistic)
  | 'resign' // the leader resigns (SIGUSR2); instantaneous
  | 'term' // SIGTERM (graceful stop, resigning), then a restart
  | 'replace' // SIGTERM (it leaves the configuration), then a new node under a new identity in its place (a rolling update)
  | 'roll' // a rolling update with surge 1 of 1-2 members: a new node on a spare host, present, then an old member SIGTERMed for good (its host a spare)
  | 'scale' // N -> N+2 -> N: two new nodes on spare hosts, a few leases, then two old members SIGTERMed for good (the leader half the time)

/** One record of the history. Every record has `t`; node records have `node` and `inc`. */
export type HistoryEvent =
  // Written by the harness.
  | { readonly ev: 'run', readonly t: Ms, readonly nodes: readonly string[], readonly leaseMs: number, readonly maxDriftRatio: number, readonly seed: number, readonly durationMs: number }
  | { readonly ev: 'spawn', readonly t: Ms, readonly node: string, readonly inc: number, readonly pid: number }
  | { readonly ev: 'exit', readonly t: Ms, readonly node: string, readonly inc: number, readonly code: number | null, readonly signal: string | null }
  | { readonly ev: 'fault', readonly t: Ms, readonly id: number, readonly kind: FaultKind, readonly nodes: readonly string[], readonly detail?: string }
  /** `note`: what did not go as planned (a roll step given up, a stop that had to be killed). */
  | { readonly ev: 'heal', readonly t: Ms, readonly id: number, readonly note?: string }
  | { readonly ev: 'quiet', readonly t: Ms } // the last fault healed; the run ends after a quiet period
  | { readonly ev: 'write', readonly t: Ms, readonly register: 'fenced' | 'unfenced', readonly node: string, readonly epoch: number, readonly seq: number, readonly accepted: boolean }
  | { readonly ev: 'end', readonly t: Ms }
  // Written by a node process.
  | { readonly ev: 'ready', readonly t: Ms, readonly node: string, readonly inc: number, readonly id: string }
  /** `isLeader`, sampled every millisecond: written when it changes (and once at start). */
  | { readonly ev: 'lead', readonly t: Ms, readonly node: string, readonly inc: number, readonly on: boolean, readonly epoch: number }
  /** The sampler ran late: nothing was sampled between `from` and `t` (a stall); `before` and `after` are isLeader at both ends. */
  | { readonly ev: 'gap', readonly t: Ms, readonly node: string, readonly inc: number, readonly from: Ms, readonly before: boolean, readonly after: boolean }
  /** `election.leader` (the leader this node believes in, null if none): written when it changes. */
  | { readonly ev: 'view', readonly t: Ms, readonly node: string, readonly inc: number, readonly leader: string | null, readonly epoch: number }
  | { readonly ev: 'leaderChosen', readonly t: Ms, readonly node: string, readonly inc: number, readonly epoch: number, readonly leaderId: string }
  | { readonly ev: 'leaderLost', readonly t: Ms, readonly node: string, readonly inc: number, readonly epoch: number, readonly leaderId: string }
  | { readonly ev: 'elected', readonly t: Ms, readonly node: string, readonly inc: number, readonly epoch: number }
  | { readonly ev: 'demoted', readonly t: Ms, readonly node: string, readonly inc: number, readonly epoch: number, readonly reason: string }
  | { readonly ev: 'peer:join' | 'peer:leave', readonly t: Ms, readonly node: string, readonly inc: number, readonly peerId: string }
  | { readonly ev: 'error', readonly t: Ms, readonly node: string, readonly inc: number, readonly message: string, readonly code?: string }
  /** A 'warning' event (not a violation: e.g. a ForgottenStateWarning). */
  | { readonly ev: 'warning', readonly t: Ms, readonly node: string, readonly inc: number, readonly message: string, readonly code?: string }
  /** A 'configuration' event: the configuration this node learned (voters are peer IDs). */
  | { readonly ev: 'configuration', readonly t: Ms, readonly node: string, readonly inc: number, readonly version: number, readonly voters: readonly string[], readonly target: number }
  /** The transport's counters and connected peers, every second while they change (for reading a run, not checked). */
  | { readonly ev: 'stats', readonly t: Ms, readonly node: string, readonly inc: number, readonly wire: Readonly<Record<string, number>>, readonly peers: readonly string[] }

export type EventOf<K extends HistoryEvent['ev']> = Extract<HistoryEvent, { ev: K }>

/** What a checker found wrong. */
export interface Violation {
  readonly checker: string
  readonly t: Ms
  readonly message: string
}

/** A checker: one property of a history (see checkers.ts). */
export type Checker = (history: readonly HistoryEvent[]) => Violation[]

/** Parses a history written as JSON lines. */
export function parseHistory (text: string): HistoryEvent[] {
  return text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as HistoryEvent)
}
