import { describe, expect, it, vi, afterEach } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { defaultLogger } from '@libp2p/logger'
import type { PeerId } from '@libp2p/interface'
import { Dialer, type DialerComponents } from '../../src/transport/dialer.js'

/** Two peer IDs, the smaller first (by their string form, as the dialer compares them). */
async function pair (): Promise<[PeerId, PeerId]> {
  const a = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const b = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  return a.toString() < b.toString() ? [a, b] : [b, a]
}

/** A dialer for `self` whose connection manager records dials; `connected` says who is connected. */
function dialerFor (self: PeerId, connected: Set<string>, o: { start?: boolean, isMember?: (p: PeerId) => boolean, dialsSucceed?: boolean, dialsFail?: boolean } = {}): { dialer: Dialer, dials: string[], events: EventTarget } {
  const dials: string[] = []
  const events = new EventTarget()
  const components = {
    peerId: self,
    events,
    logger: defaultLogger(),
    connectionManager: {
      getConnections: (peer?: PeerId) => peer !== undefined && connected.has(peer.toString()) ? [{ status: 'open' }] : [],
      openConnection: async (peer: PeerId) => {
        dials.push(peer.toString())
        if (o.dialsFail === true) throw new Error('ECONNREFUSED')
        return o.dialsSucceed === true ? { remotePeer: peer } : await new Promise(() => {})
      }
    }
  } as unknown as DialerComponents
  const dialer = new Dialer(components, { bootstrap: [], isMember: o.isMember ?? (() => true), yieldMs: 500 })
  if (o.start !== false) dialer.start()
  return { dialer, dials, events }
}

const discover = (events: EventTarget, peer: PeerId): void => {
  events.dispatchEvent(new CustomEvent('peer:discovery', { detail: { id: peer, multiaddrs: [] } }))
}

describe('Dialer', () => {
  afterEach(() => { vi.useRealTimers() })

  it('lets the smaller peer ID of a pair dial a discovered peer, so one handshake serves both', async () => {
    vi.useFakeTimers()
    const [small, large] = await pair()
    const connected = new Set<string>()
    const a = dialerFor(small, connected)
    const b = dialerFor(large, connected)
    discover(a.events, large)
    discover(b.events, small)
    expect(a.dials).toEqual([large.toString()])
    expect(b.dials).toEqual([])
    // The smaller one's connection arrives before the larger one's wait is over.
    connected.add(small.toString())
    vi.advanceTimersByTime(600)
    expect(b.dials).toEqual([])
    a.dialer.stop(); b.dialer.stop()
  })

  it('has the larger peer ID dial after yieldMs when no connection came (one-sided discovery)', async () => {
    vi.useFakeTimers()
    const [small, large] = await pair()
    const b = dialerFor(large, new Set())
    discover(b.events, small)
    vi.advanceTimersByTime(499)
    expect(b.dials).toEqual([])
    vi.advanceTimersByTime(2)
    expect(b.dials).toEqual([small.toString()])
    b.dialer.stop()
  })

  it('dials at start() a peer discovered before it (mDNS answers while libp2p is still starting)', async () => {
    vi.useFakeTimers()
    const [small, large] = await pair()
    const a = dialerFor(small, new Set(), { start: false })
    // libp2p gives peer:discovery once per peer: this one is the only one there will be.
    discover(a.events, large)
    expect(a.dials).toEqual([])
    a.dialer.start()
    expect(a.dials).toEqual([large.toString()])
    a.dialer.stop()
  })

  it('hears every answer of a watched discovery service: a known peer that came back is dialed again', async () => {
    vi.useFakeTimers()
    const [small, large] = await pair()
    const connected = new Set<string>()
    // Never identified here (no member), so its disconnect is not redialed.
    const a = dialerFor(small, connected, { isMember: () => false, dialsSucceed: true })
    const mdns = new EventTarget()
    a.dialer.watch(mdns as never)
    discover(a.events, large)
    expect(a.dials).toEqual([large.toString()])
    connected.add(large.toString())
    await vi.advanceTimersByTimeAsync(100)
    connected.delete(large.toString())
    a.events.dispatchEvent(new CustomEvent('peer:disconnect', { detail: large }))
    vi.advanceTimersByTime(10_000)
    expect(a.dials).toEqual([large.toString()])
    // It restarted with the same key and address: the peer store is unchanged, libp2p says nothing,
    // but mDNS answers again.
    mdns.dispatchEvent(new CustomEvent('peer', { detail: { id: large, multiaddrs: [] } }))
    expect(a.dials).toEqual([large.toString(), large.toString()])
    // An answer while connected dials nothing.
    connected.add(large.toString())
    mdns.dispatchEvent(new CustomEvent('peer', { detail: { id: large, multiaddrs: [] } }))
    expect(a.dials).toHaveLength(2)
    a.dialer.stop()
  })

  /** A member `peer` that disconnected and whose redials to its old address fail `failures` times. */
  async function backingOff (self: PeerId, peer: PeerId, failures: number): Promise<{ dialer: Dialer, dials: string[], events: EventTarget, mdns: EventTarget }> {
    const d = dialerFor(self, new Set(), { dialsFail: true })
    const mdns = new EventTarget()
    d.dialer.watch(mdns as never)
    d.events.dispatchEvent(new CustomEvent('peer:disconnect', { detail: peer }))
    while (d.dials.length < failures) await vi.advanceTimersByTimeAsync(50)
    return { ...d, mdns }
  }

  it('ends a redial\'s backoff when the peer answers mDNS: a restarted peer is dialed at once, not at the timer', async () => {
    vi.useFakeTimers()
    const [small, large] = await pair()
    const a = await backingOff(small, large, 6)
    // Six failures: the next redial is 1.6–3.2 s away.
    await vi.advanceTimersByTimeAsync(10)
    expect(a.dials).toHaveLength(6)
    a.mdns.dispatchEvent(new CustomEvent('peer', { detail: { id: large, multiaddrs: [] } }))
    expect(a.dials).toHaveLength(7)
    // The larger one of a pair still leaves the dial to the smaller one for yieldMs.
    const b = await backingOff(large, small, 6)
    await vi.advanceTimersByTimeAsync(10)
    b.mdns.dispatchEvent(new CustomEvent('peer', { detail: { id: small, multiaddrs: [] } }))
    expect(b.dials).toHaveLength(6)
    await vi.advanceTimersByTimeAsync(501)
    expect(b.dials).toHaveLength(7)
    a.dialer.stop(); b.dialer.stop()
  })

  it('ends a redial\'s backoff on new addresses of the peer, not on an update of its metadata (each failed dial makes one)', async () => {
    vi.useFakeTimers()
    const [small, large] = await pair()
    const a = await backingOff(small, large, 6)
    await vi.advanceTimersByTimeAsync(10)
    const addr = (port: number): { multiaddr: { toString: () => string }, isCertified: boolean } => ({ multiaddr: { toString: () => `/ip4/10.0.0.2/tcp/${port}` }, isCertified: false })
    const update = (before: number[], after: number[]): void => {
      a.events.dispatchEvent(new CustomEvent('peer:update', { detail: { peer: { id: large, addresses: after.map(addr) }, previous: { id: large, addresses: before.map(addr) } } }))
    }
    update([4001], [4001])
    expect(a.dials).toHaveLength(6)
    update([4001], [4001, 4002])
    expect(a.dials).toHaveLength(7)
    a.dialer.stop()
  })
})
