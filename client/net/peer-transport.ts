/**
 * The ring's Transport in a browser: one WebRTC data channel per remote peer, set up through the
 * signaling server on first use. A peer's address is its signaling id.
 *
 * Who connects: for each pair the lower id is always the WebRTC initiator. The higher id asks for a
 * connection by sending simple-peer's `renegotiate` signal, so two tabs starting at once never build
 * two connections (simple-peer has no perfect negotiation).
 */
import { errorCode, errorMessage } from '../../shared/ring/errors';
import { systemClock } from '../../shared/ring/system-clock';
import { withTimeout } from '../../shared/ring/timers';
import type { Address, Envelope, Logger, RequestOptions, Transport } from '../../shared/ring/types';
import { decodeFrame, encodeFrame, FrameKind, type Frame } from '../../shared/wire/frame';
import type { SignalData } from '../../shared/wire/signal';
import { LinkBudget } from './link-budget';
import { PeerLink } from './peer-link';
import type { SignalClient } from './signal-client';
import { TransportError } from './transport-error';

/** Connection setup (signaling, ICE, DTLS, SCTP) gets this long, separately from each request's own timeout. */
export const CONNECT_TIMEOUT_MS = 5000;
/** How long a peer the signaling server saw leave has to answer on its open channel before the channel is ended. */
export const PROBE_TIMEOUT_MS = 2000;

export interface TransportStats {
  /** Open data channels. */
  links: number;
  /** Connections ever started by this transport: Chromium refuses new ones after about 500 in a page's lifetime. */
  linksCreated: number;
  /** Frames received that decoded. */
  framesIn: number;
  framesOut: number;
  /** Frames and signals thrown away, by reason. */
  dropped: Record<string, number>;
}

export interface PeerTransport extends Transport {
  /** The callback runs when a link to a peer fails or the signaling server reports the peer gone; returns an unsubscribe. */
  onPeerDown(cb: (peer: Address) => void): () => void;
  /** Peers with an open data channel. */
  connections(): Address[];
  stats(): TransportStats;
  /** Largest frame the open link to `peer` carries, undefined without one. */
  maxMessageSize(peer: Address): number | undefined;
  /** Ends the link to `peer` as a failure would: the peer is reported down, and the next request connects anew. */
  disconnect(peer: Address): void;
  /** Sends `bytes` to `peer` as one unframed channel message, connecting first: for fault-injection tests. */
  sendRaw(peer: Address, bytes: Uint8Array, opts: RequestOptions): Promise<void>;
}

export interface PeerTransportOptions {
  /** A signaling client that has been welcomed (`await signal.ready()`). */
  signal: SignalClient;
  log: Logger;
  /** No STUN or TURN by default: host candidates only, enough on one machine or LAN. */
  iceServers?: RTCIceServer[];
  connectTimeoutMs?: number;
}

type Handler = (from: Address, msg: Envelope) => Promise<Envelope>;

/** Reasons for a drop that happen in normal operation (a reply after its timeout, a candidate after a close). */
const ROUTINE_DROPS = new Set(['late-reply', 'stale-signal']);

export function createPeerTransport(opts: PeerTransportOptions): PeerTransport {
  if (opts.signal.id === null) throw new Error('createPeerTransport needs a welcomed signaling client: await signal.ready() first');
  return new WebRtcTransport(opts);
}

class WebRtcTransport implements PeerTransport {
  private readonly links = new Map<Address, PeerLink>();
  private handler: Handler | undefined;
  private readonly downListeners = new Set<(peer: Address) => void>();
  private framesIn = 0;
  private framesOut = 0;
  private linksCreated = 0;
  private readonly dropped: Record<string, number> = {};
  private readonly linkBudget = new LinkBudget();
  private closed = false;
  private readonly signalClient: SignalClient;
  private readonly log: Logger;
  private readonly iceServers: RTCIceServer[];
  private readonly connectTimeoutMs: number;
  private readonly unsubscribe: Array<() => void>;

  constructor(opts: PeerTransportOptions) {
    this.signalClient = opts.signal;
    this.log = opts.log;
    this.iceServers = opts.iceServers ?? [];
    this.connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.unsubscribe = [
      this.signalClient.on('signal', ({ from, data }) => this.onSignal(from, data)),
      this.signalClient.on('peer-left', (peer) => this.onGone(peer, 'left the signaling server')),
      this.signalClient.on('unknown-target', (peer) => this.onGone(peer, 'is not connected to the signaling server')),
    ];
  }

  get address(): Address {
    return this.signalClient.id!;
  }

