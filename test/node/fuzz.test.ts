/**
 * Hostile input at the node: whatever messages arrive, in any order and from
 * any sender, the node never throws; and a message that is inconsistent in
 * itself (a value for another epoch, a ballot naming someone else, a heartbeat
 * from a non-leader) never changes its stored state. Frames that do not
 * decode never reach the node at all (see test/transport/codec.test.ts).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Node } from '../../src/node/node.js'
import type { Message } from '../../src/paxos/message.js'
import { messageArb } from '../transport/arbitraries.js'
import { CodecError, decodeMessage, encodeMessage } from '../../src/transport/codec.js'

const senders = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'x')

function freshNode (): { node: Node, now: { t: number } } {
  const now = { t: 0 }
  const node = new Node({ nodeId: 'a', clusterSize: 5, leaseMs: 1000 }, { clock: { now: () => now.t }, random: { next: () => 0.5 }, state: null, durableStorage: true })
  node.start()
  node.ready()
  return { node, now }
}

/** Breaks the message's own consistency, the way a confused or hostile peer might. */
function inconsistent (m: Message, from: string): Message | null {
  switch (m.type) {
    case 'prepare': return { ...m, ballot: { ...m.ballot, nodeId: m.ballot.nodeId === from ? `${from}x` : m.ballot.nodeId } }
    case 'accept': return { ...m, value: { ...m.value, epoch: m.epoch + 1 } }
    // Not from its leader, nor passed on by a voter of its configuration (rule 13).
    case 'heartbeat': return { ...m, value: { ...m.value, leaderId: `${from}x`, config: { ...m.value.config, voters: m.value.config.voters.filter(v => v.id !== from) } } }
    case 'chosen': return { ...m, value: { ...m.value, epoch: m.epoch + 1 } }
    default: return null
  }
}

describe('hostile messages at the node', () => {
  it('never throws, whatever arrives', () => {
    fc.assert(fc.property(fc.array(fc.tuple(senders, messageArb, fc.nat(3000)), { maxLength: 60 }), steps => {
      const { node, now } = freshNode()
      for (const [from, m, dt] of steps) {
        now.t += dt
        node.step(from, m)
        node.tick()
        node.ready()
      }
    }), { numRuns: 300 })
  })

  it('does not change its stored state for a self-inconsistent message', () => {
    fc.assert(fc.property(senders, messageArb, (from, m) => {
      const bad = inconsistent(m, from)
      fc.pre(bad !== null)
      const { node } = freshNode()
      node.step(from, bad!)
      expect(node.ready().persist).toBeNull()
    }), { numRuns: 1000 })
  })

  it('mutated frames either fail to decode or reach the node harmlessly', () => {
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    fc.assert(fc.property(senders, messageArb, mutation, (from, m, flips) => {
      const bytes = encodeMessage(m)
      fc.pre(bytes.length > 0)
      for (const [at, value] of flips) bytes[at % bytes.length] = value
      let decoded: Message
      try {
        decoded = decodeMessage(bytes)
      } catch (err) {
        expect(err).toBeInstanceOf(CodecError)
        return
      }
      const { node } = freshNode()
      node.step(from, decoded)
      node.tick()
      node.ready()
    }), { numRuns: 2000 })
  })
})
