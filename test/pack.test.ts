/**
 * The package as people get it, through npm itself:
 *   - `npm pack` (which builds dist/ through the `prepare` script) makes a tarball
 *     holding LICENSE, the built entry points and the bin, and nothing of the tests;
 *   - installed into a fresh project from the npm cache alone (tests run without a
 *     network), it imports by name, elects itself, and its bin runs without tsx;
 *   - in a clone, after `npm ci`, `npx quorum` runs the project's own bin.
 * npm runs under the project's Node (process.execPath), not the `node` its shebang finds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { access, copyFile, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { NETNS_OK } from './net/env.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const KEY = /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\n$/

/** The npm that runs the tests (npm_execpath: npm-cli.js, or npx-cli.js beside it), else the one on PATH. */
async function findNpmCli (): Promise<string> {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && /^np[mx]-cli\.js$/.test(basename(execPath))) return join(dirname(execPath), 'npm-cli.js')
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    // The `npm` on PATH is a link to npm's bin/npm-cli.js.
    try { return await realpath(join(dir, 'npm')) } catch {}
  }
  throw new Error('npm not found: run the tests with npm test')
}

let tmp = ''
let npmCli = ''
let env: NodeJS.ProcessEnv = {}

async function npm (args: string[], cwd: string): Promise<{ stdout: string, stderr: string }> {
  return await run(process.execPath, [npmCli, ...args], { cwd, env, maxBuffer: 64 << 20 })
}
async function npx (args: string[], cwd: string): Promise<{ stdout: string, stderr: string }> {
  return await run(process.execPath, [join(dirname(npmCli), 'npx-cli.js'), ...args], { cwd, env })
}
async function exists (path: string): Promise<boolean> {
  return await access(path).then(() => true, () => false)
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'quorum-pack-'))
  npmCli = await findNpmCli()
  // Not the npm_* variables of the `npm test` around us (its package, its
  // lifecycle event, its local prefix); the project's Node first on PATH, for
  // the scripts npm runs.
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')))
  env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`
  // npm's cache as it is, for the offline installs; but npx's cache (_npx,
  // beside _cacache) and npm's logs in a scratch directory, removed afterwards.
  const cache = (await npm(['config', 'get', 'cache'], ROOT)).stdout.trim()
  const scratchCache = join(tmp, 'npm-cache')
  await mkdir(scratchCache)
  await symlink(join(cache, '_cacache'), join(scratchCache, '_cacache'))
  env.npm_config_cache = scratchCache
}, 60_000)
afterAll(async () => { if (tmp !== '') await rm(tmp, { recursive: true, force: true }) })

describe('the npm package', () => {
  let tarball = ''
  let files: string[] = []
  let app = ''

  beforeAll(async () => {
    // --json: the lifecycle scripts' output goes to stderr, the report to stdout.
    // This builds dist/ in the project itself, as npm publish would.
    const [report] = JSON.parse((await npm(['pack', '--json', '--pack-destination', tmp], ROOT)).stdout) as Array<{ filename: string, files: Array<{ path: string }> }>
    tarball = join(tmp, report!.filename)
    files = report!.files.map(f => f.path)
  }, 120_000)

  it('holds LICENSE, package.json, the built entry points and the bin, and no tests', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/core.js', 'dist/core.d.ts', 'dist/cli.js']) expect(files).toContain(f)
    // Only the build, its sources (for the source maps) and the three files npm always adds.
    expect(files.filter(f => !/^(dist|src)\//.test(f) && !['LICENSE', 'README.md', 'package.json'].includes(f))).toEqual([])
    expect(files.filter(f => f.startsWith('test/'))).toEqual([])
  })

  it('installs from the npm cache alone into a fresh project, whose bin runs without tsx', async () => {
    app = join(tmp, 'app')
    await mkdir(app)
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'quorum-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2))
    // npm ci fills the cache with the tarballs of the lockfile but not with the
    // registry's metadata, so npm alone cannot resolve the package's version
    // ranges offline (ENOTCACHED). A lockfile holding the project's own locked
    // dependencies, less the dev ones, lets it: the consumer gets the versions
    // the project is tested with.
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> }
    const packages: Record<string, unknown> = { '': { name: 'quorum-consumer', version: '1.0.0' } }
    for (const [path, entry] of Object.entries(lock.packages)) if (path.startsWith('node_modules/') && entry.dev !== true) packages[path] = entry
    await writeFile(join(app, 'package-lock.json'), JSON.stringify({ name: 'quorum-consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2))

    await npm(['install', '--offline', '--no-audit', '--no-fund', tarball], app)
    const installed = join(app, 'node_modules', 'quorum-election')
    expect(JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'))).toMatchObject({ name: 'quorum-election' })
    expect(await exists(join(installed, 'LICENSE')), 'LICENSE installed').toBe(true)
    expect(await exists(join(app, 'node_modules', 'tsx')), 'tsx installed').toBe(false)

    const bin = join(app, 'node_modules', '.bin', 'quorum')
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect((await run(process.execPath, [bin, '--help'], { cwd: app, env })).stdout).toMatch(/^Usage:\n {2}quorum keygen/)
    // As the README has it: npx runs the bin of the installed package.
    expect((await npx(['quorum', 'keygen'], app)).stdout).toMatch(KEY)
  }, 120_000)

  it.skipIf(!NETNS_OK)('imported by name, elects itself leader of a cluster of one', async () => {
    expect(app, 'the install test ran').not.toBe('')
    await writeFile(join(app, 'elect.js'), `
