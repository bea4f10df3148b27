import { describe, expect, it } from 'vitest'
import { Cluster } from './cluster.js'

const LEASE = 2000

describe('the named role', () => {
  it('is follower at start, candidate while standing, leader once chosen, follower again after resigning', () => {
    const c = new Cluster(['a', 'b', 'c'], { leaseMs: LEASE })
    c.startAll()
    expect([...c.nodes.values()].map(n => n.role)).toEqual(['follower', 'follower', 'follower'])
    // Cut every link: whoever stands first stays a candidate, since no promise reaches it.
    c.link = () => false
    c.advance(LEASE)
    const standing = [...c.nodes.values()].filter(n => n.role === 'candidate')
    expect(standing.length).toBeGreaterThan(0)
    expect(c.eventsOf('candidate').length).toBeGreaterThan(0)
    c.link = () => true
    c.advance(5 * LEASE)
    const leaders = [...c.nodes.values()].filter(n => n.role === 'leader')
    expect(leaders).toHaveLength(1)
    expect(leaders[0]!.isLeader).toBe(true)
    expect([...c.nodes.values()].filter(n => n.role === 'candidate')).toEqual([])
    leaders[0]!.resign()
    c.pump()
    expect(leaders[0]!.role).toBe('follower')
  })

  it('a leader whose lease runs out unrenewed follows again', () => {
    const c = new Cluster(['a', 'b', 'c'], { leaseMs: LEASE })
    c.startAll()
    c.advance(5 * LEASE)
    const leader = c.leaders()[0]!
    c.link = (from, to) => from !== leader && to !== leader
    c.advance(LEASE)
    expect(c.node(leader).role).toBe('follower')
  })
})
