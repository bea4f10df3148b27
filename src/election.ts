/**
 * The public Election: a libp2p service that runs a Quorum node over the
 * libp2p transport and reports leadership to the host application.
 */
import { EventEmitter } from 'node:events'
import { serviceCapabilities, serviceDependencies } from '@libp2p/interface'
import type { ComponentLogger, Libp2pEvents, Logger, PeerDiscoveryEvents, PeerId, PeerStore, Startable, TypedEventTarget } from '@libp2p/interface'
import type { AddressManager, ConnectionManager, Registrar } from '@libp2p/interface-internal'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { resolveConfig, type NodeConfig, type ResolvedConfig } from './node/config.js'
import { HEARTBEAT_RATE_HEADROOM, MIN_HEARTBEAT_MS, MIN_LEASE_MS } from './node/constants.js'
import { ConfigError, ElectionStoppedError, LeaderTimeoutError, type QuorumError } from './errors.js'
import { checkOptionKeys, describe, orDefault } from './options.js'
import type { CreateElectionOptions } from './create.js'
import { NodeRunner } from './node/runner.js'
import type { DemotionReason } from './node/node.js'
import type { Epoch, LeaderRecord, NodeId } from './paxos/proposal.js'
import { MemoryStorage } from './storage/memory.js'
import { FileStorage } from './storage/file.js'
import { DataDirLock } from './storage/lock.js'
import type { Storage } from './storage/storage.js'
import { Dialer } from './transport/dialer.js'
import { DEFAULT_MAX_MESSAGES_PER_SECOND, Libp2pTransport, protocolFor } from './transport/libp2p.js'
import { PeerExchange, peerExchangeProtocolFor } from './transport/peer-exchange.js'

/** The leader of an epoch, as the host application sees it. */
export interface LeaderInfo {
  /** The epoch this leader was chosen for: its fencing token. */
  readonly epoch: Epoch
  /** The leader's peer ID. */
  readonly leaderId: NodeId
  /** The metadata the leader configured (e.g. its HTTP URL). */
  readonly metadata: Readonly<Record<string, string>>
  /** True when the leader is this node. */
  readonly isSelf: boolean
}

export interface ElectionEvents {
  /**
   * A leader was chosen for a new epoch; and again, for the same epoch, when a
   * leader this node reported lost (`leaderLost`) is heard from after all.
   */
  leaderChosen: [leader: LeaderInfo]
  /** This node became leader: it holds a majority lease for `epoch`. */
  elected: [info: { readonly epoch: Epoch }]
  /** This node stopped being leader. */
  demoted: [info: { readonly epoch: Epoch, readonly reason: DemotionReason }]
  /** The known leader's lease expired here without renewal, or it resigned. */
  leaderLost: [info: { readonly epoch: Epoch, readonly leaderId: NodeId }]
  /**
   * The members changed: the configuration (its voters or target), or who is
   * connected. Carries what `members` returns now.
   */
  membersChanged: [members: readonly MemberInfo[]]
  /** The cluster agreed on a new configuration (version, voters, target). */
  configuration: [config: ClusterConfiguration]
  /** A peer of this cluster connected. */
  'peer:join': [info: { readonly peerId: NodeId }]
  /** A peer of this cluster disconnected. */
  'peer:leave': [info: { readonly peerId: NodeId }]
  /**
   * Something went wrong that the application should know: a typed error with a
   * stable `code` (see src/errors.ts). After a StorageFailedError the election has stopped.
   * A SettingMismatchError (refused) means this node votes and leads nothing;
   * a ClusterMismatchError, that a peer of another cluster is ignored.
   */
  error: [err: QuorumError]
  /**
   * Something the operator should know that does not stop the node: a
   * SettingMismatchError whose setting the node adopted from the cluster
   * (clusterSize), or a ForgottenStateWarning (this voter's ID lost its state
   * and waits to be removed and added again).
   */
  warning: [err: QuorumError]
}

/** One member of the cluster, as this node sees it. */
export interface MemberInfo {
  /** Its peer ID. */
  readonly id: NodeId
  /** 'voter' if the agreed configuration lists it; every other node is an observer. */
  readonly role: 'voter' | 'observer'
  /** True for this node. */
  readonly isSelf: boolean
  /** True when it leads now, as far as this node knows. */
  readonly isLeader: boolean
  /** This node itself, or connected to it now. */
  readonly connected: boolean
  /** On the leader: ms since this member last told it it is there (null elsewhere, or never heard). */
  readonly lastHeardMs: number | null
  /** The member's `metadata` option: the leader's and this node's everywhere; on the leader, every member's (from its presence); `{}` when not known here. */
  readonly metadata: Readonly<Record<string, string>>
}

