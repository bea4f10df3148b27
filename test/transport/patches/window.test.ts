import { describe, expect, it } from 'vitest'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddrConnectionPair } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { batchWindowUpdates } from '../../../src/transport/patches/window.js'

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
  it('reads small messages without answering each with a window update, and still refills the window', async () => {
    const plain = await pair()
    await oneByOne(plain.writer, plain.reader, 50)
    // js-yamux by itself: an update for every data frame it reads.
    expect(plain.updates()).toBeGreaterThanOrEqual(50)

    const batched = await pair()
    expect(batchWindowUpdates(batched.reader)).toBe(true)
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

  it('leaves a stream of another shape alone', () => {
    expect(batchWindowUpdates({} as unknown as Stream)).toBe(false)
  })
})
