/**
 * The shared resource of the fenced-resource workload, as Jepsen tests locks:
 * two registers behind one Unix socket (the filesystem is shared across the
 * network namespaces; the network is not). Each leader's write goes to both.
 * - fenced: rejects a write whose epoch is below the highest it has accepted
 *   (the epoch is the fencing token);
 * - unfenced: accepts everything, so it shows the stale writes that a leader
 *   paused between its check and its write makes.
 */
import { createServer, type Server } from 'node:net'
import { createInterface } from 'node:readline'
import type { EventOf } from './history.js'

export class Registers {
  readonly #server: Server
  #fencedEpoch = 0

  private constructor (server: Server) { this.#server = server }

  /** Listens on `path`; every write is reported to `record`, for both registers. */
  static async listen (path: string, record: (e: EventOf<'write'>) => void, now: () => number): Promise<Registers> {
    let self: Registers | null = null
    const server = createServer(socket => {
      socket.on('error', () => {}) // a killed writer
      createInterface({ input: socket }).on('line', line => {
        let w: { node: string, epoch: number, seq: number }
        try { w = JSON.parse(line) } catch { return }
        const t = now()
        const fenced = w.epoch >= self!.#fencedEpoch
        if (fenced) self!.#fencedEpoch = w.epoch
        record({ ev: 'write', t, register: 'fenced', node: w.node, epoch: w.epoch, seq: w.seq, accepted: fenced })
        record({ ev: 'write', t, register: 'unfenced', node: w.node, epoch: w.epoch, seq: w.seq, accepted: true })
      })
    })
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(path, resolve) })
    self = new Registers(server)
    return self
  }

  async close (): Promise<void> {
    await new Promise<void>(resolve => { this.#server.close(() => { resolve() }) })
  }
}
