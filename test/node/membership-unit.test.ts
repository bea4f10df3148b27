/**
 * The leader's Membership (src/node/membership.ts) on its own: what it keeps
 * of each presence, and the one change nextChange proposes, in priority order
 * (target, asked removals, silent removal above the floor, surplus removal,
 * promotion of an observer that is eligible).
 */
import { describe, expect, it } from 'vitest'
import { Membership } from '../../src/node/membership.js'
import type { Presence } from '../../src/paxos/message.js'
import type { Configuration } from '../../src/paxos/configuration.js'
import { testConfig } from '../support/records.js'

const PRESENCE = 100
const TIMEOUT = 500
const STABLE = 200
const timing = { presenceMs: PRESENCE, memberTimeoutMs: TIMEOUT, stabilizationMs: STABLE }
/** The leader's epoch. */
const EPOCH = 4

/** A presence of a node that may vote and knows the leader's epoch; `patch` changes it. */
function presence (patch: Partial<Presence> = {}): Presence {
  return { type: 'presence', epoch: EPOCH, observer: false, ready: true, leaving: false, rejoin: false, metadata: {}, priority: 0, ...patch }
}

/** Leader a's view, tracking from time 0. */
function membership (): Membership { return new Membership('a', timing, 0) }

/** Presences from each of `ids` every PRESENCE ms from `from` to `to`, both included. */
function hearEvery (m: Membership, ids: readonly string[], from: number, to: number, p: Presence = presence()): void {
  for (let t = from; t <= to; t += PRESENCE) for (const id of ids) m.onPresence(id, p, t)
}

const ids = (c: Configuration | null): string[] | undefined => c?.voters.map(v => v.id)

describe('Membership: what it keeps of a presence', () => {
  it('keeps the start of an unbroken run, the newest presence, and when the node last said it may vote', () => {
    const m = membership()
    m.onPresence('b', presence(), 10)
    m.onPresence('b', presence(), 110)
    m.onPresence('b', presence({ ready: false }), 210)
    expect(m.seen.get('b')).toEqual({ firstAt: 10, lastAt: 210, readyAt: 110, presence: presence({ ready: false }) })
    // Never ready: readyAt is −∞.
    m.onPresence('c', presence({ ready: false }), 50)
    expect(m.seen.get('c')?.readyAt).toBe(-Infinity)
  })

  it('starts the run afresh after a presence it could not be promoted on (not ready, observer, leaving, rejoin)', () => {
    for (const patch of [{ ready: false }, { observer: true }, { leaving: true }, { rejoin: true }]) {
      const m = membership()
      m.onPresence('b', presence(), 0)
      m.onPresence('b', presence(patch), 100)
      m.onPresence('b', presence(), 200)
      expect(m.seen.get('b'), JSON.stringify(patch)).toMatchObject({ firstAt: 200, lastAt: 200, readyAt: 200 })
    }
  })

  it('starts the run afresh after a gap of more than two presences, not after exactly two', () => {
    const m = membership()
    m.onPresence('b', presence(), 0)
    m.onPresence('b', presence(), 2 * PRESENCE)
    expect(m.seen.get('b')?.firstAt).toBe(0)
    m.onPresence('b', presence({ ready: false }), 4 * PRESENCE + 1)
    // The run restarts; when it last said it may vote is kept.
    expect(m.seen.get('b')).toMatchObject({ firstAt: 4 * PRESENCE + 1, lastAt: 4 * PRESENCE + 1, readyAt: 2 * PRESENCE })
  })
})

