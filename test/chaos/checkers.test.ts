/**
 * Each checker over a small synthetic history: a correct one it passes, a
 * broken one it flags, and one case per subtle rule of its property.
 */
import { describe, expect, it } from 'vitest'
import { History } from './builder.js'
import {
  CHECKERS, checkAll, convergenceMs, convergesAfterHeal, epochsIncrease, fencedRegister, leaderships, learnedInOrder,
  finalConfiguration, leaderlessMs, noDeafFollower, noOverlap, noSpuriousErrors, oneLeaderPerEpoch, pairsConnected, staleWrites, unconnectedPairs, unfencedAnomalies,
  votersAtTarget, wakeReadsFalse
} from './checkers.js'
import type { Checker, HistoryEvent } from './history.js'

/** Three nodes booted at 0, quiet at 50, n1 leads epoch 1 from 100 and all follow it from 110, all three voters (lease 1000 ms). */
const healthy = (): History => new History().boot(0).quiet(50).elect(100, 'n1', 1).config(110, 'n2', 1, ['n1', 'n2', 'n3'])

const messages = (c: Checker, h: readonly HistoryEvent[]): string[] => c(h).map(v => v.message)

describe('checkAll', () => {
  it('passes a healthy run, and names each checker it reports for', () => {
    expect(checkAll(healthy().end(5000).done)).toEqual([])
    const broken = checkAll(healthy().error(200, 'n2', 'boom').end(5000).done)
    expect(broken.map(v => v.checker)).toEqual(['noSpuriousErrors'])
    expect(Object.keys(CHECKERS)).toContain('noDeafFollower')
  })
})

describe('noOverlap', () => {
  it('passes a handover that touches but does not overlap', () => {
    const h = healthy().lead(1000, 'n1', false, 1).elect(1000, 'n2', 2).end(5000).done
    expect(noOverlap(h)).toEqual([])
  })

  it('flags two leaders at once, with both nodes, epochs and the overlap', () => {
    const h = healthy().elect(900, 'n2', 2).lead(1000, 'n1', false, 1).end(5000).done
    expect(messages(noOverlap, h)).toEqual(['n1 (epoch 1) and n2 (epoch 2) both led for 100 ms'])
  })

  it('ends a leadership at its exit', () => {
    const h = healthy().exit(800, 'n1').elect(900, 'n2', 2).end(5000).done
    expect(noOverlap(h)).toEqual([])
  })

  it('ends a leadership at the start of a gap that wakes not leading', () => {
    const h = healthy().gap(3000, 'n1', 800, true, false).lead(3000, 'n1', false, 1).elect(2000, 'n2', 2).end(5000).done
    expect(leaderships(h).find(l => l.node === 'n1')?.to).toBe(800)
    expect(noOverlap(h)).toEqual([])
    // Had it woken still leading, the stall would count as leadership.
    const still = healthy().gap(3000, 'n1', 800, true, true).lead(3100, 'n1', false, 1).elect(2000, 'n2', 2).end(5000).done
    expect(messages(noOverlap, still)).toEqual(['n1 (epoch 1) and n2 (epoch 2) both led for 1100 ms'])
  })
})

describe('oneLeaderPerEpoch', () => {
  it('passes one leader per epoch told by all three sources', () => {
    expect(oneLeaderPerEpoch(healthy().end(5000).done)).toEqual([])
  })

  it('flags a node that learned another leader for an epoch', () => {
    const h = healthy().chosen(200, 'n3', 1, 'n2').end(5000).done
    expect(messages(oneLeaderPerEpoch, h)).toEqual(['epoch 1 has two leaders: peer-n1 (n1 was elected) and peer-n2 (n3 learned)'])
  })

  it('flags a node leading in an epoch another was elected in', () => {
    const h = healthy().lead(300, 'n1', false, 1).lead(400, 'n2', true, 1).end(5000).done
    expect(messages(oneLeaderPerEpoch, h)).toEqual(['epoch 1 has two leaders: peer-n1 (n1 was elected) and peer-n2 (n2 led)'])
  })
})

