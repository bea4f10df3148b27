/**
 * The chaos suite in CI: a short run of every fault over five node processes
 * (the soak is `npm run chaos`), the fenced-resource workload's anomaly, and
 * the planted bugs (node.ts's broken variants) that the checkers must flag.
 * Needs root for network namespaces and iptables (installed by
 * scripts/ensure-debs.sh); skips, saying why, where neither can be had.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { canCreateNamespaces } from '../multihost/netns.js'
import { ChaosCluster, now } from './cluster.js'
import { Registers } from './registers.js'
import { runChaos } from './run.js'
import { staleWrites } from './checkers.js'

const LEASE = 1000
const ENSURE = fileURLToPath(new URL('../../scripts/ensure-debs.sh', import.meta.url))

function canRun (): boolean {
  if (!canCreateNamespaces()) { console.warn('chaos suite skipped: network namespaces cannot be created here (they need root)'); return false }
  try { execFileSync(ENSURE, ['iptables'], { stdio: 'inherit' }); return true } catch { console.warn('chaos suite skipped: iptables is missing and could not be installed'); return false }
}
const CAN = canRun()
const dirs: string[] = []
const tempDir = (): string => { const d = mkdtempSync(join(tmpdir(), 'quorum-chaos-')); dirs.push(d); return d }
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe.skipIf(!CAN)('chaos', () => {
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

  it('a minute of every fault: no violation, and faults and elections did happen', async () => {
    const lines: string[] = []
    const r = await runChaos({ durationMs: 60_000, nodes: 5, leaseMs: LEASE, seed: 17, quietMs: 12 * LEASE, dir: tempDir(), print: l => { lines.push(l) } })
    expect(r.violations, lines.join('\n')).toEqual([])
    expect(r.faults).toBeGreaterThan(5)
    expect(r.elections).toBeGreaterThan(2)
    expect(lines.at(-1)).toMatch(/^faults: \d+, violations: 0, elections: \d+$/)
  }, 240_000)

  it('a leader paused between its check and its write makes stale writes the unfenced register accepts and the fenced one rejects', async () => {
    const dir = tempDir()
    const sock = join(dir, 'registers.sock')
    const cluster = new ChaosCluster({ nodes: 3, leaseMs: LEASE, dir, registers: sock })
    const registers = await Registers.listen(sock, e => { cluster.record(e) }, now)
    try {
      for (const m of cluster.members) cluster.spawn(m.name)
      for (let i = 0; i < 10 && staleWrites(cluster.history, 'unfenced').length === 0; i++) {
        const by = now() + 30 * LEASE
        while (!cluster.agreed && now() < by) await sleep(20)
        const leader = cluster.leader!.name
        // It checks every 100 ms and writes 50 ms after each check: 70 ms after a write of its
        // own arrives, it is in the middle of the next one's work. Stop it there.
        const writes = (): number => cluster.history.filter(e => e.ev === 'write' && e.node === leader).length
        const seen = writes()
        const writeBy = now() + 5 * LEASE
        while (writes() === seen && now() < writeBy) await sleep(1)
        await sleep(70)
        cluster.signal(leader, 'SIGSTOP')
        await sleep(2.5 * LEASE)
        cluster.signal(leader, 'SIGCONT')
        await sleep(LEASE)
      }
    } finally {
      await cluster.close()
      await registers.close()
    }
    expect(staleWrites(cluster.history, 'unfenced').length).toBeGreaterThan(0)
    expect(staleWrites(cluster.history, 'fenced')).toEqual([])
    const rejected = cluster.history.filter(e => e.ev === 'write' && e.register === 'fenced' && !e.accepted)
    expect(rejected.length).toBeGreaterThan(0)
  }, 240_000)

  const bites: Array<[string, string, Parameters<typeof runChaos>[0]['kinds'], number]> = [
    ['sticky-leader', 'noOverlap', ['pause'], 25_000],
    ['deaf', 'noDeafFollower', [], 0],
    ['send-throws', 'noSpuriousErrors', [], 0]
  ]
  for (const [variant, checker, kinds, durationMs] of bites) {
    it(`the broken variant ${variant} is flagged by ${checker}`, async () => {
      const r = await runChaos({ durationMs, nodes: 3, leaseMs: LEASE, seed: 5, quietMs: 8 * LEASE, dir: tempDir(), kinds, broken: variant })
      expect(r.violations.map(v => v.checker)).toContain(checker)
    }, 180_000)
  }
})
