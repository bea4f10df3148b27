/**
 * The `quorum` command, run as a process (the TypeScript source under tsx, as
 * the built dist/cli.js would run): its help, its usage errors (exit 2, never a
 * stack), and what keygen and id write and print.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseSwarmKey, readSwarmKeyFile } from '../src/security/swarm-key.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(ROOT, 'src', 'cli.ts')
// tsx's loader by absolute URL, so the CLI can run in a scratch directory: whatever
// a broken CLI writes to a relative path lands there, not in the project.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const PEER_ID = /^12D3KooW[1-9A-HJ-NP-Za-km-z]+\n$/
const KEY = /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\n$/
// A line of a stack trace, which no mistake of the user's may print.
const STACK = /^\s+at /m

interface Result { code: number, stdout: string, stderr: string }

let cwd = ''
beforeAll(async () => { cwd = await mkdtemp(join(tmpdir(), 'quorum-cli-cwd-')) })
afterAll(async () => { if (cwd !== '') await rm(cwd, { recursive: true, force: true }) })

/** Runs `quorum ...args` with the project's Node; resolves with the exit status and output, whatever the status. */
async function quorum (...args: string[]): Promise<Result> {
  return await new Promise(resolve => {
    execFile(process.execPath, ['--import', TSX, CLI, ...args], { cwd }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

const dirs: string[] = []
async function dir (): Promise<string> { const d = await mkdtemp(join(tmpdir(), 'quorum-cli-')); dirs.push(d); return d }
afterEach(async () => { await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) })) })

describe('quorum help', () => {
  it('--help, -h and help print the usage of every command to stdout and exit 0', async () => {
    const runs = await Promise.all([['--help'], ['-h'], ['help'], ['keygen', '--help'], ['id', '-h']].map(async args => await quorum(...args)))
    for (const r of runs) {
      expect(r).toMatchObject({ code: 0, stderr: '' })
      expect(r.stdout).toMatch(/^Usage:/)
      for (const command of ['quorum keygen [--out FILE]', 'quorum id --data-dir DIR', 'quorum help']) expect(r.stdout).toContain(command)
      // What id does to an existing directory without a key is said up front.
      expect(r.stdout).toMatch(/DIR must exist/)
    }
  })
})

describe('usage errors: a message and the usage on stderr, exit 2, no stack', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no command', [], /^quorum: no command given\n/],
    ['an unknown command', ['keys'], /^quorum: unknown command 'keys'\n/],
    ['an option before the command', ['--out', 'k', 'keygen'], /^quorum: expected a command, not the option '--out'\n/],
    ['an unknown option', ['keygen', '--bogus'], /^quorum keygen: Unknown option '--bogus'/],
    ["another command's option", ['keygen', '--data-dir', 'd'], /^quorum keygen: Unknown option '--data-dir'/],
    ['--out without a value', ['keygen', '--out'], /^quorum keygen: Option '--out <value>' argument missing\n/],
    ['an empty --out', ['keygen', '--out='], /^quorum keygen: --out needs a value\n/],
    ['a stray argument', ['keygen', 'swarm.key'], /^quorum keygen: Unexpected argument 'swarm.key'/],
    ['id without --data-dir', ['id'], /^quorum id: --data-dir DIR is required\n/]
  ]
  it.each(cases)('%s', async (_, args, message) => {
    const r = await quorum(...args)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(message)
    expect(r.stderr).toContain('\nUsage:\n  quorum keygen')
    expect(r.stderr).not.toMatch(STACK)
    expect(r.stderr).not.toMatch(/TypeError/)
  })
})

describe('quorum keygen', () => {
  it('prints a new key, ending with a newline, that parseSwarmKey accepts', async () => {
    const [a, b] = await Promise.all([quorum('keygen'), quorum('keygen')])
    expect(a!.code).toBe(0)
    expect(a!.stdout).toMatch(KEY)
    expect(parseSwarmKey(a!.stdout).length).toBe(95)
    expect(b!.stdout).not.toBe(a!.stdout)
  })

  it('--out FILE writes the key with mode 0600 and a final newline, and never overwrites it', async () => {
    const d = await dir()
    const file = join(d, 'swarm.key')
    const r = await quorum('keygen', '--out', file)
    expect(r).toMatchObject({ code: 0, stdout: '' })
    expect(r.stderr).toMatch(/wrote a new cluster key to .*swarm\.key \(mode 0600\)/)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const key = await readFile(file, 'utf8')
    expect(key).toMatch(KEY)
    expect((await readSwarmKeyFile(file)).length).toBe(95)

    const again = await quorum('keygen', '--out', file)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^quorum keygen: .*swarm\.key already exists; not overwriting it/)
    expect(again.stderr).not.toMatch(STACK)
    expect(await readFile(file, 'utf8')).toBe(key)
  })

  it('a file it cannot create is an error, without a stack', async () => {
    const r = await quorum('keygen', '--out', join(await dir(), 'no', 'such', 'dir', 'swarm.key'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^quorum keygen: cannot create .*swarm\.key: ENOENT/)
    expect(r.stderr).not.toMatch(STACK)
  })
})

describe('quorum id', () => {
  it('refuses a missing data directory, and does not create it', async () => {
    const missing = join(await dir(), 'node1')
    const r = await quorum('id', '--data-dir', missing)
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(`quorum id: no data directory at ${missing}; a node creates it on first start. To learn the node's peer ID before that, create the directory (mkdir -p -m 700 ${missing}) and run this again\n`)
    await expect(stat(missing)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('refuses a file given as the data directory', async () => {
    const file = join(await dir(), 'file')
    await writeFile(file, '')
    const r = await quorum('id', '--data-dir', file)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`quorum id: ${file} is not a directory\n`)
  })

  it('in an existing directory, makes the key (mode 0600) and prints its peer ID, the same every time', async () => {
    const d = join(await dir(), 'node1')
    await mkdir(d)
    const first = await quorum('id', '--data-dir', d)
    expect(first).toMatchObject({ code: 0, stderr: '' })
    expect(first.stdout).toMatch(PEER_ID)
    expect((await stat(join(d, 'node.key'))).mode & 0o777).toBe(0o600)
    expect((await quorum('id', '--data-dir', d)).stdout).toBe(first.stdout)
  })

  it('a key file others can read is an error naming it, without a stack', async () => {
    const d = await dir()
    await writeFile(join(d, 'node.key'), 'x', { mode: 0o644 })
    const r = await quorum('id', '--data-dir', d)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^quorum id: .*node\.key: has permissions 644/)
    expect(r.stderr).not.toMatch(STACK)
  })
})