describe('epochsIncrease', () => {
  it('passes leaderships in increasing epochs', () => {
    const h = healthy().lead(1000, 'n1', false, 1).elect(1500, 'n2', 3).end(5000).done
    expect(epochsIncrease(h)).toEqual([])
  })

  it('passes a leader whose lease lapsed and was renewed in its epoch', () => {
    const h = healthy().lead(1000, 'n1', false, 1).lead(1200, 'n1', true, 1).end(5000).done
    expect(leaderships(h)).toHaveLength(2)
    expect(epochsIncrease(h)).toEqual([])
  })

  it('flags a later leadership with a lower or equal epoch', () => {
    const h = healthy().lead(1000, 'n1', false, 1).elect(1500, 'n2', 1).end(5000).done
    expect(messages(epochsIncrease, h)).toEqual(['n2 led in epoch 1 after n1 led in epoch 1'])
  })
})

describe('learnedInOrder', () => {
  it('passes increasing epochs, and the same epoch again after a restart', () => {
    const h = healthy().chosen(2000, 'n2', 2, 'n3').exit(2500, 'n2').spawn(3000, 'n2').chosen(3100, 'n2', 2, 'n3').chosen(4000, 'n2', 3, 'n1').end(5000).done
    expect(learnedInOrder(h)).toEqual([])
  })

  it('flags the same epoch twice within one incarnation', () => {
    const h = healthy().chosen(2000, 'n2', 1, 'n1').end(5000).done
    expect(messages(learnedInOrder, h)).toEqual(['n2 (inc 1) learned epoch 1 after epoch 1'])
  })

  it('flags a restarted node learning below what it learned before', () => {
    const h = healthy().chosen(2000, 'n2', 4, 'n1').exit(2500, 'n2').spawn(3000, 'n2').chosen(3100, 'n2', 3, 'n1').end(5000).done
    expect(messages(learnedInOrder, h)).toEqual(['n2 (inc 2) learned epoch 3 below epoch 4 of an earlier incarnation'])
  })
})

describe('wakeReadsFalse', () => {
  it('passes a long stall that wakes not leading, and a short one that wakes leading', () => {
    const h = healthy().gap(2500, 'n1', 1000, true, false).gap(3500, 'n1', 3000, true, true).end(5000).done
    expect(wakeReadsFalse(h)).toEqual([])
  })

  it('flags a stall longer than the lease that wakes leading', () => {
    const h = healthy().gap(2001, 'n1', 1000, true, true).end(5000).done
    expect(messages(wakeReadsFalse, h)).toEqual(['n1 woke from a 1001 ms stall (lease 1000 ms) still leading'])
  })
})

describe('convergesAfterHeal', () => {
  it('passes, and measures from quiet to agreement on a live leader', () => {
    const h = healthy().end(5000).done
    expect(convergesAfterHeal(h)).toEqual([])
    expect(convergenceMs(h)).toBe(60)
  })

  it('counts a cluster already converged at quiet as 0 ms', () => {
    expect(convergenceMs(new History().boot(0).elect(100, 'n1', 1).quiet(500).end(5000).done)).toBe(0)
  })

  it('ignores a dead node, but not a live one that views no leader', () => {
    const dead = healthy().exit(20, 'n3').end(5000).done
    expect(convergenceMs(dead)).toBe(60)
    const blind = new History().boot(0).quiet(50).elect(100, 'n1', 1, ['n1', 'n2']).end(5000).done
    expect(convergenceMs(blind)).toBe(null)
    expect(messages(convergesAfterHeal, blind)).toEqual(['no agreement on a live leader within 10000 ms of quiet: not before the end, 4950 ms after quiet'])
  })

  it('flags agreement on a leader that no longer leads', () => {
    const h = healthy().lead(300, 'n1', false, 1).end(20_000).done
    expect(convergenceMs(h)).toBe(60)
    // n1 stops leading at 300 but everyone still views it: quiet must be later to see it.
    const late = new History().boot(0).elect(100, 'n1', 1).lead(300, 'n1', false, 1).quiet(400).end(20_000).done
    expect(messages(convergesAfterHeal, late)).toEqual(['no agreement on a live leader within 10000 ms of quiet: never'])
  })

  it('flags agreement reached only after the bound', () => {
    const h = new History().boot(0).quiet(50).elect(10_100, 'n1', 1).end(20_000).done
    expect(messages(convergesAfterHeal, h)).toEqual(['no agreement on a live leader within 10000 ms of quiet: only after 10060 ms'])
  })
})

