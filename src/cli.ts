#!/usr/bin/env node
/**
 * The `quorum` command (the package's bin; `npx quorum` in a clone, after `npm ci`
 * has built dist/ through the `prepare` script). USAGE below says what it does.
 *
 * Exit status: 0 on success, 1 when the command failed, 2 on a usage error.
 * Mistakes (a usage error, an existing key file, a missing directory) print a
 * message, never a stack; only an error nobody expected (a bug) prints one.
 */
import './runtime.js'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { open, stat, unlink } from 'node:fs/promises'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { newSwarmKey } from './security/swarm-key.js'
import { loadOrCreateIdentity } from './storage/identity.js'

const USAGE = `Usage:
  quorum keygen [--out FILE]   Make a new cluster (swarm) key and write it to FILE, created with
                               mode 0600, or to stdout. An existing FILE is never overwritten.
                               Give the same key to every node (the swarmKeyFile option, or the
                               QUORUM_SWARM_KEY_FILE environment variable).
  quorum id --data-dir DIR     Print the peer ID of the node whose data directory is DIR, for the
                               voters list of every node. DIR must exist. If it holds no node.key
                               yet, the key is made there (mode 0600), and the node later started
                               on DIR keeps that peer ID.
  quorum help                  Print this help (also: quorum --help, quorum -h).

Exit status: 0 on success, 1 if the command failed, 2 on a usage error.
`

/** A mistake in the command line: reported with the usage text, exit status 2. */
class UsageError extends Error {}

/** The command could not do its job, for a reason the user can act on: reported as is, exit status 1. */
class CommandError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>
type Values = Record<string, string | boolean | undefined>

interface Command {
  readonly options: Options
  run (values: Values): Promise<void>
}

const COMMANDS: Record<string, Command> = {
  keygen: { options: { out: { type: 'string' } }, run: keygen },
  id: { options: { 'data-dir': { type: 'string' } }, run: id }
}

/** A string option's value; an empty one (`--out=`) is a usage error, not a path. */
function stringValue (values: Values, name: string): string | undefined {
  const value = values[name]
  if (value === '') throw new UsageError(`--${name} needs a value`)
  return typeof value === 'string' ? value : undefined
}

async function keygen (values: Values): Promise<void> {
  // newSwarmKey gives the key's 95 bytes without a final newline; the file is
  // a text file like any other, so it ends with one (parseSwarmKey accepts it).
  const key = `${newSwarmKey()}\n`
  const out = stringValue(values, 'out')
  if (out === undefined) { process.stdout.write(key); return }
  let fh
  try {
    // 'wx': never replace an existing key. Nodes given a new key could no
    // longer connect to those still holding the old one: the cluster splits.
    fh = await open(out, 'wx', 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CommandError(`${out} already exists; not overwriting it (a cluster whose nodes hold different keys is split)`)
    throw new CommandError(`cannot create ${out}: ${(err as Error).message}`)
  }
  try {
    try { await fh.writeFile(key); await fh.sync() } finally { await fh.close() }
  } catch (err) {
    // Remove what we created, or the half-written file would block the next try.
    await unlink(out).catch(() => {})
    throw new CommandError(`cannot write ${out}: ${(err as Error).message}`)
  }
  console.error(`wrote a new cluster key to ${out} (mode 0600); give the same file to every node of the cluster`)
}

async function id (values: Values): Promise<void> {
  const dir = stringValue(values, 'data-dir')
  if (dir === undefined) throw new UsageError('--data-dir DIR is required')
  // A missing directory is refused rather than created: a mistyped path would
  // otherwise print the peer ID of a node that will never run.
  let isDirectory: boolean
  try {
    isDirectory = (await stat(dir)).isDirectory()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CommandError(`cannot read ${dir}: ${(err as Error).message}`)
    throw new CommandError(`no data directory at ${dir}; a node creates it on first start. To learn the node's peer ID before that, create the directory (mkdir -p -m 700 ${dir}) and run this again`)
  }
  if (!isDirectory) throw new CommandError(`${dir} is not a directory`)
  const key = await loadOrCreateIdentity(dir)
  console.log(peerIdFromPrivateKey(key).toString())
}

async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === 'help' || name === '--help' || name === '-h') { process.stdout.write(USAGE); return 0 }
  if (name === undefined) throw new UsageError('no command given')
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (command === undefined) throw new UsageError(name.startsWith('-') ? `expected a command, not the option '${name}'` : `unknown command '${name}'`)
  const { values } = parseArgs({ args: rest, strict: true, allowPositionals: false, options: { ...command.options, help: { type: 'boolean', short: 'h' } } })
  if (values.help === true) { process.stdout.write(USAGE); return 0 }
  await command.run(values)
  return 0
}

/** What to print for an error, and the exit status. */
function report (err: unknown, argv: string[]): number {
  const prefix = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? `quorum ${argv[0]}` : 'quorum'
  const code = (err as { code?: unknown } | null)?.code
  if (err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))) {
    process.stderr.write(`${prefix}: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  // Ours, Quorum's (an unreadable node.key: IdentityError) and the system's
  // (EACCES and the like) all have messages that say what is wrong.
  if (err instanceof CommandError || (err instanceof Error && typeof code === 'string')) {
    process.stderr.write(`${prefix}: ${err.message}\n`)
    return 1
  }
  console.error(err)
  return 1
}

const argv = process.argv.slice(2)
main(argv).then(code => { process.exitCode = code }, err => { process.exitCode = report(err, argv) })
