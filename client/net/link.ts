/**
 * What the transport and its parts (signal-paths.ts, link-trimmer.ts) need of a link to one peer: PeerLink
 * over WebRTC in a page or a Node peer, a scripted fake in unit tests.
 */
import type { Address, Clock, Envelope, RequestOptions } from '../../shared/ring/types';
import type { Frame } from '../../shared/wire/frame';
import type { SignalData } from '../../shared/wire/signal';
import type { TransportError } from './transport-error';

export type LinkState = 'connecting' | 'open' | 'closed';
/** How a link's signals travel: through other peers' data channels, or through the signaling server. */
export type SignalPath = 'overlay' | 'server';

export interface Link {
  readonly peer: Address;
  readonly initiator: boolean;
  /** A non-initiator that has taken an offer: a second offer means the peer started over. */
  readonly hasOffer: boolean;
  /** Where this link's signals go; switches to the server when no overlay route is left. */
  path: SignalPath;
  /** The peer has sent a signal for this link: the path works. */
  readonly heard: boolean;
  /** Last frame in or out (or when the link opened), on the transport's clock. */
  readonly lastUsed: number;
  readonly state: LinkState;
  /** Largest frame this link sends. */
  readonly maxFrameBytes: number;
  /** A request or answer of either end is in flight, or our frames have not all left. */
  readonly busy: boolean;
  /** Passes on a signal from the peer. */
  signal(data: SignalData): void;
  /** Resolves once the channel is open; rejects if the link fails first or `signal` aborts the wait. */
  whenOpen(signal?: AbortSignal): Promise<void>;
  request(msg: Envelope, opts: RequestOptions): Promise<Envelope>;
  reply(id: number, reply: Envelope): void;
  replyError(id: number, err: { code?: string; message: string }): void;
  sendRaw(bytes: Uint8Array): void;
  /** Closes once nothing is in flight, or after `graceMs` at the latest. */
  closeWhenIdle(reason: TransportError, graceMs: number): void;
  /** Leaves the closing to the far end, and closes after `graceMs` only if it has not. */
  closeAfter(reason: TransportError, graceMs: number): void;
  /** The one way a link ends: every waiter is failed with `reason`. */
  destroy(reason: TransportError): void;
}

/** What a link needs from its transport. */
export interface LinkHooks {
  /** Sends a signal to the peer (through the overlay or the signaling server); throws when that is impossible. */
  signal(link: Link, data: SignalData): void;
  request(link: Link, frame: Frame): void;
  opened(link: Link): void;
  closed(link: Link, reason: TransportError, wasOpen: boolean): void;
  frameIn(): void;
  frameOut(): void;
  dropped(reason: string, detail?: Record<string, unknown>): void;
}

export interface LinkOptions {
  peer: Address;
  initiator: boolean;
  path: SignalPath;
  iceServers: RTCIceServer[];
  connectTimeoutMs: number;
  clock: Clock;
  hooks: LinkHooks;
}

/** Builds a link; throws when none can be made (Chromium's connection limit, no WebRTC). */
export type LinkFactory = (opts: LinkOptions) => Link;