describe('noDeafFollower', () => {
  /** n3 never hears n1, which leads from 100: deaf unless something excuses it. */
  const deafN3 = (): History => new History().boot(0).elect(100, 'n1', 1, ['n1', 'n2'])

  it('passes followers that view the leader soon enough', () => {
    expect(noDeafFollower(healthy().end(5000).done)).toEqual([])
    expect(noDeafFollower(deafN3().view(2100, 'n3', 'n1', 1).end(5000).done)).toEqual([])
  })

  it('flags a connected follower deaf for more than two leases', () => {
    const h = deafN3().view(2101, 'n3', 'n1', 1).end(5000).done
    expect(messages(noDeafFollower, h)).toEqual(['n3 was deaf to leader n1 (epoch 1) for 2001 ms from 100 ms'])
  })

  it('flags a follower that views the leader with an old epoch', () => {
    const h = healthy().lead(1000, 'n1', false, 1).elect(1000, 'n1', 2, ['n1', 'n2']).end(4000).done
    expect(messages(noDeafFollower, h)).toEqual(['n3 was deaf to leader n1 (epoch 2) for 3000 ms from 1000 ms'])
  })

  it('does not count the time a fault is active: the stretch starts at the heal', () => {
    const h = deafN3().fault(50, 1, 'isolate', ['n3']).heal(3000, 1).view(4900, 'n3', 'n1', 1).end(5000).done
    expect(noDeafFollower(h)).toEqual([])
    const late = deafN3().fault(50, 1, 'isolate', ['n3']).heal(3000, 1).view(5001, 'n3', 'n1', 1).end(6000).done
    expect(messages(noDeafFollower, late)).toEqual(['n3 was deaf to leader n1 (epoch 1) for 2001 ms from 3000 ms'])
  })

  it('lets a kill last until the restart, and a resign not at all', () => {
    const killed = deafN3().fault(50, 1, 'kill', ['n2']).exit(50, 'n2').heal(60, 1).spawn(3000, 'n2').view(4900, 'n3', 'n1', 1).end(5000).done
    expect(noDeafFollower(killed)).toEqual([])
    const resigned = deafN3().fault(50, 1, 'resign', ['n2']).view(2200, 'n3', 'n1', 1).end(5000).done
    expect(messages(noDeafFollower, resigned)).toEqual(['n3 was deaf to leader n1 (epoch 1) for 2100 ms from 100 ms'])
  })

  it('does not count the time the follower is disconnected from the leader', () => {
    const h = deafN3().leave(50, 'n3', 'n1').join(3000, 'n3', 'n1').view(4900, 'n3', 'n1', 1).end(5000).done
    expect(noDeafFollower(h)).toEqual([])
  })
})

