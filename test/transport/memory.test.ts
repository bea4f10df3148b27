import { describe, expect, it } from 'vitest'
import { MemoryNetwork } from '../../src/transport/memory.js'
import type { Message } from '../../src/paxos/message.js'

const msg: Message = { type: 'resign', epoch: 3, successor: null }

describe('MemoryTransport', () => {
  it('delivers asynchronously, to one peer or to all others', async () => {
    const net = new MemoryNetwork()
    const got: string[] = []
    const ts = ['a', 'b', 'c'].map(id => net.transport(id))
    for (const t of ts) await t.start({ message: (from, m) => got.push(`${from}->${t.localId}:${m.type}`) })
    ts[0]!.send('b', msg)
    ts[1]!.broadcast(msg)
    expect(got).toEqual([])
    await new Promise(resolve => setImmediate(resolve))
    expect(got.sort()).toEqual(['a->b:resign', 'b->a:resign', 'b->c:resign'])
  })

  it('broadcasts to `first` before the others, and to no more than `fanout` peers', async () => {
    const net = new MemoryNetwork()
    const got: string[] = []
    const ts = ['a', 'b', 'c', 'd'].map(id => net.transport(id))
    for (const t of ts) await t.start({ message: (from, m) => got.push(`${from}->${t.localId}`) })
    ts[0]!.broadcast(msg, 'd', 2)
    await new Promise(resolve => setImmediate(resolve))
    expect(got).toEqual(['a->d', 'a->b'])
  })

  it('reports peers joining and leaving, and drops messages to stopped nodes', async () => {
    const net = new MemoryNetwork()
    const events: string[] = []
    const a = net.transport('a')
    const b = net.transport('b')
    await a.start({ message: () => {}, peerUp: p => events.push(`up ${p}`), peerDown: p => events.push(`down ${p}`) })
    let received = 0
    await b.start({ message: () => { received++ } })
    expect(a.peers()).toEqual(['b'])
    await b.stop()
    a.send('b', msg)
    await new Promise(resolve => setImmediate(resolve))
    expect(received).toBe(0)
    expect(events).toEqual(['up b', 'down b'])
  })

  it('refuses two nodes with one ID', async () => {
    const net = new MemoryNetwork()
    await net.transport('a').start({ message: () => {} })
    await expect(net.transport('a').start({ message: () => {} })).rejects.toThrow(/already/)
    await expect(net.transport('a').start({ message: () => {} })).rejects.toMatchObject({ name: 'TransportError', code: 'ERR_TRANSPORT' })
  })
})
