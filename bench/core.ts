/**
 * Core benchmark, no I/O and no faults:
 * - decisions/s: complete single-decree Paxos instances (Prepare, Promise,
 *   Accept, Accepted to the proposer, Chosen to every other learner, learned
 *   everywhere) through the
 *   acceptor, proposer and learner roles over an in-memory FIFO network, one
 *   epoch after another, on one core;
 * - elections/s and messages per election: whole elections through `Node`
 *   (candidate to elected, heartbeats included) in the simulator, each started
 *   by the previous leader's resignation.
 *   npm run bench:core            table
 *   npm run bench:core -- --json  one JSON object
 */
import { parseArgs } from 'node:util'
import { Acceptor } from '../src/paxos/acceptor.js'
import { Learner } from '../src/paxos/learner.js'
import { Proposer } from '../src/paxos/proposer.js'
import type { Message } from '../src/paxos/message.js'
import type { LeaderRecord } from '../src/paxos/proposal.js'
import { electorateOf, type Configuration } from '../src/paxos/configuration.js'
import { Node } from '../src/node/node.js'

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, seconds: { type: 'string', default: '1' } } })
const seconds = Number(values.seconds)

interface Envelope { from: number, to: number, msg: Message }

/** Runs Paxos decisions for about `ms` and returns decisions per second and messages per decision. */
function paxosDecisions (n: number, ms: number): { perSecond: number, messagesPerDecision: number } {
  const acceptors = Array.from({ length: n }, () => new Acceptor())
  const ids = Array.from({ length: n }, (_, i) => `n${i}`)
  // Every epoch carries the same configuration on: its n voters decide the next one (epoch 1: any n nodes).
  const config: Configuration = { version: 1, clusterId: 'bench', voters: ids.map(id => ({ id, since: 1 })), target: n, leaseMs: 2000, heartbeatMs: 400, maxDriftRatio: 0.01 }
  const electorate = electorateOf(config)
  let learners = Array.from({ length: n }, () => new Learner(n))
  const queue: Envelope[] = []
  let messages = 0
  let decisions = 0
  let learnedCount = 0
  const start = performance.now()
  let epoch = 0
  while (true) {
    if ((decisions & 255) === 0 && performance.now() - start > ms) break
    epoch++
    const proposerIdx = epoch % n
    const value: LeaderRecord = { epoch, leaderId: ids[proposerIdx]!, metadata: {}, config }
    const proposer = new Proposer(epoch, epoch === 1 ? n : electorate, value)
    const prepare = proposer.prepare({ round: 1, nodeId: ids[proposerIdx]! })
    for (let to = 0; to < n; to++) queue.push({ from: proposerIdx, to, msg: prepare })
    learnedCount = 0
    for (let qi = 0; qi < queue.length; qi++) {
      const { from, to, msg } = queue[qi]!
      messages++
      switch (msg.type) {
        case 'prepare': queue.push({ from: to, to: from, msg: acceptors[to]!.onPrepare(msg, epoch - 1).reply }); break
        case 'promise': {
          const accept = proposer.onPromise(ids[from]!, msg)
          if (accept !== null) for (let k = 0; k < n; k++) queue.push({ from: to, to: k, msg: accept })
          break
        }
        case 'accept': {
          // As in Node: Accepted goes back to the proposer only.
          const r = acceptors[to]!.onAccept(msg, epoch - 1)
          queue.push({ from: to, to: from, msg: r.reply })
          break
        }
        case 'accepted': {
          const r = learners[to]!.onAccepted(ids[from]!, msg)
          if (r.kind === 'learned') {
            learnedCount++
            // The proposer tells every other learner.
            const chosen: Message = { type: 'chosen', epoch: msg.epoch, value: r.value }
            for (let k = 0; k < n; k++) if (k !== to) queue.push({ from: to, to: k, msg: chosen })
          }
          break
        }
        case 'chosen':
          if (learners[to]!.onChosen(msg.value).kind === 'learned') learnedCount++
          break
        default:
      }
    }
    queue.length = 0
    if (learnedCount !== n) throw new Error(`epoch ${epoch}: only ${learnedCount} of ${n} learners learned`)
    for (const a of acceptors) a.compact(epoch)
    decisions++
    if (epoch % 100_000 === 0) learners = learners.map(l => new Learner(n, l.newest))
  }
  const elapsed = (performance.now() - start) / 1000
  return { perSecond: decisions / elapsed, messagesPerDecision: messages / decisions }
}

