import { describe, expect, it } from 'vitest'
import { VoterCount } from '../../src/node/voter-count.js'

describe('VoterCount', () => {
  it('counts a voter for windowMs after its vote, not longer', () => {
    const edge = new VoterCount('a', 3, 100)
    edge.note('b', 0)
    edge.note('c', 50)
    // b voted exactly windowMs ago: still counted, four voters trip the guard.
    expect(edge.note('d', 100)).toEqual(['a', 'b', 'c', 'd'])
    expect(edge.tripped).toBe(true)
    const past = new VoterCount('a', 3, 100)
    past.note('b', 0)
    past.note('c', 50)
    expect(past.note('d', 101)).toBeNull()
    expect(past.tripped).toBe(false)
  })
})
