import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  assertOneChange, bootstrapElectorate, configurationEquals, electorateOf, formatConfiguration, isVoter, memberOf,
  oneChange, SHARED_SETTINGS, votersChanged, wellFormed, withoutVoter, withTarget, withVoter, type Configuration
} from '../../src/paxos/configuration.js'
import { majority } from '../../src/paxos/proposal.js'
import { SafetyViolationError } from '../../src/errors.js'
import { testConfig } from '../support/records.js'

const abc = testConfig(['a', 'b', 'c'])
const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g']

/** A configuration reached from `abc` by random one-step changes, and the steps it went through. */
const history: fc.Arbitrary<Configuration[]> = fc.array(fc.tuple(fc.constantFrom('add', 'remove', 'target'), fc.constantFrom(...IDS), fc.integer({ min: 1, max: 7 })), { maxLength: 30 })
  .map(steps => steps.reduce<Configuration[]>((cs, [kind, id, target]) => {
    const c = cs[cs.length - 1]!
    return [...cs, kind === 'add' ? withVoter(c, id) : kind === 'remove' ? withoutVoter(c, id) : withTarget(c, target)]
  }, [abc]))

describe('electorates', () => {
  it('electorateOf counts the voters of the configuration only, a majority of them deciding', () => {
    for (let n = 1; n <= 7; n++) {
      const e = electorateOf(testConfig(IDS.slice(0, n)))
      expect(e.quorum).toBe(majority(n))
      for (const id of IDS) expect(e.counts(id)).toBe(IDS.indexOf(id) < n)
      expect(e.counts('')).toBe(false)
    }
  })

  it('bootstrapElectorate counts any node, a majority of the given size deciding', () => {
    for (const [size, quorum] of [[1, 1], [2, 2], [3, 2], [4, 3], [5, 3], [7, 4]] as const) {
      const e = bootstrapElectorate(size)
      expect(e.quorum).toBe(quorum)
      for (const id of [...IDS, 'anyone', 'x/y']) expect(e.counts(id)).toBe(true)
    }
  })

  it('isVoter and memberOf find a voter by ID, with the version that added it', () => {
    const c = withVoter(abc, 'd')
    expect(isVoter(c, 'd')).toBe(true)
    expect(isVoter(c, 'e')).toBe(false)
    expect(memberOf(c, 'd')).toEqual({ id: 'd', since: 2 })
    expect(memberOf(c, 'a')).toEqual({ id: 'a', since: 1 })
    expect(memberOf(c, 'e')).toBeUndefined()
  })
})

describe('changes', () => {
  it('withVoter adds a voter in its sorted place, since the next version; a voter already there changes nothing', () => {
    const c = withVoter(testConfig(['a', 'c']), 'b')
    expect(c).toEqual({ ...testConfig(['a', 'c']), version: 2, voters: [{ id: 'a', since: 1 }, { id: 'b', since: 2 }, { id: 'c', since: 1 }] })
    expect(withVoter(c, 'a')).toBe(c)
    expect(withVoter(withVoter(c, 'd'), 'aa').voters.map(m => m.id)).toEqual(['a', 'aa', 'b', 'c', 'd'])
    expect(withVoter(withVoter(c, 'd'), 'aa').version).toBe(4)
    // The target is the leader's to change, apart.
    expect(c.target).toBe(2)
  })

  it('withoutVoter removes a voter in the next version; a non-voter, or the last voter, changes nothing', () => {
    const c = withoutVoter(abc, 'b')
    expect(c).toEqual({ ...abc, version: 2, voters: [{ id: 'a', since: 1 }, { id: 'c', since: 1 }] })
    expect(withoutVoter(c, 'b')).toBe(c)
    const one = withoutVoter(c, 'a')
    expect(one.voters).toEqual([{ id: 'c', since: 1 }])
    expect(withoutVoter(one, 'c')).toBe(one)
  })

  it('withTarget sets the target in the next version, and changes nothing for the same target', () => {
    expect(withTarget(abc, 5)).toEqual({ ...abc, version: 2, target: 5 })
    expect(withTarget(abc, 3)).toBe(abc)
  })

  it('votersChanged counts the voters in one configuration and not the other', () => {
    expect(votersChanged(abc, abc)).toBe(0)
    expect(votersChanged(abc, withTarget(abc, 5))).toBe(0)
    expect(votersChanged(abc, withVoter(abc, 'd'))).toBe(1)
    expect(votersChanged(withoutVoter(abc, 'a'), abc)).toBe(1)
    expect(votersChanged(abc, withVoter(withoutVoter(abc, 'a'), 'd'))).toBe(2)
    expect(votersChanged(abc, testConfig(['d', 'e']))).toBe(5)
    // Only IDs: a voter added again under a later version is the same voter.
    expect(votersChanged(abc, { ...abc, voters: [{ id: 'a', since: 1 }, { id: 'b', since: 1 }, { id: 'c', since: 3 }] })).toBe(0)
  })
})