/** The configuration the cluster agreed on (see docs/protocol.md, rules 8–12). */
export interface ClusterConfiguration {
  /** Increases by one with every change. */
  readonly version: number
  /** Names this cluster's history (chosen at its first election). */
  readonly clusterId: string
  /** The voters' peer IDs, sorted. */
  readonly voters: readonly NodeId[]
  /** The number of voters the leader aims for (its clusterSize). */
  readonly target: number
  readonly leaseMs: number
  readonly heartbeatMs: number
  readonly maxDriftRatio: number
}

/**
 * Options of {@link leaderElection} (and of {@link createElection}). They are
 * checked strictly: a name that is not an option is a ConfigError (suggesting
 * the nearest one), and a value of the wrong type is refused, never coerced.
 */
export interface ElectionOptions {
  /**
   * Nodes elect only with nodes of the same cluster name: 1–64 letters,
   * digits, `.`, `_`, `-`, starting with a letter or digit.
   * @default 'default'
   */
  readonly clusterName?: string
  /**
   * The number of voters the cluster aims for (required): an integer of at
   * least 1. The leader keeps the configuration at this many voters from the
   * nodes present; every other node is an observer. A majority of the voters
   * must be up to elect.
   */
  readonly clusterSize: number
  /** 'observer': this node learns the leader and gets every event, but never votes or leads. @default 'voter' */
  readonly role?: 'voter' | 'observer'
  /**
   * true: never found a new cluster, only join one that exists. Set it on
   * nodes added to a running cluster; it rules out the bootstrap hazard
   * (two groups of fresh nodes founding two clusters). @default false
   */
  readonly join?: boolean
  /** The leader removes a voter it has not heard from for this long, in ms. @default 5 × leaseMs */
  readonly memberTimeoutMs?: number
  /** An observer is made a voter only after being present and caught up this long, in ms. @default 2 × leaseMs */
  readonly stabilizationMs?: number
  /**
   * Small string map delivered with this node's leadership, e.g.
   * `{ url: 'http://10.0.0.5:8080' }`: at most 32 entries, keys of at most 64
   * characters, values (strings) of at most 1024.
   * @default {}
   */
  readonly metadata?: Readonly<Record<string, string>>
  /**
   * Lease length in ms: a crashed leader is replaced after about this long.
   * At least 100 (MIN_LEASE_MS): below that, ordinary event-loop delays
   * (timers up to 10 ms late, GC pauses, a disk flush per new vote) take a
   * large part of a lease and healthy leaders lose it. Every node of a cluster
   * must have the same.
   * @default 2000
   */
  readonly leaseMs?: number
  /**
   * Heartbeat interval in ms, below leaseMs. At least 10 (MIN_HEARTBEAT_MS):
   * below that the leader floods the voters; and at most half of
   * `maxMessagesPerSecond` heartbeats a second, or peers would disconnect the
   * leader. Every node of a cluster must have the same.
   * @default leaseMs / 4
   */
  readonly heartbeatMs?: number
  /**
   * Bound on clock-rate drift between nodes, as a ratio in [0, 0.5). Every
   * node of a cluster must have the same.
   * @default 0.01
   */
  readonly maxDriftRatio?: number
  /** Higher priority stands for election sooner: a finite number of at least 0. @default 0 */
  readonly priority?: number
  /**
   * Multiaddr strings to keep dialing, for networks without multicast (with
   * or without /p2p/<peer ID>).
   * @default []
   */
  readonly bootstrap?: readonly string[]
  /**
   * The peer IDs of all voters (exactly `clusterSize` of them, this node's own
   * among them). A peer outside the list can neither connect (createElection
   * installs a connection gater) nor have a message heard.
   * @default undefined (any peer of the cluster may become a voter)
   */
  readonly voters?: readonly string[]
  /** Largest protocol frame in bytes, an integer from 1024 to 4194304. @default 65536 */
  readonly maxFrameBytes?: number
  /**
   * Messages per second one peer may send (bursts of twice that) before it is
   * disconnected: at least 10, and at least twice the heartbeats a second
   * (1000 / heartbeatMs), or peers would disconnect the leader.
   * @default 500
   */
  readonly maxMessagesPerSecond?: number
  /**
   * Directory for durable state (created if missing, with its parents). With
   * it, acceptor state survives crashes and a fresh node needs no quarantine;
   * without it, state is kept in memory (docs/safety.md says what that costs).
   * A running node holds `dataDir/LOCK`: a second node on the same directory
   * fails to start with a DataDirInUseError. A directory that cannot be used
   * (the path is a file, a read-only file system, permission denied, a full
   * disk) fails the start with a StorageError naming the path and the cause.
   * @default undefined (state in memory)
   */
  readonly dataDir?: string
  /**
   * Where acceptor state is kept (an object with `load`, `save` and
   * `durable`); overrides `dataDir`.
   * @default a FileStorage in `dataDir`, else a MemoryStorage
   */
  readonly storage?: Storage
}

