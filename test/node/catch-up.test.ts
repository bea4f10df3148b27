import { describe, expect, it } from 'vitest'
import { CatchUp } from '../../src/node/catch-up.js'

describe('CatchUp (rule 5)', () => {
  it('counts the node itself towards the majority', () => {
    const c = new CatchUp('a', 2)
    c.asked(50)
    expect(c.answer(null)).toBe(false)
    expect(c.askAgainAt).toBe(50)
    expect(c.answer('b')).toBe(true)
    expect(c.synced).toBe(true)
    expect(c.askAgainAt).toBeNull()
    expect(c.answer('c')).toBe(false)
  })
})
