/**
 * The node's persistent identity: an Ed25519 private key in `dataDir/node.key`
 * (libp2p's protobuf encoding, file mode 0600), so that its peer ID, and so
 * its voter ID, survives restarts. A key file that others can read, or that
 * does not hold an Ed25519 key, is an IdentityError naming the file.
 */
import { readFile, stat, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { writeFileDurably } from './durable.js'
import { IdentityError } from '../errors.js'
import { cannotCreate, unusable } from './unusable.js'

export const KEY_FILE = 'node.key'

/** Defined in src/errors.ts; re-exported here for existing imports. */
export { IdentityError }

/**
 * Loads the node's key from `dataDir`, creating it (mode 0600) on first use.
 * A directory that cannot be created or written is a StorageError.
 */
export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  try { await mkdir(dataDir, { recursive: true, mode: 0o700 }) } catch (err) { throw cannotCreate(dataDir, err) }
  const file = join(dataDir, KEY_FILE)
  let mode: number
  try {
    mode = (await stat(file)).mode
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new IdentityError(file, `cannot be read (${(err as Error).message})`, { cause: err })
    const key = await generateKeyPair('Ed25519')
    try { await writeFileDurably(file, privateKeyToProtobuf(key), 0o600) } catch (err) { throw unusable(file, err, 'write it') }
    return key
  }
  if ((mode & 0o077) !== 0) {
    throw new IdentityError(file, `has permissions ${(mode & 0o777).toString(8)}, so others may read the private key; run chmod 600 on it`)
  }
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(await readFile(file))
  } catch (err) {
    throw new IdentityError(file, `does not hold a valid private key (${(err as Error).message})`, { cause: err })
  }
  if (key.type !== 'Ed25519') throw new IdentityError(file, `holds a ${key.type} key; Quorum uses Ed25519`)
  return key
}