export interface ElectionComponents {
  readonly peerId: PeerId
  readonly registrar: Registrar
  readonly connectionManager: ConnectionManager
  readonly events: TypedEventTarget<Libp2pEvents>
  readonly logger: ComponentLogger
  readonly peerStore: PeerStore
  readonly addressManager: AddressManager
}

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Every option of {@link ElectionOptions}: a record, so that an option added to the interface and not here fails to compile. */
const ELECTION_OPTIONS: Record<keyof ElectionOptions, true> = {
  clusterName: true,
  clusterSize: true,
  role: true,
  join: true,
  memberTimeoutMs: true,
  stabilizationMs: true,
  metadata: true,
  leaseMs: true,
  heartbeatMs: true,
  maxDriftRatio: true,
  priority: true,
  bootstrap: true,
  voters: true,
  maxFrameBytes: true,
  maxMessagesPerSecond: true,
  dataDir: true,
  storage: true
}

/** The names of every option of {@link leaderElection}. */
export const ELECTION_OPTION_KEYS: readonly string[] = Object.keys(ELECTION_OPTIONS)

/**
 * The options only createElection has, being about the libp2p node it makes,
 * with what an application that makes its own node (leaderElection) does instead.
 */
export const OWN_NODE_OPTIONS: Readonly<Record<Exclude<keyof CreateElectionOptions, keyof ElectionOptions>, string>> = {
  listen: 'your libp2p node listens where you tell it: createLibp2p({ addresses: { listen: [...] } })',
  mdns: 'give your libp2p node mDNS discovery: createLibp2p({ peerDiscovery: [mdns({ serviceTag: mdnsServiceTag(clusterName) })] }), with mdns from @libp2p/mdns and mdnsServiceTag from quorum-election',
  mdnsIntervalMs: 'set the query interval of your node\'s mDNS: mdns({ serviceTag: mdnsServiceTag(clusterName), interval })',
  logger: 'give the logger to your libp2p node: createLibp2p({ logger })',
  swarmKey: 'protect your libp2p node with the cluster key: createLibp2p({ connectionProtector: preSharedKey({ psk: parseSwarmKey(key) }) }), with preSharedKey from @libp2p/pnet and parseSwarmKey (or resolveSwarmKey) from quorum-election',
  swarmKeyFile: 'protect your libp2p node with the cluster key: createLibp2p({ connectionProtector: preSharedKey({ psk: await readSwarmKeyFile(path) }) }), with preSharedKey from @libp2p/pnet and readSwarmKeyFile from quorum-election',
  privateKey: 'give the key to your libp2p node, whose peer ID it makes: createLibp2p({ privateKey })'
}

/** The options of `options` that are the election's (not those of createElection's own libp2p node). */
export function electionOptionsOf (options: ElectionOptions): ElectionOptions {
  return Object.fromEntries(Object.entries(options).filter(([k]) => Object.hasOwn(ELECTION_OPTIONS, k))) as unknown as ElectionOptions
}

/** Validates election options; throws a ConfigError naming the first bad field. */
export function validateElectionOptions (options: ElectionOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new ConfigError('options', `must be an object, got ${describe(options)}`)
  checkOptionKeys(options, ELECTION_OPTION_KEYS, 'leaderElection', OWN_NODE_OPTIONS)
  // The node's own settings first: the checks below read clusterSize.
  checkTiming(resolveConfig(nodeConfig('validation', options)), options)
  const name = orDefault(options.clusterName, 'default')
  if (typeof name !== 'string' || !CLUSTER_NAME.test(name)) {
    throw new ConfigError('clusterName', `must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit; got ${describe(name)}`)
  }
  if (options.bootstrap !== undefined) checkMultiaddrs('bootstrap', options.bootstrap, false)
  if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir.length === 0)) {
    throw new ConfigError('dataDir', `must be a non-empty path, got ${describe(options.dataDir)}`)
  }
  if (options.storage !== undefined && !isStorage(options.storage)) {
    throw new ConfigError('storage', `must be a Storage (an object with load and save methods and a durable flag, such as a FileStorage), got ${describe(options.storage)}`)
  }
  const rate = options.maxMessagesPerSecond
  if (rate !== undefined && !(typeof rate === 'number' && Number.isFinite(rate) && rate >= 10)) {
    throw new ConfigError('maxMessagesPerSecond', `must be a number of at least 10, got ${describe(rate)}`)
  }
  if (options.voters !== undefined) checkVoters(options.voters, options.clusterSize)
  const frame = options.maxFrameBytes
  if (frame !== undefined && (!Number.isInteger(frame) || frame < 1024 || frame > 4 * 1024 * 1024)) {
    throw new ConfigError('maxFrameBytes', `must be an integer from 1024 to 4194304, got ${describe(frame)}`)
  }
}