/**
 * Whole elections through Node on virtual time with instant, lossless delivery.
 * Counts messages from the resignation that starts an election to the new
 * leader's first majority-acknowledged heartbeat round.
 */
function nodeElections (n: number, ms: number): { perSecond: number, messagesPerElection: number } {
  let now = 0
  const clock = { now: () => now }
  let seed = 42
  const random = { next: () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000 } }
  const ids = Array.from({ length: n }, (_, i) => `n${i}`)
  const nodes = ids.map(id => new Node({ nodeId: id, clusterSize: n, leaseMs: 2000 }, { clock, random, state: null, durableStorage: true }))
  const index = new Map(ids.map((id, i) => [id, i]))
  const queue: Array<{ from: string, to: number, msg: Message }> = []
  let messages = 0
  let elected = 0
  const pump = (): void => {
    for (let qi = 0; ; qi++) {
      for (const node of nodes) {
        const rd = node.ready()
        for (const out of rd.messages) {
          if (out.to === null) { for (let k = 0; k < n; k++) if (ids[k] !== node.id) queue.push({ from: node.id, to: k, msg: out.msg }) } else queue.push({ from: node.id, to: index.get(out.to)!, msg: out.msg })
        }
        for (const e of rd.events) if (e.type === 'elected') elected++
      }
      if (qi >= queue.length) break
      const { from, to, msg } = queue[qi]!
      messages++
      nodes[to]!.step(from, msg)
    }
    queue.length = 0
  }
  const advance = (): void => {
    // Jump virtual time to the earliest deadline and fire it.
    let t = Infinity
    for (const node of nodes) { const d = node.nextDeadline(); if (d !== null && d < t) t = d }
    if (t === Infinity) throw new Error('no deadline')
    now = Math.max(now, t)
    for (const node of nodes) node.tick()
    pump()
  }
  for (const node of nodes) node.start()
  pump()
  while (elected === 0) advance()
  const start = performance.now()
  let counted = 0
  let countedMessages = 0
  while (performance.now() - start < ms) {
    const leader = nodes.find(x => x.isLeader)!
    const before = elected
    messages = 0
    leader.resign()
    pump()
    while (elected === before) advance()
    countedMessages += messages
    counted++
  }
  const elapsed = (performance.now() - start) / 1000
  return { perSecond: counted / elapsed, messagesPerElection: countedMessages / counted }
}

const rows = [3, 5, 7].map(n => {
  paxosDecisions(n, 200) // warm-up
  const p = paxosDecisions(n, seconds * 1000)
  const e = nodeElections(n, seconds * 1000)
  return { nodes: n, decisionsPerSecond: Math.round(p.perSecond), messagesPerDecision: p.messagesPerDecision, electionsPerSecond: Math.round(e.perSecond), messagesPerElection: Math.round(e.messagesPerElection * 10) / 10 }
})

const five = rows.find(r => r.nodes === 5)!
if (values.json) {
  console.log(JSON.stringify({
    decisionsPerSecond: five.decisionsPerSecond,
    messagesPerDecision: five.messagesPerDecision,
    electionsPerSecond: five.electionsPerSecond,
    messagesPerElection: five.messagesPerElection,
    byClusterSize: rows,
    node: process.version
  }))
} else {
  console.log('Quorum core benchmark (one core, no I/O, no faults)')
  console.log('nodes  Paxos decisions/s  msgs/decision  Node elections/s  msgs/election')
  for (const r of rows) {
    console.log(`${String(r.nodes).padStart(5)}  ${String(r.decisionsPerSecond).padStart(17)}  ${String(r.messagesPerDecision).padStart(13)}  ${String(r.electionsPerSecond).padStart(16)}  ${String(r.messagesPerElection).padStart(13)}`)
  }
  console.log(`target: at least 100000 decisions/s for 5 nodes: ${five.decisionsPerSecond >= 100_000 ? 'met' : 'NOT met'}`)
}
