/**
 * Durable storage in a data directory. `state.slots` holds the acceptor state,
 * the newest learned epoch, the highest ballot round used, the newest epoch
 * stood in and the last lease granted, as JSON records with a SHA-256 checksum.
 *
 * The file has two regions of equal size, and save number g (the generation)
 * overwrites region g % 2 in place, then fdatasyncs it: one disk flush and no
 * journal commit per save (the file never changes size), so a save costs about
 * 1 ms instead of the 2–2.5 ms of a temporary file renamed over the old one,
 * and far less when several nodes share a disk. The node releases no reply
 * that depends on a save before the save resolves.
 *
 * The region not being written always holds the previous generation, so a
 * power loss in the middle of a save leaves the state of the save before it,
 * which is all that was acknowledged. Each region begins and ends with its
 * generation; a torn write shows as a region whose two ends disagree, one the
 * generation being written (g+1) and the other the one it overwrote (g−1),
 * next to an intact region g. Any other fault (a checksum that fails, regions
 * not of consecutive generations, a truncated file, an unknown version) makes
 * `load()` throw a StorageError naming the file and the fault: in particular a
 * damaged newest region is never mistaken for a torn one and silently replaced
 * by the older state. The same goes for a state file missing from a directory
 * that had one (the MANIFEST says so). A node never votes with lost state, and
 * nothing is ever deleted: the evidence stays for the operator.
 *
 * A directory written by Quorum 0.1's `state.json` (one record, replaced by
 * rename) is read once, checked the same way, converted, and the old file
 * renamed to `state.json.v1`.
 *
 * Every file-system call goes through a `StateFileSystem`, the real one unless
 * a test injects another (to hold a sync open and see that nothing waits less).
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AcceptorEpochState, AcceptorSnapshot } from '../paxos/acceptor.js'
import type { Ballot, LeaderRecord } from '../paxos/proposal.js'
import { wellFormed, type Configuration } from '../paxos/configuration.js'
import type { PersistentState, Storage } from './storage.js'
import { overwriteDurably, syncDirectory, writeFileDurably } from './durable.js'
import { StorageError } from '../errors.js'
import { asStorageError, cannotCreate, unusable } from './unusable.js'

export const STATE_FILE = 'state.slots'
export const MANIFEST_FILE = 'MANIFEST'
/** The single-record state file of format version 1, converted on first load. */
export const LEGACY_STATE_FILE = 'state.json'
const FORMAT = 'quorum-state'
const VERSION = 2
const LEGACY_VERSION = 1
/** Regions are whole pages, so that a save never shares a page with the other region. */
const PAGE = 4096

/** Defined in src/errors.ts; re-exported here for existing imports. */
export { StorageError }

/** The file-system calls FileStorage makes. */
export interface StateFileSystem {
  mkdir: (path: string, options: { recursive: true, mode: number }) => Promise<unknown>
  readFile: ((path: string) => Promise<Buffer>) & ((path: string, encoding: 'utf8') => Promise<string>)
  rename: (from: string, to: string) => Promise<void>
  stat: (path: string) => Promise<unknown>
  /** Overwrites bytes of an existing file in place, then fdatasyncs it. */
  overwriteDurably: (path: string, offset: number, data: Uint8Array) => Promise<void>
  /** Writes a temporary file, fsyncs it, renames it over `path`, fsyncs the directory. */
  writeFileDurably: (path: string, data: string | Uint8Array) => Promise<void>
  /** fsyncs a directory, which makes a rename in it durable. */
  syncDirectory: (dir: string) => Promise<void>
}

/** node:fs/promises and ./durable.js. */
export const nodeFileSystem: StateFileSystem = { mkdir, readFile, rename, stat, overwriteDurably, writeFileDurably, syncDirectory }

const EMPTY: PersistentState = { acceptor: [], learned: null, highestRound: 0, fastEpoch: 0, candidateEpoch: 0, grant: null, joinedAt: null }

