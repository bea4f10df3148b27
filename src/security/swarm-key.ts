/**
 * The cluster key: a libp2p pre-shared key ("private network", @libp2p/pnet).
 * Every connection is encrypted with it below Noise, so a node without the key
 * cannot even complete a connection, let alone vote. Format (95 bytes):
 *   /key/swarm/psk/1.0.0/
 *   /base16/
 *   <64 hex digits>
 */
import { readFile, stat } from 'node:fs/promises'
import { generateKey } from '@libp2p/pnet'
import { fromString as bytesFromString, toString as bytesToString } from 'uint8arrays'
import { ConfigError } from '../errors.js'
import { describe } from '../options.js'

const KEY_FORMAT = /^\/key\/swarm\/psk\/1\.0\.0\/\r?\n\/base16\/\r?\n([0-9a-fA-F]{64})\s*$/

/** Validates a swarm key's text; returns it in the exact form libp2p expects. Throws ConfigError naming `field`. */
export function parseSwarmKey (key: string | Uint8Array, field = 'swarmKey'): Uint8Array {
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) throw new ConfigError(field, `must be the key's text or bytes, got ${describe(key)}`)
  const text = typeof key === 'string' ? key : bytesToString(key)
  const m = KEY_FORMAT.exec(text)
  if (m === null) {
    throw new ConfigError(field, 'is not a swarm key: expected "/key/swarm/psk/1.0.0/", "/base16/" and 64 hex digits on three lines (make one with `npx quorum keygen`)')
  }
  return bytesFromString(`/key/swarm/psk/1.0.0/\n/base16/\n${m[1]!.toLowerCase()}`)
}

/** Reads and validates a swarm key file, which must not be readable by others. */
export async function readSwarmKeyFile (path: string): Promise<Uint8Array> {
  if (typeof path !== 'string' || path === '') throw new ConfigError('swarmKeyFile', `must be a non-empty path, got ${describe(path)}`)
  let mode: number
  let text: string
  try {
    mode = (await stat(path)).mode
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError('swarmKeyFile', `${path} cannot be read (${(err as Error).message})`)
  }
  if ((mode & 0o077) !== 0) throw new ConfigError('swarmKeyFile', `${path} has permissions ${(mode & 0o777).toString(8)}, so others may read the cluster key; run chmod 600 on it`)
  return parseSwarmKey(text, 'swarmKeyFile')
}

/**
 * The cluster key from the options, else from the environment:
 * `QUORUM_SWARM_KEY` (the key itself) or `QUORUM_SWARM_KEY_FILE` (a path).
 * Returns undefined when none is configured. Throws ConfigError naming the source.
 */
export async function resolveSwarmKey (
  opts: { readonly swarmKey?: string | Uint8Array, readonly swarmKeyFile?: string },
  env: NodeJS.ProcessEnv = process.env
): Promise<Uint8Array | undefined> {
  if (opts.swarmKey !== undefined && opts.swarmKeyFile !== undefined) throw new ConfigError('swarmKey', 'give swarmKey or swarmKeyFile, not both')
  if (opts.swarmKey !== undefined) return parseSwarmKey(opts.swarmKey)
  if (opts.swarmKeyFile !== undefined) return await readSwarmKeyFile(opts.swarmKeyFile)
  const fromEnv = env.QUORUM_SWARM_KEY
  const fileFromEnv = env.QUORUM_SWARM_KEY_FILE
  if (fromEnv !== undefined && fromEnv !== '' && fileFromEnv !== undefined && fileFromEnv !== '') {
    throw new ConfigError('QUORUM_SWARM_KEY', 'set QUORUM_SWARM_KEY or QUORUM_SWARM_KEY_FILE, not both')
  }
  if (fromEnv !== undefined && fromEnv !== '') return parseSwarmKey(fromEnv, 'QUORUM_SWARM_KEY')
  if (fileFromEnv !== undefined && fileFromEnv !== '') return await readSwarmKeyFile(fileFromEnv)
  return undefined
}

/** A new random swarm key, as text. */
export function newSwarmKey (): string {
  const buf = new Uint8Array(95)
  generateKey(buf)
  return bytesToString(buf)
}