  async request(to: Address, msg: Envelope, opts: RequestOptions): Promise<Envelope> {
    if (this.closed) throw new TransportError('closed', `transport ${this.address} is closed`);
    if (!(opts.timeoutMs > 0) || !Number.isFinite(opts.timeoutMs)) {
      throw new RangeError(`timeoutMs must be a positive finite number, got ${opts.timeoutMs}`);
    }
    if (opts.signal?.aborted) throw new TransportError('aborted', `request to ${to} aborted`);
    if (to === this.address) return this.loopback(msg, opts);
    const link = this.linkTo(to);
    await link.whenOpen(opts.signal);
    return link.request(msg, opts);
  }

  listen(handler: Handler): void {
    this.handler = handler;
  }

  onPeerDown(cb: (peer: Address) => void): () => void {
    this.downListeners.add(cb);
    return () => this.downListeners.delete(cb);
  }

  connections(): Address[] {
    return [...this.links.values()].filter((link) => link.state === 'open').map((link) => link.peer);
  }

  stats(): TransportStats {
    return {
      links: this.connections().length,
      linksCreated: this.linksCreated,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      dropped: { ...this.dropped },
    };
  }

  maxMessageSize(peer: Address): number | undefined {
    const link = this.links.get(peer);
    return link?.state === 'open' ? link.maxFrameBytes : undefined;
  }

  disconnect(peer: Address): void {
    this.links.get(peer)?.destroy(new TransportError('unreachable', `link to ${peer} closed by ${this.address}`));
  }

