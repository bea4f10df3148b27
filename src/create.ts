/**
 * createElection: a libp2p node of its own (TCP, Noise, yamux, identify, mDNS)
 * with the election service inside it. The same Election class as the
 * service: one implementation, two ways to host it.
 */
import { createHash } from 'node:crypto'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { tunedNoise } from './transport/patches/noise-tuning.js'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { defaultLogger } from '@libp2p/logger'
import { toString as bytesToString } from 'uint8arrays/to-string'
import type { ComponentLogger, ConnectionGater, PeerDiscoveryEvents, PeerId, PrivateKey, TypedEventTarget } from '@libp2p/interface'
import { ConfigError } from './errors.js'
import { checkOptionKeys, describe, orDefault } from './options.js'
import { FileStorage } from './storage/file.js'
import { loadOrCreateIdentity } from './storage/identity.js'
import { DataDirLock } from './storage/lock.js'
import { resolveSwarmKey } from './security/swarm-key.js'
import { preSharedKey } from '@libp2p/pnet'
import { ELECTION_OPTION_KEYS, OWN_NODE_OPTIONS, checkMultiaddrs, electionOptionsOf, hostedElection, validateElectionOptions, type Election, type ElectionOptions, type HostedElection } from './election.js'
import { DEFAULT_LEASE_MS, MIN_PING_TIMEOUT_MS } from './node/constants.js'

/** Options of {@link createElection}: those of the election plus its own libp2p node's. */
export interface CreateElectionOptions extends ElectionOptions {
  /** Multiaddr strings to listen on: a non-empty array. @default ['/ip4/0.0.0.0/tcp/0'] */
  readonly listen?: readonly string[]
  /** Discover peers with mDNS on the LAN: a boolean. @default true */
  readonly mdns?: boolean
  /**
   * The longest gap between mDNS queries while this node knows fewer peers
   * than the cluster has, in ms (at least 10). A starting node queries at
   * once and then after 0.25, 0.5, 1, 2, 4, 8 s, and so on up to this gap;
   * so does a node that lost a peer. With the whole cluster connected it does
   * not query at all (only a refresh once an hour): each query wakes every
   * node on the LAN.
   * @default 10000
   */
  readonly mdnsIntervalMs?: number
  /** A logger from `@libp2p/logger` (an object with `forComponent`), enabled with `DEBUG=quorum:*`. @default defaultLogger() */
  readonly logger?: ComponentLogger
  /**
   * The cluster key (text or bytes, as `npx quorum keygen` writes it): only
   * nodes with the same key can connect at all. Checked before anything is
   * created. Not with `swarmKeyFile`.
   * @default undefined (QUORUM_SWARM_KEY or QUORUM_SWARM_KEY_FILE if set, else no key)
   */
  readonly swarmKey?: string | Uint8Array
  /**
   * A file holding the cluster key, mode 0600 (others must not read it).
   * Without either option, the environment variables QUORUM_SWARM_KEY (the
   * key) or QUORUM_SWARM_KEY_FILE (a path) are used when set.
   * @default undefined
   */
  readonly swarmKeyFile?: string
  /**
   * The node's private key (a libp2p PrivateKey), which makes its peer ID.
   * @default the one in `dataDir/node.key` (created on first use), else a new one at every start
   */
  readonly privateKey?: PrivateKey
}

/** The names of every option of {@link createElection}: the election's and its own libp2p node's. */
const CREATE_OPTION_KEYS: readonly string[] = [...ELECTION_OPTION_KEYS, ...Object.keys(OWN_NODE_OPTIONS)]

/** The mDNS service tag of a cluster, so clusters on one LAN do not even see each other. */
export function mdnsServiceTag (clusterName: string): string {
  const digest = createHash('sha256').update(`quorum/${clusterName}`).digest()
  return `_quorum-${bytesToString(digest.subarray(0, 10), 'base32')}._udp.local`
}

/**
 * Creates and starts a libp2p node that runs the election, and returns the
 * election. `election.stop()` resigns (if leading) and stops the node.
 * Throws a ConfigError naming the field when an option is invalid.
 */
