/**
 * Rule 11 on node processes (docs/protocol.md): a voter that comes back under
 * its old identity without its state must not vote under that identity until
 * the configuration has removed it and added it again. Two ways to get there,
 * on a 3-node cluster: (a) memory storage with a fixed privateKey, killed and
 * restarted with the same key; (b) a data directory wiped but for its key
 * (node.key), killed and restarted on it. Each must warn (ForgottenStateWarning),
 * be removed and added again (two configuration versions, without it and then
 * with it), send no vote (promise, accepted, heartbeat acknowledgement) before
 * it is added again, and leave the cluster with one leader and no 'error'.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canCreateNamespaces, VirtualLan } from './netns.js'
import { agreement, mostLeadersAtOnce, startNode, type NodeProc, type ProcEvent, type StartOptions } from './cluster.js'
import { KEY_FILE } from '../../src/storage/identity.js'

const LEASE = 1000
const CAN = canCreateNamespaces()
/** Long, so that the only way out of the configuration is the rejoin: a restart slowed by load is not removed as silent first. */
const MEMBER_TIMEOUT = 30 * LEASE

interface Config { readonly version: number, readonly voters: readonly string[], readonly t: number }
const configsOf = (p: NodeProc): Config[] => p.events.filter(e => e.ev === 'configuration').map(e => ({ version: e.version as number, voters: e.voters as string[], t: e.t }))

/** Resolves with the first event of `p` (from `from` on) that `pred` matches, woken by its reports. */
async function until (p: NodeProc, pred: (e: ProcEvent) => boolean, timeoutMs: number, what: string): Promise<ProcEvent> {
  try {
    return await p.next(pred, timeoutMs)
  } catch (err) {
    throw new Error(`${p.host.name}: ${what}: ${(err as Error).message}; configurations ${JSON.stringify(configsOf(p).map(c => [c.version, c.voters.map(v => v.slice(-4))]))}`)
  }
}

