/**
 * Node configuration, its defaults and validation. Invalid configuration
 * throws a ConfigError naming the field, before anything starts.
 */
import type { NodeId } from '../paxos/proposal.js'
import { METADATA_LIMITS } from '../paxos/message.js'
import { ConfigError } from '../errors.js'
import { checkOptionKeys, describe, orDefault } from '../options.js'

import { DEFAULT_LEASE_MS } from './constants.js'

/** Defined in src/errors.ts, paxos/message.ts and ./constants.ts; re-exported here for existing imports. */
export { ConfigError, METADATA_LIMITS, DEFAULT_LEASE_MS }

/**
 * The configuration of one node. Checked strictly: a field that is not one of
 * these is a ConfigError (suggesting the nearest), a value of the wrong type
 * is refused, never coerced.
 */
export interface NodeConfig {
  /** This node's unique ID; ballots and votes are told apart by it. */
  readonly nodeId: NodeId
  /**
   * The number of voters the cluster aims for (the target): the leader keeps
   * the configuration at this size from the nodes present; every other node
   * is an observer. Before the first election, a majority of this many fresh
   * nodes (or of those heard from, if more) elects the first leader.
   */
  readonly clusterSize: number
  /**
   * 'observer' never votes and never leads (a web tier that only wants to know
   * who leads); 'voter' may be made a voter by the leader.
   * @default 'voter'
   */
  readonly role?: NodeRole
  /**
   * true: never found a new cluster, only join an existing one (learn its
   * configuration from any member). Set it on nodes added to a running
   * cluster: it rules out the bootstrap hazard (docs/protocol.md, rule 12).
   * @default false
   */
  readonly join?: boolean
  /** How often this node tells the leader it is there (an observer: its relay), in ms. @default leaseMs */
  readonly presenceMs?: number
  /** The leader removes a voter it has not heard from (able to vote) for this long, in ms. @default 5 × leaseMs */
  readonly memberTimeoutMs?: number
  /** An observer is promoted only after being present and caught up this long, in ms. @default 2 × leaseMs */
  readonly stabilizationMs?: number
  /**
   * Lease length in ms. No floor here (the simulator runs short leases in
   * virtual time); the election enforces MIN_LEASE_MS (see ./constants.ts).
   * @default 2000
   */
  readonly leaseMs?: number
  /** Heartbeat interval in ms, below leaseMs (the election enforces MIN_HEARTBEAT_MS). @default leaseMs / 4 */
  readonly heartbeatMs?: number
  /** Bound on clock-rate drift between nodes, as a ratio in [0, 0.5). @default 0.01 */
  readonly maxDriftRatio?: number
  /** Higher priority waits less before standing for election; at least 0. @default 0 */
  readonly priority?: number
  /** Upper bound of the randomized wait before standing for election, at priority 0, in ms. @default leaseMs / 20 */
  readonly electionDelayMs?: number
  /** How long one proposal round waits for a majority before retrying, in ms. @default leaseMs / 4 */
  readonly roundTimeoutMs?: number
  /** Small string map delivered with this node's leadership (e.g. its HTTP URL). @default {} */
  readonly metadata?: Readonly<Record<string, string>>
}

/** Every field of {@link NodeConfig}: a record, so that a field added to the interface and not here fails to compile. */
const NODE_CONFIG_FIELDS: Record<keyof NodeConfig, true> = {
  nodeId: true,
  clusterSize: true,
  role: true,
  join: true,
  presenceMs: true,
  memberTimeoutMs: true,
  stabilizationMs: true,
  leaseMs: true,
  heartbeatMs: true,
  maxDriftRatio: true,
  priority: true,
  electionDelayMs: true,
  roundTimeoutMs: true,
  metadata: true
}
const NODE_CONFIG_KEYS = Object.keys(NODE_CONFIG_FIELDS)

/** What a node may become (see NodeConfig.role). */
export type NodeRole = 'voter' | 'observer'

/** A configuration with every default filled in. */
export type ResolvedConfig = Required<NodeConfig>

function positive (field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(field, `must be a positive finite number, got ${describe(v)}`)
  return v
}

