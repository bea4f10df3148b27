/**
 * Opens data directories on the path given, the way a starting node does
 * (lock, state, identity), and prints one JSON line per attempt with the
 * error it met. unusable.test.ts runs it on a read-only file system it mounts
 * in a mount namespace of its own.
 */
import { DataDirLock } from '../../src/storage/lock.js'
import { FileStorage } from '../../src/storage/file.js'
import { loadOrCreateIdentity } from '../../src/storage/identity.js'

const [dir] = process.argv.slice(2)
const attempts: Record<string, () => Promise<unknown>> = {
  lock: async () => await DataDirLock.acquire(dir!),
  state: async () => await new FileStorage(dir!).load(),
  identity: async () => await loadOrCreateIdentity(dir!)
}
for (const [op, attempt] of Object.entries(attempts)) {
  try {
    await attempt()
    console.log(JSON.stringify({ op, ok: true }))
  } catch (err) {
    const e = err as { name?: string, code?: string, reason?: string, file?: string, message?: string }
    console.log(JSON.stringify({ op, name: e.name, code: e.code, reason: e.reason, file: e.file, message: e.message }))
  }
}
