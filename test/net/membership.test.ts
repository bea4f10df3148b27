/**
 * Membership: with a cluster key, a node without the key (or with another
 * key) cannot connect at all, so it can never vote.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createElection, newSwarmKey, type Election } from '../../src/index.js'
import { NETNS_OK, waitFor } from './env.js'

const LEASE = 600
const started: Election[] = []
afterEach(async () => { await Promise.allSettled(started.splice(0).map(async e => { await e.stop() })) })

async function node (swarmKey?: string): Promise<Election> {
  const e = await createElection({
    clusterName: 'keyed', clusterSize: 3, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdnsIntervalMs: 200,
    ...(swarmKey === undefined ? {} : { swarmKey })
  })
  started.push(e)
  return e
}

const until = async (what: string, cond: () => boolean, timeoutMs = 30 * LEASE): Promise<void> => { await waitFor(what, cond, timeoutMs) }

describe.skipIf(!NETNS_OK)('cluster key', () => {
  it('nodes with the key elect; a node without it, or with another key, never joins', async () => {
    const key = newSwarmKey()
    const members = [await node(key), await node(key)]
    const keyless = await node()
    const stranger = await node(newSwarmKey())
    await until('the keyed nodes to elect', () => members.some(e => e.isLeader) && members.every(e => e.leader !== null))
    // Give discovery and redials time to try the outsiders.
    await new Promise(resolve => setTimeout(resolve, 3 * LEASE))
    for (const m of members) expect(m.peers).toEqual(members.filter(x => x !== m).map(x => x.nodeId))
    for (const outsider of [keyless, stranger]) {
      expect(outsider.peers).toEqual([])
      expect(outsider.leader).toBeNull()
      expect(outsider.epoch).toBe(0)
    }
  })
})

describe.skipIf(!NETNS_OK)('voters allowlist', () => {
  it('listed voters elect; a peer outside the list can neither connect nor vote', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const { loadOrCreateIdentity } = await import('../../src/core.js')
    const root = await mkdtemp(join(tmpdir(), 'quorum-voters-'))
    try {
      const dirs = [0, 1, 2].map(i => join(root, `n${i}`))
      const voters = await Promise.all(dirs.map(async d => peerIdFromPrivateKey(await loadOrCreateIdentity(d)).toString()))
      const members = await Promise.all(dirs.map(async dataDir => await createElection({
        clusterName: 'listed', clusterSize: 3, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdnsIntervalMs: 200, dataDir, voters
      })))
      started.push(...members)
      const outsider = await createElection({ clusterName: 'listed', clusterSize: 3, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdnsIntervalMs: 200, bootstrap: members.map(m => m.multiaddrs[0]!) })
      started.push(outsider)
      await until('the voters to elect', () => members.some(e => e.isLeader) && members.every(e => e.leader !== null))
      await new Promise(resolve => setTimeout(resolve, 3 * LEASE))
      expect(members.map(m => m.nodeId).sort()).toEqual([...voters].sort())
      for (const m of members) expect(m.peers).not.toContain(outsider.nodeId)
      expect(outsider.peers).toEqual([])
      expect(outsider.leader).toBeNull()
    } finally {
      await Promise.allSettled(started.splice(0).map(async e => { await e.stop() }))
      await rm(root, { recursive: true, force: true })
    }
  })

  it('rejects a voters list of the wrong size, or without this node', async () => {
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const ids = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    await expect(createElection({ clusterSize: 3, voters: ids.slice(0, 2), listen: ['/ip4/127.0.0.1/tcp/0'] })).rejects.toMatchObject({ name: 'ConfigError', field: 'voters' })
    await expect(createElection({ clusterSize: 3, voters: ids, listen: ['/ip4/127.0.0.1/tcp/0'] })).rejects.toMatchObject({ name: 'ConfigError', field: 'voters' })
  })
})

describe.skipIf(!NETNS_OK)('more nodes than clusterSize', () => {
  it('four nodes with clusterSize 3: three voters and one observer, one leader, no error', async () => {
    const es = await Promise.all([0, 1, 2, 3].map(async () => await node()))
    const errors: string[] = []
    for (const e of es) e.on('error', err => { errors.push(err.message) })
    await until('one leader known to all, and three voters', () =>
      es.filter(e => e.isLeader).length === 1 && es.every(e => e.leader !== null && e.configuration?.voters.length === 3), 60 * LEASE)
    const voters = es[0]!.configuration!.voters
    const observers = es.filter(e => !voters.includes(e.nodeId))
    expect(observers).toHaveLength(1)
    expect(observers[0]!.members.find(m => m.isSelf)?.role).toBe('observer')
    // Sample for a few leases: the observer never leads, and there is never more than one leader.
    const end = Date.now() + 4 * LEASE
    while (Date.now() < end) {
      expect(observers[0]!.isLeader).toBe(false)
      expect(es.filter(e => e.isLeader).length).toBeLessThanOrEqual(1)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    expect(errors).toEqual([])
  })
})