import { createElection } from 'quorum-election'
import { Node } from 'quorum-election/core'
const election = await createElection({ clusterSize: 1, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
try {
  const leader = await election.waitForLeader({ timeoutMs: 20000 })
  console.log(JSON.stringify({ isLeader: election.isLeader, isSelf: leader.isSelf, epoch: leader.epoch, core: typeof Node }))
} finally {
  await election.stop()
}
`)
    const { stdout } = await run(process.execPath, [join(app, 'elect.js')], { cwd: app, env, timeout: 60_000 })
    expect(JSON.parse(stdout)).toEqual({ isLeader: true, isSelf: true, epoch: 1, core: 'function' })
  }, 90_000)
})

describe('a clone', () => {
  it('after npm ci, npx quorum runs the project\'s own bin', async () => {
    // The files git tracks, as they are in the working tree: what a clone of
    // this tree, committed, would hold (no dist/, no node_modules).
    const clone = join(tmp, 'clone')
    const tracked = (await run('git', ['ls-files', '-z'], { cwd: ROOT, maxBuffer: 16 << 20 })).stdout.split('\0').filter(f => f !== '')
    for (const f of tracked) {
      if (!await exists(join(ROOT, f))) continue // deleted, not yet committed
      await mkdir(dirname(join(clone, f)), { recursive: true })
      await copyFile(join(ROOT, f), join(clone, f))
    }
    expect(await exists(join(clone, 'dist')), 'dist/ in the clone before npm ci').toBe(false)

    // npm ci runs the root project's prepare script, which builds dist/.
    await npm(['ci', '--offline', '--no-audit', '--no-fund'], clone)
    expect(await exists(join(clone, 'dist', 'cli.js')), 'npm ci built dist/cli.js (the prepare script)').toBe(true)
    // npm does not link the root package's own bin into node_modules/.bin; npx
    // finds it in package.json and links the project into its own cache.
    expect(await exists(join(clone, 'node_modules', '.bin', 'quorum')), 'node_modules/.bin/quorum').toBe(false)
    expect((await npx(['quorum', '--help'], clone)).stdout).toMatch(/^Usage:\n {2}quorum keygen/)
    expect((await npx(['quorum', 'keygen'], clone)).stdout).toMatch(KEY)
  }, 240_000)
})
