/**
 * Durability under churn: three node processes with data directories on a
 * virtual LAN. For a while, the leader is forced to resign again and again,
 * and nodes are SIGKILLed at random moments (in the middle of a write, as
 * often as not) and restarted on the same data directory. Afterwards, the
 * events of every incarnation must show that no promise was forgotten:
 * S1 one leader per epoch, S3 epochs learned in order, S5 leaders' epochs
 * increasing, S4 no two leaders at once; and the cluster must still elect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { canCreateNamespaces, VirtualLan } from './netns.js'
import { agreement, startNode, type NodeProc } from './cluster.js'

const LEASE = 500
/** The churn runs until both counts are reached (or the time cap passes). */
const MIN_KILLS = 12
const MIN_RESIGNS = 12
const CHURN_CAP_MS = 90_000
const CAN = canCreateNamespaces()

interface Incarnation { readonly host: number, readonly proc: NodeProc, killedAt: number | null }

describe.skipIf(!CAN)('durability under churn', () => {
  let lan: VirtualLan
  let root: string
  const all: Incarnation[] = []
  beforeAll(() => { lan = new VirtualLan(3, 'dur'); root = mkdtempSync(join(tmpdir(), 'quorum-dur-')) })
  afterAll(async () => {
    for (const i of all) i.proc.signal('SIGKILL')
    await Promise.all(all.map(async i => { await i.proc.exit() }))
    lan?.destroy()
    rmSync(root, { recursive: true, force: true })
  })

  /** Runs the churn on fresh data directories and returns every violation found (empty: none). */
  async function churn (tag: string, env: NodeJS.ProcessEnv = {}, minKills = MIN_KILLS): Promise<{ violations: string[], kills: number, resigns: number }> {
    const current: Incarnation[] = []
    const mine: Incarnation[] = []
    const start = (h: number): Incarnation => {
      const inc = { host: h, proc: startNode(lan, lan.hosts[h]!, { size: 3, leaseMs: LEASE, cluster: `churn-${tag}`, dataDir: join(root, tag, `h${h}`), env }), killedAt: null }
      all.push(inc)
      mine.push(inc)
      current[h] = inc
      return inc
    }
    for (let h = 0; h < 3; h++) start(h)
    await agreement(current.map(i => i.proc), 60 * LEASE)

    let kills = 0
    let resigns = 0
    const end = Date.now() + CHURN_CAP_MS
    while (Date.now() < end && (kills < minKills || resigns < MIN_RESIGNS)) {
      await new Promise(resolve => setTimeout(resolve, 100 + Math.random() * 300))
      const leader = current.find(i => !i.proc.exited && i.proc.isLeader)
      const resigned = leader !== undefined && Math.random() < 0.6
      if (resigned) { leader.proc.signal('SIGUSR2'); resigns++ }
      // Right after a resignation the successor and its acceptors are writing: the moment to kill.
      await new Promise(resolve => setTimeout(resolve, resigned ? Math.random() * 60 : Math.random() * 200))
      const up = current.filter(i => !i.proc.exited)
      if (up.length === 3 && (kills < minKills || Math.random() < 0.3)) {
        // One node down at a time: a majority always remains.
        const victim = up[Math.floor(Math.random() * up.length)]!
        victim.killedAt = performance.timeOrigin + performance.now()
        victim.proc.signal('SIGKILL')
        await victim.proc.exit()
        kills++
        await new Promise(resolve => setTimeout(resolve, Math.random() * 300))
        start(victim.host)
      }
    }
    const violations: string[] = []
    // Healed: everyone up; the cluster must still elect.
    await Promise.all(current.map(async i => { await i.proc.next(e => e.ev === 'ready', 30_000) }))
    await agreement(current.map(i => i.proc), 60 * LEASE).catch((err: Error) => { violations.push(`L1: ${err.message}`) })

    // S1: one leader per epoch, across every incarnation of every node.
    const chosen = new Map<number, string>()
    for (const inc of mine) {
      for (const e of inc.proc.events.filter(x => x.ev === 'leaderChosen')) {
        const prev = chosen.get(e.epoch as number)
        if (prev !== undefined && prev !== e.leaderId) violations.push(`S1: epoch ${String(e.epoch)} chosen as ${prev} and as ${String(e.leaderId)}`)
        chosen.set(e.epoch as number, e.leaderId as string)
      }
    }
    if (chosen.size < 5) violations.push(`vacuous: only ${chosen.size} epochs chosen`)
    // S3: each incarnation learns in increasing order, and a restart never goes back (its state survived).
    // The same epoch is announced again only after this node reported that leader lost (the API's rule).
    for (let h = 0; h < 3; h++) {
      let last = 0
      for (const inc of mine.filter(i => i.host === h)) {
        let lost = false
        let prev = 0
        for (const e of inc.proc.events) {
          if (e.ev === 'leaderLost' && e.epoch === prev) lost = true
          if (e.ev !== 'leaderChosen') continue
          const epoch = e.epoch as number
          if (epoch < prev || (epoch === prev && !lost)) {
            violations.push(`S3: h${h} learned epoch ${epoch} after ${prev}${lost ? '' : ' (not reported lost)'}`)
            console.log('S3 context', JSON.stringify(inc.proc.events.filter(x => ['leaderChosen', 'leaderLost', 'elected', 'demoted', 'resigned', 'view'].includes(x.ev)).map(x => [x.ev, x.epoch, String(x.leaderId ?? x.leader ?? '').slice(-4), x.isSelf ?? x.isLeader, Math.round(x.t % 1e6)])))
          }
          if (prev === 0 && epoch < last) violations.push(`S3: h${h} restarted and learned epoch ${epoch} after ${last}`)
          prev = epoch
          lost = false
        }
        if (prev > 0) last = prev
      }
    }
    // S5 and S4: leaderships, in time, have increasing epochs and never overlap.
    const terms: Array<{ epoch: number, from: number, to: number }> = []
    for (const inc of mine) {
      const ev = inc.proc.events
      for (const e of ev.filter(x => x.ev === 'elected')) {
        // A term ends with its 'demoted', or when the same leader moves on to a later epoch
        // (a configuration change it made, rule 9: no 'demoted' in between).
        const stop = ev.find(x => x.t >= e.t && ((x.ev === 'demoted' && x.epoch === e.epoch) || (x.ev === 'elected' && (x.epoch as number) > (e.epoch as number))))
        terms.push({ epoch: e.epoch as number, from: e.t, to: stop?.t ?? inc.killedAt ?? Infinity })
      }
    }
    terms.sort((x, y) => x.from - y.from)
    for (let k = 1; k < terms.length; k++) {
      if (terms[k]!.epoch <= terms[k - 1]!.epoch) violations.push(`S5: epoch ${terms[k]!.epoch} led after epoch ${terms[k - 1]!.epoch}`)
      if (terms[k]!.from < terms[k - 1]!.to) violations.push(`S4: epoch ${terms[k]!.epoch} began before epoch ${terms[k - 1]!.epoch} ended`)
    }
    for (const i of current) i.proc.signal('SIGKILL')
    await Promise.all(current.map(async i => { await i.proc.exit() }))
    return { violations, kills, resigns }
  }

  it('forgets no promise across SIGKILLs and forced resignations', async () => {
    const r = await churn('synced')
    console.log(`churn: ${r.kills} kills, ${r.resigns} forced resignations`)
    expect(r.kills).toBeGreaterThanOrEqual(MIN_KILLS)
    expect(r.resigns).toBeGreaterThanOrEqual(MIN_RESIGNS)
    expect(r.violations).toEqual([])
  })

  it('the same checks catch a disk that acknowledges saves before they are written', async () => {
    // Saves land three seconds late: every kill loses what the node acknowledged in its last three.
    // Whether a loss shows depends on timing, so another round runs while the first showed none.
    // A node killed before its first save landed restarts with a state that remembers nothing,
    // which rule 11 makes safe, so only partial losses show: with saves one second late, two rounds
    // of 96 kills showed none under load; three seconds late, round 1 showed 4 and 5 (26 s, unloaded).
    const found: string[] = []
    const lastRoundBy = Date.now() + 150_000
    for (let round = 0; round < 4 && found.length === 0 && Date.now() < lastRoundBy; round++) {
      const r = await churn(`lazy${round}`, { QUORUM_LAZY_DISK: '3000' }, 30)
      found.push(...r.violations.filter(v => /^S[1-5]:/.test(v)))
      console.log(`lazy disk, round ${round + 1}: ${r.kills} kills, ${found.length} violations, e.g. ${found[0] ?? '-'}`)
    }
    expect(found.length).toBeGreaterThan(0)
  }, 330_000)
})
