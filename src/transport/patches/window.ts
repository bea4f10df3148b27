/**
 * Fewer yamux window updates on Quorum's own streams.
 *
 * js-yamux answers every data frame it receives with a window update frame,
 * so each small message wakes its sender a second time, only to read that
 * update: on an idle cluster that doubles the wakeups of every node, and in
 * an election it doubles the work competing for the CPU. The yamux spec leaves
 * the timing of window updates to the receiver; Hashicorp's and go-libp2p's
 * yamux send one only when at least half of the window is used up, and so
 * does this, on the streams it is applied to and no others. Opening and
 * closing (frames with flags) and paused streams are left to yamux.
 */
import type { Stream } from '@libp2p/interface'

/** The fields of a js-yamux stream this relies on (absent for other muxers). */
interface YamuxStreamInternals {
  state: number
  recvWindow: number
  recvWindowCapacity: number
  sendWindowUpdate: () => void
}

/** js-yamux's StreamState.Established: the state in which an update carries no flags. */
const ESTABLISHED = 3

/**
 * Makes `stream` update the remote's send window only once half of the
 * receive window is used up. Returns false, changing nothing, when the stream
 * is not a js-yamux stream of the expected shape.
 */
export function batchWindowUpdates (stream: Stream): boolean {
  const s = stream as unknown as Partial<YamuxStreamInternals>
  const original = s.sendWindowUpdate
  if (typeof original !== 'function' || typeof s.recvWindow !== 'number' || typeof s.recvWindowCapacity !== 'number' || typeof s.state !== 'number') return false
  const y = s as YamuxStreamInternals
  y.sendWindowUpdate = function (this: YamuxStreamInternals): void {
    if (this.state === ESTABLISHED && this.recvWindowCapacity > this.recvWindow / 2) return
    original.call(this)
  }
  return true
}