describe('nodes that come and go (replace, roll, scale)', () => {
  /**
   * Hosts n1-n3 in service and a spare n4 (idle until 3000). n1 leads epoch 1;
   * a roll starts a new node on n4 at 3000 and stops n1 for good at 4000; n2 leads
   * epoch 2 from 4100. Then n1's host is put to use again at 6000 under a new ID
   * (peer-n1b), a scale's new node, and n3 is stopped for good at 7000.
   */
  const rolled = (): History => {
    const h = new History(['n1', 'n2', 'n3', 'n4'])
    for (const n of ['n1', 'n2', 'n3']) h.spawn(0, n)
    for (const a of ['n1', 'n2', 'n3']) for (const b of ['n1', 'n2', 'n3']) if (a !== b) h.join(0, a, b)
    h.elect(100, 'n1', 1, ['n1', 'n2', 'n3']).config(110, 'n1', 1, ['n1', 'n2', 'n3'])
      .fault(3000, 1, 'roll', ['n1', 'n4']).spawn(3000, 'n4', 'peer-n4')
    for (const n of ['n1', 'n2', 'n3']) h.join(3100, 'n4', n).join(3100, n, 'n4')
    h.chosen(3200, 'n4', 1, 'n1').view(3200, 'n4', 'n1', 1)
      .lead(4000, 'n1', false, 1).exit(4000, 'n1')
    for (const n of ['n2', 'n3', 'n4']) h.leave(4001, n, 'n1')
    h.elect(4100, 'n2', 2, ['n2', 'n3', 'n4']).config(4110, 'n2', 2, ['n2', 'n3', 'n4']).heal(4200, 1)
      .fault(6000, 2, 'scale', ['n1', 'n3']).spawn(6000, 'n1', 'peer-n1b')
    for (const n of ['n2', 'n3', 'n4']) h.join(6100, 'n1', n).join(6100, n, 'n1')
    h.chosen(6200, 'n1', 2, 'n2').view(6200, 'n1', 'n2', 2).exit(7000, 'n3')
    for (const n of ['n1', 'n2', 'n4']) h.leave(7001, n, 'n3')
    return h.config(7100, 'n2', 4, ['n1', 'n2', 'n4']).heal(7200, 2).quiet(7300)
  }

  it('passes every checker: IDs are per incarnation, and a node not running is never blamed', () => {
    const h = rolled().end(20_000).done
    expect(checkAll(h)).toEqual([])
    expect(convergenceMs(h)).toBe(0)
    expect(unconnectedPairs(h)).toEqual([])
  })

  it('leaderlessMs counts the time within a window that nobody led', () => {
    const h = rolled().end(20_000).done
    // n1 led from 100 to 4000, n2 from 4100 on: the roll (3000-4200) was leaderless for 100 ms.
    expect(leaderlessMs(h, 3000, 4200)).toBe(100)
    expect(leaderlessMs(h, 0, 200)).toBe(100)
  })

  it('tells an old ID\'s leadership from its host\'s new ID', () => {
    // n1's host led epoch 1 as peer-n1; its later ID leading epoch 1 would be a second leader.
    const h = rolled().elected(8000, 'n1', 1).end(20_000).done
    expect(messages(oneLeaderPerEpoch, h)).toEqual(['epoch 1 has two leaders: peer-n1 (n1 was elected) and peer-n1b (n1 was elected)'])
  })

  it('noDeafFollower knows the leader by its current ID, and blames a follower deaf to it', () => {
    // n3's host is deaf from 4100 (it never views n2 in epoch 2) while calm after the heal at 4200.
    const h = new History(['n1', 'n2', 'n3']).boot(0).elect(100, 'n1', 1).exit(1000, 'n1').spawn(1000, 'n1', 'peer-n1b')
      .join(1100, 'n2', 'n1').join(1100, 'n3', 'n1').join(1100, 'n1', 'n2').join(1100, 'n1', 'n3')
      .elect(1200, 'n1', 2, ['n1', 'n2']).end(4000).done
    expect(messages(noDeafFollower, h)).toEqual(['n3 was deaf to leader n1 (epoch 2) for 2800 ms from 1200 ms'])
  })

  it('learnedInOrder starts a new ID on a host afresh, but not the same ID', () => {
    const fresh = healthy().chosen(2000, 'n2', 4, 'n1').exit(2500, 'n2').spawn(3000, 'n2', 'peer-n2b').chosen(3100, 'n2', 3, 'n1').end(5000).done
    expect(learnedInOrder(fresh)).toEqual([])
    const kept = healthy().chosen(2000, 'n2', 4, 'n1').exit(2500, 'n2').spawn(3000, 'n2').chosen(3100, 'n2', 3, 'n1').end(5000).done
    expect(messages(learnedInOrder, kept)).toEqual(['n2 (inc 2) learned epoch 3 below epoch 4 of an earlier incarnation'])
  })

  it('convergence wants the leader\'s live ID, not an ID its host ran before', () => {
    // Everyone views peer-n1 (gone); n1's host now runs peer-n1b, which leads epoch 1 by its own report.
    const views = (h: History): History => { for (const n of ['n1', 'n2', 'n3']) h.view(1100, n, 'peer:peer-n1', 1); return h }
    const h = views(new History().boot(0).elect(100, 'n1', 1).exit(1000, 'n1').spawn(1000, 'n1', 'peer-n1b').lead(1100, 'n1', true, 1)).quiet(1200).end(20_000).done
    expect(convergenceMs(h)).toBe(null)
    // Kept its ID (a restart on its data directory): converged.
    const kept = views(new History().boot(0).elect(100, 'n1', 1).exit(1000, 'n1').spawn(1000, 'n1').lead(1100, 'n1', true, 1)).quiet(1200).end(20_000).done
    expect(convergenceMs(kept)).toBe(0)
  })
})

describe('votersAtTarget', () => {
  it('passes when the newest configuration names the live nodes, as many as its target', () => {
    expect(votersAtTarget(healthy().end(5000).done)).toEqual([])
    expect(finalConfiguration(healthy().end(5000).done)?.voters.map(v => v.node)).toEqual(['n1', 'n2', 'n3'])
  })

  it('flags an ID that no live node runs, a live node that is no voter, and a count off target', () => {
    const h = healthy().exit(1000, 'n3').spawn(1500, 'n3', 'peer-n3b').end(5000).done
    expect(messages(votersAtTarget, h)).toEqual([
      'configuration 1 still names 1 voter(s) no live node runs: peer-n3',
      'at the end, n3 is not a voter of configuration 1'
    ])
    const short = healthy().config(2000, 'n1', 2, ['n1', 'n2'], 3).end(5000).done
    expect(messages(votersAtTarget, short)).toEqual([
      'configuration 2 has 2 voters at the end, target 3',
      'at the end, n3 is not a voter of configuration 1'.replace('1', '2')
    ])
  })

  it('takes the highest version any node reported, and flags a run without one', () => {
    const h = healthy().config(2000, 'n3', 2, ['n1', 'n2', 'peer:peer-x']).config(2500, 'n1', 1, ['n1', 'n2', 'n3']).end(5000).done
    expect(finalConfiguration(h)?.version).toBe(2)
    expect(messages(votersAtTarget, new History().boot(0).elect(100, 'n1', 1).end(5000).done)).toEqual(['no node reported a configuration'])
  })
})

