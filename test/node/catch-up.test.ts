import { describe, expect, it } from 'vitest'
import { CatchUp } from '../../src/node/catch-up.js'
import { bootstrapElectorate, electorateOf } from '../../src/paxos/configuration.js'
import { testConfig } from '../support/records.js'

describe('CatchUp (rule 5)', () => {
  it('counts the node itself towards the majority', () => {
    // Before any record: epoch 1's electorate of 3, any 2 distinct nodes.
    const electorate = bootstrapElectorate(3)
    const c = new CatchUp('a')
    c.asked(50)
    expect(c.answer(null, electorate)).toBe(false)
    expect(c.askAgainAt).toBe(50)
    expect(c.answer('b', electorate)).toBe(true)
    expect(c.synced).toBe(true)
    expect(c.askAgainAt).toBeNull()
    expect(c.answer('c', electorate)).toBe(false)
  })

  it('under a configuration counts only its voters, the node itself only if it is one', () => {
    // Voters b, c, d: a (an observer) and x answering make no majority; two voters do.
    const electorate = electorateOf(testConfig(['b', 'c', 'd']))
    const c = new CatchUp('a')
    expect(c.answer(null, electorate)).toBe(false)
    expect(c.answer('x', electorate)).toBe(false)
    expect(c.answer('b', electorate)).toBe(false)
    expect(c.synced).toBe(false)
    expect(c.answer('d', electorate)).toBe(true)
    // A voter itself needs one other voter.
    const voter = new CatchUp('b')
    expect(voter.answer(null, electorate)).toBe(false)
    expect(voter.answer('c', electorate)).toBe(true)
  })
})