/** The floors of the timing options on real timers (see node/constants.ts for why). */
function checkTiming (c: ResolvedConfig, options: ElectionOptions): void {
  if (c.leaseMs < MIN_LEASE_MS) {
    throw new ConfigError('leaseMs', `must be at least ${MIN_LEASE_MS} ms, got ${describe(c.leaseMs)}: below that, ordinary event-loop delays (timers up to 10 ms late, GC pauses of tens of ms, a disk flush per new vote) take a large part of the lease and healthy leaders lose it`)
  }
  if (c.heartbeatMs < MIN_HEARTBEAT_MS) {
    throw new ConfigError('heartbeatMs', `must be at least ${MIN_HEARTBEAT_MS} ms, got ${describe(c.heartbeatMs)}: below that the leader floods every voter with heartbeats, at intervals no longer than the delay at which a timer counts as a stalled event loop`)
  }
  const rate = options.maxMessagesPerSecond ?? DEFAULT_MAX_MESSAGES_PER_SECOND
  const beats = 1000 / c.heartbeatMs
  if (typeof rate === 'number' && HEARTBEAT_RATE_HEADROOM * beats > rate) {
    throw new ConfigError('heartbeatMs', `${c.heartbeatMs} ms makes the leader send each peer ${Math.ceil(beats)} heartbeats a second, more than half of maxMessagesPerSecond (${rate}) allows: peers would disconnect it; lengthen heartbeatMs or raise maxMessagesPerSecond`)
  }
}

/** Checks a list of multiaddr strings (`field` names the option); `nonEmpty`: at least one. */
export function checkMultiaddrs (field: string, list: unknown, nonEmpty: boolean): void {
  if (!Array.isArray(list) || (nonEmpty && list.length === 0)) {
    throw new ConfigError(field, `must be ${nonEmpty ? 'a non-empty' : 'an'} array of multiaddr strings, got ${describe(list)}`)
  }
  for (const a of list) {
    if (typeof a !== 'string') throw new ConfigError(field, `must hold multiaddr strings, but holds ${describe(a)}`)
    try { multiaddr(a) } catch (err) { throw new ConfigError(field, `${JSON.stringify(a)} is not a multiaddr: ${(err as Error).message}`) }
  }
}

function checkVoters (voters: unknown, clusterSize: number): void {
  if (!Array.isArray(voters)) throw new ConfigError('voters', `must be an array of peer ID strings, got ${describe(voters)}`)
  for (const v of voters) {
    if (typeof v !== 'string') throw new ConfigError('voters', `must hold peer ID strings, but holds ${describe(v)}`)
    try { peerIdFromString(v) } catch { throw new ConfigError('voters', `${JSON.stringify(v)} is not a peer ID`) }
  }
  if (new Set(voters).size !== voters.length) throw new ConfigError('voters', 'lists a peer ID twice')
  if (voters.length !== clusterSize) throw new ConfigError('voters', `lists ${voters.length} peer IDs but clusterSize is ${clusterSize}`)
}

const isStorage = (s: unknown): boolean => s !== null && typeof s === 'object' &&
  typeof (s as Storage).load === 'function' && typeof (s as Storage).save === 'function' && typeof (s as Storage).durable === 'boolean'

function nodeConfig (nodeId: string, o: ElectionOptions): NodeConfig {
  const c: { -readonly [K in keyof NodeConfig]: NodeConfig[K] } = { nodeId, clusterSize: o.clusterSize }
  if (o.leaseMs !== undefined) c.leaseMs = o.leaseMs
  if (o.heartbeatMs !== undefined) c.heartbeatMs = o.heartbeatMs
  if (o.maxDriftRatio !== undefined) c.maxDriftRatio = o.maxDriftRatio
  if (o.priority !== undefined) c.priority = o.priority
  if (o.metadata !== undefined) c.metadata = o.metadata
  if (o.role !== undefined) c.role = o.role
  if (o.join !== undefined) c.join = o.join
  if (o.memberTimeoutMs !== undefined) c.memberTimeoutMs = o.memberTimeoutMs
  if (o.stabilizationMs !== undefined) c.stabilizationMs = o.stabilizationMs
  return c
}