/** Keeps a node's state in `dataDir`, durably. */
export class FileStorage implements Storage {
  readonly durable = true
  readonly dir: string
  readonly #state: string
  readonly #legacy: string
  readonly #manifest: string
  readonly #fs: StateFileSystem
  /** The generation saved last and the region size, once the file was read or created. */
  #gen = -1
  #regionBytes = 0
  /** Saves are written one at a time: two writes of one region at once could leave neither. */
  #saving: Promise<unknown> = Promise.resolve()

  constructor (dataDir: string, fs: StateFileSystem = nodeFileSystem) {
    this.dir = dataDir
    this.#fs = fs
    this.#state = join(dataDir, STATE_FILE)
    this.#legacy = join(dataDir, LEGACY_STATE_FILE)
    this.#manifest = join(dataDir, MANIFEST_FILE)
  }

  /**
   * The state saved last, or null in a new directory (created if missing,
   * with its parents). Throws a StorageError naming the file: state that
   * cannot be trusted, or a directory that cannot be created, read or written.
   */
  async load (): Promise<PersistentState | null> {
    try {
      return await this.#load()
    } catch (err) {
      // A system error from any of the calls below (a read-only file system, a full disk…).
      throw asStorageError(err, this.dir)
    }
  }

  async #load (): Promise<PersistentState | null> {
    try { await this.#fs.mkdir(this.dir, { recursive: true, mode: 0o700 }) } catch (err) { throw cannotCreate(this.dir, err) }
    let bytes: Buffer
    try {
      bytes = await this.#fs.readFile(this.#state)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unusable(this.#state, err, 'read it')
      return await this.#create()
    }
    const { gen, state } = parseSlots(this.#state, bytes)
    this.#gen = gen
    this.#regionBytes = bytes.length / 2
    // A conversion interrupted after the new file was written: finish it.
    if (await exists(this.#fs, this.#legacy)) { await this.#fs.rename(this.#legacy, `${this.#legacy}.v${LEGACY_VERSION}`); await this.#fs.syncDirectory(this.dir) }
    if (!(await exists(this.#fs, this.#manifest))) await this.#fs.writeFileDurably(this.#manifest, `${FORMAT} ${VERSION}\nrepaired ${new Date().toISOString()}\n`)
    return state
  }

  /** No state file yet: convert a version 1 file, or start a new directory, or refuse a deleted one. */
  async #create (): Promise<PersistentState | null> {
    let legacy: string | null = null
    try {
      legacy = await this.#fs.readFile(this.#legacy, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unusable(this.#legacy, err, 'read it')
    }
    if (legacy !== null) {
      const state = parseLegacy(this.#legacy, legacy)
      await this.#rewrite(state, 1)
      // Kept as evidence under a name no version reads; a version 1 node refuses the directory.
      await this.#fs.rename(this.#legacy, `${this.#legacy}.v${LEGACY_VERSION}`)
      await this.#fs.syncDirectory(this.dir)
      if (!(await exists(this.#fs, this.#manifest))) await this.#fs.writeFileDurably(this.#manifest, `${FORMAT} ${VERSION}\nconverted ${new Date().toISOString()}\n`)
      return state
    }
    if (await exists(this.#fs, this.#manifest)) {
      throw new StorageError(this.#state, `is missing, but ${MANIFEST_FILE} shows this directory held state before (was it deleted?)`)
    }
    // A new data directory: record an empty state, then the manifest that says one exists.
    await this.#rewrite(EMPTY, 1)
    await this.#fs.writeFileDurably(this.#manifest, `${FORMAT} ${VERSION}\ncreated ${new Date().toISOString()}\n`)
    return null
  }

  async save (state: PersistentState): Promise<void> {
    const next = this.#saving.then(async () => { await this.#save(state) })
    this.#saving = next.catch(() => {})
    await next
  }

  async #save (state: PersistentState): Promise<void> {
    if (this.#gen < 0) await this.load()
    const gen = this.#gen + 1
    const region = encodeRegion(gen, state, this.#regionBytes)
    if (region === null) {
      // Outgrew its regions: a new file with larger ones, replacing the old atomically.
      await this.#rewrite(state, gen)
      return
    }
    await this.#fs.overwriteDurably(this.#state, (gen % 2) * this.#regionBytes, region)
    this.#gen = gen
  }

  /** Writes a whole new state file whose newest generation is `gen` + 1, both regions holding `state`. */
  async #rewrite (state: PersistentState, gen: number): Promise<void> {
    const size = regionSizeFor(state, gen + 1)
    const a = encodeRegion(gen, state, size)!
    const b = encodeRegion(gen + 1, state, size)!
    const file = new Uint8Array(2 * size)
    file.set(gen % 2 === 0 ? a : b, 0)
    file.set(gen % 2 === 0 ? b : a, size)
    await this.#fs.writeFileDurably(this.#state, file)
    this.#gen = gen + 1
    this.#regionBytes = size
  }
}

function sha256 (s: string | Uint8Array): string {
  return createHash('sha256').update(s).digest('hex')
}

async function exists (fs: StateFileSystem, path: string): Promise<boolean> {
  try { await fs.stat(path); return true } catch { return false }
}

const header = (gen: number, payload: Buffer): string => `${FORMAT} ${VERSION} gen ${gen} sha256 ${sha256(payload)} bytes ${payload.length}\n`
const trailer = (gen: number): string => `\nend ${gen}\n`

function regionSizeFor (state: PersistentState, gen: number): number {
  const payload = Buffer.from(JSON.stringify(state))
  const need = Buffer.byteLength(header(gen, payload)) + payload.length + Buffer.byteLength(trailer(gen))
  // Room to grow (more undecided epochs, a larger generation number) before the next rewrite.
  return Math.ceil(2 * need / PAGE) * PAGE
}

/** One region: header, JSON payload, padding, trailer; null if it does not fit in `size` bytes. */
function encodeRegion (gen: number, state: PersistentState, size: number): Uint8Array | null {
  const payload = Buffer.from(JSON.stringify(state))
  const head = Buffer.from(header(gen, payload))
  const tail = Buffer.from(trailer(gen))
  if (head.length + payload.length + tail.length > size) return null
  const region = Buffer.alloc(size, 0x20)
  head.copy(region, 0)
  payload.copy(region, head.length)
  tail.copy(region, size - tail.length)
  return region
}

type Region =
  | { readonly kind: 'valid', readonly gen: number, readonly state: PersistentState }
  | { readonly kind: 'torn', readonly headGen: number, readonly tailGen: number }
  | { readonly kind: 'damaged', readonly problem: string }

const HEADER = /^([a-z-]+) (\d+) gen (\d+) sha256 ([0-9a-f]{64}) bytes (\d+)\n/
const TRAILER = /\nend (\d+)\n$/

function parseRegion (bytes: Buffer): Region {
  const head = HEADER.exec(bytes.subarray(0, 200).toString('latin1'))
  const tail = TRAILER.exec(bytes.subarray(bytes.length - 40).toString('latin1'))
  if (head === null) return { kind: 'damaged', problem: 'has no readable header' }
  if (head[1] !== FORMAT) return { kind: 'damaged', problem: `is not a Quorum state region (format ${JSON.stringify(head[1])})` }
  if (Number(head[2]) !== VERSION) return { kind: 'damaged', problem: `has format version ${head[2]}; this Quorum reads version ${VERSION}` }
  if (tail === null) return { kind: 'damaged', problem: 'has no readable trailer' }
  const gen = Number(head[3])
  const tailGen = Number(tail[1])
  if (gen !== tailGen) return { kind: 'torn', headGen: gen, tailGen }
  const start = head[0].length
  const length = Number(head[5])
  if (start + length > bytes.length) return { kind: 'damaged', problem: 'claims more bytes than it holds' }
  const payload = bytes.subarray(start, start + length)
  if (sha256(payload) !== head[4]) return { kind: 'damaged', problem: 'fails its checksum: the state was altered or damaged' }
  let s: unknown
  try { s = JSON.parse(payload.toString('utf8')) } catch { return { kind: 'damaged', problem: 'holds a state that is not valid JSON despite a matching checksum' } }
  const problem = checkState(migrate(s))
  if (problem !== null) return { kind: 'damaged', problem: `holds an invalid state: ${problem}` }
  return { kind: 'valid', gen, state: s as PersistentState }
}

const explain = (r: Region, i: number): string =>
  `region ${i} ${r.kind === 'valid' ? `holds generation ${r.gen}` : r.kind === 'torn' ? `begins as generation ${r.headGen} and ends as ${r.tailGen}` : r.problem}`

/** Picks the newest state of the two regions; throws StorageError unless that choice is certain. */
function parseSlots (file: string, bytes: Buffer): { gen: number, state: PersistentState } {
  if (bytes.length === 0 || bytes.length % (2 * PAGE) !== 0) {
    throw new StorageError(file, `is ${bytes.length} bytes long, not two whole regions (truncated or overwritten?)`)
  }
  const size = bytes.length / 2
  const r = [parseRegion(bytes.subarray(0, size)), parseRegion(bytes.subarray(size))] as const
  const [a, b] = r
  // Generation g lives in region g % 2.
  for (const [i, x] of r.entries()) {
    if (x.kind === 'valid' && x.gen % 2 !== i) throw new StorageError(file, `${explain(x, i)}, which belongs in region ${x.gen % 2}`)
  }
  if (a.kind === 'valid' && b.kind === 'valid') {
    if (Math.abs(a.gen - b.gen) !== 1) throw new StorageError(file, `${explain(a, 0)} and ${explain(b, 1)}, not consecutive generations`)
    return a.gen > b.gen ? a : b
  }
  // A power loss during the save of generation g+1 into the region that held g−1.
  for (const [i, x] of r.entries()) {
    const other = r[1 - i]!
    if (x.kind === 'valid' && other.kind === 'torn') {
      const ends = [other.headGen, other.tailGen].sort((p, q) => p - q)
      if (ends[0] === x.gen - 1 && ends[1] === x.gen + 1) return x
    }
  }
  const problem = [explain(a, 0), explain(b, 1)].join('; ')
  throw new StorageError(file, `${problem}: the newest state cannot be known for certain`)
}

/** Parses and checks a version 1 state file; throws StorageError naming what is wrong. */
function parseLegacy (file: string, text: string): PersistentState {
  let outer: unknown
  try {
    outer = JSON.parse(text)
  } catch (err) {
    throw new StorageError(file, `is not valid JSON, probably truncated or overwritten (${(err as Error).message})`, { cause: err })
  }
  const o = outer as { format?: unknown, version?: unknown, sha256?: unknown, state?: unknown }
  if (o === null || typeof o !== 'object' || o.format !== FORMAT) throw new StorageError(file, `is not a Quorum state file (format ${JSON.stringify(o?.format)})`)
  if (o.version !== LEGACY_VERSION) throw new StorageError(file, `has format version ${JSON.stringify(o.version)}; this Quorum converts version ${LEGACY_VERSION}`)
  if (typeof o.state !== 'string' || typeof o.sha256 !== 'string') throw new StorageError(file, 'lacks its state or checksum')
  if (sha256(o.state) !== o.sha256) throw new StorageError(file, 'fails its checksum: the state was altered or damaged')
  let s: unknown
  try { s = JSON.parse(o.state) } catch { throw new StorageError(file, 'holds a state that is not valid JSON despite a matching checksum') }
  // Files written before candidateEpoch existed: assume the node stood in every epoch it knew of.
  if (s !== null && typeof s === 'object' && !('candidateEpoch' in s)) {
    const old = s as { learned?: { epoch?: unknown } | null, acceptor?: unknown }
    const epochs = [old.learned?.epoch, ...(Array.isArray(old.acceptor) ? old.acceptor.map(e => Array.isArray(e) ? e[0] : 0) : [])]
    ;(s as { candidateEpoch: number }).candidateEpoch = Math.max(0, ...epochs.filter((e): e is number => typeof e === 'number' && Number.isSafeInteger(e)))
  }
  const problem = checkState(migrate(s))
  if (problem !== null) throw new StorageError(file, `holds an invalid state: ${problem}`)
  return s as PersistentState
}

/**
 * States written before records carried a configuration: their learned record
 * and accepted values belong to a history no configuration-aware node shares
 * (the wire protocol changed with it), so they are dropped, and the node
 * rejoins as a new member (joinedAt null). The ballot rounds, the epoch stood
 * in and the grant are kept: ballots stay unique and the quarantine still runs.
 */
function migrate (s: unknown): unknown {
  if (s === null || typeof s !== 'object' || 'joinedAt' in s) return s
  const x = s as { acceptor?: unknown, learned?: unknown, joinedAt?: unknown }
  x.joinedAt = null
  x.learned = null
  x.acceptor = []
  return s
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0

function checkBallot (b: unknown): b is Ballot {
  const x = b as Ballot
  return x !== null && typeof x === 'object' && isCount(x.round) && isId(x.nodeId)
}

function checkRecord (r: unknown): r is LeaderRecord {
  const x = r as LeaderRecord
  return x !== null && typeof x === 'object' && isCount(x.epoch) && x.epoch >= 1 && isId(x.leaderId) &&
    x.metadata !== null && typeof x.metadata === 'object' && Object.values(x.metadata).every(v => typeof v === 'string') &&
    checkConfiguration(x.config)
}

function checkConfiguration (c: unknown): c is Configuration {
  const x = c as Configuration
  return x !== null && typeof x === 'object' && isCount(x.version) && isId(x.clusterId) && isCount(x.target) && x.target >= 1 &&
    typeof x.leaseMs === 'number' && x.leaseMs > 0 && typeof x.heartbeatMs === 'number' && x.heartbeatMs > 0 &&
    typeof x.maxDriftRatio === 'number' && x.maxDriftRatio >= 0 && x.maxDriftRatio < 0.5 &&
    Array.isArray(x.voters) && x.voters.every(m => m !== null && typeof m === 'object' && isId(m.id) && isCount(m.since)) &&
    wellFormed(x)
}

function checkState (s: unknown): string | null {
  const x = s as PersistentState
  if (x === null || typeof x !== 'object') return 'not an object'
  if (!isCount(x.highestRound)) return 'highestRound is not a count'
  if (!isCount(x.fastEpoch)) return 'fastEpoch is not a count'
  if (!isCount(x.candidateEpoch)) return 'candidateEpoch is not a count'
  if (x.joinedAt !== null && !isCount(x.joinedAt)) return 'joinedAt is not a count'
  if (x.learned !== null && !checkRecord(x.learned)) return 'learned is not a leader record'
  if (x.grant !== null && (typeof x.grant !== 'object' || !isCount(x.grant.epoch) || !isId(x.grant.leaderId))) return 'grant is malformed'
  if (!Array.isArray(x.acceptor)) return 'acceptor is not a list'
  for (const entry of x.acceptor as AcceptorSnapshot) {
    if (!Array.isArray(entry) || entry.length !== 2 || !isCount(entry[0])) return 'an acceptor entry is malformed'
    const st = entry[1] as AcceptorEpochState
    if (st === null || typeof st !== 'object') return `acceptor epoch ${entry[0]} is malformed`
    if (st.promised !== null && !checkBallot(st.promised)) return `acceptor epoch ${entry[0]} has a malformed promise`
    if (st.accepted !== null && (!checkBallot(st.accepted?.ballot) || !checkRecord(st.accepted?.value))) return `acceptor epoch ${entry[0]} has a malformed accepted value`
  }
  return null
}
