/**
 * Truthful events after restarts (docs/protocol.md, rule 7), on node
 * processes with data directories: (a) a follower killed and restarted on its
 * data directory reports the live leader (leaderChosen) and never reports it
 * lost while it lives; (b) after every node of the cluster is killed and
 * restarted, no node announces the leader of the epoch before the restart
 * (dead with its process) or any older one: only a leader chosen since.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canCreateNamespaces, VirtualLan } from './netns.js'
import { agreement, startNode, type NodeProc } from './cluster.js'

const LEASE = 1000
const CAN = canCreateNamespaces()
/** Long, so that a restart slowed by load is not removed from the configuration as silent meanwhile. */
const MEMBER_TIMEOUT = 30 * LEASE

describe.skipIf(!CAN)('events after restarts, on node processes', () => {
  let lan: VirtualLan
  let procs: NodeProc[] = []
  let root = ''

  beforeAll(() => { lan = new VirtualLan(3, 'rs'); root = mkdtempSync(join(tmpdir(), 'quorum-restart-')) })
  afterAll(() => { lan?.destroy(); rmSync(root, { recursive: true, force: true }) })
  afterEach(async () => {
    for (const p of procs) p.signal('SIGKILL')
    await Promise.all(procs.map(async p => { await p.exit() }))
    procs = []
  })

  const start = (i: number, dir: string): NodeProc => {
    const p = startNode(lan, lan.hosts[i]!, { size: 3, leaseMs: LEASE, dataDir: join(root, dir, `n${i}`), memberTimeoutMs: MEMBER_TIMEOUT })
    procs.push(p)
    return p
  }
  const kill = async (p: NodeProc): Promise<void> => { p.signal('SIGKILL'); await p.exit() }

  it('a follower restarted after kill -9 announces the live leader and never reports it lost', async () => {
    const ps = [0, 1, 2].map(i => start(i, 'a'))
    let leader = await agreement(ps, 30 * LEASE)
    for (let trial = 0; trial < 3; trial++) {
      const i = ps.findIndex(p => p !== leader && !p.exited)
      await kill(ps[i]!)
      ps[i] = start(i, 'a')
      await ps[i]!.next(e => e.ev === 'leaderChosen' && e.leaderId === leader.id, 30 * LEASE)
      // Three leases of the live leader: the restarted node must not report it lost.
      await new Promise(resolve => setTimeout(resolve, 3 * LEASE))
      const again = await agreement(ps, 10 * LEASE)
      expect(again.id, 'the leader did not change').toBe(leader.id)
      const events = ps[i]!.events.filter(e => e.ev === 'leaderLost' || e.ev === 'leaderChosen')
      expect(events.filter(e => e.ev === 'leaderLost'), `trial ${trial}`).toEqual([])
      expect(events.every(e => e.leaderId === leader.id), `trial ${trial}: ${JSON.stringify(events)}`).toBe(true)
      leader = again
    }
  })

  it('after every node is killed and restarted, no node announces the dead leader of the epoch before', async () => {
    let ps = [0, 1, 2].map(i => start(i, 'b'))
    for (let trial = 0; trial < 2; trial++) {
      const before = await agreement(ps, 30 * LEASE)
      const epoch = Math.max(...ps.map(p => p.epoch))
      await Promise.all(ps.map(kill))
      ps = [0, 1, 2].map(i => start(i, 'b'))
      const after = await agreement(ps, 30 * LEASE)
      expect(after.epoch).toBeGreaterThan(epoch)
      for (const p of ps) {
        const announced = p.events.filter(e => e.ev === 'leaderChosen')
        expect(announced.filter(e => (e.epoch as number) <= epoch), `${p.host.name} (the dead leader was ${before.id} of epoch ${epoch})`).toEqual([])
      }
    }
  })
})
