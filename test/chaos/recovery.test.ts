/** Recovery times over small synthetic histories: what each kind of fault counts from. */
import { describe, expect, it } from 'vitest'
import { History } from './builder.js'
import { recoveries } from './recovery.js'

/** n1 leads epoch 1 from 100 (n1-n3, spare n4); fault 1 at 3000 touches n1 and n4; n2 leads epoch 2 from 5100, known by all at 5110. */
function handover (kind: 'roll' | 'kill'): History {
  const h = new History(['n1', 'n2', 'n3', 'n4'])
  for (const n of ['n1', 'n2', 'n3']) h.spawn(0, n)
  h.elect(100, 'n1', 1, ['n1', 'n2', 'n3']).fault(3000, 1, kind, ['n1', 'n4'])
  if (kind === 'roll') h.spawn(3000, 'n4', 'peer-n4').view(3500, 'n4', 'n1', 1)
  h.lead(5000, 'n1', false, 1).exit(5050, 'n1')
  return h.elect(5100, 'n2', 2, ['n2', 'n3', 'n4'].filter(n => kind === 'roll' || n !== 'n4')).heal(5200, 1)
}

describe('recoveries', () => {
  it('a roll that stops the leader counts from the moment it stopped leading, not from the new node\'s start', () => {
    const [r] = recoveries(handover('roll').end(10_000).done)
    expect(r).toMatchObject({ kind: 'roll', leaderAffected: true, from: 'stop', ms: 110 })
  })

  it('a kill of the leader counts from the fault', () => {
    const [r] = recoveries(handover('kill').end(10_000).done)
    expect(r).toMatchObject({ kind: 'kill', leaderAffected: true, from: 'fault', ms: 2110 })
  })

  it('a roll that leaves the leader alone counts from its heal, and keeps the heal\'s note', () => {
    const h = new History(['n1', 'n2', 'n3', 'n4']).boot(0).elect(100, 'n1', 1).fault(3000, 1, 'roll', ['n3', 'n4'])
      .exit(4000, 'n3').heal(4100, 1, 'n4 not present within 15 leases: step given up').end(10_000).done
    const [r] = recoveries(h)
    expect(r).toMatchObject({ leaderAffected: false, from: 'heal', ms: 0, note: 'n4 not present within 15 leases: step given up' })
  })
})
