/**
 * Durable storage in a data directory: `state.json` holds the acceptor state,
 * the newest learned epoch, the highest ballot round used and the last lease
 * granted, as one record with a format version and a SHA-256 checksum.
 *
 * Every save is atomic and durable before it resolves: write a temporary file,
 * fsync it, rename it over state.json, fsync the directory. The node releases
 * no reply that depends on a save before the save resolves.
 *
 * A state file that is unreadable, truncated, corrupt, of an unknown version,
 * or missing from a directory that had one, makes `load()` throw a
 * StorageError naming the file and the fault: a node never votes with lost
 * state. Nothing is ever deleted: the evidence stays for the operator.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AcceptorEpochState, AcceptorSnapshot } from '../paxos/acceptor.js'
import type { Ballot, LeaderRecord } from '../paxos/proposal.js'
import type { PersistentState, Storage } from './storage.js'
import { writeFileDurably } from './durable.js'

export const STATE_FILE = 'state.json'
export const MANIFEST_FILE = 'MANIFEST'
const FORMAT = 'quorum-state'
const VERSION = 1

/** State on disk that cannot be trusted; `file` names it and the message says what is wrong. */
export class StorageError extends Error {
  readonly file: string
  constructor (file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}; refusing to start with lost or damaged state (the file is left as it is)`, options)
    this.name = 'StorageError'
    this.file = file
  }
}

const EMPTY: PersistentState = { acceptor: [], learned: null, highestRound: 0, fastEpoch: 0, candidateEpoch: 0, grant: null }

/** Keeps a node's state in `dataDir`, durably. */
export class FileStorage implements Storage {
  readonly durable = true
  readonly dir: string
  readonly #state: string
  readonly #manifest: string

  constructor (dataDir: string) {
    this.dir = dataDir
    this.#state = join(dataDir, STATE_FILE)
    this.#manifest = join(dataDir, MANIFEST_FILE)
  }

  async load (): Promise<PersistentState | null> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    let text: string
    try {
      text = await readFile(this.#state, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new StorageError(this.#state, `cannot be read (${(err as Error).message})`, { cause: err })
      if (await exists(this.#manifest)) {
        throw new StorageError(this.#state, `is missing, but ${MANIFEST_FILE} shows this directory held state before (was it deleted?)`)
      }
      // A new data directory: record an empty state, then the manifest that says one exists.
      await this.save(EMPTY)
      await writeFileDurably(this.#manifest, `${FORMAT} ${VERSION}\ncreated ${new Date().toISOString()}\n`)
      return null
    }
    const state = parse(this.#state, text)
    if (!(await exists(this.#manifest))) await writeFileDurably(this.#manifest, `${FORMAT} ${VERSION}\nrepaired ${new Date().toISOString()}\n`)
    return state
  }

  async save (state: PersistentState): Promise<void> {
    const payload = JSON.stringify(state)
    const record = JSON.stringify({ format: FORMAT, version: VERSION, sha256: sha256(payload), state: payload })
    await writeFileDurably(this.#state, record + '\n')
  }
}

function sha256 (s: string): string {
  return createHash('sha256').update(s).digest('hex')
}

async function exists (path: string): Promise<boolean> {
  try { await stat(path); return true } catch { return false }
}

/** Parses and checks a state file; throws StorageError naming what is wrong. */
function parse (file: string, text: string): PersistentState {
  let outer: unknown
  try {
    outer = JSON.parse(text)
  } catch (err) {
    throw new StorageError(file, `is not valid JSON, probably truncated or overwritten (${(err as Error).message})`, { cause: err })
  }
  const o = outer as { format?: unknown, version?: unknown, sha256?: unknown, state?: unknown }
  if (o === null || typeof o !== 'object' || o.format !== FORMAT) throw new StorageError(file, `is not a Quorum state file (format ${JSON.stringify(o?.format)})`)
  if (o.version !== VERSION) throw new StorageError(file, `has format version ${JSON.stringify(o.version)}; this Quorum reads version ${VERSION}`)
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
  const problem = checkState(s)
  if (problem !== null) throw new StorageError(file, `holds an invalid state: ${problem}`)
  return s as PersistentState
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
    x.metadata !== null && typeof x.metadata === 'object' && Object.values(x.metadata).every(v => typeof v === 'string')
}

function checkState (s: unknown): string | null {
  const x = s as PersistentState
  if (x === null || typeof x !== 'object') return 'not an object'
  if (!isCount(x.highestRound)) return 'highestRound is not a count'
  if (!isCount(x.fastEpoch)) return 'fastEpoch is not a count'
  if (!isCount(x.candidateEpoch)) return 'candidateEpoch is not a count'
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
