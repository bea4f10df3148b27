/**
 * The cluster's configuration: who votes, and the settings that safety
 * depends on. It is consensus state: every epoch's chosen record carries one,
 * and that configuration governs both the lease of the epoch's leader and the
 * Paxos instance of the next epoch (rules 8–12 in docs/protocol.md).
 *
 * Invariants enforced here:
 * - two successive configurations differ by at most one voter, so any majority
 *   of one shares a voter with any majority of the other (`oneChange`);
 * - a configuration has at least one voter, sorted by ID, with no duplicates.
 */
import type { NodeId } from './proposal.js'
import { violated } from '../invariant.js'

/** A voter, with the configuration version that added it (a forgetful node uses it, rule 11). */
export interface Member {
  readonly id: NodeId
  /** The version of the configuration that made this node a voter. */
  readonly since: number
}

/** What an epoch's record carries about the cluster (see the file header). */
export interface Configuration {
  /** Increases by one with every change of voters or target; epoch 1's configuration is version 1. */
  readonly version: number
  /** Names this cluster's history: chosen once, by the proposer of epoch 1. */
  readonly clusterId: string
  /** The voters, sorted by ID. */
  readonly voters: readonly Member[]
  /** The number of voters the leader keeps the configuration at (clusterSize). */
  readonly target: number
  /** The lease every voter grants and every leader counts, in ms. */
  readonly leaseMs: number
  /** The leader's heartbeat interval, in ms. */
  readonly heartbeatMs: number
  /** The bound on clock-rate drift the leases are computed for. */
  readonly maxDriftRatio: number
}

/** The settings every node must share with the cluster's configuration; a mismatch makes a node refuse to vote. */
export const SHARED_SETTINGS = ['leaseMs', 'heartbeatMs', 'maxDriftRatio'] as const

export type SharedSetting = typeof SHARED_SETTINGS[number]

/** Who votes in one Paxos instance, and how many votes decide it. */
export interface Electorate {
  /** Whether a vote from `id` counts. */
  readonly counts: (id: NodeId) => boolean
  /** The votes that decide: a majority. */
  readonly quorum: number
}

/** The electorate of the instance after an epoch whose record carries `config`: a majority of its voters. */
export function electorateOf (config: Configuration): Electorate {
  const ids = new Set(config.voters.map(m => m.id))
  return { counts: id => ids.has(id), quorum: Math.floor(ids.size / 2) + 1 }
}

/**
 * Epoch 1's electorate, before any configuration exists: any `size` distinct
 * nodes, a majority of them deciding (rule 12: safe while at most `size` fresh
 * nodes bootstrap at once).
 */
export function bootstrapElectorate (size: number): Electorate {
  return { counts: () => true, quorum: Math.floor(size / 2) + 1 }
}

export function isVoter (config: Configuration, id: NodeId): boolean {
  return config.voters.some(m => m.id === id)
}

export function memberOf (config: Configuration, id: NodeId): Member | undefined {
  return config.voters.find(m => m.id === id)
}

/** `config` with `id` added as a voter (one change: the next version). */
export function withVoter (config: Configuration, id: NodeId): Configuration {
  if (isVoter(config, id)) return config
  const version = config.version + 1
  const voters = [...config.voters, { id, since: version }].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  return { ...config, version, voters }
}

/** `config` without voter `id` (one change: the next version); never below one voter. */
export function withoutVoter (config: Configuration, id: NodeId): Configuration {
  if (!isVoter(config, id) || config.voters.length <= 1) return config
  return { ...config, version: config.version + 1, voters: config.voters.filter(m => m.id !== id) }
}

/** `config` aiming at `target` voters (the next version). */
export function withTarget (config: Configuration, target: number): Configuration {
  return config.target === target ? config : { ...config, version: config.version + 1, target }
}

/** How many voters are in one configuration and not the other. */
export function votersChanged (a: Configuration, b: Configuration): number {
  const inA = new Set(a.voters.map(m => m.id))
  const inB = new Set(b.voters.map(m => m.id))
  let n = 0
  for (const id of inA) if (!inB.has(id)) n++
  for (const id of inB) if (!inA.has(id)) n++
  return n
}

/**
 * Whether `next` may follow `prev` (the configuration of the epoch before):
 * the same one, or the next version moving at most one voter. Any other
 * successor is refused by every acceptor, which is what keeps successive
 * majorities overlapping (rule 9). A voter kept keeps its `since`, and one
 * added has the new version: `since` decides whether a node that lost its
 * state may vote (rule 11).
 */
export function oneChange (prev: Configuration, next: Configuration): boolean {
  if (next.clusterId !== prev.clusterId) return false
  for (const s of SHARED_SETTINGS) if (next[s] !== prev[s]) return false
  if (next.version === prev.version) return configurationEquals(prev, next)
  return next.version === prev.version + 1 && votersChanged(prev, next) <= 1 && wellFormed(next) &&
    next.voters.every(m => m.since === (memberOf(prev, m.id)?.since ?? next.version))
}

/** At least one voter, sorted by ID, no duplicates, `since` within the version. */
export function wellFormed (c: Configuration): boolean {
  if (c.voters.length === 0 || !Number.isInteger(c.version) || c.version < 1) return false
  for (let i = 0; i < c.voters.length; i++) {
    const m = c.voters[i]!
    if (m.since < 1 || m.since > c.version) return false
    if (i > 0 && !(c.voters[i - 1]!.id < m.id)) return false
  }
  return true
}

/** Asserts that `next` may follow `prev` where a configuration is about to be proposed. */
export function assertOneChange (prev: Configuration, next: Configuration): void {
  if (!oneChange(prev, next)) {
    violated('one-voter-per-change', `configuration ${prev.version} [${prev.voters.map(m => m.id).join(',')}] → ${next.version} [${next.voters.map(m => m.id).join(',')}]`)
  }
}

export function configurationEquals (a: Configuration, b: Configuration): boolean {
  if (a === b) return true
  if (a.version !== b.version || a.clusterId !== b.clusterId || a.target !== b.target ||
    a.leaseMs !== b.leaseMs || a.heartbeatMs !== b.heartbeatMs || a.maxDriftRatio !== b.maxDriftRatio ||
    a.voters.length !== b.voters.length) return false
  for (let i = 0; i < a.voters.length; i++) {
    if (a.voters[i]!.id !== b.voters[i]!.id || a.voters[i]!.since !== b.voters[i]!.since) return false
  }
  return true
}

/** `v1 [a,b,c]`, for logs and error messages. */
export function formatConfiguration (c: Configuration): string {
  return `v${c.version} [${c.voters.map(m => m.id).join(', ')}]`
}
