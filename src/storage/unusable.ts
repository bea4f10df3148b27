/**
 * A data directory the system will not let us use: its path is a file, the
 * file system is read-only or full, permission is denied. Each becomes a
 * StorageError naming the path and saying, in words, what the error code
 * means, so that an operator reads "the file system is read-only", not a bare
 * EROFS from deep inside a start.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { StorageError } from '../errors.js'

/** What each error code means for a path in a data directory. */
const MEANING: Readonly<Record<string, string>> = {
  ENOTDIR: 'a part of the path is a file, not a directory',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space is left on the device',
  EDQUOT: 'the disk quota is used up',
  ENOENT: 'a part of the path does not exist',
  EISDIR: 'it is a directory',
  ELOOP: 'the path has too many symbolic links (a loop?)',
  ENAMETOOLONG: 'the path is too long',
  EIO: 'an input/output error (a failing disk?)',
  EMFILE: 'this process has too many open files',
  ENFILE: 'the system has too many open files',
  EPERM: 'the operation is not permitted (a file system without hard links, or an immutable file?)'
}

/** The code of a Node.js system error (EROFS, EACCES…), or null for any other error. */
export function errnoOf (err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return err instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : null
}

function meaning (e: NodeJS.ErrnoException, code: string): string {
  if (code === 'EEXIST') return e.syscall === 'mkdir' ? 'a file that is not a directory is in the way' : 'it exists already'
  if (code === 'EACCES') return `permission denied to this process (user ${process.getuid?.() ?? 'unknown'})`
  return MEANING[code] ?? e.message
}

/**
 * The StorageError for a system error `err` met while doing `doing` (e.g.
 * "create the directory") on `path`; `doing` defaults to the system call.
 */
export function unusable (path: string, err: unknown, doing?: string): StorageError {
  const e = err as NodeJS.ErrnoException
  const code = errnoOf(err) ?? 'no error code'
  return new StorageError(path, `cannot ${doing ?? `${e.syscall ?? 'use'} it`}: ${meaning(e, code)} (${code})`, { cause: err, reason: 'unusable' })
}

/**
 * The StorageError for a recursive mkdir of the data directory `dir` that
 * failed with `err`. Node's recursive mkdir reports any failure to make a
 * part that does not exist yet as ENOENT (on a read-only file system, say);
 * so for an ENOENT this makes the first missing part alone, to learn the real cause.
 */
export function cannotCreate (dir: string, err: unknown): StorageError {
  let cause = err
  if (errnoOf(err) === 'ENOENT') {
    let first = resolve(dir)
    while (dirname(first) !== first && !existsSync(dirname(first))) first = dirname(first)
    try { mkdirSync(first, { mode: 0o700 }) } catch (e) { cause = e }
  }
  return unusable(dir, cause, 'create the directory')
}

/**
 * `err` as a StorageError when it is a system error, naming its own path
 * (else `path`; for a temporary file written to replace one, that one); any
 * other error as it is.
 */
export function asStorageError (err: unknown, path: string): unknown {
  if (errnoOf(err) === null) return err
  const own = (err as NodeJS.ErrnoException).path
  return unusable(own === undefined ? path : own.replace(TEMPORARY, ''), err)
}

/** The suffix of durable.ts's temporary files. */
const TEMPORARY = /\.tmp-\d+-\d+$/