describe('Membership.nextChange', () => {
  it('proposes nothing when the configuration is at its target and every voter is there', () => {
    const m = membership()
    hearEvery(m, ['b', 'c'], 0, 1000)
    expect(m.nextChange(testConfig(['a', 'b', 'c']), 3, EPOCH, 1000)).toBeNull()
  })

  it('first moves the target, before any removal', () => {
    const m = membership()
    m.onPresence('b', presence({ leaving: true }), 0)
    const config = testConfig(['a', 'b', 'c'])
    expect(m.nextChange(config, 5, EPOCH, 0)).toEqual({ ...config, version: 2, target: 5 })
  })

  it('then removes a voter that asks to (leaving, rejoin, observer), in ID order, while its asking is fresh; never the leader', () => {
    const config = testConfig(['a', 'b', 'c', 'd'], { target: 4 })
    // A node that asks is not ready to vote either.
    for (const ask of [{ leaving: true }, { rejoin: true }, { observer: true }] as const) {
      const m = membership()
      m.onPresence('a', presence({ ...ask, ready: false }), 0)
      m.onPresence('b', presence(), 0)
      m.onPresence('d', presence({ ...ask, ready: false }), 0)
      m.onPresence('c', presence({ ...ask, ready: false }), 0)
      const next = m.nextChange(config, 4, EPOCH, 2 * PRESENCE)
      expect(ids(next)).toEqual(['a', 'b', 'd'])
      expect(next?.version).toBe(2)
    }
    // Asked more than two presences ago: no longer taken as asked (nor silent yet).
    const m = membership()
    hearEvery(m, ['b', 'c'], 0, 2 * PRESENCE + 1)
    m.onPresence('d', presence({ leaving: true, ready: false }), 0)
    expect(m.nextChange(config, 4, EPOCH, 2 * PRESENCE + 1)).toBeNull()
  })

  it('hands a leaving voter\'s seat to an eligible observer first (add, then remove); other askers go at once', () => {
    const config = testConfig(['a', 'b', 'c'])
    const m = membership()
    hearEvery(m, ['b', 'd'], 0, 1000)
    hearEvery(m, ['e'], 100, 1000)
    m.onPresence('c', presence({ leaving: true, ready: false }), 1000)
    // d, present and caught up longest, is added first: the configuration never runs below its target.
    const added = m.nextChange(config, 3, EPOCH, 1000)!
    expect(ids(added)).toEqual(['a', 'b', 'c', 'd'])
    // Now above the target, c goes (e is not added as well).
    expect(ids(m.nextChange(added, 3, EPOCH, 1000))).toEqual(['a', 'b', 'd'])
    // Asking to rejoin or to observe gives no seat away: that voter goes at once.
    for (const ask of [{ rejoin: true }, { observer: true }]) {
      m.onPresence('c', presence({ ...ask, ready: false }), 1000)
      expect(ids(m.nextChange(config, 3, EPOCH, 1000)), JSON.stringify(ask)).toEqual(['a', 'b'])
    }
    // With an observer present but not yet stable, the leader waits for it (the leaver waits as long)...
    const pending = membership()
    hearEvery(pending, ['b'], 0, 1000)
    pending.onPresence('c', presence({ leaving: true, ready: false }), 1000)
    pending.onPresence('d', presence(), 1000)
    expect(pending.nextChange(config, 3, EPOCH, 1000)).toBeNull()
    // ...and with no observer at all, a leaving voter goes at once.
    const alone = membership()
    hearEvery(alone, ['b'], 0, 1000)
    alone.onPresence('c', presence({ leaving: true, ready: false }), 1000)
    expect(ids(alone.nextChange(config, 3, EPOCH, 1000))).toEqual(['a', 'b'])
  })

  it('lets a leaving voter go only while the voters heard from are a majority without it; a silent voter goes first', () => {
    // Found by the simulator: c promoted as it stopped for good, then b let go, left a alone with c's vote missing.
    const config = testConfig(['a', 'b', 'c'])
    const m = membership()
    const leaving = (now: number, of = config): Configuration | null => {
      m.onPresence('b', presence({ leaving: true, ready: false }), now)
      return m.nextChange(of, 3, EPOCH, now)
    }
    // c was never heard: without b, a would be the only voter of two that answers.
    expect(leaving(TIMEOUT - 1)).toBeNull()
    // Then c, silent, goes first; not b, which has not said it may vote for as long, but is heard.
    const first = leaving(TIMEOUT)
    expect(ids(first)).toEqual(['a', 'b'])
    // Then b goes: a alone is a majority of [a].
    expect(ids(leaving(TIMEOUT, first!))).toEqual(['a'])
    // Another leaver counts as heard: two voters leaving at once still go one after the other.
    const both = membership()
    both.onPresence('b', presence({ leaving: true, ready: false }), 0)
    both.onPresence('c', presence({ leaving: true, ready: false }), 0)
    expect(ids(both.nextChange(config, 3, EPOCH, 0))).toEqual(['a', 'c'])
  })

  it('waits for an observer to take a leaving voter\'s seat only while it is caught up and still heard from', () => {
    const config = testConfig(['a', 'b', 'c'])
    // An observer behind the leader's epoch is not worth waiting for: the leaving voter goes at once.
    const behind = membership()
    hearEvery(behind, ['b'], 0, 1000)
    behind.onPresence('c', presence({ leaving: true, ready: false }), 1000)
    behind.onPresence('d', presence({ epoch: EPOCH - 1 }), 1000)
    expect(ids(behind.nextChange(config, 3, EPOCH, 1000))).toEqual(['a', 'b'])
    // With a stabilization time longer than two presences, an observer can still be in its
    // stabilization time after it went silent: it is waited for within two presences of its last, not after.
    const slow = new Membership('a', { ...timing, stabilizationMs: 10 * PRESENCE }, 0)
    hearEvery(slow, ['b'], 0, 1000)
    hearEvery(slow, ['d'], 0, 500)
    const leaving = (now: number): Configuration | null => {
      slow.onPresence('c', presence({ leaving: true, ready: false }), now)
      return slow.nextChange(config, 3, EPOCH, now)
    }
    expect(leaving(500 + PRESENCE)).toBeNull()
    expect(leaving(500 + 2 * PRESENCE)).toBeNull()
    expect(ids(leaving(500 + 2 * PRESENCE + 1))).toEqual(['a', 'b'])
  })

  it('then removes a voter silent for memberTimeoutMs, counted from the start of tracking, only while majority(target) voters remain', () => {
    const config = testConfig(['a', 'b', 'c'])
    const m = membership()
    hearEvery(m, ['b'], 0, 1000)
    // c was never heard: silent since the leadership began at 0.
    expect(m.nextChange(config, 3, EPOCH, TIMEOUT - 1)).toBeNull()
    expect(ids(m.nextChange(config, 3, EPOCH, TIMEOUT))).toEqual(['a', 'b'])
    // b and c silent: one goes, leaving majority(3) = 2 voters; the other then stays.
    const both = membership()
    const first = both.nextChange(config, 3, EPOCH, 1000)!
    expect(ids(first)).toEqual(['a', 'c'])
    expect(both.nextChange(first, 3, EPOCH, 1000)).toBeNull()
    // The floor is the target's majority, not the configuration's: with a target of five, three voters stay.
    const five = testConfig(['a', 'b', 'c', 'd'], { target: 5 })
    expect(ids(both.nextChange(five, 5, EPOCH, 1000))).toEqual(['a', 'c', 'd'])
    expect(both.nextChange(testConfig(['a', 'b', 'c'], { target: 5 }), 5, EPOCH, 1000)).toBeNull()
    // A new leadership counts afresh.
    m.lead(600)
    expect(m.nextChange(config, 3, EPOCH, 600 + TIMEOUT - 1)).toBeNull()
    expect(ids(m.nextChange(config, 3, EPOCH, 600 + TIMEOUT))).toEqual(['a', 'b'])
  })

  it('takes a voter present but not ready as silent from when it was last ready', () => {
    const config = testConfig(['a', 'b', 'c'])
    const m = membership()
    hearEvery(m, ['b'], 0, 2000)
    m.onPresence('c', presence(), 300)
    hearEvery(m, ['c'], 400, 2000, presence({ ready: false }))
    expect(m.nextChange(config, 3, EPOCH, 300 + TIMEOUT - 1)).toBeNull()
    expect(ids(m.nextChange(config, 3, EPOCH, 300 + TIMEOUT))).toEqual(['a', 'b'])
  })

  it('removes the first silent voter by ID, the leader never', () => {
    const m = membership()
    const config = testConfig(['a', 'b', 'c', 'd', 'e'])
    hearEvery(m, ['b', 'c'], 0, 1000)
    expect(ids(m.nextChange(config, 5, EPOCH, 1000))).toEqual(['a', 'b', 'c', 'e'])
  })

  it('then removes a surplus voter, the one silent longest (ties by ID), even down to the target', () => {
    const config = testConfig(['a', 'b', 'c', 'd'], { target: 3 })
    const m = membership()
    hearEvery(m, ['b', 'c', 'd'], 0, 300)
    hearEvery(m, ['b', 'd'], 400, 400)
    // c last ready at 300, b and d at 400: c goes.
    expect(ids(m.nextChange(config, 3, EPOCH, 400))).toEqual(['a', 'b', 'd'])
    const tie = membership()
    hearEvery(tie, ['b', 'c', 'd'], 0, 400)
    expect(ids(tie.nextChange(config, 3, EPOCH, 400))).toEqual(['a', 'c', 'd'])
    // A surplus voter goes though it is not silent.
    expect(ids(membership().nextChange(testConfig(['a', 'b'], { target: 1 }), 1, EPOCH, 0))).toEqual(['a'])
  })

  it('then promotes the eligible observer present the longest (ties by ID), one at a time', () => {
    const config = testConfig(['a', 'b'], { target: 3 })
    const m = membership()
    hearEvery(m, ['b'], 0, 1000)
    hearEvery(m, ['e'], 100, 1000)
    hearEvery(m, ['d', 'c'], 200, 1000)
    const next = m.nextChange(config, 3, EPOCH, 1000)
    expect(next?.voters).toEqual([{ id: 'a', since: 1 }, { id: 'b', since: 1 }, { id: 'e', since: 2 }])
    expect(next?.version).toBe(2)
    // Ties by ID, whichever of them was heard first.
    for (const order of [['d', 'c'], ['c', 'd']]) {
      const tie = membership()
      hearEvery(tie, ['b'], 0, 1000)
      hearEvery(tie, order, 200, 1000)
      expect(ids(tie.nextChange(config, 3, EPOCH, 1000)), order.join()).toEqual(['a', 'b', 'c'])
    }
    // At the target: nobody is promoted.
    expect(m.nextChange(testConfig(['a', 'b', 'e']), 3, EPOCH, 1000)).toBeNull()
  })

  describe('an observer is eligible only', () => {
    const config = testConfig(['a', 'b'], { target: 3 })
    /** b a present voter; c heard every presence from `from` to 1000 with `p`; the voters of the change proposed at `now`, or null. */
    function promoted (p: Presence, from = 0, now = 1000): string[] | null {
      const m = membership()
      hearEvery(m, ['b'], 0, 1000)
      hearEvery(m, ['c'], from, Math.min(now, 1000), p)
      return ids(m.nextChange(config, 3, EPOCH, now)) ?? null
    }

    it('when ready, and neither an observer by choice, leaving, nor asking to rejoin', () => {
      expect(promoted(presence())).toEqual(['a', 'b', 'c'])
      for (const patch of [{ ready: false }, { observer: true }, { leaving: true }, { rejoin: true }]) {
        expect(promoted(presence(patch)), JSON.stringify(patch)).toBeNull()
      }
    })

    it('when caught up with the leader\'s epoch', () => {
      expect(promoted(presence({ epoch: EPOCH + 1 }))).toEqual(['a', 'b', 'c'])
      expect(promoted(presence({ epoch: EPOCH - 1 }))).toBeNull()
    })

    it('when heard within two presences', () => {
      expect(promoted(presence(), 0, 1000 + 2 * PRESENCE)).toEqual(['a', 'b', 'c'])
      expect(promoted(presence(), 0, 1000 + 2 * PRESENCE + 1)).toBeNull()
    })

    it('after stabilizationMs of unbroken presence', () => {
      expect(promoted(presence(), 1000 - STABLE)).toEqual(['a', 'b', 'c'])
      expect(promoted(presence(), 1000 - STABLE + 1)).toBeNull()
      // A gap restarts the count.
      const m = membership()
      hearEvery(m, ['b'], 0, 1000)
      hearEvery(m, ['c'], 0, 700)
      hearEvery(m, ['c'], 700 + 2 * PRESENCE + 1, 1000)
      expect(m.nextChange(config, 3, EPOCH, 1000)).toBeNull()
    })
  })
})

