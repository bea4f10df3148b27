#!/usr/bin/env node
/**
 * The `quorum` command.
 *   quorum keygen [--out FILE]   write a new cluster (swarm) key, to FILE (mode 0600, never overwritten) or stdout
 *   quorum id --data-dir DIR     print the peer ID of the node whose data directory is DIR (creating its key if needed),
 *                                for the `voters` list of every node
 */
import './runtime.js'
import { parseArgs } from 'node:util'
import { open } from 'node:fs/promises'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { newSwarmKey } from './security/swarm-key.js'
import { loadOrCreateIdentity } from './storage/identity.js'

const usage = 'usage: quorum keygen [--out FILE] | quorum id --data-dir DIR'

async function main (argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help === true) { console.log(usage); return 0 }
  if (positionals[0] === 'id' && positionals.length === 1 && values['data-dir'] !== undefined) {
    const key = await loadOrCreateIdentity(values['data-dir'])
    console.log(peerIdFromPrivateKey(key).toString())
    return 0
  }
  if (positionals[0] !== 'keygen' || positionals.length !== 1) { console.error(usage); return 2 }
  const key = newSwarmKey()
  if (values.out === undefined) { process.stdout.write(key); return 0 }
  try {
    // 'wx': refuse to replace an existing key, which would split the cluster.
    const fh = await open(values.out, 'wx', 0o600)
    try { await fh.writeFile(key); await fh.sync() } finally { await fh.close() }
  } catch (err) {
    console.error(`quorum keygen: cannot write ${values.out}: ${(err as Error).message}`)
    return 1
  }
  console.error(`wrote a new cluster key to ${values.out} (mode 0600); give the same file to every node of the cluster`)
  return 0
}

main(process.argv.slice(2)).then(code => { process.exitCode = code }, err => { console.error(err); process.exitCode = 1 })
