import { describe, expect, it } from 'vitest'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddrConnectionPair } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { batchWindowUpdates } from '../../../src/transport/patches/window.js'
import { errorLog } from './log.js'

/** A yamux stream pair over an in-memory connection; counts the window-update frames the reader sends. */
async function pair (): Promise<{ writer: Stream, reader: Stream, updates: () => number }> {
  const [a, b] = multiaddrConnectionPair()
  const local = yamux()().createStreamMuxer(a)
  const remote = yamux()().createStreamMuxer(b)
  let updates = 0
  const r = remote as unknown as { sendFrame: (frame: { type: number }) => boolean }
  const send = r.sendFrame.bind(remote)
  // Type 1 is a yamux window update.
  r.sendFrame = frame => { if (frame.type === 1) updates++; return send(frame) }
  const [reader, writer] = await Promise.all([
    new Promise<Stream>(resolve => { remote.addEventListener('stream', evt => { resolve(evt.detail) }, { once: true }) }),
    local.createStream()
  ])
  return { writer, reader, updates: () => updates }
}

/** Sends `frames` small messages one at a time, each read before the next is sent: one data frame each. */
async function oneByOne (writer: Stream, reader: Stream, frames: number): Promise<void> {
  for (let i = 0; i < frames; i++) {
    const read = new Promise(resolve => { reader.addEventListener('message', resolve, { once: true }) })
    writer.send(new Uint8Array(100))
    await read
  }
}

async function transfer (writer: Stream, reader: Stream, frames: number, size: number): Promise<void> {
  let got = 0
  const done = new Promise<void>(resolve => {
    reader.addEventListener('message', (e) => { got += (e as unknown as { data: { byteLength: number } }).data.byteLength; if (got >= frames * size) resolve() })
  })
  for (let i = 0; i < frames; i++) {
    if (!writer.send(new Uint8Array(size))) await writer.onDrain()
  }
  await done
}

describe('batchWindowUpdates', () => {
  it('applies to both ends of a real stream of the installed js-yamux, reporting nothing', async () => {
    const log = errorLog()
    const { writer, reader } = await pair()
    expect(batchWindowUpdates(reader, log)).toBe(true)
    expect(batchWindowUpdates(writer, log)).toBe(true)
    expect(log.errors).toEqual([])
  })

  it('reads small messages without answering each with a window update, and still refills the window', async () => {
    const plain = await pair()
    await oneByOne(plain.writer, plain.reader, 50)
    // js-yamux by itself: an update for every data frame it reads.
    expect(plain.updates()).toBeGreaterThanOrEqual(50)

    const batched = await pair()
    expect(batchWindowUpdates(batched.reader, errorLog())).toBe(true)
    const before = batched.updates()
    await oneByOne(batched.writer, batched.reader, 50)
    // At most the one update that acknowledges the new stream (its flags are yamux's business).
    const afterSmall = batched.updates()
    expect(afterSmall - before).toBeLessThanOrEqual(1)
    // More than the whole initial window (256 KiB): the writer would stall without updates.
    await transfer(batched.writer, batched.reader, 40, 16 * 1024)
    expect(batched.updates() - afterSmall).toBeGreaterThan(0)
    expect(batched.updates() - afterSmall).toBeLessThan(10)
  })

  it('leaves a stream of another muxer alone, without reporting it', () => {
    const log = errorLog()
    expect(batchWindowUpdates({} as unknown as Stream, log)).toBe(false)
    expect(log.errors).toEqual([])
  })

  it('leaves a js-yamux stream of an unexpected shape alone: false, and one error per log, never a throw', async () => {
    const log = errorLog()
    // No fields at all: only the prototype's methods.
    const bare = Object.create(YamuxStream.prototype) as Stream
    expect(batchWindowUpdates(bare, log)).toBe(false)
    // A real stream whose receive window is no longer a number, as if upstream renamed or retyped it.
    const { reader } = await pair()
    const internals = reader as unknown as { recvWindow: unknown, sendWindowUpdate: unknown }
    const original = internals.sendWindowUpdate
    internals.recvWindow = '256k'
    expect(batchWindowUpdates(reader, log)).toBe(false)
    expect(internals.sendWindowUpdate).toBe(original)
    // A method that became something else.
    internals.recvWindow = 256 * 1024
    internals.sendWindowUpdate = 1
    expect(batchWindowUpdates(reader, log)).toBe(false)
    expect(log.errors).toHaveLength(1)
    expect(log.errors[0]).toContain('batchWindowUpdates')
    expect(log.errors[0]).toContain('YamuxStream.state is undefined')
    expect(log.errors[0]).toContain('@chainsafe/libp2p-yamux 8.0.1')
    // Another logger (another transport) hears of it too, once.
    const other = errorLog()
    expect(batchWindowUpdates(reader, other)).toBe(false)
    expect(batchWindowUpdates(bare, other)).toBe(false)
    expect(other.errors).toEqual(['upstream patch batchWindowUpdates not applied: YamuxStream.sendWindowUpdate is number, not a function (it was checked against @chainsafe/libp2p-yamux 8.0.1); left as upstream made it'])
  })
})
