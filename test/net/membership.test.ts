/**
 * Membership: with a cluster key, a node without the key (or with another
 * key) cannot connect at all, so it can never vote.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createElection, newSwarmKey, type Election } from '../../src/index.js'
import { NETNS_OK } from './env.js'

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

async function until (what: string, cond: () => boolean, timeoutMs = 30 * LEASE): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

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