export async function createElection (options: CreateElectionOptions): Promise<Election> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new ConfigError('options', `must be an object, got ${describe(options)}`)
  checkOptionKeys(options, CREATE_OPTION_KEYS, 'createElection')
  checkOwnNodeOptions(options)
  validateElectionOptions(electionOptionsOf(options))
  // A bad cluster key must stop us before anything is created, in the data directory or on the network.
  const psk = await resolveSwarmKey(options)
  const listen = orDefault(options.listen, DEFAULT_LISTEN)
  const interval = orDefault(options.mdnsIntervalMs, DEFAULT_MDNS_INTERVAL_MS)
  const serviceTag = mdnsServiceTag(orDefault(options.clusterName, 'default'))
  // One node per data directory (see storage/lock.ts): held before anything in it is read.
  const lock = options.dataDir === undefined ? null : await DataDirLock.acquire(options.dataDir)
  try {
    // Damaged state must stop us before we join the network, not after.
    const storage = options.storage ?? (options.dataDir !== undefined ? new FileStorage(options.dataDir) : undefined)
    if (storage !== undefined) await storage.load()
    // With a data directory the node keeps its key there, so its peer ID (its voter ID) survives restarts.
    const privateKey = options.privateKey ?? (options.dataDir !== undefined ? await loadOrCreateIdentity(options.dataDir) : undefined)
    // The service gets the storage, not the directory: the lock is this function's to hold.
    const { dataDir: _locked, ...serviceOptions } = electionOptionsOf(options)

    // election.stop() leaves the cluster, then stops this node, which shuts the election down.
    let stopBoost = (): void => {}
    const host = { stop: async () => { stopBoost(); try { await node.stop() } finally { lock?.release() } } }
    const node: Libp2p<{ election: HostedElection }> = await createLibp2p({
      ...(privateKey === undefined ? {} : { privateKey }),
      ...(psk === undefined ? {} : { connectionProtector: preSharedKey({ psk }) }),
      ...(options.voters === undefined ? {} : { connectionGater: votersOnly(options.voters) }),
      logger: options.logger ?? defaultLogger(),
      addresses: { listen: [...listen] },
      transports: [tcp()],
      // One socket write per Noise message instead of two, and no exception per received chunk (see transport/patches/noise-tuning.ts).
      connectionEncrypters: [tunedNoise(noise())],
      streamMuxers: [yamux()],
      connectionMonitor: connectionMonitorFor(options.leaseMs ?? DEFAULT_LEASE_MS),
      services: {
        identify: identify(),
        // As a service (libp2p still uses it for discovery) so that we can query again: see boostDiscovery.
        ...(options.mdns === false ? {} : { mdns: mdns({ serviceTag, interval: Math.max(interval, MDNS_REFRESH_MS) }) }),
        election: hostedElection(storage === undefined ? serviceOptions : { ...serviceOptions, storage }, host)
      }
    })
    const { election, watchDiscovery } = node.services.election
    const mdnsService = (node.services as { mdns?: TypedEventTarget<PeerDiscoveryEvents> }).mdns
    if (mdnsService !== undefined) watchDiscovery(mdnsService)
    if (options.mdns !== false) stopBoost = boostDiscovery(election, mdnsService, serviceTag, options.clusterSize, interval)
    return election
  } catch (err) {
    lock?.release()
    throw err
  }
}

const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0']
const DEFAULT_MDNS_INTERVAL_MS = 10_000

/** Checks the options of createElection's own libp2p node (the cluster key is checked as it is read, by resolveSwarmKey). */
function checkOwnNodeOptions (o: CreateElectionOptions): void {
  if (o.listen !== undefined) checkMultiaddrs('listen', o.listen, true)
  if (o.mdns !== undefined && typeof o.mdns !== 'boolean') throw new ConfigError('mdns', `must be a boolean, got ${describe(o.mdns)}`)
  const interval = o.mdnsIntervalMs
  if (interval !== undefined && !(typeof interval === 'number' && Number.isFinite(interval) && interval >= 10)) {
    throw new ConfigError('mdnsIntervalMs', `must be a number of at least 10, got ${describe(interval)}`)
  }
  if (o.logger !== undefined && typeof (o.logger as Partial<ComponentLogger> | null)?.forComponent !== 'function') {
    throw new ConfigError('logger', `must be a ComponentLogger (an object with a forComponent method, such as defaultLogger() of @libp2p/logger), got ${describe(o.logger)}`)
  }
  const key = o.privateKey as Partial<PrivateKey> | null | undefined
  if (key !== undefined && (typeof key?.type !== 'string' || typeof key.sign !== 'function')) {
    throw new ConfigError('privateKey', `must be a libp2p PrivateKey (such as generateKeyPair('Ed25519') of @libp2p/crypto/keys makes), got ${describe(key)}`)
  }
}

