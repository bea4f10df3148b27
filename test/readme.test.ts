/**
 * The README and docs/*.md cannot rot.
 *
 * (a) README.md is at most 12 KiB (12288 bytes): a reference, not an essay.
 * (b) Every relative link in README.md and docs/*.md resolves: the file exists,
 *     and a #anchor names a heading of that file (GitHub's slugs).
 * (c) Every ```ts and ```js block runs. The line just before such a block is a
 *     marker; a block without one fails this test:
 *       <!-- readme-test: run -->
 *         run it once; it must exit 0 by itself;
 *       <!-- readme-test: run copies=3 until="TEXT" -->
 *         start 3 copies at once, each in a working directory of its own (so a
 *         relative `dataDir` is each copy's own); once every copy has printed
 *         TEXT, send each SIGTERM; each must then exit 0 by itself;
 *       … swarm-key
 *         (with either) give every copy one new cluster key in QUORUM_SWARM_KEY;
 *       <!-- readme-test: typecheck -->
 *         a deliberate fragment: only type-checked.
 *     Every ts block is type-checked (tsc --noEmit, the project's tsconfig). A
 *     run must not print a Quorum error code (`ERR_…`) on stderr. Blocks import
 *     'quorum-election' and 'quorum-election/core' as an application does; they
 *     are rewritten to src/index.ts and src/core.ts, since the package's exports
 *     point at dist/, which a clone has not built. Snippets run with tsx on the
 *     project's Node, from a temporary directory inside the project (so that
 *     libp2p & co resolve), one block at a time; they may start libp2p nodes
 *     with mDNS, so they run only inside the private network namespace that
 *     `npm test` makes (scripts/in-netns.sh), and are skipped elsewhere.
 * (d) Every `npm run X` in these files is a script of package.json, and every
 *     examples/… file they name exists (```sh blocks are never run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { NETNS_OK, NETNS_SKIP_REASON } from './net/env.js'
import { newSwarmKey } from '../src/index.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const README = join(ROOT, 'README.md')
const DOCS = [README, ...readdirSync(join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => join(ROOT, 'docs', f))]
const MAX_README_BYTES = 12288
/** How long copies may take to print their `until` text, or a plain run to exit. */
const RUN_MS = 30_000
/** How long a copy may take to exit after SIGTERM (stop() of a voter waits up to stabilizationMs + 2 × leaseMs, 8 s). */
const EXIT_MS = 20_000

interface Block { readonly file: string, readonly line: number, readonly lang: string, readonly code: string, readonly marker: string | null }

/** Fenced code blocks, with the marker comment on the line before each (if any), and the text outside them. */
function parse (file: string): { blocks: Block[], prose: string[] } {
  const lines = readFileSync(file, 'utf8').split('\n')
  const blocks: Block[] = []
  const prose: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*([\w-]*)/.exec(lines[i]!)
    if (open === null) { prose.push(lines[i]!); continue }
    const fence = open[2]!
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence); i++) body.push(lines[i]!)
    const before = start > 0 ? /^<!--\s*readme-test:\s*(.*?)\s*-->\s*$/.exec(lines[start - 1]!) : null
    blocks.push({ file, line: start + 1, lang: open[3]!.toLowerCase(), code: body.join('\n') + '\n', marker: before === null ? null : before[1]! })
    prose.push('')
  }
  return { blocks, prose }
}

/** GitHub's heading anchors: lowercase, punctuation removed but for - and _, spaces to -, repeats numbered. */
function anchorsOf (file: string): Set<string> {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const line of parse(file).prose) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (h === null) continue
    const text = h[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '')
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    anchors.add(n === 0 ? base : `${base}-${n}`)
  }
  return anchors
}