/** Validates a configuration and fills in defaults; throws ConfigError naming the field. */
export function resolveConfig (c: NodeConfig): ResolvedConfig {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new ConfigError('config', `must be an object, got ${describe(c)}`)
  checkOptionKeys(c, NODE_CONFIG_KEYS, 'NodeConfig')
  if (typeof c.nodeId !== 'string' || c.nodeId.length === 0) throw new ConfigError('nodeId', `must be a non-empty string, got ${describe(c.nodeId)}`)
  if (!Number.isInteger(c.clusterSize) || c.clusterSize < 1) {
    throw new ConfigError('clusterSize', `must be an integer of at least 1, got ${describe(c.clusterSize)}`)
  }
  const leaseMs = positive('leaseMs', orDefault(c.leaseMs, DEFAULT_LEASE_MS))
  const heartbeatMs = positive('heartbeatMs', orDefault(c.heartbeatMs, leaseMs / 4))
  if (heartbeatMs >= leaseMs) throw new ConfigError('heartbeatMs', `must be below leaseMs (${leaseMs}), got ${describe(heartbeatMs)}`)
  const maxDriftRatio = orDefault(c.maxDriftRatio, 0.01)
  if (typeof maxDriftRatio !== 'number' || !(maxDriftRatio >= 0 && maxDriftRatio < 0.5)) {
    throw new ConfigError('maxDriftRatio', `must be a number in [0, 0.5), got ${describe(maxDriftRatio)}`)
  }
  const priority = orDefault(c.priority, 0)
  if (typeof priority !== 'number' || !Number.isFinite(priority) || priority < 0) {
    throw new ConfigError('priority', `must be a finite number of at least 0, got ${describe(priority)}`)
  }
  const electionDelayMs = positive('electionDelayMs', orDefault(c.electionDelayMs, leaseMs / 20))
  const roundTimeoutMs = positive('roundTimeoutMs', orDefault(c.roundTimeoutMs, leaseMs / 4))
  const role = orDefault(c.role, 'voter')
  if (role !== 'voter' && role !== 'observer') throw new ConfigError('role', `must be 'voter' or 'observer', got ${describe(role)}`)
  const join = orDefault(c.join, false)
  if (typeof join !== 'boolean') throw new ConfigError('join', `must be a boolean, got ${describe(join)}`)
  const presenceMs = positive('presenceMs', orDefault(c.presenceMs, leaseMs))
  const memberTimeoutMs = positive('memberTimeoutMs', orDefault(c.memberTimeoutMs, 5 * leaseMs))
  if (memberTimeoutMs < 2 * presenceMs) throw new ConfigError('memberTimeoutMs', `must be at least twice presenceMs (${presenceMs}), got ${describe(memberTimeoutMs)}`)
  const stabilizationMs = positive('stabilizationMs', orDefault(c.stabilizationMs, 2 * leaseMs))
  const metadata = checkMetadata(orDefault(c.metadata, {}))
  return {
    nodeId: c.nodeId,
    clusterSize: c.clusterSize,
    leaseMs,
    heartbeatMs,
    maxDriftRatio,
    priority,
    electionDelayMs,
    roundTimeoutMs,
    role,
    join,
    presenceMs,
    memberTimeoutMs,
    stabilizationMs,
    metadata: Object.freeze({ ...metadata })
  }
}

function checkMetadata (metadata: unknown): Readonly<Record<string, string>> {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw new ConfigError('metadata', `must be an object of strings, got ${describe(metadata)}`)
  const entries = Object.entries(metadata)
  if (entries.length > METADATA_LIMITS.entries) throw new ConfigError('metadata', `has ${entries.length} entries, at most ${METADATA_LIMITS.entries} are allowed`)
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw new ConfigError('metadata', `value of "${k}" must be a string, got ${describe(v)}`)
    if (k.length > METADATA_LIMITS.keyLength) throw new ConfigError('metadata', `key "${k.slice(0, 20)}…" is longer than ${METADATA_LIMITS.keyLength} characters`)
    if (v.length > METADATA_LIMITS.valueLength) throw new ConfigError('metadata', `value of "${k}" is longer than ${METADATA_LIMITS.valueLength} characters`)
    if (k === '__proto__') throw new ConfigError('metadata', 'the key "__proto__" is not allowed')
  }
  return metadata as Readonly<Record<string, string>>
}
