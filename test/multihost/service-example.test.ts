/**
 * The example users run on each machine (examples/service.ts), on three hosts
 * of a virtual LAN: one leader runs the job with its epoch as fencing token,
 * and SIGTERM hands over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import { canCreateNamespaces, VirtualLan } from './netns.js'

const SERVICE = fileURLToPath(new URL('../../examples/service.ts', import.meta.url))
const CAN = canCreateNamespaces()

interface Proc { child: ChildProcess, lines: string[] }

async function until (what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe.skipIf(!CAN)('examples/service.ts on three hosts', () => {
  let lan: VirtualLan
  const procs: Proc[] = []
  beforeAll(() => { lan = new VirtualLan(3, 'svc') })
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
    await new Promise(resolve => setTimeout(resolve, 100))
    lan?.destroy()
  })

  it('one leader runs the job with its epoch as fencing token; SIGTERM hands over', async () => {
    for (const h of lan.hosts) {
      const child = lan.spawn(h, [process.execPath, '--import', 'tsx', SERVICE, '--cluster', 'payments', '--size', '3', '--lease', '1000', '--job-every', '200', '--listen', `/ip4/${h.address}/tcp/0`])
      const p: Proc = { child, lines: [] }
      createInterface({ input: child.stdout! }).on('line', l => p.lines.push(l))
      procs.push(p)
    }
    const leaderOf = (): Proc | undefined => procs.find(p => p.child.exitCode === null && p.lines.some(l => l.includes('I am the leader now')) && !p.lines.some(l => l.includes('no longer the leader')))
    await until('a leader running its job', () => leaderOf()?.lines.some(l => l.includes('job #2')) === true, 30_000)
    const leader = leaderOf()!
    const epoch = Number(/epoch (\d+)\)/.exec(leader.lines.find(l => l.includes('I am the leader now'))!)![1])
    for (const l of leader.lines.filter(x => x.includes('job #'))) expect(l).toMatch(new RegExp(`fencing token ${epoch}$`))
    for (const p of procs.filter(x => x !== leader)) expect(p.lines.filter(l => l.includes('job #'))).toEqual([])
    leader.child.kill('SIGTERM')
    await new Promise(resolve => leader.child.once('exit', resolve))
    expect(leader.child.exitCode).toBe(0)
    expect(leader.lines.some(l => l.includes(`no longer the leader of epoch ${epoch}: resigned`))).toBe(true)
    await until('a new leader', () => leaderOf() !== undefined && leaderOf() !== leader, 10_000)
    const next = leaderOf()!
    await until('its job', () => next.lines.some(l => /job #\d+ runs with fencing token (\d+)$/.test(l)), 10_000)
    const token = Number(/fencing token (\d+)$/.exec(next.lines.find(l => l.includes('job #'))!)![1])
    expect(token).toBeGreaterThan(epoch)
  })
})