describe('Membership: founders (epoch 1\'s late promisers)', () => {
  const config = testConfig(['a', 'b'], { target: 3 })
  /** Whether c, heard at `now` for the first time (b heard throughout), is promoted by `m` at `now`. */
  function promotedAt (m: Membership, now: number): boolean {
    hearEvery(m, ['b'], 0, now)
    m.onPresence('c', presence(), now)
    return ids(m.nextChange(config, 3, EPOCH, now))?.includes('c') ?? false
  }

  it('are promoted on their first presence, within stabilizationMs of the start of tracking only', () => {
    const founders = new Set(['c'])
    expect(promotedAt(new Membership('a', timing, 0, founders), 0)).toBe(true)
    expect(promotedAt(new Membership('a', timing, 0, founders), STABLE - 1)).toBe(true)
    expect(promotedAt(new Membership('a', timing, 0, founders), STABLE)).toBe(false)
    // Anyone else waits stabilizationMs of presence.
    expect(promotedAt(new Membership('a', timing, 0), 0)).toBe(false)
  })

  it('may be given when the leadership begins (lead) or later (addFounder); the window runs from lead()', () => {
    const leading = (): Membership => {
      const m = new Membership('a', timing, 0)
      m.lead(600, new Set(['c']))
      return m
    }
    expect(promotedAt(leading(), 700)).toBe(true)
    expect(promotedAt(leading(), 600 + STABLE - 1)).toBe(true)
    expect(promotedAt(leading(), 600 + STABLE)).toBe(false)
    // A founder known before lead() stays one.
    const before = new Membership('a', timing, 0)
    before.addFounder('c')
    before.lead(600)
    expect(promotedAt(before, 700)).toBe(true)
    const late = new Membership('a', timing, 0)
    late.lead(600)
    late.addFounder('c')
    expect(promotedAt(late, 700)).toBe(true)
  })

  it('stays a founder while it can be promoted, and is one no longer after a presence it could not be promoted on', () => {
    const stays = new Membership('a', timing, 0, new Set(['c']))
    hearEvery(stays, ['b', 'c'], 0, 100)
    expect(ids(stays.nextChange(config, 3, EPOCH, 100))).toEqual(['a', 'b', 'c'])
    for (const patch of [{ ready: false }, { observer: true }, { leaving: true }, { rejoin: true }]) {
      const m = new Membership('a', timing, 0, new Set(['c']))
      m.onPresence('b', presence(), 0)
      m.onPresence('c', presence(patch), 0)
      // Promotable again: now it waits stabilizationMs like anyone.
      hearEvery(m, ['b', 'c'], 100, 100)
      expect(m.nextChange(config, 3, EPOCH, 100), JSON.stringify(patch)).toBeNull()
      hearEvery(m, ['b', 'c'], 200, 100 + STABLE)
      expect(ids(m.nextChange(config, 3, EPOCH, 100 + STABLE)), JSON.stringify(patch)).toEqual(['a', 'b', 'c'])
    }
  })
})
