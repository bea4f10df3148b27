/**
 * Writing a file so that it survives a crash: write a temporary file, fsync
 * it, rename it over the target, fsync the directory. Readers see the old
 * content or the new, never a mix.
 *
 * Only the two fsyncs, which wait for the disk, run on libuv's thread pool.
 * The other calls (open, a write of a few hundred bytes, close, rename) touch
 * the page cache only and are made synchronously: each trip through the
 * thread pool wakes a thread, and on a small VM eight of them cost more CPU
 * than the whole save otherwise does (1.6 ms against 0.9 ms per save, see the
 * docs/benchmarks.md), CPU that an election's messages compete for.
 */
import { closeSync, fdatasync, fsync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

let counter = 0

async function fsyncFd (fd: number, dataOnly = false): Promise<void> {
  await new Promise<void>((resolve, reject) => { (dataOnly ? fdatasync : fsync)(fd, err => { if (err === null) resolve(); else reject(err) }) })
}

export async function writeFileDurably (path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${counter++}`
  const fd = openSync(tmp, 'w', mode)
  try {
    writeFileSync(fd, data)
    await fsyncFd(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  await syncDirectory(dirname(path))
}

/**
 * Overwrites `data.length` bytes of an existing file at `offset` and waits for
 * them to reach the disk. The file's size does not change, so fdatasync has no
 * metadata to commit: no journal transaction, which is what makes this several
 * times cheaper than writeFileDurably when many processes share one disk. It is
 * not atomic: a power loss may leave the range half old, half new, which the
 * caller must be able to detect (see FileStorage's two regions).
 */
export async function overwriteDurably (path: string, offset: number, data: Uint8Array): Promise<void> {
  const fd = openSync(path, 'r+')
  try {
    let done = 0
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done)
    await fsyncFd(fd, true)
  } finally {
    closeSync(fd)
  }
}

/** Makes a rename in `dir` durable. */
export async function syncDirectory (dir: string): Promise<void> {
  const fd = openSync(dir, 'r')
  try { await fsyncFd(fd) } finally { closeSync(fd) }
}