describe('noSpuriousErrors', () => {
  it('passes a run without errors, and flags each error with its node', () => {
    expect(noSpuriousErrors(healthy().end(5000).done)).toEqual([])
    expect(messages(noSpuriousErrors, healthy().error(300, 'n2', 'disk full').end(5000).done)).toEqual(['n2 (inc 1) reported: disk full'])
  })
})

describe('fencedRegister and staleWrites', () => {
  const writes = (register: 'fenced' | 'unfenced'): History => new History().boot(0)
    .write(100, register, 'n1', 1, 1).write(200, register, 'n1', 1, 2).write(300, register, 'n2', 2, 3)

  it('passes non-decreasing epochs from one writer each, ignoring rejected writes', () => {
    const h = writes('fenced').write(400, 'fenced', 'n1', 1, 4, false).end(1000).done
    expect(fencedRegister(h)).toEqual([])
    expect(staleWrites(h, 'fenced')).toEqual([])
  })

  it('flags an accepted lower epoch', () => {
    const h = writes('fenced').write(400, 'fenced', 'n1', 1, 4).end(1000).done
    expect(messages(fencedRegister, h)).toEqual(['accepted n1\'s write 4 in epoch 1 after a higher epoch'])
  })

  it('flags two writers in one epoch', () => {
    const h = writes('fenced').write(400, 'fenced', 'n3', 2, 4).end(1000).done
    expect(messages(fencedRegister, h)).toEqual(['epoch 2 has two writers: n2 and n3 (write 4)'])
  })

  it('reports the unfenced register\'s stale writes without calling them violations', () => {
    const h = writes('unfenced').write(400, 'unfenced', 'n1', 1, 4).end(1000).done
    expect(unfencedAnomalies(h).map(w => w.seq)).toEqual([4])
    expect(fencedRegister(h)).toEqual([])
    expect(checkAll(h).filter(v => v.checker === 'fencedRegister')).toEqual([])
  })
})

describe('unconnectedPairs', () => {
  it('names each ordered pair of live nodes without a join after the last leave, this incarnation', () => {
    expect(unconnectedPairs(healthy().end(5000).done)).toEqual([])
    // n3 restarts: n1 hears it again, n2 does not; the new n3 hears only n1.
    const h = healthy().exit(1000, 'n3').leave(1001, 'n1', 'n3').leave(1001, 'n2', 'n3')
      .spawn(2000, 'n3').join(2100, 'n1', 'n3').join(2100, 'n3', 'n1').end(5000).done
    expect(unconnectedPairs(h)).toEqual(['n2->n3', 'n3->n2'])
  })

  it('leaves out a node that is down at the end', () => {
    const h = healthy().exit(1000, 'n3').leave(1001, 'n1', 'n3').leave(1001, 'n2', 'n3').end(5000).done
    expect(unconnectedPairs(h)).toEqual([])
  })

  it('pairsConnected flags a pair apart for more than 5 leases before the end, not one apart for less', () => {
    const restarted = (): History => healthy().exit(1000, 'n3').leave(1001, 'n1', 'n3').leave(1001, 'n2', 'n3')
      .spawn(2000, 'n3').join(2100, 'n1', 'n3').join(2100, 'n3', 'n1')
    expect(pairsConnected(restarted().end(6900).done)).toEqual([])
    expect(messages(pairsConnected, restarted().end(8000).done)).toEqual([
      'n2 had no election connection to n3 for the last 6000 ms of the run',
      'n3 had no election connection to n2 for the last 6000 ms of the run'
    ])
    // A connection lost just before the end is excused.
    expect(pairsConnected(healthy().leave(7000, 'n1', 'n2').end(8000).done)).toEqual([])
  })
})