/** The targets of the markdown links in a file's prose (not in code: inline code spans are removed first). */
function linksOf (file: string): string[] {
  const text = parse(file).prose.join('\n').replace(/`[^`\n]*`/g, '')
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(m => m[1]!)
}

interface Marker { readonly mode: 'run' | 'typecheck', readonly copies: number, readonly until: string | null, readonly swarmKey: boolean }

function parseMarker (b: Block): Marker {
  const m = /^(run|typecheck)((?:\s+(?:copies=\d+|until="[^"]*"|swarm-key))*)$/.exec(b.marker ?? '')
  if (m === null) throw new Error(`${where(b)}: a \`\`\`${b.lang} block needs a marker on the line before it: <!-- readme-test: run [copies=N until="TEXT"] [swarm-key] --> or <!-- readme-test: typecheck -->; got ${JSON.stringify(b.marker)}`)
  const copies = Number(/copies=(\d+)/.exec(m[2]!)?.[1] ?? '1')
  const until = /until="([^"]*)"/.exec(m[2]!)?.[1] ?? null
  if (copies > 1 && until === null) throw new Error(`${where(b)}: copies=${copies} needs until="TEXT"`)
  return { mode: m[1] as 'run' | 'typecheck', copies, until, swarmKey: /\bswarm-key\b/.test(m[2]!) }
}

const where = (b: Block): string => `${relative(ROOT, b.file)}:${b.line}`
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
const codeBlocks = DOCS.flatMap(f => parse(f).blocks).filter(b => ['ts', 'typescript', 'js', 'javascript', 'mjs'].includes(b.lang))

describe('the README', () => {
  it(`is at most ${MAX_README_BYTES} bytes`, () => {
    expect(readFileSync(README).length).toBeLessThanOrEqual(MAX_README_BYTES)
  })
})

describe('the links of README.md and docs/*.md', () => {
  it('resolve to files that exist, and anchors to headings there', () => {
    const broken: string[] = []
    let checked = 0
    for (const file of DOCS) {
      for (const target of linksOf(file)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // http:, https:, mailto:
        checked++
        const [path, anchor] = target.split('#', 2) as [string, string | undefined]
        const dest = path === '' ? file : resolve(dirname(file), decodeURIComponent(path))
        if (!existsSync(dest)) { broken.push(`${relative(ROOT, file)}: ${target} (no such file)`); continue }
        if (anchor !== undefined && anchor !== '' && !anchorsOf(dest).has(anchor)) {
          broken.push(`${relative(ROOT, file)}: ${target} (no heading #${anchor} in ${relative(ROOT, dest)})`)
        }
      }
    }
    expect(broken).toEqual([])
    expect(checked).toBeGreaterThan(20)
  })

  it('have GitHub\'s anchors (slugs)', () => {
    // "## `dataDir`: durable state and identity", "## Cluster membership: configuration.ts and membership.ts"
    expect(anchorsOf(join(ROOT, 'docs', 'safety.md')).has('datadir-durable-state-and-identity')).toBe(true)
    expect(anchorsOf(join(ROOT, 'docs', 'mutation.md')).has('cluster-membership-configurationts-and-membershipts')).toBe(true)
  })
})

describe('the commands the docs name', () => {
  it('every `npm run X` is a script, every examples/… file exists', () => {
    const missing: string[] = []
    for (const file of DOCS) {
      const text = readFileSync(file, 'utf8')
      for (const [, name] of text.matchAll(/npm run(?:\s+-s)?\s+([\w:.-]*\w)/g)) {
        if (pkg.scripts[name!] === undefined) missing.push(`${relative(ROOT, file)}: npm run ${name}`)
      }
      for (const [path] of text.matchAll(/\bexamples\/[\w.-]+\.ts\b/g)) {
        if (!existsSync(join(ROOT, path))) missing.push(`${relative(ROOT, file)}: ${path}`)
      }
    }
    expect(missing).toEqual([])
  })
})