/**
 * libp2p's ping monitor, tuned so that a connection that stops answering is
 * closed within about 2 leases, and the dialer redials it. Without it a
 * blackholed TCP connection stays open for minutes, and after the path heals
 * it carries data again only at its next retransmission: a partitioned node
 * needed 2.4–4.3 s after the heal to hear the leader. A ping that meets an
 * unknown protocol still proves the peer alive, so peers need no ping handler.
 */
export function connectionMonitorFor (leaseMs: number): { pingInterval: number, pingTimeout: { minTimeout: number, maxTimeout: number }, abortConnectionOnPingFailure: true } {
  if (typeof leaseMs !== 'number' || !Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new ConfigError('leaseMs', `must be a positive number of ms, got ${describe(leaseMs)}`)
  }
  const timeoutMs = Math.max(MIN_PING_TIMEOUT_MS, leaseMs)
  // A ping per lease, not more often: each opens a stream, and at leaseMs/2 idle CPU rose from
  // 0.26 to 1.7 % per node (docs/benchmarks.md).
  return { pingInterval: Math.max(MIN_PING_TIMEOUT_MS, leaseMs), pingTimeout: { minTimeout: timeoutMs, maxTimeout: timeoutMs }, abortConnectionOnPingFailure: true }
}

/** A connection gater that lets only the listed voters connect, either way (true means deny). */
function votersOnly (voters: readonly string[]): ConnectionGater {
  const allowed = new Set(voters)
  const deny = (peer: PeerId): boolean => !allowed.has(peer.toString())
  return { denyDialPeer: deny, denyInboundEncryptedConnection: deny, denyOutboundEncryptedConnection: deny }
}

/** @libp2p/mdns's own periodic query, kept only as a rare refresh: boostDiscovery does the work. */
const MDNS_REFRESH_MS = 3_600_000

/**
 * @libp2p/mdns queries once at start and then at a fixed interval, forever,
 * and every query wakes every node on the LAN, which answers. A cluster needs
 * queries only while a node misses peers: when nodes start together one can
 * query before the others listen, and a peer that left may come back on a new
 * address. So while this node knows fewer than all its peers, it queries at
 * 0.25, 0.5, 1, 2, 4… s after its start or after a peer leaves, the gap
 * doubling up to `maxGapMs`; with the whole cluster connected it stays quiet.
 * Uses the `mdns` socket that @libp2p/mdns exposes.
 *
 * A query carries no address, so the peers of a node that restarts (on a new
 * port, after a SIGKILL) hear its query but not where it is: they learned it
 * only at their own next query, and the dialer's rule (the smaller peer ID
 * dials, the larger waits for it) had the restarted node wait out yieldMs
 * for a dial that could not come. So a node that starts missing peers also
 * announces itself once, as RFC 6762 (8.3) has a responder do: @libp2p/mdns
 * answers a query of its own, a multicast response that every peer hears.
 */
function boostDiscovery (election: Election, service: unknown, serviceTag: string, clusterSize: number, maxGapMs: number): () => void {
  const socket = (service as { mdns?: { query: (q: { questions: Array<{ name: string, type: 'PTR' }> }) => void } } | undefined)
  const responder = service as { _onMdnsQuery?: (q: { questions: Array<{ name: string, type: 'PTR' }> }) => void } | undefined
  let timer: NodeJS.Timeout | null = null
  const missing = (): boolean => election.peers.length < clusterSize - 1
  if (missing()) {
    try { responder?._onMdnsQuery?.({ questions: [{ name: serviceTag, type: 'PTR' }] }) } catch { /* socket closing */ }
  }
  const schedule = (step: number): void => {
    timer = setTimeout(() => {
      timer = null
      if (!missing()) return
      try { socket?.mdns?.query({ questions: [{ name: serviceTag, type: 'PTR' }] }) } catch { /* socket closing */ }
      schedule(step + 1)
    }, Math.min(250 * 2 ** step, maxGapMs))
    timer.unref()
  }
  const onLeave = (): void => { if (timer !== null) clearTimeout(timer); schedule(0) }
  election.on('peer:leave', onLeave)
  schedule(0)
  return () => {
    if (timer !== null) clearTimeout(timer)
    timer = null
    election.off('peer:leave', onLeave)
  }
}
