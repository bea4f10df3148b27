/**
 * How nodes reach each other. Delivery is best effort and asynchronous: the
 * protocol tolerates loss, duplication and reordering. The sender a transport
 * reports must be authenticated by it, never taken from the message.
 */
import type { Message } from '../paxos/message.js'
import type { NodeId } from '../paxos/proposal.js'

export interface TransportHandlers {
  message: (from: NodeId, msg: Message) => void
  peerUp?: (peer: NodeId) => void
  peerDown?: (peer: NodeId) => void
}

export interface Transport {
  /** This node's ID as the transport knows it (it names this node's ballots and votes). */
  readonly localId: NodeId
  /** Starts delivering to `handlers`; messages before this are dropped. */
  start: (handlers: TransportHandlers) => Promise<void>
  stop: () => Promise<void>
  /** Sends to one peer; silently dropped if the peer is unreachable. */
  send: (to: NodeId, msg: Message) => void
  /**
   * Sends to every connected peer (not to this node); to `first` before the
   * others, when it is one of them (the peer whose answer matters most). With
   * `fanout`, to at most that many peers (`first` counts as one). With
   * `only`, to those of them that `only` names.
   */
  broadcast: (msg: Message, first?: NodeId, fanout?: number, only?: readonly NodeId[]) => void
  /** Peers currently reachable. */
  peers: () => NodeId[]
}
