/**
 * A data directory that cannot be used is a StorageError naming the path and
 * saying why, whichever of the lock, the state or the identity meets it first.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { execFile, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { StorageError } from '../../src/errors.js'
import { DataDirLock } from '../../src/storage/lock.js'
import { FileStorage } from '../../src/storage/file.js'
import { loadOrCreateIdentity } from '../../src/storage/identity.js'
import { asStorageError, unusable } from '../../src/storage/unusable.js'
import { rejection } from './rejection.js'

const PROBE = fileURLToPath(new URL('./unusable-probe.ts', import.meta.url))
const dirs: string[] = []
async function scratch (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-unusable-'))
  dirs.push(d)
  return d
}
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })

const errno = (code: string, syscall: string, path: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: something, ${syscall} '${path}'`), { code, syscall, path })

const openers = {
  lock: async (d: string) => await DataDirLock.acquire(d),
  state: async (d: string) => await new FileStorage(d).load(),
  identity: async (d: string) => await loadOrCreateIdentity(d)
}

describe('what a system error means for a data directory', () => {
  it.each([
    ['EROFS', 'mkdir', 'the file system is read-only'],
    ['ENOSPC', 'write', 'no space is left on the device'],
    ['ENOTDIR', 'mkdir', 'a part of the path is a file, not a directory'],
    ['EEXIST', 'mkdir', 'a file that is not a directory is in the way'],
    ['EIO', 'read', 'an input/output error (a failing disk?)']
  ])('%s', (code, syscall, meaning) => {
    const cause = errno(code, syscall, '/srv/q')
    const err = unusable('/srv/q', cause, 'create the directory')
    expect(err).toBeInstanceOf(StorageError)
    expect(err).toMatchObject({ code: 'ERR_STORAGE', file: '/srv/q', reason: 'unusable', cause })
    expect(err.message).toBe(`/srv/q: cannot create the directory: ${meaning} (${code}); the data directory cannot be used`)
  })

  it('permission denied names the user, which matters when running as another one', () => {
    expect(unusable('/srv/q', errno('EACCES', 'open', '/srv/q/LOCK'), 'create it').message)
      .toBe(`/srv/q: cannot create it: permission denied to this process (user ${process.getuid!()}) (EACCES); the data directory cannot be used`)
  })

  it('an unknown code keeps the system\'s own words; the call names what was being done by default', () => {
    expect(unusable('/srv/q/x', errno('EWEIRD', 'rename', '/srv/q/x')).message)
      .toBe('/srv/q/x: cannot rename it: EWEIRD: something, rename \'/srv/q/x\' (EWEIRD); the data directory cannot be used')
  })

  it('asStorageError converts system errors (naming their own path) and leaves any other error alone', () => {
    expect(asStorageError(errno('EROFS', 'open', '/srv/q/MANIFEST'), '/srv/q')).toMatchObject({ name: 'StorageError', file: '/srv/q/MANIFEST', reason: 'unusable' })
    // A temporary file written to replace one is named as the file it replaces.
    expect(asStorageError(errno('EROFS', 'open', '/srv/q/state.slots.tmp-77-0'), '/srv/q')).toMatchObject({ file: '/srv/q/state.slots', message: '/srv/q/state.slots: cannot open it: the file system is read-only (EROFS); the data directory cannot be used' })
    expect(asStorageError(Object.assign(new Error('EIO'), { code: 'EIO' }), '/srv/q')).toMatchObject({ file: '/srv/q' })
    const other = new StorageError('/srv/q/state.slots', 'fails its checksum')
    expect(asStorageError(other, '/srv/q')).toBe(other)
    const plain = new Error('no code')
    expect(asStorageError(plain, '/srv/q')).toBe(plain)
  })

  it('damaged state keeps its own words and reason', () => {
    expect(new StorageError('/srv/q/state.slots', 'fails its checksum')).toMatchObject({ reason: 'damaged', message: '/srv/q/state.slots: fails its checksum; refusing to start with lost or damaged state (the file is left as it is)' })
  })
})

describe('a data directory path that cannot be a directory', () => {
  it.each(Object.entries(openers))('is a StorageError from the %s, when the path is a regular file', async (_, open) => {
    const d = await scratch()
    const file = join(d, 'data')
    await writeFile(file, 'not a directory')
    const err = await rejection(open(file), StorageError, 'StorageError', 'ERR_STORAGE')
    expect(err).toMatchObject({ file, reason: 'unusable' })
    expect(err.message).toBe(`${file}: cannot create the directory: a file that is not a directory is in the way (EEXIST); the data directory cannot be used`)
  })

  it.each(Object.entries(openers))('is a StorageError from the %s, when a parent is a regular file', async (_, open) => {
    const d = await scratch()
    await writeFile(join(d, 'parent'), 'not a directory')
    const path = join(d, 'parent', 'data')
    const err = await rejection(open(path), StorageError, 'StorageError', 'ERR_STORAGE')
    expect(err).toMatchObject({ file: path, reason: 'unusable' })
    expect(err.message).toMatch(/cannot create the directory: a part of the path is a file, not a directory \(ENOTDIR\)/)
  })

  it('a missing parent is no error: the whole path is created, as the dataDir option says', async () => {
    const d = await scratch()
    const path = join(d, 'a', 'b', 'c')
    const lock = await DataDirLock.acquire(path)
    expect(await new FileStorage(path).load()).toBeNull()
    expect((await loadOrCreateIdentity(path)).type).toBe('Ed25519')
    lock.release()
    expect(existsSync(join(path, 'node.key'))).toBe(true)
  })
})

/** True if this process may make a mount namespace and mount in it (root, with unshare). */
const CAN_MOUNT = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0
if (!CAN_MOUNT) console.warn('read-only data directory test skipped: needs root and unshare -m to mount a read-only tmpfs')

describe.skipIf(!CAN_MOUNT)('a data directory on a read-only file system', () => {
  it('is a StorageError saying so, from the lock, the state and the identity, new or existing', async () => {
    const mnt = await scratch()
    // A tmpfs with one directory in it, then made read-only, in a mount namespace only the probe sees.
    const script = 'mount -t tmpfs tmpfs "$1" && mkdir "$1/existing" && mount -o remount,ro "$1" && "$2" --import tsx "$3" "$1/new" && "$2" --import tsx "$3" "$1/existing"'
    const { stdout } = await promisify(execFile)('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', mnt, process.execPath, PROBE])
    const results = stdout.trim().split('\n').map(l => JSON.parse(l) as Record<string, string>)
    expect(results).toHaveLength(6)
    for (const r of results) {
      expect(r, JSON.stringify(r)).toMatchObject({ name: 'StorageError', code: 'ERR_STORAGE', reason: 'unusable' })
      expect(r.message).toMatch(/the file system is read-only \(EROFS\); the data directory cannot be used$/)
    }
    // A new directory cannot be made; in an existing one, the first file cannot be written.
    expect(results.slice(0, 3).map(r => r.file)).toEqual([join(mnt, 'new'), join(mnt, 'new'), join(mnt, 'new')])
    expect(results.slice(0, 3).every(r => r.message!.includes('cannot create the directory'))).toBe(true)
    expect(results[3]!.file).toBe(join(mnt, 'existing', 'LOCK'))
    expect(results[4]!.file).toBe(join(mnt, 'existing', 'state.slots'))
    expect(results[5]!.file).toBe(join(mnt, 'existing', 'node.key'))
  })
})
