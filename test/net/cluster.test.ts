/**
 * Clusters over the real stack (TCP + Noise + yamux + identify + mDNS) in one
 * process, inside the private namespace npm test runs in.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createElection, type Election } from '../../src/index.js'
import { NETNS_OK, waitFor } from './env.js'

const LEASE = 600
const started: Election[] = []

async function cluster (name: string, n: number, size = n, extra: Partial<Parameters<typeof createElection>[0]> = {}): Promise<Election[]> {
  const es = await Promise.all(Array.from({ length: n }, async (_, i) => await createElection({
    clusterName: name, clusterSize: size, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdnsIntervalMs: 200, metadata: { index: String(i) }, ...extra
  })))
  started.push(...es)
  return es
}

const until = async (what: string, cond: () => boolean, timeoutMs = 30 * LEASE): Promise<void> => { await waitFor(what, cond, timeoutMs) }

function agreed (es: Election[]): boolean {
  const leaders = es.filter(e => e.isLeader)
  if (leaders.length !== 1) return false
  const l = leaders[0]!
  return es.every(e => e.leader?.leaderId === l.nodeId && e.leader.epoch === l.epoch)
}

/** A temporary directory for data directories, and how to remove it. */
async function dataRoot (): Promise<{ root: string, rm: () => Promise<void> }> {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const root = await mkdtemp(join(tmpdir(), 'quorum-net-'))
  return { root, rm: async () => { await rm(root, { recursive: true, force: true }) } }
}

/** Starts node `i` of a 3-node cluster `name` on its data directory under `root`. */
function durableNode (name: string, root: string): (i: number) => Promise<Election> {
  return async i => await createElection({
    clusterName: name, clusterSize: 3, leaseMs: LEASE, listen: ['/ip4/127.0.0.1/tcp/0'], mdnsIntervalMs: 200, dataDir: `${root}/n${i}`
  })
}

afterEach(async () => {
  await Promise.allSettled(started.splice(0).map(async e => { await e.stop() }))
})

