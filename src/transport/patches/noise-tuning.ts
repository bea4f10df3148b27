/**
 * Two savings on the Noise connections of a libp2p node that Quorum owns
 * ({@link createElection}). Neither changes a byte on the wire.
 *
 * - One socket write per encrypted message. Noise hands each message down as
 *   two chunks, its 2-byte length and then the ciphertext, and @libp2p/tcp
 *   writes every chunk with its own `socket.write`: two system calls and two
 *   TCP segments per message, and often two wakeups of the receiver, which
 *   finds half a frame the first time. On a small VM a write costs 0.3–0.6 ms
 *   of CPU; joining them took about a tenth off an idle node's CPU here.
 *
 * - No exception per received chunk. Noise's frame decoder (the
 *   LengthPrefixedDecoder of @libp2p/utils) reads a frame's length with a
 *   function that throws a RangeError when fewer than 2 bytes are buffered,
 *   and catches it as "wait for more". That happens after every chunk, once
 *   the buffer is empty: building the Error (its stack trace) was 1.1–1.4 % of
 *   an idle node's CPU samples, and throwing even a shared one 0.3–0.7 %. The length
 *   reader here returns 0 instead, which makes the decoder wait just the same:
 *   it then needs 2 + 0 bytes (Noise's length prefix is always 2 bytes) and
 *   has fewer. The decoder's logic is unchanged.
 */
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'

/** What an AbstractMessageStream-based connection (TCP, pnet) exposes to its subclasses. */
interface Sender { sendData: (data: Uint8ArrayList) => unknown }

/** What @chainsafe/libp2p-noise's encrypted connection keeps: its frame decoder's length reader. */
interface FramedConnection { decoder: { lengthDecoder: (data: Uint8ArrayList | Uint8Array) => number } }

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

/**
 * A Noise frame's 2-byte big-endian length, as @chainsafe/libp2p-noise reads
 * it; but 0, not an exception, while fewer than 2 bytes are buffered: the
 * decoder then finds fewer than the 2 + 0 bytes such a frame needs, and waits.
 */
export function noiseFrameLength (data: Uint8ArrayList | Uint8Array): number {
  if (data.byteLength < 2) return 0
  return data instanceof Uint8Array ? (data[0]! << 8) | data[1]! : data.getUint16(0)
}

/**
 * Makes the Noise connection `connection` read frame lengths with
 * {@link noiseFrameLength}. Returns false, changing nothing, when it is not a
 * connection of the expected shape.
 */
export function cheapShortReads (connection: MessageStream): boolean {
  const decoder = (connection as unknown as Partial<FramedConnection>).decoder
  if (decoder === null || typeof decoder !== 'object' || typeof decoder.lengthDecoder !== 'function') return false
  decoder.lengthDecoder = noiseFrameLength
  return true
}

/**
 * Wraps an encrypter factory (e.g. `noise()`): the connection below it writes
 * one chunk per message, and the encrypted connection it returns reads frame
 * lengths without an exception per chunk.
 */
export function tunedNoise<C> (factory: (components: C) => ConnectionEncrypter): (components: C) => ConnectionEncrypter {
  return components => {
    const encrypter = factory(components)
    const tuned = (secure: ConnectionEncrypter['secureInbound']): ConnectionEncrypter['secureInbound'] => async (connection, options) => {
      oneChunkPerWrite(connection)
      const secured = await secure(connection, options)
      cheapShortReads(secured.connection)
      return secured
    }
    encrypter.secureInbound = tuned(encrypter.secureInbound.bind(encrypter))
    encrypter.secureOutbound = tuned(encrypter.secureOutbound.bind(encrypter))
    return encrypter
  }
}