/** Options of {@link Election.waitForLeader}. */
export interface WaitForLeaderOptions {
  /** Gives up when it aborts, rejecting with its reason. */
  readonly signal?: AbortSignal
  /**
   * Gives up after this many ms with a LeaderTimeoutError: from 0 to
   * 2147483647, or Infinity for no timeout.
   * @default Infinity
   */
  readonly timeoutMs?: number
}

/** The longest a Node.js timer can wait, in ms; a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

function checkWaitOptions (opts: WaitForLeaderOptions): void {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new ConfigError('options', `must be an object, got ${describe(opts)}`)
  checkOptionKeys(opts, ['signal', 'timeoutMs'], 'waitForLeader')
  const t = opts.timeoutMs
  if (t !== undefined && t !== Infinity && !(typeof t === 'number' && t >= 0 && t <= MAX_TIMER_MS)) {
    throw new ConfigError('timeoutMs', `must be a number of ms from 0 to ${MAX_TIMER_MS}, or Infinity for no timeout, got ${describe(t)}`)
  }
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new ConfigError('signal', `must be an AbortSignal, got ${describe(opts.signal)}`)
}

/** @internal What createElection, hosting an election in a libp2p node of its own, gives it. */
export interface ElectionHost {
  /** Stops that libp2p node (and with it, through its service, the election): election.stop() calls it. */
  stop: () => Promise<void>
}

/** What hostedElection does with an election beyond its API (set in the class's static block). */
interface Internals {
  setOwner: (owner: ElectionHost) => void
  leave: () => Promise<void>
  shutdown: () => Promise<void>
  watchDiscovery: (source: TypedEventTarget<PeerDiscoveryEvents>) => void
}
/** Assigned once, in Election's static block. */
let internals: (e: Election) => Internals

/**
 * A running leader election. It is an EventEmitter with typed events
 * ({@link ElectionEvents}); it is also the libp2p service returned by
 * {@link leaderElection}.
 */
export class Election extends EventEmitter<ElectionEvents> implements Startable {
  readonly [Symbol.toStringTag] = 'quorum:election'
  readonly [serviceCapabilities]: string[] = ['@quorum/leader-election']
  readonly [serviceDependencies]: string[] = ['@libp2p/identify']

  /** The protocol ID nodes of this cluster speak. */
  readonly protocol: string
  readonly #components: ElectionComponents
  readonly #options: ElectionOptions
  readonly #log: Logger
  readonly #transport: Libp2pTransport
  readonly #runner: NodeRunner
  readonly #dialer: Dialer
  readonly #exchange: PeerExchange
  readonly #members = new Set<string>()
  /** Members connected now: 'peer:join' and 'peer:leave' alternate per peer. */
  readonly #connected = new Set<string>()
  #topologyId: string | null = null
  #started = false
  /** A start completed: from then on, once stopped, the election stays stopped (see start). */
  #ran = false
  /** The stop under way or done: every stop() call resolves with it. */
  #stopping: Promise<void> | null = null
  /** createElection's libp2p node, which election.stop() stops (see hostedElection). */
  #owner: ElectionHost | null = null
  #lock: DataDirLock | null = null
  readonly #metadata: Readonly<Record<string, string>>
  /** A stop under way has asked to leave the configuration. */
  #left = false

  constructor (components: ElectionComponents, options: ElectionOptions) {
    super()
    validateElectionOptions(options)
    this.#components = components
    this.#options = options
    this.#metadata = Object.freeze({ ...(options.metadata ?? {}) })
    this.#log = components.logger.forComponent('quorum:election')
    this.protocol = protocolFor(options.clusterName ?? 'default')
    const transportOpts = {
      protocol: this.protocol,
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      ...(options.maxMessagesPerSecond === undefined ? {} : { maxMessagesPerSecond: options.maxMessagesPerSecond })
    }
    const voters = options.voters === undefined ? undefined : new Set(options.voters)
    if (voters !== undefined && !voters.has(components.peerId.toString())) {
      throw new ConfigError('voters', `does not list this node's own peer ID ${components.peerId.toString()}`)
    }
    this.#transport = new Libp2pTransport(components, voters === undefined ? transportOpts : { ...transportOpts, allow: peer => voters.has(peer) })
    const { nodeId: _unused, ...config } = nodeConfig(components.peerId.toString(), options)
    const storage = options.storage ?? (options.dataDir !== undefined ? new FileStorage(options.dataDir) : new MemoryStorage())
    this.#runner = new NodeRunner({ config, storage, transport: this.#transport })
    this.#dialer = new Dialer(components, { bootstrap: options.bootstrap ?? [], isMember: p => this.#members.has(p.toString()) })
    const allow = voters === undefined ? {} : { allow: (peer: string) => voters.has(peer) }
    this.#exchange = new PeerExchange(components, { memberProtocol: this.protocol, protocol: peerExchangeProtocolFor(options.clusterName ?? 'default'), dialer: this.#dialer, stats: this.#transport.stats, peersWanted: options.clusterSize - 1, ...allow })
    this.#wireRunner()
  }