describe.skipIf(!NETNS_OK)('libp2p clusters in one process', () => {
  for (const n of [3, 5]) {
    it(`${n} nodes find each other over mDNS and agree on one leader`, async () => {
      const es = await cluster(`c${n}`, n)
      const chosen = es.map(e => new Promise(resolve => { e.once('leaderChosen', resolve) }))
      await until('agreement', () => agreed(es))
      const leader = es.find(e => e.isLeader)!
      for (const e of es) {
        expect(e.peers.sort()).toEqual(es.filter(x => x !== e).map(x => x.nodeId).sort())
        expect(e.leader).toEqual({ epoch: leader.epoch, leaderId: leader.nodeId, metadata: leader.leader!.metadata, isSelf: e === leader })
      }
      const infos = await Promise.all(chosen) as Array<{ isSelf: boolean }>
      expect(infos.filter(i => i.isSelf)).toHaveLength(1)
      expect(await es[0]!.waitForLeader({ timeoutMs: 10 })).toMatchObject({ leaderId: leader.nodeId })
    })
  }

  it('stop() of the leader hands over to a successor on every survivor', async () => {
    const es = await cluster('handover', 3)
    await until('agreement', () => agreed(es))
    const leader = es.find(e => e.isLeader)!
    const epoch = leader.epoch
    const rest = es.filter(e => e !== leader)
    const demoted = new Promise(resolve => { leader.once('demoted', resolve) })
    await leader.stop()
    expect(await demoted).toEqual({ epoch, reason: 'resigned' })
    await until('a successor', () => agreed(rest), 5 * LEASE)
    expect(rest.find(e => e.isLeader)!.epoch).toBeGreaterThan(epoch)
  })

  it('resign() hands over while the old leader stays a voter', async () => {
    const es = await cluster('resign', 3)
    await until('agreement', () => agreed(es))
    const leader = es.find(e => e.isLeader)!
    expect(await leader.resign()).toBe(true)
    expect(leader.isLeader).toBe(false)
    await until('a successor', () => agreed(es) && !leader.isLeader, 5 * LEASE)
  })

  it('nodes of another cluster name are never mixed in', async () => {
    const a = await cluster('alpha', 2, 3)
    const b = await cluster('beta', 1, 3)
    await until('alpha agreement', () => agreed(a))
    await new Promise(resolve => setTimeout(resolve, 3 * LEASE))
    for (const e of a) expect(e.peers).not.toContain(b[0]!.nodeId)
    expect(b[0]!.peers).toEqual([])
    expect(b[0]!.leader).toBeNull()
    expect(b[0]!.epoch).toBe(0)
  })

  it('finds peers through a bootstrap list when mDNS is off', async () => {
    const first = await cluster('boot', 1, 3, { mdns: false })
    // The first node's address is what operators put in the list.
    const ma = first[0]!.multiaddrs[0]!
    expect(ma).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    const more = await cluster('boot', 2, 3, { mdns: false, bootstrap: [ma] })
    const es = [...first, ...more]
    await until('agreement over bootstrap', () => agreed(es))
  })

  it('waitForLeader honours its timeout and abort signal; onLeaderChosen unsubscribes', async () => {
    const [lonely] = await cluster('lonely', 1, 3)
    await expect(lonely!.waitForLeader({ timeoutMs: 50 })).rejects.toThrow(/no leader within 50 ms/)
    await expect(lonely!.waitForLeader({ timeoutMs: 50 })).rejects.toMatchObject({ name: 'LeaderTimeoutError', code: 'ERR_LEADER_TIMEOUT', timeoutMs: 50 })
    const ac = new AbortController()
    const p = lonely!.waitForLeader({ signal: ac.signal })
    ac.abort(new Error('gave up'))
    await expect(p).rejects.toThrow('gave up')
    // Infinity is no timeout: only the signal ends the wait.
    const forever = new AbortController()
    const q = lonely!.waitForLeader({ timeoutMs: Infinity, signal: forever.signal })
    setTimeout(() => { forever.abort(new Error('no timeout fired first')) }, 100)
    await expect(q).rejects.toThrow('no timeout fired first')
    // Anything else that is not a delay a timer can wait is refused, not taken as 0 or as 1 ms.
    for (const [bad, shown] of [[Number.NaN, 'NaN'], [-1, 'the number -1'], ['50', 'the string "50"'], [2 ** 31, 'the number 2147483648'], [null, 'null']] as const) {
      await expect(lonely!.waitForLeader({ timeoutMs: bad as number })).rejects.toMatchObject({
        name: 'ConfigError', field: 'timeoutMs', message: `invalid option "timeoutMs": must be a number of ms from 0 to 2147483647, or Infinity for no timeout, got ${shown}`
      })
    }
    await expect(lonely!.waitForLeader({ timeout: 50 } as never)).rejects.toThrow('invalid option "timeout": is not an option of waitForLeader; did you mean timeoutMs?')
    await expect(lonely!.waitForLeader({ signal: 'stop' } as never)).rejects.toMatchObject({ name: 'ConfigError', field: 'signal' })
    let calls = 0
    const off = lonely!.onLeaderChosen(() => { calls++ })
    off()
    expect(lonely!.listenerCount('leaderChosen')).toBe(0)
    expect(calls).toBe(0)
    await lonely!.stop()
    await expect(lonely!.waitForLeader()).rejects.toMatchObject({ name: 'ElectionStoppedError', code: 'ERR_ELECTION_STOPPED' })
  })
})


