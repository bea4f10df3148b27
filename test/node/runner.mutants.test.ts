/**
 * NodeRunner around a scripted node (the makeNode hook): what it emits for
 * each node event, how it reports a failing send, its getters and counters.
 * Cases `npm run mutate` showed test/node/runner.test.ts left open
 * (docs/mutation.md).
 */
import { describe, expect, it } from 'vitest'
import { NodeRunner } from '../../src/node/runner.js'
import type { Node, NodeEvent, Ready } from '../../src/node/node.js'
import type { Message } from '../../src/paxos/message.js'
import { MemoryStorage } from '../../src/storage/memory.js'
import type { Transport, TransportHandlers } from '../../src/transport/transport.js'

const rec = (epoch: number, leaderId: string): { epoch: number, leaderId: string, metadata: Record<string, string> } => ({ epoch, leaderId, metadata: {} })
const prepare: Message = { type: 'prepare', epoch: 1, ballot: { round: 1, nodeId: 'a' } }

/** A node that hands out the Ready batches queued in `batches`, one per call of ready(). */
function scripted (batches: Array<Partial<Ready>>): { node: Node, stepped: Message[] } {
  const stepped: Message[] = []
  const node = {
    config: { clusterSize: 3 },
    isLeader: false,
    leader: rec(1, 'a'),
    epoch: 7,
    start () {},
    tick () {},
    resign () { return false },
    step (_from: string, m: Message) { stepped.push(m) },
    nextDeadline () { return null },
    ready (): Ready { return { persist: null, sync: false, messages: [], events: [], ...batches.shift() } as Ready }
  }
  return { node: node as unknown as Node, stepped }
}

function transport (send: (to: string, m: Message) => void = () => {}): Transport & { handlers: TransportHandlers | null, sent: string[] } {
  const t = {
    localId: 'a',
    handlers: null as TransportHandlers | null,
    sent: [] as string[],
    async start (h: TransportHandlers) { t.handlers = h },
    async stop () {},
    send: (to: string, m: Message) => { send(to, m); t.sent.push(`${to} ${m.type}`) },
    broadcast: (m: Message) => { t.sent.push(`* ${m.type}`) }
  }
  return t as unknown as Transport & { handlers: TransportHandlers | null, sent: string[] }
}

async function settle (): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise(resolve => setImmediate(resolve))
}

describe('NodeRunner around a scripted node', () => {
  it('maps each node event to the host event it stands for', async () => {
    const events: NodeEvent[] = [
      { type: 'leaderChosen', record: rec(1, 'a') },
      { type: 'leaderFound', record: rec(1, 'b') },
      { type: 'elected', epoch: 2 },
      { type: 'candidate', epoch: 3 },
      { type: 'leaderLost', record: rec(1, 'c') }
    ]
    const { node } = scripted([{ events }])
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: transport(), makeNode: () => node })
    const seen: string[] = []
    r.on('leaderChosen', x => seen.push(`leaderChosen ${x.leaderId}`))
    r.on('elected', x => seen.push(`elected ${JSON.stringify(x)}`))
    r.on('leaderLost', x => seen.push(`leaderLost ${x.leaderId}`))
    r.on('error', e => seen.push(`error ${e.message}`))
    await r.start()
    await settle()
    expect(seen).toEqual(['leaderChosen a', 'leaderChosen b', 'elected {"epoch":2}', 'leaderLost c'])
    await r.stop()
  })

  it('reports a conflict and too many voters as errors, saying what happened', async () => {
    const { node } = scripted([{ events: [{ type: 'conflict', known: rec(4, 'a'), reported: rec(4, 'b') }, { type: 'tooManyVoters', voters: ['a', 'b', 'c', 'd'] } as NodeEvent] }])
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: transport(), makeNode: () => node })
    const errors: string[] = []
    r.on('error', e => errors.push(e.message))
    await r.start()
    await settle()
    expect(errors).toEqual([
      'safety violation (agreement): epoch 4 chosen as a, reported as b',
      'more voters than clusterSize (3) are voting: a, b, c, d; not voting until that is fixed'
    ])
    await r.stop()
  })

  it('reports a send that throws, with its cause, and sends the rest', async () => {
    const boom = new Error('boom')
    const t = transport(to => { if (to === 'b') throw boom })
    const { node } = scripted([{ messages: [{ to: 'b', msg: prepare }, { to: 'c', msg: prepare }, { to: null, msg: prepare }] } as Partial<Ready>])
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: t, makeNode: () => node })
    const errors: Error[] = []
    r.on('error', e => errors.push(e))
    await r.start()
    await settle()
    expect(errors.map(e => e.message)).toEqual(['transport failed to send a prepare: boom'])
    expect(errors[0]!.cause).toBe(boom)
    expect(t.sent).toEqual(['c prepare', '* prepare'])
    await r.stop()
  })

  it('shows the node only while running, and counts the messages it handles', async () => {
    const t = transport()
    const { node, stepped } = scripted([])
    const r = new NodeRunner({ config: { clusterSize: 3 }, storage: new MemoryStorage(), transport: t, makeNode: () => node })
    expect(r.node).toBeNull()
    expect(r.epoch).toBe(0)
    expect(r.leader).toBeNull()
    expect(r.isLeader).toBe(false)
    await r.start()
    expect(r.node).toBe(node)
    expect(r.running).toBe(true)
    expect(r.epoch).toBe(7)
    expect(r.leader).toEqual(rec(1, 'a'))
    t.handlers!.message('b', prepare)
    t.handlers!.message('c', prepare)
    expect(r.received).toBe(2)
    expect(stepped).toHaveLength(2)
    await r.stop()
    expect(r.running).toBe(false)
    expect(r.leader).toBeNull()
    t.handlers!.message('b', prepare)
    expect(r.received).toBe(2)
    expect(await r.resign()).toBe(false)
  })
})
