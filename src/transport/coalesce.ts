/**
 * One socket write per encrypted message, on the connections of a libp2p node
 * that Quorum owns ({@link createElection}).
 *
 * Noise hands each message down as two chunks, its 2-byte length and then the
 * ciphertext, and @libp2p/tcp writes every chunk with its own `socket.write`:
 * two system calls and two TCP segments per message, and often two wakeups of
 * the receiver, which finds half a frame the first time. On a small VM a write
 * costs 0.3–0.6 ms of CPU; joining them took about a tenth off an idle node's
 * CPU here. The wrapper joins the chunks of each write into one buffer before
 * the transport sees them; the bytes on the wire are the same.
 */
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'

/** What an AbstractMessageStream-based connection (TCP, pnet) exposes to its subclasses. */
interface Sender { sendData: (data: Uint8ArrayList) => unknown }

/**
 * Makes `connection` pass every write down as one chunk. Returns false,
 * changing nothing, when it is not a connection of the expected shape.
 */
export function oneChunkPerWrite (connection: MessageStream): boolean {
  const c = connection as unknown as Partial<Sender>
  const original = c.sendData
  if (typeof original !== 'function') return false
  c.sendData = function (this: Sender, data: Uint8ArrayList): unknown {
    // subarray() of a single chunk returns it without copying.
    return original.call(this, new Uint8ArrayList(data.subarray()))
  }
  return true
}

/** Wraps an encrypter factory (e.g. `noise()`) so that the connections it secures write one chunk per message. */
export function coalescingWrites<C> (factory: (components: C) => ConnectionEncrypter): (components: C) => ConnectionEncrypter {
  return components => {
    const encrypter = factory(components)
    const secureInbound = encrypter.secureInbound.bind(encrypter)
    const secureOutbound = encrypter.secureOutbound.bind(encrypter)
    encrypter.secureInbound = async (connection, options) => { oneChunkPerWrite(connection); return await secureInbound(connection, options) }
    encrypter.secureOutbound = async (connection, options) => { oneChunkPerWrite(connection); return await secureOutbound(connection, options) }
    return encrypter
  }
}
