/**
 * Every error Quorum throws or reports, in one place. Each has a stable
 * `code` (compare it, not the message, which may change) and a `name` equal
 * to its class name. All extend {@link QuorumError}.
 */
import type { NodeId } from './paxos/proposal.js'

/** The base of Quorum's errors: `code` is stable, the message is for people. */
export abstract class QuorumError extends Error {
  abstract readonly code: string
}

/** Invalid configuration; `field` names the option at fault. */
export class ConfigError extends QuorumError {
  static readonly code = 'ERR_CONFIG'
  readonly code = ConfigError.code
  override readonly name = 'ConfigError'
  readonly field: string
  constructor (field: string, message: string, options?: ErrorOptions) {
    super(`invalid option "${field}": ${message}`, options)
    this.field = field
  }
}

/** Options of a {@link StorageError}: its cause, and which kind of failure it is. */
export interface StorageErrorOptions extends ErrorOptions {
  /** @default 'damaged' */
  readonly reason?: StorageError['reason']
}

/**
 * The data directory, or the state in it, cannot be used; `file` names the
 * path and the message says what is wrong. `reason` tells the two kinds apart.
 */
export class StorageError extends QuorumError {
  static readonly code = 'ERR_STORAGE'
  readonly code = StorageError.code
  override readonly name = 'StorageError'
  readonly file: string
  /**
   * 'damaged': state on disk that cannot be trusted (lost or altered), left as
   * it is for the operator. 'unusable': the directory or a file in it cannot
   * be created, read or written (a file in the way, a read-only file system,
   * permission denied…); `cause` is the system's error.
   */
  readonly reason: 'damaged' | 'unusable'
  constructor (file: string, problem: string, options?: StorageErrorOptions) {
    const reason = options?.reason ?? 'damaged'
    super(reason === 'damaged'
      ? `${file}: ${problem}; refusing to start with lost or damaged state (the file is left as it is)`
      : `${file}: ${problem}; the data directory cannot be used`, options)
    this.file = file
    this.reason = reason
  }
}

/** A key file that cannot be used; `file` names it. */
export class IdentityError extends QuorumError {
  static readonly code = 'ERR_IDENTITY'
  readonly code = IdentityError.code
  override readonly name = 'IdentityError'
  readonly file: string
  constructor (file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, options)
    this.file = file
  }
}

/** Who holds a data directory's lock. */
export interface LockHolder {
  readonly host: string
  readonly pid: number
  /** The process's start time in clock ticks since boot (Linux), else ''. */
  readonly start: string
  /** The machine's boot ID (Linux), else ''. */
  readonly boot: string
  /** When the lock was taken (ISO 8601), for the operator. */
  readonly since: string
}

/** The data directory is in use by another node, or its LOCK cannot be read; `file` names the LOCK. */
export class DataDirInUseError extends QuorumError {
  static readonly code = 'ERR_DATA_DIR_IN_USE'
  readonly code = DataDirInUseError.code
  override readonly name = 'DataDirInUseError'
  readonly file: string
  /** The holder the LOCK names, or null if it cannot be read. */
  readonly holder: LockHolder | null
  constructor (file: string, holder: LockHolder | null, problem: string) {
    super(`${file}: ${problem}; two nodes must never share a data directory (they would vote twice under one identity)`)
    this.file = file
    this.holder = holder
  }
}

/**
 * A protocol invariant does not hold: `invariant` names it, `detail` says how
 * it broke. The node stops; it never carries on with broken safety.
 */
export class SafetyViolationError extends QuorumError {
  static readonly code = 'ERR_SAFETY_VIOLATION'
  readonly code = SafetyViolationError.code
  override readonly name = 'SafetyViolationError'
  readonly invariant: string
  readonly detail: string
  constructor (invariant: string, detail: string, options?: ErrorOptions) {
    super(`safety violation (${invariant}): ${detail}`, options)
    this.invariant = invariant
    this.detail = detail
  }
}

/** Saving the node's state failed, so the node stopped; `cause` is the storage's error. */
export class StorageFailedError extends QuorumError {
  static readonly code = 'ERR_STORAGE_FAILED'
  readonly code = StorageFailedError.code
  override readonly name = 'StorageFailedError'
  constructor (cause: unknown) {
    super(`storage failed, node stopped: ${messageOf(cause)}`, { cause })
  }
}

/**
 * This node's `field` differs from the cluster's agreed configuration. For
 * `clusterSize` the node follows the cluster (`adopted`, reported as a
 * warning); for `leaseMs`, `heartbeatMs` and `maxDriftRatio` it votes and
 * leads nothing until restarted with the cluster's value.
 */
