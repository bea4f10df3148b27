/**
 * Guards for tests that start libp2p: they run only inside the private
 * network namespace that scripts/in-netns.sh makes (npm test does), never on
 * the host network. Where none could be made, they skip and say why.
 */
import { networkInterfaces } from 'node:os'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'

function onlyLoopback (): boolean {
  return Object.entries(networkInterfaces()).every(([, addrs]) => (addrs ?? []).every(a => a.internal))
}

export const NETNS_OK = process.env.QUORUM_NETNS === '1' && onlyLoopback()

export const NETNS_SKIP_REASON = process.env.QUORUM_NETNS === '1'
  ? 'a non-loopback interface is present: refusing to start libp2p outside a private namespace'
  : 'not inside a private network namespace (run the tests with npm test, as root or with user namespaces)'

if (!NETNS_OK) console.warn(`libp2p tests skipped: ${NETNS_SKIP_REASON}`)

/** Polls `cond` every 10 ms; throws naming `what` after `timeoutMs` (a liveness bound, not a timing). */
export async function waitFor (what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** A plain libp2p node on loopback (TCP, Noise, yamux, identify), no election: a hostile peer's. */
export async function bareNode (): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
}