describe('the code blocks of README.md and docs/*.md', () => {
  let dir = ''
  const files = new Map<Block, string>()

  beforeAll(async () => {
    dir = await mkdtemp(join(ROOT, '.readme-test-'))
    for (const b of codeBlocks) {
      const name = `${relative(ROOT, b.file).replace(/[/.]/g, '_')}-L${b.line}.${b.lang.startsWith('t') ? 'ts' : 'mjs'}`
      const file = join(dir, name)
      const toSrc = (m: string): string => `${relative(dir, join(ROOT, 'src')).replace(/\\/g, '/')}/${m}.js`
      const code = b.code
        .replace(/(['"])quorum-election\/core\1/g, `'${toSrc('core')}'`)
        .replace(/(['"])quorum-election\1/g, `'${toSrc('index')}'`)
      await writeFile(file, code)
      files.set(b, file)
    }
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '..' },
      include: ['*.ts']
    }))
  })
  afterAll(async () => { if (dir !== '') await rm(dir, { recursive: true, force: true }) })

  it('each ts/js block carries a marker', () => {
    expect(codeBlocks.length).toBeGreaterThan(0)
    for (const b of codeBlocks) parseMarker(b)
  })

  it('type-check', async () => {
    if (![...files.keys()].some(b => b.lang.startsWith('t'))) return
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const out = await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: ROOT }).then(() => '', (err: { stdout?: string, message: string }) => err.stdout ?? err.message)
    expect(out).toBe('')
  }, 60_000)

  for (const b of codeBlocks) {
    const marker = (() => { try { return parseMarker(b) } catch { return null } })()
    if (marker === null || marker.mode !== 'run') continue
    const title = `${where(b)} runs${marker.copies > 1 ? ` as ${marker.copies} processes until each prints ${JSON.stringify(marker.until)}, then stops on SIGTERM` : ''}`
    it.skipIf(!NETNS_OK)(title, async () => {
      await runBlock(b, files.get(b)!, marker)
    }, RUN_MS + EXIT_MS + 10_000)
  }
  if (!NETNS_OK) it.skip(`running the blocks: ${NETNS_SKIP_REASON}`, () => {})
})

interface Copy { readonly child: ChildProcess, stdout: string, stderr: string, exited: { code: number | null, signal: NodeJS.Signals | null } | null }

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Polls every 50 ms until `done()` or `ms` have passed; returns whether `done()` held. */
async function until (done: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (!done()) {
    if (Date.now() > end) return false
    await sleep(50)
  }
  return true
}

async function runBlock (b: Block, file: string, m: Marker): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.QUORUM_SWARM_KEY
  delete env.QUORUM_SWARM_KEY_FILE
  delete env.DEBUG
  if (m.swarmKey) env.QUORUM_SWARM_KEY = newSwarmKey()
  const copies: Copy[] = []
  for (let i = 0; i < m.copies; i++) {
    const cwd = join(`${file}.run`, `copy${i + 1}`)
    await mkdir(cwd, { recursive: true })
    // The project's Node (npm test puts it first on PATH) with tsx as a loader: one process, so SIGTERM reaches the snippet.
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const c: Copy = { child, stdout: '', stderr: '', exited: null }
    child.stdout!.on('data', (d: Buffer) => { c.stdout += d.toString() })
    child.stderr!.on('data', (d: Buffer) => { c.stderr += d.toString() })
    child.once('exit', (code, signal) => { c.exited = { code, signal } })
    copies.push(c)
  }
  const fail = (what: string): never => {
    throw new Error(`${where(b)}: ${what}\n` + copies.map((c, i) => `--- copy ${i + 1}, stdout:\n${c.stdout}--- stderr:\n${c.stderr}`).join('\n'))
  }
  try {
    if (m.until !== null) {
      const text = m.until
      const printed = (): boolean => copies.every(c => c.stdout.includes(text))
      await until(() => printed() || copies.some(c => c.exited !== null), RUN_MS)
      if (!printed()) fail(copies.some(c => c.exited !== null) ? `a copy exited before every copy printed ${JSON.stringify(text)}` : `not every copy printed ${JSON.stringify(text)} within ${RUN_MS} ms`)
      for (const c of copies) c.child.kill('SIGTERM')
    }
    const limit = m.until !== null ? EXIT_MS : RUN_MS
    if (!await until(() => copies.every(c => c.exited !== null), limit)) fail(`not every copy exited within ${limit} ms${m.until !== null ? ' of SIGTERM' : ''}`)
    copies.forEach((c, i) => { if (c.exited!.code !== 0) fail(`copy ${i + 1} exited with ${c.exited!.code ?? c.exited!.signal}`) })
    if (copies.some(c => /\bERR_[A-Z_]+\b/.test(c.stderr))) fail('a Quorum error code was printed')
  } finally {
    for (const c of copies) if (c.exited === null) c.child.kill('SIGKILL')
  }
}
