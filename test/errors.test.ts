import { describe, expect, it } from 'vitest'
import * as errors from '../src/errors.js'
import { ConfigError as ConfigErrorOfConfig } from '../src/node/config.js'
import { StorageError as StorageErrorOfFile } from '../src/storage/file.js'
import { IdentityError as IdentityErrorOfIdentity } from '../src/storage/identity.js'
import { DataDirInUseError as DataDirInUseErrorOfLock } from '../src/storage/lock.js'
import { CodecError as CodecErrorOfCodec } from '../src/transport/codec.js'

// Each class's code is asserted where it is raised, in the test of that module; this
// checks what holds for all of them.
const classes = Object.entries(errors).filter(([name]) => name !== 'QuorumError') as Array<[string, { code: string, prototype: errors.QuorumError }]>

describe('errors', () => {
  it('every error class has its own stable code, and its name is the class name', () => {
    // TooManyVotersError is gone (named voter sets replaced the voter-count guard); three came with membership,
    // and UnsupportedRuntimeError with the check of the Node.js version.
    expect(classes.length).toBe(15)
    expect(classes.map(([name]) => name)).toContain('UnsupportedRuntimeError')
    expect(classes.map(([name]) => name)).not.toContain('TooManyVotersError')
    expect(classes.map(([name]) => name)).toEqual(expect.arrayContaining(['SettingMismatchError', 'ClusterMismatchError', 'ForgottenStateWarning']))
    const codes = classes.map(([, c]) => c.code)
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) expect(code).toMatch(/^ERR_[A-Z_]+$/)
    for (const [name, c] of classes) expect(c.prototype, name).toBeInstanceOf(errors.QuorumError)
    expect(new errors.LeaderTimeoutError(10)).toMatchObject({ name: 'LeaderTimeoutError', code: 'ERR_LEADER_TIMEOUT', timeoutMs: 10 })
    expect(new errors.UnsupportedRuntimeError('20.1.0', '22 or later')).toMatchObject({ name: 'UnsupportedRuntimeError', code: 'ERR_UNSUPPORTED_RUNTIME', found: '20.1.0', required: '22 or later' })
    expect(String(new errors.ConfigError('leaseMs', 'is wrong'))).toBe('ConfigError: invalid option "leaseMs": is wrong')
  })

  it('the package root exports every error class', async () => {
    const root = await import('../src/index.js') as Record<string, unknown>
    for (const [name, c] of classes) expect(root[name], name).toBe(c)
  })

  it('the old import locations give the very same classes', () => {
    expect(ConfigErrorOfConfig).toBe(errors.ConfigError)
    expect(StorageErrorOfFile).toBe(errors.StorageError)
    expect(IdentityErrorOfIdentity).toBe(errors.IdentityError)
    expect(DataDirInUseErrorOfLock).toBe(errors.DataDirInUseError)
    expect(CodecErrorOfCodec).toBe(errors.CodecError)
  })
})
