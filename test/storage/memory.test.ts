import { describe, expect, it } from 'vitest'
import { MemoryStorage } from '../../src/storage/memory.js'
import type { PersistentState } from '../../src/storage/storage.js'
import { record } from '../support/records.js'

describe('MemoryStorage', () => {
  it('returns the state saved last, and null before any save', async () => {
    const s = new MemoryStorage()
    expect(await s.load()).toBeNull()
    const state: PersistentState = { acceptor: [], learned: record(2, 'a'), highestRound: 4, fastEpoch: 0, candidateEpoch: 2, grant: null, joinedAt: 0 }
    await s.save(state)
    expect(await s.load()).toEqual(state)
    expect(s.durable).toBe(false)
    expect(new MemoryStorage({ durable: true }).durable).toBe(true)
  })
})
