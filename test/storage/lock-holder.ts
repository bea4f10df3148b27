/**
 * A process for the lock tests: takes the lock of the directory in argv[2]
 * (after a line "go" on stdin, with --wait-go) and prints one JSON line,
 * {"ev":"locked"} or {"ev":"refused","holder":PID|null,"message"}. A holder
 * keeps the lock until its stdin closes, then releases it and exits.
 */
import { createInterface } from 'node:readline'
import { DataDirLock, DataDirInUseError } from '../../src/storage/lock.js'

const lines = createInterface({ input: process.stdin })
const out = (o: object): void => { process.stdout.write(JSON.stringify(o) + '\n') }
if (process.argv.includes('--wait-go')) {
  out({ ev: 'ready' })
  await new Promise<void>(resolve => lines.once('line', () => { resolve() }))
}
try {
  const lock = await DataDirLock.acquire(process.argv[2]!)
  out({ ev: 'locked' })
  lines.once('close', () => { lock.release(); process.exit(0) })
} catch (err) {
  if (!(err instanceof DataDirInUseError)) throw err
  out({ ev: 'refused', holder: err.holder?.pid ?? null, message: err.message })
  process.exit(0)
}
