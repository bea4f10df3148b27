/**
 * Writing a file so that it survives a crash: write a temporary file, fsync
 * it, rename it over the target, fsync the directory. Readers see the old
 * content or the new, never a mix.
 */
import { open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'

let counter = 0

export async function writeFileDurably (path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${counter++}`
  const fh = await open(tmp, 'w', mode)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  const dir = await open(dirname(path), 'r')
  try { await dir.sync() } finally { await dir.close() }
}
