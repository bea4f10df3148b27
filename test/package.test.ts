/**
 * The published surface: what `tsc -p tsconfig.build.json` emits for the
 * package root and `quorum-election/core`, and that nothing marked @internal
 * reaches the .d.ts files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { existsSync } from 'node:fs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SRC = join(ROOT, 'src')
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
const CORE_ONLY = ['Node', 'NodeRunner', 'Acceptor', 'Proposer', 'Learner', 'encodeMessage', 'decodeMessage', 'MemoryNetwork', 'Libp2pTransport', 'protocolFor', 'resolveConfig']

/** The package as it would be installed: package.json, dist/ built by tsc, and (linked) its dependencies. */
let pkg = ''
let out = ''
beforeAll(async () => {
  pkg = await mkdtemp(join(tmpdir(), 'quorum-package-'))
  out = join(pkg, 'dist')
  // The project's Node (npm test puts it first on PATH), not whatever `node` the shell finds.
  await promisify(execFile)(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT })
  await copyFile(join(ROOT, 'package.json'), join(pkg, 'package.json'))
  await symlink(join(ROOT, 'node_modules'), join(pkg, 'node_modules'))
}, 120_000)
afterAll(async () => { if (pkg !== '') await rm(pkg, { recursive: true, force: true }) })

async function files (dir: string, ext: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile() && e.name.endsWith(ext)).map(e => join(e.parentPath, e.name))
}

/** The names a .d.ts exports by name, and the modules it re-exports whole. */
function exportsOf (dts: string): { names: Set<string>, star: string[] } {
  const names = new Set<string>()
  for (const [, list] of dts.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const item of list!.split(',')) {
      const name = item.trim().replace(/^type /, '').split(/\s+as\s+/).pop()!.trim()
      if (name !== '') names.add(name)
    }
  }
  for (const [, name] of dts.matchAll(/export (?:declare )?(?:abstract )?(?:class|function|const|interface|type) ([A-Za-z_$][\w$]*)/g)) names.add(name!)
  const star = [...dts.matchAll(/export (?:type )?\* from '([^']+)'/g)].map(m => m[1]!)
  return { names, star }
}

/** What may stand before a declared name: keywords of members and of exported declarations. */
const MODIFIERS = '(?:(?:export|declare|abstract|function|interface|class|const|let|type|get|set|static|readonly|async|public|protected) )*'

/** The members a class declares in a .d.ts, by name (`#private` for its private fields, `[Symbol.x]` as written). */
function membersOf (dts: string, cls: string): string[] {
  const body = new RegExp(`export declare class ${cls}\\b[^{]*\\{\\n([^]*?)\\n\\}`).exec(dts)?.[1] ?? ''
  return [...body.matchAll(/^ {4}(?:(?:readonly|get|set|static|async|protected) )*(#private|\[[^\]]+\]|[A-Za-z_$][\w$]*)/gm)].map(m => m[1]!)
}

describe('the published package', () => {
  it('the root exports the election, errors and storage but not the core, which core does', async () => {
    const root = exportsOf(await readFile(join(out, 'index.d.ts'), 'utf8'))
    const core = exportsOf(await readFile(join(out, 'core.d.ts'), 'utf8'))
    for (const name of CORE_ONLY) {
      expect(root.names.has(name), `root exports ${name}`).toBe(false)
      expect(core.names.has(name), `core does not export ${name}`).toBe(true)
    }
    // The root re-exports one module whole: the errors.
    expect(root.star).toEqual(['./errors.js'])
    for (const name of ['createElection', 'leaderElection', 'Election', 'ElectionEvents', 'ElectionOptions', 'MemoryStorage', 'FileStorage', 'Storage', 'mdnsServiceTag', 'connectionMonitorFor', 'newSwarmKey']) {
      expect(root.names.has(name), `root does not export ${name}`).toBe(true)
    }
    // What the modules give at run time agrees with the declarations.
    const rootModule = await import('../src/index.js')
    const coreModule = await import('../src/core.js')
    for (const name of CORE_ONLY) {
      expect(Object.keys(rootModule)).not.toContain(name)
      expect(Object.keys(coreModule)).toContain(name)
    }
    expect(rootModule.ConfigError.code).toBe('ERR_CONFIG')
  })

  it('package.json maps "." and "./core" to the emitted files, for import and for require', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string, import: string }> }
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js', require: './dist/index.js' })
    expect(pkg.exports['./core']).toEqual({ types: './dist/core.d.ts', import: './dist/core.js', require: './dist/core.js' })
  })

  it('an application in CommonJS can require() both entry points (Node.js 22.12 and later load ES modules so)', async () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
    expect(major > 22 || (major === 22 && minor >= 12), `the project's Node.js ${process.versions.node} has no require(esm)`).toBe(true)
    // An application with the package installed, as npm would lay it out.
    const app = await mkdtemp(join(tmpdir(), 'quorum-cjs-app-'))
    try {
      await mkdir(join(app, 'node_modules'))
      await symlink(pkg, join(app, 'node_modules', 'quorum-election'))
      const script = [
        "const q = require('quorum-election')",
        "const core = require('quorum-election/core')",
        'console.log(JSON.stringify({ createElection: typeof q.createElection, leaderElection: typeof q.leaderElection, code: q.ConfigError.code, NodeRunner: typeof core.NodeRunner }))'
      ].join('; ')
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: app })
      expect(JSON.parse(stdout)).toEqual({ createElection: 'function', leaderElection: 'function', code: 'ERR_CONFIG', NodeRunner: 'function' })
    } finally {
      await rm(app, { recursive: true, force: true })
    }
  })

  it('no declaration marked @internal appears in the emitted .d.ts', async () => {
    const dts = await files(out, '.d.ts')
    expect(dts.length).toBeGreaterThan(10)
    let internal = 0
    for (const source of await files(SRC, '.ts')) {
      const text = await readFile(source, 'utf8')
      const names = [...text.matchAll(new RegExp(`/\\*\\*(?:(?!\\*/)[^])*@internal(?:(?!\\*/)[^])*\\*/\\s*${MODIFIERS}([A-Za-z_$][\\w$]*)`, 'g'))].map(m => m[1]!)
      if (names.length === 0) continue
      internal += names.length
      const emitted = await readFile(join(out, relative(SRC, source).replace(/\.ts$/, '.d.ts')), 'utf8')
      expect(emitted).not.toMatch(/@internal/)
      for (const name of names) {
        expect(emitted, `${relative(ROOT, source)}: ${name}`).not.toMatch(new RegExp(`^\\s*${MODIFIERS}${name.replace('$', '\\$')}\\b\\s*[(<:?{=]`, 'm'))
      }
    }
    // Node's leaseUntil and grant, election.ts's hosting hooks, the memory network's hooks.
    expect(internal).toBeGreaterThanOrEqual(6)
    const node = await readFile(join(out, 'node', 'node.d.ts'), 'utf8')
    expect(node).not.toMatch(/get leaseUntil\(/)
    expect(node).not.toMatch(/get grant\(/)
    for (const f of dts) expect(await readFile(f, 'utf8'), relative(out, f)).not.toMatch(/@internal/)
  })

  it('the Election class declares its public API and nothing else: createElection\'s hooks are not on it', async () => {
    const dts = await readFile(join(out, 'election.d.ts'), 'utf8')
    expect(membersOf(dts, 'Election')).toEqual([
      '#private', '[Symbol.toStringTag]', '[serviceCapabilities]', '[serviceDependencies]', 'protocol', 'constructor',
      'nodeId', 'leader', 'isLeader', 'epoch', 'multiaddrs', 'peers', 'configuration', 'members', 'wireStats',
      'onLeaderChosen', 'waitForLeader', 'resign', 'stop', '[Symbol.asyncDispose]', 'start', 'beforeStop'
    ])
    for (const hook of ['setOwner', 'watchDiscovery', 'hostedElection', 'HostedElection', 'ElectionHost', 'internals']) {
      expect(dts, hook).not.toMatch(new RegExp(`\\b${hook}\\b`))
    }
  })
})