  async sendRaw(peer: Address, bytes: Uint8Array, opts: RequestOptions): Promise<void> {
    if (this.closed) throw new TransportError('closed', `transport ${this.address} is closed`);
    if (peer === this.address) throw new RangeError('sendRaw needs another peer: a tab has no channel to itself');
    const link = this.linkTo(peer);
    await withTimeout(systemClock, opts.timeoutMs, `connecting to ${peer}`, link.whenOpen(), opts.signal);
    link.sendRaw(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    for (const link of [...this.links.values()]) link.destroy(new TransportError('closed', `transport ${this.address} closed`));
    this.links.clear();
    this.handler = undefined;
    this.downListeners.clear();
  }

  /** A request to ourselves takes the same wire format, so it behaves as it would between two tabs. */
  private async loopback(msg: Envelope, opts: RequestOptions): Promise<Envelope> {
    const handler = this.handler;
    if (!handler) throw new TransportError('unreachable', `${this.address} has no request handler`);
    const request = this.overTheWire(FrameKind.request, msg);
    const work = Promise.resolve()
      .then(() => handler(this.address, request))
      .catch((err: unknown) => {
        throw new TransportError(errorCode(err) ?? 'remote-error', `${this.address}: ${errorMessage(err)}`);
      });
    const reply = await withTimeout(systemClock, opts.timeoutMs, `request ${msg.body.type} to ${this.address}`, work, opts.signal).catch(
      (err: unknown) => {
        const code = errorCode(err);
        throw code === 'timeout' || code === 'aborted' ? new TransportError(code, errorMessage(err)) : err;
      },
    );
    return this.overTheWire(FrameKind.reply, reply);
  }

  private overTheWire(kind: FrameKind, msg: Envelope): Envelope {
    let decoded: ReturnType<typeof decodeFrame>;
    try {
      decoded = decodeFrame(encodeFrame({ kind, id: 0, body: msg.body, data: msg.data }));
    } catch (err) {
      throw new TransportError('bad-message', errorMessage(err));
    }
    if (!decoded.ok) throw new TransportError('bad-message', `frame would be refused: ${decoded.reason}`);
    const { body, data } = decoded.frame;
    return data ? { body, data } : { body };
  }

  private linkTo(peer: Address): PeerLink {
    const existing = this.links.get(peer);
    if (existing) return existing;
    const initiator = this.address < peer;
    const link = this.createLink(peer, initiator);
    if (!initiator) {
      try {
        this.signalClient.send(peer, { type: 'renegotiate', renegotiate: true });
      } catch (err) {
        link.destroy(new TransportError('unreachable', `cannot ask ${peer} to connect: ${errorMessage(err)}`));
      }
    }
    return link;
  }

  private createLink(peer: Address, initiator: boolean): PeerLink {
    const link = new PeerLink({
      peer,
      initiator,
      iceServers: this.iceServers,
      connectTimeoutMs: this.connectTimeoutMs,
      hooks: {
        signal: (data) => this.signalClient.send(peer, data),
        request: (from, frame) => this.answer(from, frame),
        opened: (opened) => this.log.debug('link-open', { peer: opened.peer, initiator, maxFrameBytes: opened.maxFrameBytes }),
        closed: (closedLink, reason, wasOpen) => this.linkClosed(closedLink, reason, wasOpen),
        frameIn: () => this.framesIn++,
        frameOut: () => this.framesOut++,
        dropped: (reason, detail) => this.drop(reason, detail),
      },
    });
    this.links.set(peer, link);
    this.linksCreated++;
    return link;
  }

  /** Ends a link we no longer want; taken out of the map first, so its close is not news of the peer. */
  private retire(link: PeerLink, reason: TransportError): void {
    if (this.links.get(link.peer) === link) this.links.delete(link.peer);
    link.destroy(reason);
  }

  /** A link the peer asked for. Creating it can fail (Chromium's connection limit): that is dropped here, not thrown into the signaling client. */
  private acceptLink(peer: Address, initiator: boolean): PeerLink | undefined {
    try {
      return this.createLink(peer, initiator);
    } catch (err) {
      this.drop('link-failed', { from: peer, error: errorMessage(err) });
      return undefined;
    }
  }

  private linkClosed(link: PeerLink, reason: TransportError, wasOpen: boolean): void {
    const current = this.links.get(link.peer) === link;
    if (current) this.links.delete(link.peer);
    this.log.debug('link-closed', { peer: link.peer, code: reason.code, reason: reason.message, wasOpen });
    if (current && wasOpen && !this.closed) this.peerDown(link.peer);
  }

  private onSignal(from: Address, data: SignalData): void {
    if (this.closed || from === this.address) return;
    const existing = this.links.get(from);
    switch (data.type) {
      case 'renegotiate': {
        if (this.address > from) return this.drop('unexpected-signal', { from, type: data.type });
        // Our own offer is already on its way.
        if (existing?.initiator && existing.state === 'connecting') return;
        if (!this.linkBudget.take(from)) return this.drop('link-budget', { from, type: data.type });
        if (existing) this.retire(existing, new TransportError('unreachable', `${from} asked for a new connection`));
        this.acceptLink(from, true);
        return;
      }
      case 'offer': {
        if (this.address < from) return this.drop('unexpected-signal', { from, type: data.type });
        if (existing && !existing.initiator && !existing.hasOffer) {
          existing.signal(data);
          return;
        }
        if (!this.linkBudget.take(from)) return this.drop('link-budget', { from, type: data.type });
        if (existing) this.retire(existing, new TransportError('unreachable', `${from} started a new connection`));
        this.acceptLink(from, false)?.signal(data);
        return;
      }
      default:
        if (existing) existing.signal(data);
        else this.drop('stale-signal', { from, type: data.type });
    }
  }

  /** The signaling server says `peer` is gone: a connection still being set up cannot finish. */
  private onGone(peer: Address, why: string): void {
    if (this.closed) return;
    const link = this.links.get(peer);
    if (link?.state === 'connecting') this.retire(link, new TransportError('unreachable', `${peer} ${why}`));
    if (link?.state === 'open') this.probe(link, why);
    this.log.debug('peer-gone', { peer, why });
    this.peerDown(peer);
  }

  /**
   * A peer whose signaling socket closed may still be there (only its socket dropped) or may have crashed, and
   * the channel of a crashed peer stays open for many seconds, holding every request in flight on it (a whole
   * file offer) until its own timeout. Any answer, even an error, keeps the link; silence ends it.
   */
  private probe(link: PeerLink, why: string): void {
    link.request({ body: { type: 'ping' } }, { timeoutMs: PROBE_TIMEOUT_MS }).catch((err: unknown) => {
      if (errorCode(err) !== 'timeout' || this.links.get(link.peer) !== link) return;
      this.log.debug('probe-failed', { peer: link.peer, why });
      link.destroy(new TransportError('unreachable', `${link.peer} ${why} and did not answer within ${PROBE_TIMEOUT_MS} ms`));
    });
  }

  private peerDown(peer: Address): void {
    for (const cb of [...this.downListeners]) {
      try {
        cb(peer);
      } catch (err) {
        this.log.warn('peer-down-listener-failed', { peer, error: errorMessage(err) });
      }
    }
  }

  private answer(link: PeerLink, frame: Frame): void {
    const handler = this.handler;
    if (!handler) {
      link.replyError(frame.id, { code: 'unreachable', message: `${this.address} has no request handler` });
      return;
    }
    const msg: Envelope = frame.data ? { body: frame.body, data: frame.data } : { body: frame.body };
    Promise.resolve()
      .then(() => handler(link.peer, msg))
      .then(
        (reply) => link.reply(frame.id, reply),
        (err: unknown) => link.replyError(frame.id, { code: errorCode(err), message: errorMessage(err) }),
      );
  }

  private drop(reason: string, detail?: Record<string, unknown>): void {
    const count = (this.dropped[reason] ?? 0) + 1;
    this.dropped[reason] = count;
    // A flood of bad input must not become a flood of log lines: warnings thin out as 1, 2, 4, 8, ... of each reason.
    if (ROUTINE_DROPS.has(reason) || (count & (count - 1)) !== 0) this.log.debug('dropped', { reason, count, ...detail });
    else this.log.warn('dropped', { reason, count, ...detail });
  }
}