describe.skipIf(!CAN)('a voter restarted without its state under its old identity (rule 11)', () => {
  let lan: VirtualLan
  let procs: NodeProc[] = []
  const dirs: string[] = []
  const tempDir = (): string => { const d = mkdtempSync(join(tmpdir(), 'quorum-forgot-')); dirs.push(d); return d }

  beforeAll(() => { lan = new VirtualLan(3, 'forgot') })
  afterAll(() => {
    lan?.destroy()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })
  afterEach(async () => {
    for (const p of procs) p.signal('SIGKILL')
    await Promise.all(procs.map(async p => { await p.exit() }))
    procs = []
  })

  const cases: Array<[string, () => Partial<StartOptions>, (o: Partial<StartOptions>) => void]> = [
    // (a) No state anywhere; the key alone is kept (in a directory of its own).
    ['memory storage with a fixed privateKey', () => ({ keyDir: tempDir() }), () => {}],
    // (b) Everything in the data directory but its key goes (the state, its manifest, the stale LOCK).
    // This test found that the empty state FileStorage writes when it opens a wiped directory was
    // taken for kept state (the node voted at once): now remembersNothing() counts it as none.
    ['a data directory wiped but for its key', () => ({ dataDir: tempDir() }), o => {
      for (const f of readdirSync(o.dataDir!)) if (f !== KEY_FILE) rmSync(join(o.dataDir!, f), { recursive: true, force: true })
      expect(readdirSync(o.dataDir!)).toEqual([KEY_FILE])
    }]
  ]

  for (const [name, storage, wipe] of cases) {
    it(`${name}: warns, is removed and added again, votes nothing in between, one leader after`, async () => {
      const started = Date.now()
      // Every node traces the votes it sends.
      const opts = lan.hosts.map(() => ({ size: 3, leaseMs: LEASE, memberTimeoutMs: MEMBER_TIMEOUT, env: { QUORUM_TRACE_VOTES: '1' }, ...storage() }))
      const first = lan.hosts.map((h, i) => startNode(lan, h, opts[i]!))
      procs.push(...first)
      const leader = await agreement(procs, 30 * LEASE)
      // All three are voters before the victim goes (founders may be seated a little after epoch 1).
      const ids = first.map(p => p.id!)
      await until(leader, e => e.ev === 'configuration' && ids.every(id => (e.voters as string[]).includes(id)), 20 * LEASE, 'three voters')
      const i = first.findIndex(p => p !== leader)
      const victim = first[i]!
      const id = victim.id!
      victim.signal('SIGKILL')
      await victim.exit()
      wipe(opts[i]!)
      // The newest configuration the survivors know as it comes back: it names the victim.
      const before = Math.max(...first.filter(p => p !== victim).flatMap(p => configsOf(p).map(c => c.version)))
      // The trace sees votes: a follower acknowledges the leader's heartbeats (the leader asks the quickest one).
      expect(first.some(p => p.events.some(e => e.ev === 'vote'))).toBe(true)
      const back = startNode(lan, lan.hosts[i]!, opts[i]!)
      procs.push(back)
      const restartedAt = Date.now()
      await until(back, e => e.ev === 'ready', 20 * LEASE, 'ready')
      expect(back.id).toBe(id)

      // The warning comes first; a vote before it fails at once (it would vote under an ID whose votes it forgot).
      const warning = await until(back, e => (e.ev === 'warning' && e.code === 'ERR_FORGOTTEN_STATE') || e.ev === 'vote', 20 * LEASE, 'ForgottenStateWarning')
      expect(warning, `it voted under its old ID before any ForgottenStateWarning: ${JSON.stringify(warning)}`).toMatchObject({ ev: 'warning' })
      const removed = await until(back, e => e.ev === 'configuration' && !(e.voters as string[]).includes(id), 20 * LEASE, 'removed')
      const readded = await until(back, e => e.ev === 'configuration' && (e.voters as string[]).includes(id) && (e.version as number) > (removed.version as number), 30 * LEASE, 'added again')
      const final = await agreement(procs, 20 * LEASE)
      const tookMs = Date.now() - restartedAt

      // What it learned after the restart, in order: first the configuration naming it (the one it warned of),
      // then one without it, then one with it again.
      const mine = configsOf(back)
      expect(mine[0]!.voters).toContain(id)
      expect(warning.t).toBeGreaterThanOrEqual(mine[0]!.t)
      expect(warning.t).toBeLessThan(removed.t)
      // Every configuration chosen after its restart, by version from all nodes: the first change removes it, and
      // none names it until the one that adds it again (never a voter while it forgets, rule 11).
      const chosen = new Map<number, readonly string[]>()
      for (const p of procs) for (const c of configsOf(p)) chosen.set(c.version, c.voters)
      const after = [...chosen].filter(([v]) => v > before).sort((a, b) => a[0] - b[0])
      expect(after[0]![1], `configuration ${after[0]![0]}, the first after ${before}`).not.toContain(id)
      const readdedAt = after.findIndex(([, voters]) => voters.includes(id))
      expect(after[readdedAt]![0]).toBe(readded.version)
      expect(after.slice(0, readdedAt).every(([, voters]) => !voters.includes(id))).toBe(true)
      expect(after.slice(readdedAt).every(([, voters]) => voters.includes(id))).toBe(true)
      // And it voted nothing until it learned it was added again: no promise, accepted or heartbeat acknowledgement.
      const readdedIndex = back.events.indexOf(readded)
      const early = back.events.slice(0, readdedIndex).filter(e => e.ev === 'vote')
      expect(early, 'votes sent before it was added again').toEqual([])
      expect(back.events.slice(0, readdedIndex).some(e => e.ev === 'view' && e.isLeader === true)).toBe(false)

      expect(final.exited).toBe(false)
      expect(procs.filter(p => !p.exited && p.isLeader)).toHaveLength(1)
      expect(mostLeadersAtOnce(procs)).toBe(1)
      expect(procs.flatMap(p => p.events.filter(e => e.ev === 'error'))).toEqual([])
      console.log(`${name}: removed at v${String(removed.version)}, added again at v${String(readded.version)}, ${tookMs} ms after the restart; case ${Date.now() - started} ms`)
    }, 120_000)
  }
})
