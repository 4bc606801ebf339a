/** What the ring and the page get from a browser transport, and what it is built from. */
import type { Address, Clock, Logger, RequestOptions, Transport } from '../../shared/ring/types';
import type { PeerKey } from '../../shared/trust/peer-id';
import type { LinkPolicy } from './connection-budget';
import type { LinkFactory } from './link';
import type { SignalEvents } from './signal-client';
import type { SignalServer } from './signal-paths';
import type { TransportStats } from './transport-stats';

export interface PeerTransport extends Transport {
  /** The callback runs when a link to a peer fails or the signaling server reports the peer gone; returns an unsubscribe. */
  onPeerDown(cb: (peer: Address) => void): () => void;
  /** Peers with an open data channel (not counting links on their way out for the budget). */
  connections(): Address[];
  /** Turns on the connection budget: which links to keep is the ring's knowledge. */
  setLinkPolicy(policy: LinkPolicy): void;
  stats(): TransportStats;
  /** Largest frame the open link to `peer` carries, undefined without one. */
  maxMessageSize(peer: Address): number | undefined;
  /** Ends the link to `peer` as a failure would: the peer is reported down, and the next request connects anew. */
  disconnect(peer: Address): void;
  /** Sends `bytes` to `peer` as one unframed channel message, connecting first: for fault-injection tests. */
  sendRaw(peer: Address, bytes: Uint8Array, opts: RequestOptions): Promise<void>;
}

/** The signaling client as the transport uses it: its id and the key it proves, its status, its events, sending a signal. */
export interface SignalChannel extends SignalServer {
  readonly id: Address | null;
  /** The key `id` derives from: it signs the signals this peer relays through the overlay. */
  readonly peerKey: PeerKey;
  on<E extends keyof SignalEvents>(event: E, listener: (detail: SignalEvents[E]) => void): () => void;
}

export interface PeerTransportOptions {
  /** A signaling client that has been welcomed (`await signal.ready()`). */
  signal: SignalChannel;
  log: Logger;
  /** No STUN or TURN by default: host candidates only, enough on one machine or LAN. */
  iceServers?: RTCIceServer[];
  connectTimeoutMs?: number;
  /** The real clock by default; the simulator's in unit tests. */
  clock?: Clock;
  /** PeerLink over WebRTC by default; fakes in unit tests. */
  createLink?: LinkFactory;
}