describe('oneChange', () => {
  it('lets the same configuration follow, and the next version moving at most one voter or the target', () => {
    expect(oneChange(abc, abc)).toBe(true)
    expect(oneChange(abc, { ...abc, voters: abc.voters.map(m => ({ ...m })) })).toBe(true)
    expect(oneChange(abc, withVoter(abc, 'd'))).toBe(true)
    expect(oneChange(abc, withoutVoter(abc, 'b'))).toBe(true)
    expect(oneChange(abc, withTarget(abc, 4))).toBe(true)
  })

  it('refuses two voters changed at once: one swapped for another, two added, two removed', () => {
    const swapped = { ...withVoter(abc, 'd'), voters: withVoter(abc, 'd').voters.filter(m => m.id !== 'a') }
    expect(votersChanged(abc, swapped)).toBe(2)
    expect(oneChange(abc, swapped)).toBe(false)
    expect(oneChange(abc, { ...withVoter(withVoter(abc, 'd'), 'e'), version: 2 })).toBe(false)
    expect(oneChange(abc, { ...withoutVoter(withoutVoter(abc, 'a'), 'b'), version: 2 })).toBe(false)
  })

  it('refuses another cluster, and any changed shared setting, even with the voters unchanged', () => {
    expect(oneChange(abc, { ...abc, clusterId: 'other' })).toBe(false)
    expect(oneChange(abc, { ...withVoter(abc, 'd'), clusterId: 'other' })).toBe(false)
    for (const s of SHARED_SETTINGS) {
      expect(oneChange(abc, { ...abc, [s]: abc[s] * 2 })).toBe(false)
      expect(oneChange(abc, { ...withTarget(abc, 4), [s]: abc[s] * 2 })).toBe(false)
    }
    expect([...SHARED_SETTINGS].sort()).toEqual(['heartbeatMs', 'leaseMs', 'maxDriftRatio'])
  })

  it('refuses a skipped version, an older one, and a different configuration under the same version', () => {
    expect(oneChange(abc, { ...withVoter(abc, 'd'), version: 3 })).toBe(false)
    expect(oneChange(abc, { ...abc, version: 3 })).toBe(false)
    expect(oneChange(withTarget(abc, 4), abc)).toBe(false)
    expect(oneChange(abc, { ...withVoter(abc, 'd'), version: 1 })).toBe(false)
    expect(oneChange(abc, { ...abc, target: 4 })).toBe(false)
  })

  it('refuses a next version that is not well formed', () => {
    const added = withVoter(abc, 'd')
    expect(oneChange(abc, { ...added, voters: [...added.voters].reverse() })).toBe(false)
    expect(oneChange(testConfig(['a']), { ...testConfig(['a']), version: 2, voters: [] })).toBe(false)
  })

  it('refuses a next version that rewrites when a voter was added, for a kept voter or a new one', () => {
    // A voter's `since` decides whether a node that lost its state may vote (rule 11): it is not the leader's to move.
    const next = withTarget(abc, 4)
    expect(oneChange(abc, { ...next, voters: [{ id: 'a', since: 1 }, { id: 'b', since: 2 }, { id: 'c', since: 1 }] })).toBe(false)
    const added = withVoter(abc, 'd')
    expect(oneChange(abc, { ...added, voters: added.voters.map(m => ({ ...m, since: 1 })) })).toBe(false)
  })

  it('holds along any history of withVoter, withoutVoter and withTarget, and keeps any two successive majorities overlapping', () => {
    fc.assert(fc.property(history, cs => {
      for (let i = 1; i < cs.length; i++) {
        const [prev, next] = [cs[i - 1]!, cs[i]!]
        expect(wellFormed(next)).toBe(true)
        expect(oneChange(prev, next)).toBe(true)
        // A change that changes nothing returns the configuration itself, not a new version of it.
        if (next.version === prev.version) expect(next).toBe(prev)
        else expect(next.version).toBe(prev.version + 1)
        // The smallest majorities of the two still share a voter.
        const both = new Set([...prev.voters, ...next.voters].map(m => m.id)).size
        expect(electorateOf(prev).quorum + electorateOf(next).quorum).toBeGreaterThan(both)
      }
    }))
  })

  it('assertOneChange passes a legal successor and throws SafetyViolationError one-voter-per-change otherwise', () => {
    expect(() => { assertOneChange(abc, withVoter(abc, 'd')) }).not.toThrow()
    const swapped = { ...withVoter(abc, 'd'), voters: withVoter(abc, 'd').voters.filter(m => m.id !== 'a') }
    let err: unknown
    try { assertOneChange(abc, swapped) } catch (e) { err = e }
    expect(err).toBeInstanceOf(SafetyViolationError)
    expect(err).toMatchObject({ code: 'ERR_SAFETY_VIOLATION', invariant: 'one-voter-per-change', detail: 'configuration 1 [a,b,c] → 2 [b,c,d]' })
  })
})

