/**
 * The election's life: started once (by libp2p), stopped once. Every stop()
 * call resolves when all of the stop is done; a stopped election is not
 * started again, also not by its libp2p node; a start that failed may be
 * tried again. Over the real stack, in the private namespace of npm test.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { createElection, leaderElection, DataDirInUseError, type Election } from '../../src/index.js'
import { DataDirLock } from '../../src/storage/lock.js'
import { NETNS_OK } from './env.js'

const LEASE = 600
const dirs: string[] = []
const nodes: Array<Libp2p | Election> = []
async function scratch (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quorum-life-'))
  dirs.push(d)
  return d
}
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map(async n => { await n.stop() }))
  await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) }))
})

/** An application's libp2p node with the election as its service (not started). */
async function appNode (options: Parameters<typeof leaderElection>[0]): Promise<Libp2p<{ election: Election }>> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), election: leaderElection(options) },
    start: false
  })
  nodes.push(node)
  return node
}

describe.skipIf(!NETNS_OK)('the lifecycle of an election', () => {
  it('every stop() call, also one made while the stop is under way, resolves with the first, once the node is stopped', async () => {
    const dataDir = await scratch()
    const e = await createElection({ clusterName: 'stops', clusterSize: 1, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dataDir })
    nodes.push(e)
    await e.waitForLeader({ timeoutMs: 20 * LEASE })
    // Stopped is: not listening any more (the node's transports are closed), the LOCK given back.
    const lock = join(dataDir, 'LOCK')
    expect(e.multiaddrs.length).toBeGreaterThan(0)
    const order: number[] = []
    const resolvedEarly: number[] = []
    const calls: Array<Promise<void>> = []
    const call = (): void => {
      const i = calls.length
      calls.push(e.stop().then(() => {
        order.push(i)
        if (existsSync(lock) || e.multiaddrs.length > 0) resolvedEarly.push(i)
      }))
    }
    call()
    call()
    // More calls all through the stop: while the leader resigns and leaves, and while libp2p stops the node.
    const more = setInterval(call, 1)
    await calls[0]
    clearInterval(more)
    await Promise.all(calls)
    expect(calls.length).toBeGreaterThan(10)
    // None ended sooner than the first (a later call must not cut its leaving short by stopping the node).
    expect(order[0]).toBe(0)
    expect(resolvedEarly).toEqual([])
    expect(e.isLeader).toBe(false)
  })

  it('a stopped election refuses to start again, saying to create a new one', async () => {
    const e = await createElection({ clusterName: 'restart', clusterSize: 1, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    nodes.push(e)
    await e.start() // running already: nothing happens
    await e.waitForLeader({ timeoutMs: 20 * LEASE })
    await e.stop()
    const err = await e.start().then(() => null, (x: unknown) => x)
    expect(err).toMatchObject({ name: 'ElectionStoppedError', code: 'ERR_ELECTION_STOPPED' })
    expect((err as Error).message).toMatch(/cannot be started again; create a new one/)
    expect(e.leader).toBeNull()
  })

  it('as a service: libp2p starts it with the node; a node stopped and started again is refused, and stays stopped', async () => {
    const node = await appNode({ clusterName: 'svc', clusterSize: 1, leaseMs: LEASE })
    await node.start()
    const election = node.services.election
    expect((await election.waitForLeader({ timeoutMs: 20 * LEASE })).isSelf).toBe(true)
    await node.stop()
    await expect(node.start()).rejects.toMatchObject({ name: 'ElectionStoppedError', code: 'ERR_ELECTION_STOPPED' })
    expect(node.status).toBe('stopped')
    expect(election.isLeader).toBe(false)
  })

  it('as a service: a start that failed may be tried again', async () => {
    const dataDir = await scratch()
    const held = await DataDirLock.acquire(dataDir)
    const node = await appNode({ clusterName: 'retry', clusterSize: 1, leaseMs: LEASE, dataDir })
    await expect(node.start()).rejects.toBeInstanceOf(DataDirInUseError)
    held.release()
    await node.start()
    expect((await node.services.election.waitForLeader({ timeoutMs: 20 * LEASE })).isSelf).toBe(true)
    await node.stop()
    expect(existsSync(join(dataDir, 'LOCK'))).toBe(false)
  })
})
