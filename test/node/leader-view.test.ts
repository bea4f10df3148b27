import { describe, expect, it } from 'vitest'
import { LeaderView } from '../../src/node/leader-view.js'
import { Outbox, type NodeEvent } from '../../src/node/io.js'
import type { LeaderRecord } from '../../src/paxos/proposal.js'
import { record } from '../support/records.js'

const LEASE = 400

function rec (epoch: number, leaderId: string): LeaderRecord {
  return record(epoch, leaderId)
}

function events (out: Outbox): NodeEvent[] {
  return [...out.drain(null).events]
}

describe('LeaderView', () => {
  it('announces each epoch once and in order; the same record again, even as a copy, is no violation', () => {
    const out = new Outbox('a')
    const view = new LeaderView('a', LEASE, out, 0)
    view.announce(rec(3, 'b'))
    view.announce(rec(3, 'b'))
    expect(events(out)).toEqual([{ type: 'leaderChosen', record: rec(3, 'b') }])
    expect(() => { view.announce(rec(3, 'c')) }).toThrow(expect.objectContaining({
      invariant: 'chosen-never-changes', detail: 'epoch 3 announced as b, now reported as c'
    }))
    expect(() => { view.announce(rec(2, 'b')) }).toThrow(expect.objectContaining({
      invariant: 'epochs-learned-in-order', detail: 'epoch 2 after epoch 3 was announced'
    }))
  })

  it('a heartbeat of another epoch than the watched leader\'s extends nothing; one of its epoch extends it by a lease', () => {
    const out = new Outbox('a')
    const view = new LeaderView('a', LEASE, out, 0)
    expect(view.hear(rec(1, 'b'), 1, 0)).toBe(false)
    view.watch(rec(3, 'b'), 0, true)
    expect(view.expiresAt).toBe(400)
    expect(view.hear(rec(4, 'c'), 4, 300)).toBe(false)
    expect(view.expiresAt).toBe(400)
    expect(view.hear(rec(4, 'c'), 3, 300)).toBe(false)
    expect(view.expiresAt).toBe(700)
  })

  it('a lost leader heard again is found (true); leaderFound only for another node announced before', () => {
    const out = new Outbox('a')
    const view = new LeaderView('a', LEASE, out, 0)
    view.announce(rec(3, 'b'))
    view.watch(rec(3, 'b'), 0, true)
    view.lose()
    expect(view.live).toBeNull()
    expect(view.expiresAt).toBe(Infinity)
    events(out)
    expect(view.hear(rec(3, 'b'), 3, 500)).toBe(true)
    expect(view.live).toEqual(rec(3, 'b'))
    expect(view.expiresAt).toBe(900)
    expect(events(out)).toEqual([{ type: 'leaderFound', record: rec(3, 'b') }])

    // Itself as the leader: no leaderLost, no leaderFound.
    const self = new LeaderView('a', LEASE, out, 0)
    self.announce(rec(5, 'a'))
    self.watch(rec(5, 'a'), 0, true)
    self.lose()
    expect(self.hear(rec(5, 'a'), 5, 100)).toBe(true)
    expect(events(out)).toEqual([{ type: 'leaderChosen', record: rec(5, 'a') }])

    // A restarted node (announced through 6) watching epoch 7 from disk: the heartbeat
    // that finds it announces it (leaderChosen), and says no leaderFound besides.
    const restarted = new LeaderView('a', LEASE, out, 6)
    restarted.watch(rec(7, 'b'), 0, false)
    restarted.lose()
    expect(events(out)).toEqual([])
    expect(restarted.hear(rec(7, 'b'), 7, 100)).toBe(true)
    expect(events(out)).toEqual([{ type: 'leaderChosen', record: rec(7, 'b') }])
  })

  it('a leader known from memory is watched but not confirmed: never lost, announced once heard (rule 7)', () => {
    const out = new Outbox('a')
    const view = new LeaderView('a', LEASE, out, 0)
    // From disk, or from another node's status reply: nobody stands against it, the host is told nothing.
    view.watch(rec(2, 'b'), 0, false)
    expect(view.live).toEqual(rec(2, 'b'))
    expect(view.confirmed).toBeNull()
    view.lose()
    expect(events(out)).toEqual([])
    // Heard after all: announced as chosen, not as found.
    expect(view.hear(rec(2, 'b'), 2, 500)).toBe(true)
    expect(view.confirmed).toEqual(rec(2, 'b'))
    expect(events(out)).toEqual([{ type: 'leaderChosen', record: rec(2, 'b') }])
    // Announced and heard, then lost: now that is reported, and finding it again too.
    view.lose()
    expect(view.hear(rec(2, 'b'), 2, 1000)).toBe(true)
    expect(events(out)).toEqual([{ type: 'leaderLost', record: rec(2, 'b') }, { type: 'leaderFound', record: rec(2, 'b') }])
    // A newer record learned second-hand replaces it unconfirmed: the host hears of neither its loss nor it.
    view.watch(rec(3, 'c'), 1100, false)
    expect(view.confirmed).toBeNull()
    view.lose()
    expect(events(out)).toEqual([])
  })
})