  // ---- state ------------------------------------------------------------------

  /** This node's ID (its libp2p peer ID). */
  get nodeId (): NodeId { return this.#components.peerId.toString() }

  /** The leader this node believes in now, or null (none known, or its lease expired here). */
  get leader (): LeaderInfo | null {
    const r = this.#runner.leader
    return r === null ? null : this.#info(r)
  }

  /** True while this node holds a live majority lease; computed from the lease when read. */
  get isLeader (): boolean { return this.#runner.isLeader }

  /** The newest epoch known to be chosen: the current leader's fencing token (0 before any). */
  get epoch (): Epoch { return this.#runner.epoch }

  /** The addresses this node can be dialed on, with its peer ID: what others put in `bootstrap`. */
  get multiaddrs (): string[] {
    return this.#components.addressManager.getAddresses().map(a => a.toString())
  }

  /** Peer IDs of connected nodes of this cluster. */
  get peers (): NodeId[] { return this.#transport.peers() }

  /** The configuration the cluster agreed on, or null before the first election. */
  get configuration (): ClusterConfiguration | null {
    const c = this.#runner.node?.configuration ?? null
    if (c === null) return null
    return {
      version: c.version,
      clusterId: c.clusterId,
      voters: c.voters.map(m => m.id),
      target: c.target,
      leaseMs: c.leaseMs,
      heartbeatMs: c.heartbeatMs,
      maxDriftRatio: c.maxDriftRatio
    }
  }

  /** The voters of the configuration, the connected observers and this node, sorted by ID. */
  get members (): MemberInfo[] {
    const node = this.#runner.node
    const voters = new Set(node?.configuration?.voters.map(m => m.id) ?? [])
    const seen = node?.presence ?? new Map()
    const leader = this.leader
    const now = this.#runner.now()
    const ids = new Set([this.nodeId, ...voters, ...this.#connected, ...seen.keys()])
    return [...ids].sort().map(id => {
      const heard = seen.get(id)
      return {
        id,
        role: voters.has(id) ? 'voter' : 'observer',
        isSelf: id === this.nodeId,
        isLeader: leader?.leaderId === id,
        connected: id === this.nodeId || this.#connected.has(id),
        lastHeardMs: heard === undefined ? null : Math.max(0, now - heard.lastAt),
        // The leader's from its record, this node's own, and on the leader every member's from its presence.
        metadata: leader !== null && leader.leaderId === id ? leader.metadata : id === this.nodeId ? this.#metadata : heard?.presence.metadata ?? {}
      }
    })
  }

  /** Frame and byte counters of the wire, for monitoring. */
  get wireStats (): Readonly<Libp2pTransport['stats']> { return this.#transport.stats }

  /** Subscribes to `leaderChosen`; returns the function that unsubscribes. */
  onLeaderChosen (listener: (leader: LeaderInfo) => void): () => void {
    this.on('leaderChosen', listener)
    return () => { this.off('leaderChosen', listener) }
  }

  /**
   * Resolves with the current leader as soon as one is known (at once if one
   * is). Rejects with the signal's reason when `signal` aborts, with a
   * LeaderTimeoutError after `timeoutMs`, and with an ElectionStoppedError if
   * the election stops (or is not running) before a leader is known.
   * `timeoutMs` is a number of ms from 0 to 2147483647 (what a timer can
   * wait), or Infinity, or not given: then it waits without a timeout. Any
   * other value rejects with a ConfigError naming `timeoutMs`.
   */
  async waitForLeader (opts: WaitForLeaderOptions = {}): Promise<LeaderInfo> {
    checkWaitOptions(opts)
    const now = this.leader
    if (now !== null) return now
    opts.signal?.throwIfAborted()
    return await new Promise<LeaderInfo>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null
      let poll: NodeJS.Timeout | null = null
      const cleanup = (): void => {
        if (timer !== null) clearTimeout(timer)
        if (poll !== null) clearInterval(poll)
        this.off('leaderChosen', check)
        this.off('elected', check)
        opts.signal?.removeEventListener('abort', onAbort)
      }
      const check = (): void => {
        const l = this.leader
        if (l !== null) { cleanup(); resolve(l); return }
        if (!this.#started) { cleanup(); reject(new ElectionStoppedError('the election stopped before a leader was known')) }
      }
      const onAbort = (): void => { cleanup(); reject(opts.signal!.reason) }
      this.on('leaderChosen', check)
      this.on('elected', check)
      // A leader can become known without a new epoch (a heartbeat after a lapse).
      poll = setInterval(check, 50)
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      const timeoutMs = opts.timeoutMs
      if (timeoutMs !== undefined && timeoutMs !== Infinity) {
        timer = setTimeout(() => { cleanup(); reject(new LeaderTimeoutError(timeoutMs)) }, timeoutMs)
      }
    })
  }

  /** Steps down if this node leads; the others elect a successor at once. Resolves true if it led. */
  async resign (): Promise<boolean> {
    return await this.#runner.resign()
  }

  /**
   * Leaves the election: a leader resigns first so a successor takes over at
   * once. When this election owns its libp2p node ({@link createElection}),
   * that node stops too. Every call, also one made while a stop is under way,
   * resolves once all of it is done. A stopped election cannot be started
   * again: create a new one.
   */
  async stop (): Promise<void> {
    this.#stopping ??= this.#stopOnce()
    await this.#stopping
  }

  async #stopOnce (): Promise<void> {
    // Resign while every connection is still up, before libp2p starts closing them,
    // and stay (briefly) until a successor is chosen: tearing libp2p down at once
    // would compete with the handover for the network and the CPU.
    await this.#leave()
    // Stopping its own node, libp2p shuts this election down through the service (see hostedElection).
    if (this.#owner !== null) await this.#owner.stop()
    else await this.#shutdown()
  }

  async [Symbol.asyncDispose] (): Promise<void> {
    await this.stop()
  }

  // ---- libp2p lifecycle -------------------------------------------------------

  /**
   * libp2p calls this when its node starts. An election that ran and was
   * stopped is refused with an ElectionStoppedError, also when its libp2p
   * node is started again after a stop: create a new election (for
   * leaderElection, a new libp2p node with a new service). A start that
   * failed leaves the election as new: it may be tried again.
   */
  async start (): Promise<void> {
    if (this.#ran && !this.#started) {
      throw new ElectionStoppedError('this election was stopped and cannot be started again; create a new one (for leaderElection, a new libp2p node with a new election service)')
    }
    if (this.#started) return
    this.#stopping = null
    // One node per data directory (see storage/lock.ts), held before any of it is read.
    const lock = this.#options.dataDir === undefined ? null : await DataDirLock.acquire(this.#options.dataDir)
    try {
      this.#started = true
      this.#left = false
      this.#topologyId = await this.#components.registrar.register(this.protocol, {
        onConnect: peer => {
          const id = peer.toString()
          this.#dialer.dedupe(peer)
          this.#transport.addPeer(peer)
          // Members stay members (the dialer redials them); joins and leaves follow connections.
          this.#members.add(id)
          if (!this.#connected.has(id)) {
            this.#connected.add(id)
            this.#log('peer %s joined', id)
            this.emit('peer:join', { peerId: id })
            this.emit('membersChanged', this.members)
          }
        },
        onDisconnect: peer => { this.#peerGone(peer) }
      })
      // The topology's onDisconnect depends on the peer store still listing the protocol for
      // the peer when its last connection closes; libp2p's own event does not.
      this.#components.events.addEventListener('peer:disconnect', this.#onPeerDisconnect)
      await this.#runner.start()
      await this.#exchange.start()
    } catch (err) {
      lock?.release()
      throw err
    }
    this.#lock = lock
    this.#dialer.start()
    this.#ran = true
    this.#log('started in cluster %s as %s', this.protocol, this.nodeId)
  }

  /** libp2p calls this before closing connections: the moment for a leader to resign. */
  async beforeStop (): Promise<void> {
    await this.#leave()
  }

  /**
   * Before stopping, while every connection is up: a leader resigns and waits
   * (briefly) for its successor, then a voter asks the leader to take it out
   * of the configuration, and waits up to stabilizationMs + 2 leases for that:
   * the leader first promotes an observer ready to take its place (rules 9, 10).
   */
  async #leave (): Promise<void> {
    if (!this.#started || this.#left) return
    this.#left = true
    if (this.#runner.isLeader) {
      const successor = this.#nextLeader(this.epoch, 200)
      await this.#runner.resign()
      await successor
    }
    const config = this.#runner.node?.config
    // Long enough for the leader to promote a replacement first (stabilizationMs), then remove this node.
    if (config !== undefined) await this.#runner.leave(config.stabilizationMs + 2 * config.leaseMs)
  }

  readonly #onPeerDisconnect = (evt: CustomEvent<PeerId>): void => { this.#peerGone(evt.detail) }

  /** A member's last connection closed (or it stopped speaking the protocol): 'peer:leave', once. */
  #peerGone (peer: PeerId): void {
    const id = peer.toString()
    this.#transport.removePeer(peer)
    if (this.#connected.delete(id)) {
      this.#log('peer %s left', id)
      this.emit('peer:leave', { peerId: id })
      this.emit('membersChanged', this.members)
    }
  }

  async #shutdown (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    this.#components.events.removeEventListener('peer:disconnect', this.#onPeerDisconnect)
    this.#dialer.stop()
    await this.#exchange.stop()
    await this.#runner.stop({ leaveMs: 0 })
    this.#lock?.release()
    this.#lock = null
    if (this.#topologyId !== null) this.#components.registrar.unregister(this.#topologyId)
    this.#topologyId = null
    this.#log('stopped')
  }

  static {
    // The one place with access to the private fields: hostedElection's way in, kept off the class's API.
    internals = e => ({
      setOwner: owner => { e.#owner = owner },
      leave: async () => { await e.#leave() },
      shutdown: async () => { await e.#shutdown() },
      watchDiscovery: source => { e.#dialer.watch(source) }
    })
  }

  // ---- internals ----------------------------------------------------------------

  /** Resolves once a leader of an epoch after `epoch` is chosen, or after `timeoutMs`. */
  async #nextLeader (epoch: Epoch, timeoutMs: number): Promise<void> {
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(timer); this.off('leaderChosen', onChosen); resolve() }
      const onChosen = (l: LeaderInfo): void => { if (l.epoch > epoch) done() }
      const timer = setTimeout(done, timeoutMs)
      this.on('leaderChosen', onChosen)
    })
  }

  #info (r: LeaderRecord): LeaderInfo {
    return { epoch: r.epoch, leaderId: r.leaderId, metadata: r.metadata, isSelf: r.leaderId === this.nodeId }
  }

  #wireRunner (): void {
    const r = this.#runner
    r.on('leaderChosen', rec => {
      this.#log('epoch %d: leader %s', rec.epoch, rec.leaderId)
      this.emit('leaderChosen', this.#info(rec))
    })
    r.on('elected', e => { this.#log('elected for epoch %d', e.epoch); this.emit('elected', e) })
    r.on('demoted', e => {
      this.#log('stopped leading epoch %d: %s', e.epoch, e.reason)
      this.emit('demoted', e)
    })
    r.on('leaderLost', rec => { this.emit('leaderLost', { epoch: rec.epoch, leaderId: rec.leaderId }) })
    r.on('configuration', () => {
      const config = this.configuration!
      this.#log('configuration %d: voters %s', config.version, config.voters.join(', '))
      this.emit('configuration', config)
      this.emit('membersChanged', this.members)
    })
    r.on('warning', err => {
      this.#log('warning: %s', err.message)
      this.emit('warning', err)
    })
    r.on('error', err => {
      this.#log.error('%s', err.message)
      // An 'error' nobody listens to must not crash the host application.
      if (this.listenerCount('error') > 0) this.emit('error', err)
    })
  }
}

/**
 * The libp2p service factory, for applications that already run libp2p:
 * `createLibp2p({ services: { identify: identify(), election: leaderElection({ clusterSize: 3 }) } })`.
 * Throws a ConfigError naming the field when an option is invalid.
 */
export function leaderElection (options: ElectionOptions): (components: ElectionComponents) => Election {
  validateElectionOptions(options)
  return components => new Election(components, options)
}

/** @internal The libp2p service of {@link hostedElection}: what libp2p starts and stops in createElection's node. */
export interface HostedElection extends Startable {
  readonly election: Election
  /** Every answer of this mDNS service reaches the election's dialer (see transport/dialer.ts). */
  watchDiscovery: (source: TypedEventTarget<PeerDiscoveryEvents>) => void
}

/**
 * @internal
 * The service factory of createElection's own libp2p node. libp2p starts and
 * stops this service rather than the election, so that election.stop(),
 * which stops the node, is never called back by it: once election.stop() has
 * left the cluster and stops the node (`host.stop`), libp2p shuts the
 * election down through the service.
 */
export function hostedElection (options: ElectionOptions, host: ElectionHost): (components: ElectionComponents) => HostedElection {
  return components => {
    const election = new Election(components, options)
    const inner = internals(election)
    inner.setOwner(host)
    return {
      election,
      [Symbol.toStringTag]: election[Symbol.toStringTag],
      [serviceCapabilities]: election[serviceCapabilities],
      [serviceDependencies]: election[serviceDependencies],
      start: async () => { await election.start() },
      beforeStop: async () => { await inner.leave() },
      stop: async () => { await inner.shutdown() },
      watchDiscovery: source => { inner.watchDiscovery(source) }
    }
  }
}