describe('wellFormed, configurationEquals, formatConfiguration', () => {
  it('wellFormed wants at least one voter, sorted by ID without duplicates, each since within the version', () => {
    expect(wellFormed(abc)).toBe(true)
    expect(wellFormed(withVoter(abc, 'd'))).toBe(true)
    expect(wellFormed({ ...abc, voters: [] })).toBe(false)
    expect(wellFormed({ ...abc, voters: [{ id: 'b', since: 1 }, { id: 'a', since: 1 }] })).toBe(false)
    expect(wellFormed({ ...abc, voters: [{ id: 'a', since: 1 }, { id: 'a', since: 1 }] })).toBe(false)
    expect(wellFormed({ ...abc, voters: [{ id: 'a', since: 2 }] })).toBe(false)
    expect(wellFormed({ ...abc, version: 2, voters: [{ id: 'a', since: 2 }] })).toBe(true)
    expect(wellFormed({ ...abc, voters: [{ id: 'a', since: 0 }] })).toBe(false)
    expect(wellFormed({ ...abc, version: 0, voters: [{ id: 'a', since: 0 }] })).toBe(false)
    expect(wellFormed({ ...abc, version: 1.5 })).toBe(false)
  })

  it('configurationEquals compares every field and every voter with its since', () => {
    expect(configurationEquals(abc, abc)).toBe(true)
    expect(configurationEquals(abc, testConfig(['c', 'b', 'a']))).toBe(true)
    for (const change of [
      { version: 2 }, { clusterId: 'other' }, { target: 4 }, { leaseMs: 999 }, { heartbeatMs: 201 }, { maxDriftRatio: 0.02 },
      { voters: [{ id: 'a', since: 1 }, { id: 'b', since: 1 }] },
      { voters: [{ id: 'a', since: 1 }, { id: 'b', since: 1 }, { id: 'd', since: 1 }] },
      { voters: [{ id: 'a', since: 1 }, { id: 'b', since: 1 }, { id: 'c', since: 2 }] }
    ] satisfies Array<Partial<Configuration>>) {
      expect(configurationEquals(abc, { ...abc, ...change })).toBe(false)
      expect(configurationEquals({ ...abc, ...change }, abc)).toBe(false)
    }
  })

  it('formatConfiguration gives the version and the voters', () => {
    expect(formatConfiguration(withVoter(abc, 'd'))).toBe('v2 [a, b, c, d]')
  })
})