describe.skipIf(!NETNS_OK)('libp2p clusters with durable state', () => {
  it('createElection refuses a damaged data directory before it joins the network', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { StorageError } = await import('../../src/index.js')
    const dir = await mkdtemp(join(tmpdir(), 'quorum-net-'))
    try {
      await writeFile(join(dir, 'state.json'), '{"format":"quorum-state","vers')
      const err = await createElection({ clusterName: 'damaged', clusterSize: 3, dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'] }).then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(StorageError)
      expect((err as InstanceType<typeof StorageError>).file).toBe(join(dir, 'state.json'))
      // A node that failed to start holds nothing: the directory's lock is given back.
      const { existsSync } = await import('node:fs')
      expect(existsSync(join(dir, 'LOCK'))).toBe(false)
      const { leaderElection } = await import('../../src/index.js')
      const { createLibp2p } = await import('libp2p')
      const { identify } = await import('@libp2p/identify')
      const app = await createLibp2p({ services: { identify: identify(), election: leaderElection({ clusterName: 'damaged', clusterSize: 3, dataDir: dir }) }, start: false })
      await expect(app.start()).rejects.toBeInstanceOf(StorageError)
      await app.stop()
      expect(existsSync(join(dir, 'LOCK'))).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('one node per data directory: a second is refused, as a libp2p service too, until the first stops', async () => {
    const { root, rm } = await dataRoot()
    const { DataDirInUseError, leaderElection } = await import('../../src/index.js')
    const { createLibp2p } = await import('libp2p')
    const { tcp } = await import('@libp2p/tcp')
    const { noise } = await import('@chainsafe/libp2p-noise')
    const { yamux } = await import('@chainsafe/libp2p-yamux')
    const { identify } = await import('@libp2p/identify')
    try {
      const make = durableNode('shared', root)
      const first = await make(0)
      started.push(first)
      const err = await make(0).then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(DataDirInUseError)
      expect((err as Error).message).toMatch(/in use by another election in this process/)
      // The same through an application's own libp2p node: its start fails, nothing is left running.
      const app = await createLibp2p({
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: { identify: identify(), election: leaderElection({ clusterName: 'shared', clusterSize: 3, dataDir: `${root}/n0` }) },
        start: false
      })
      await expect(app.start()).rejects.toBeInstanceOf(DataDirInUseError)
      await app.stop()
      // Once the first has stopped, the directory (and the identity in it) can be used again.
      await first.stop()
      const again = await make(0)
      started.push(again)
      expect(again.nodeId).toBe(first.nodeId)
    } finally {
      await Promise.allSettled(started.splice(0).map(async e => { await e.stop() }))
      await rm()
    }
  })

  it('a peer that restarts under the same identity is seen to leave and join again, and is led again', async () => {
    const { root, rm } = await dataRoot()
    try {
      const make = durableNode('rejoin', root)
      const es = await Promise.all([0, 1, 2].map(make))
      started.push(...es)
      await until('agreement', () => agreed(es))
      const leader = es.find(e => e.isLeader)!
      const i = es.findIndex(e => !e.isLeader)
      const id = es[i]!.nodeId
      const seen: string[] = []
      leader.on('peer:leave', p => { if (p.peerId === id) seen.push('leave') })
      leader.on('peer:join', p => { if (p.peerId === id) seen.push('join') })
      // A leave follows a join: under load the follower could know the leader (from the other
      // follower) before the leader's own connection to it was up, and then no leave was due.
      await until('the leader to see it connected', () => leader.members.some(m => m.id === id && m.connected))
      await es[i]!.stop()
      await until('the leader to see it leave', () => seen.includes('leave'))
      es[i] = await make(i)
      started.push(es[i]!)
      await until('the leader to see it join again', () => seen.includes('join'))
      expect(seen).toEqual(['leave', 'join'])
      await until('agreement with the restarted node', () => agreed(es))
      // It keeps hearing the leader: no lapse of its view over three leases.
      const lost: unknown[] = []
      es[i]!.on('leaderLost', l => lost.push(l))
      await new Promise(resolve => setTimeout(resolve, 3 * LEASE))
      expect(lost).toEqual([])
      expect(agreed(es)).toBe(true)
    } finally {
      await Promise.allSettled(started.splice(0).map(async e => { await e.stop() }))
      await rm()
    }
  })

  it('a cluster on data directories elects and keeps its epoch across a restart of every node', async () => {
    const { root, rm } = await dataRoot()
    try {
      const make = durableNode('durable', root)
      let es = await Promise.all([0, 1, 2].map(make))
      started.push(...es)
      await until('agreement', () => agreed(es))
      const epoch = es[0]!.epoch
      const ids = es.map(e => e.nodeId)
      await Promise.all(es.map(async e => { await e.stop() }))
      es = await Promise.all([0, 1, 2].map(make))
      // The key in each data directory keeps the node's identity.
      expect(es.map(e => e.nodeId)).toEqual(ids)
      started.push(...es)
      await until('agreement after the restart', () => agreed(es))
      // Durable state: the learned epochs survived, so the new leader's epoch is later.
      expect(es.find(e => e.isLeader)!.epoch).toBeGreaterThan(epoch)
    } finally {
      await Promise.allSettled(started.splice(0).map(async e => { await e.stop() }))
      await rm()
    }
  })
})
