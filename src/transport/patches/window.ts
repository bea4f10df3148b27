/**
 * Upstream patch: fewer yamux window updates on Quorum's own inbound streams.
 *
 * Checked against @chainsafe/libp2p-yamux 8.0.1 (pinned exactly in
 * package.json). It reaches into `YamuxStream` (dist/src/stream.js, exported
 * as `@chainsafe/libp2p-yamux/stream`): its private `recvWindow` and
 * `recvWindowCapacity`, its `state` (`StreamState`) and its private method
 * `sendWindowUpdate()`.
 *
 * Upstream behaviour it changes: `handleData()` takes each data frame's length
 * off `recvWindowCapacity` and then calls `sendWindowUpdate()`. On an
 * Established stream (no SYN or ACK flag left to send) that sends a
 * WindowUpdate frame as soon as `recvWindowCapacity < recvWindow`: after
 * every data frame with a body, crediting back just what was read. So each
 * small message wakes its sender a second time, only to read that update. On
 * an idle cluster that doubles the wakeups of every node, and in an election
 * it doubles the work competing for the CPU.
 *
 * What this does instead: on an Established stream, `sendWindowUpdate()`
 * returns at once while more than half of the receive window is free
 * (`recvWindowCapacity > recvWindow / 2`). Otherwise it runs upstream's, which
 * credits the whole difference in one frame (and, as upstream, may first
 * double `recvWindow` if the window was used within 4 round trips). The yamux
 * spec leaves the timing of window updates to the receiver; Hashicorp's and
 * go-libp2p's yamux send one only when at least half of the window is used
 * up. In every other state upstream's runs unchanged: Init, SYNSent and
 * SYNReceived (an update that carries a flag, so opening and closing are
 * yamux's business), Paused and Finished.
 *
 * A stream of another muxer, or of another copy of js-yamux (an application's
 * libp2p node with a version of its own), is left alone without a word: this
 * patch was not checked against it. A stream of this copy that lacks a field
 * or method above, or has one of another type, is an unexpected shape: it is
 * left alone and reported once per logger (see shape.ts).
 */
import type { Stream } from '@libp2p/interface'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { shapeReporter, type CheckedAgainst, type PatchLog } from './shape.js'

/** The packages this patch reaches into, at the versions it was checked against. */
export const CHECKED_AGAINST: CheckedAgainst = { '@chainsafe/libp2p-yamux': '8.0.1' }

/** The fields of a js-yamux stream this relies on (private in its types). */
interface YamuxStreamInternals {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
  sendWindowUpdate: () => void
}

const report = shapeReporter('batchWindowUpdates', CHECKED_AGAINST)

/** What is wrong with `s` as a js-yamux stream of the expected shape, or null if nothing. */
function unexpected (s: Partial<YamuxStreamInternals>): string | null {
  if (typeof s.sendWindowUpdate !== 'function') return `YamuxStream.sendWindowUpdate is ${typeof s.sendWindowUpdate}, not a function`
  for (const field of ['state', 'recvWindow', 'recvWindowCapacity'] as const) {
    if (typeof s[field] !== 'number') return `YamuxStream.${field} is ${typeof s[field]}, not a number`
  }
  return null
}

/**
 * Makes the js-yamux stream `stream` update the remote's send window only once
 * half of the receive window is used up. Returns whether it did: false,
 * changing nothing, for a stream of another muxer or another copy of js-yamux,
 * and for one of an unexpected shape (which is reported to `log` once).
 */
export function batchWindowUpdates (stream: Stream, log: PatchLog): boolean {
  if (!(stream instanceof YamuxStream)) return false
  const s = stream as unknown as Partial<YamuxStreamInternals>
  const found = unexpected(s)
  if (found !== null) { report(log, found); return false }
  const y = s as YamuxStreamInternals
  const original = y.sendWindowUpdate
  y.sendWindowUpdate = function (this: YamuxStreamInternals): void {
    if (this.state === StreamState.Established && this.recvWindowCapacity > this.recvWindow / 2) return
    original.call(this)
  }
  return true
}