/** A Node.js older than 22 to try the package on: the system's, where there is one (the project's own is 22). */
const OLD_NODE = '/usr/bin/node'
const oldMajor = existsSync(OLD_NODE) ? Number(/^v(\d+)/.exec(execFileSync(OLD_NODE, ['--version'], { encoding: 'utf8' }))?.[1]) : null
const noOldNode = oldMajor === null ? `${OLD_NODE} is absent` : oldMajor >= 22 ? `${OLD_NODE} is Node.js ${oldMajor}, not older than 22` : null
if (noOldNode !== null) console.warn(`old Node.js test skipped: ${noOldNode}`)

describe('the run-time check of the Node.js version', () => {
  it('package.json\'s engines and the check agree', async () => {
    const pkgJson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    const { MIN_NODE_MAJOR, checkRuntime } = await import('../src/runtime.js')
    expect(pkgJson.engines.node).toBe(`>=${MIN_NODE_MAJOR}`)
    expect(() => { checkRuntime('22.0.0') }).not.toThrow()
    expect(() => { checkRuntime('21.7.3') }).toThrow(expect.objectContaining({ name: 'UnsupportedRuntimeError', code: 'ERR_UNSUPPORTED_RUNTIME', found: '21.7.3', required: '22 or later' }))
    expect(() => { checkRuntime(null) }).toThrow(/this is Node\.js not Node\.js/)
  })

  it.skipIf(noOldNode !== null)('on an older Node.js, importing or requiring either entry point throws an UnsupportedRuntimeError saying so', () => {
    const report = 'console.log(JSON.stringify({ name: e.name, code: e.code, found: e.found, message: e.message }))'
    for (const entry of ['index.js', 'core.js']) {
      const file = join(out, entry)
      const ways = [
        ['--input-type=module', '-e', `try { await import(${JSON.stringify(pathToFileURL(file).href)}); console.log('loaded') } catch (e) { ${report} }`],
        ['-e', `try { require(${JSON.stringify(file)}); console.log('loaded') } catch (e) { ${report} }`]
      ]
      for (const args of ways) {
        const r = spawnSync(OLD_NODE, args, { encoding: 'utf8' })
        const line = r.stdout.trim().split('\n').pop() ?? ''
        expect(line, `${args.join(' ')}: ${r.stderr}`).toMatch(/^\{/)
        const err = JSON.parse(line) as Record<string, string>
        expect(err).toMatchObject({ name: 'UnsupportedRuntimeError', code: 'ERR_UNSUPPORTED_RUNTIME', found: expect.stringMatching(new RegExp(`^${oldMajor}\\.`)) })
        expect(err.message).toMatch(/^Quorum needs Node\.js 22 or later, but this is Node\.js \d+\.\d+\.\d+: libp2p 3 uses Promise\.withResolvers/)
      }
    }
  })
})