export class SettingMismatchError extends QuorumError {
  static readonly code = 'ERR_SETTING_MISMATCH'
  readonly code = SettingMismatchError.code
  override readonly name = 'SettingMismatchError'
  readonly field: string
  readonly local: number
  readonly cluster: number
  readonly adopted: boolean
  constructor (field: string, local: number, cluster: number, adopted: boolean) {
    super(adopted
      ? `${field} is ${local} here but ${cluster} in the cluster's configuration; following the cluster's`
      : `${field} is ${local} here but ${cluster} in the cluster's configuration; this node votes and leads nothing until it is restarted with ${field} ${cluster}`)
    this.field = field
    this.local = local
    this.cluster = cluster
    this.adopted = adopted
  }
}

/**
 * A peer speaks for another cluster under the same name: its history began
 * with a different first election (`clusterId`), for example a node started
 * on a data directory of another cluster. Its messages are ignored.
 */
export class ClusterMismatchError extends QuorumError {
  static readonly code = 'ERR_CLUSTER_MISMATCH'
  readonly code = ClusterMismatchError.code
  override readonly name = 'ClusterMismatchError'
  readonly peer: NodeId
  readonly clusterId: string
  readonly ours: string
  constructor (peer: NodeId, clusterId: string, ours: string) {
    super(`${peer} reports cluster ${clusterId}, but this node belongs to cluster ${ours}; ignoring it (a data directory of another cluster?)`)
    this.peer = peer
    this.clusterId = clusterId
    this.ours = ours
  }
}

/**
 * This node is a voter of the configuration under an ID whose earlier state
 * it does not have (memory storage with a fixed key, or a wiped data
 * directory): it votes nothing until the leader removed it and added it again.
 */
export class ForgottenStateWarning extends QuorumError {
  static readonly code = 'ERR_FORGOTTEN_STATE'
  readonly code = ForgottenStateWarning.code
  override readonly name = 'ForgottenStateWarning'
  readonly version: number
  constructor (version: number) {
    super(`this node's ID is a voter of configuration ${version}, but it started without that voter's state; it votes nothing until the leader has removed it and added it again`)
    this.version = version
  }
}

/** One of the application's own event listeners threw; `cause` is what it threw. The election carries on. */
export class ListenerError extends QuorumError {
  static readonly code = 'ERR_LISTENER'
  readonly code = ListenerError.code
  override readonly name = 'ListenerError'
  /** The event whose listener threw. */
  readonly event: string
  constructor (event: string, cause: unknown) {
    super(`a '${event}' listener threw: ${messageOf(cause)}`, { cause })
    this.event = event
  }
}

/** The transport failed: a message could not be sent, or it was misused; `cause` is the underlying error, if any. */
export class TransportError extends QuorumError {
  static readonly code = 'ERR_TRANSPORT'
  readonly code = TransportError.code
  override readonly name = 'TransportError'
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
  }
}

/** A frame that is not a valid protocol message; the message says why. The transport drops it. */
export class CodecError extends QuorumError {
  static readonly code = 'ERR_CODEC'
  readonly code = CodecError.code
  override readonly name = 'CodecError'
}

/** `waitForLeader` found no leader within `timeoutMs`. */
export class LeaderTimeoutError extends QuorumError {
  static readonly code = 'ERR_LEADER_TIMEOUT'
  readonly code = LeaderTimeoutError.code
  override readonly name = 'LeaderTimeoutError'
  readonly timeoutMs: number
  constructor (timeoutMs: number) {
    super(`no leader within ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/** The election is not running (it stopped, or never started), so it cannot do what was asked. */
export class ElectionStoppedError extends QuorumError {
  static readonly code = 'ERR_ELECTION_STOPPED'
  readonly code = ElectionStoppedError.code
  override readonly name = 'ElectionStoppedError'
}

/**
 * This Node.js is too old for Quorum (libp2p 3 needs Node.js 22): thrown when
 * the package is imported. `found` is the version running, `required` the
 * versions Quorum runs on.
 */
export class UnsupportedRuntimeError extends QuorumError {
  static readonly code = 'ERR_UNSUPPORTED_RUNTIME'
  readonly code = UnsupportedRuntimeError.code
  override readonly name = 'UnsupportedRuntimeError'
  readonly found: string
  readonly required: string
  constructor (found: string, required: string) {
    super(`Quorum needs Node.js ${required}, but this is Node.js ${found}: libp2p 3 uses Promise.withResolvers and other APIs of Node.js 22; upgrade Node.js`)
    this.found = found
    this.required = required
  }
}

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
