/**
 * Upstream patch: two savings on the Noise connections of a libp2p node that
 * Quorum owns ({@link createElection}). Neither changes a byte on the wire.
 *
 * Checked against @chainsafe/libp2p-noise 17.0.0, @libp2p/utils 7.4.1,
 * @libp2p/tcp 11.0.28 and @libp2p/pnet 3.0.27 (each pinned exactly in
 * package.json).
 *
 * - One socket write per encrypted message ({@link oneChunkPerWrite}).
 *   Upstream: Noise's `EncryptedMessageStream.sendData` (dist/src/utils.js)
 *   passes the connection below it a Uint8ArrayList of two chunks per Noise
 *   message, its 2-byte length and then the ciphertext. That connection is
 *   an @libp2p/utils `AbstractMessageStream`, whose `processSendQueue` hands
 *   the list on to the subclass's `sendData`; @libp2p/tcp's
 *   (`TCPSocketMultiaddrConnection.sendData`, dist/src/socket-to-conn.js)
 *   calls `socket.write` once per chunk: two system calls and two TCP
 *   segments per message, and often two wakeups of the receiver, which finds
 *   half a frame the first time. On a small VM a write costs 0.3–0.6 ms of
 *   CPU; joining them took about a tenth off an idle node's CPU here. The
 *   patch replaces the `sendData` of the connection below Noise by one that
 *   joins the list into one chunk first. With a swarm key that connection is
 *   @libp2p/pnet's (dist/src/crypto.js), whose `sendData` already joins the
 *   chunks (`data.subarray()`) before XORing them; joining first then costs
 *   no copy and changes nothing there.
 *
 * - No exception per received chunk ({@link cheapShortReads}). Upstream:
 *   `EncryptedMessageStream` keeps its frame decoder in its `decoder` field,
 *   an @libp2p/utils `LengthPrefixedDecoder` (dist/src/length-prefixed-decoder.js)
 *   built with `lengthDecoder: uint16BEDecode` and `encodingLength: () => 2`.
 *   `uint16BEDecode` (Noise's dist/src/encoder.js) throws a RangeError when
 *   fewer than 2 bytes are buffered, and `decode()` catches a RangeError as
 *   "wait for more". That happens after every chunk, once the buffer is empty:
 *   building the Error (its stack trace) was 1.1–1.4 % of an idle node's CPU
 *   samples, and throwing even a shared one 0.3–0.7 %. The patch replaces the
 *   decoder's `lengthDecoder` by {@link noiseFrameLength}, which returns 0
 *   instead: `decode()` then needs `encodingLength(0) + 0` = 2 bytes and has
 *   fewer, so it waits just the same. The decoder's logic is unchanged.
 *
 * A connection without a `sendData` method, or a secured connection whose
 * `decoder` is not a decoder with a `lengthDecoder` and an `encodingLength` of
 * 2, is an unexpected shape: it is left alone and reported once per logger
 * (see shape.ts), and {@link tunedNoise} logs each connection it could not
 * tune.
 */
import type { ComponentLogger, ConnectionEncrypter, MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { shapeReporter, type CheckedAgainst, type PatchLog } from './shape.js'

/** The packages these patches reach into, at the versions they were checked against. */
export const CHECKED_AGAINST: CheckedAgainst = {
  '@chainsafe/libp2p-noise': '17.0.0',
  '@libp2p/utils': '7.4.1',
  '@libp2p/tcp': '11.0.28',
  '@libp2p/pnet': '3.0.27'
}

/** What an AbstractMessageStream-based connection (TCP, pnet) exposes to its subclasses. */
interface Sender { sendData: (data: Uint8ArrayList) => unknown }

/** What @chainsafe/libp2p-noise's encrypted connection keeps: its frame decoder (a LengthPrefixedDecoder). */
interface FramedConnection {
  decoder: {
    lengthDecoder: (data: Uint8ArrayList | Uint8Array) => number
    encodingLength: (length: number) => number
  }
}

const reportSender = shapeReporter('oneChunkPerWrite', CHECKED_AGAINST)
const reportDecoder = shapeReporter('cheapShortReads', CHECKED_AGAINST)

/**
 * Makes `connection` pass every write down as one chunk. Returns whether it
 * did: false, changing nothing, when it is not a connection of the expected
 * shape (reported to `log` once).
 */
export function oneChunkPerWrite (connection: MessageStream, log: PatchLog): boolean {
  const c = connection as unknown as Partial<Sender> | null
  const original = c?.sendData
  if (c === null || typeof original !== 'function') {
    reportSender(log, `the connection below Noise has a sendData of type ${typeof original}, not a function`)
    return false
  }
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

/** What is wrong with `decoder` as Noise's frame decoder, or null if nothing. */
function unexpectedDecoder (decoder: Partial<FramedConnection['decoder']> | null | undefined): string | null {
  if (decoder === null || typeof decoder !== 'object') return `the Noise connection's decoder is ${decoder === null ? 'null' : typeof decoder}, not an object`
  if (typeof decoder.lengthDecoder !== 'function') return `the Noise decoder's lengthDecoder is ${typeof decoder.lengthDecoder}, not a function`
  if (typeof decoder.encodingLength !== 'function') return `the Noise decoder's encodingLength is ${typeof decoder.encodingLength}, not a function`
  // A length of 0 must still need 2 bytes, or the decoder would not wait for more.
  const prefix: unknown = decoder.encodingLength(0)
  if (prefix !== 2) return `the Noise decoder's length prefix is ${String(prefix)} bytes, not 2`
  return null
}

/**
 * Makes the Noise connection `connection` read frame lengths with
 * {@link noiseFrameLength}. Returns whether it did: false, changing nothing,
 * when it is not a connection of the expected shape (reported to `log` once).
 */
export function cheapShortReads (connection: MessageStream, log: PatchLog): boolean {
  const decoder = (connection as unknown as Partial<FramedConnection> | null)?.decoder
  const found = unexpectedDecoder(decoder)
  if (found !== null) { reportDecoder(log, found); return false }
  decoder!.lengthDecoder = noiseFrameLength
  return true
}

/**
 * Wraps an encrypter factory (e.g. `noise()`): the connection below it writes
 * one chunk per message, and the encrypted connection it returns reads frame
 * lengths without an exception per chunk. What it could not tune it logs
 * (component `quorum:noise-tuning`), per connection, and leaves as Noise made it.
 */
export function tunedNoise<C extends { logger: ComponentLogger }> (factory: (components: C) => ConnectionEncrypter): (components: C) => ConnectionEncrypter {
  return components => {
    const encrypter = factory(components)
    const log = components.logger.forComponent('quorum:noise-tuning')
    const tuned = (secure: ConnectionEncrypter['secureInbound']): ConnectionEncrypter['secureInbound'] => async (connection, options) => {
      const joined = oneChunkPerWrite(connection, log)
      const secured = await secure(connection, options)
      const cheap = cheapShortReads(secured.connection, log)
      if (!joined || !cheap) {
        log('connection with %p left partly untuned: one chunk per write %s, cheap short reads %s', secured.remotePeer, joined, cheap)
      }
      return secured
    }
    encrypter.secureInbound = tuned(encrypter.secureInbound.bind(encrypter))
    encrypter.secureOutbound = tuned(encrypter.secureOutbound.bind(encrypter))
    return encrypter
  }
}
