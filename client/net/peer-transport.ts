/**
 * The ring's Transport in a browser: one WebRTC data channel per remote peer, set up on first use. A peer's
 * address is its signaling id. Every request to a peer, transfers included, shares that one channel.
 *
 * Who connects: for each pair the lower id is always the WebRTC initiator. The higher id asks for a
 * connection by sending simple-peer's `renegotiate` signal, so two tabs starting at once never build
 * two connections (simple-peer has no perfect negotiation).
 *
 * How signals travel: while a tab has an open link, through the overlay (a `relay` request passed from link
 * to link, see overlay-routes.ts); with none, through the signaling server. A link answers on the path its
 * peer used. A connection we start through the overlay that hears nothing back within
 * OVERLAY_ANSWER_TIMEOUT_MS is started again through the server, if the server is up.
 *
 * Connection budget: with a LinkPolicy set, links over the budget are closed least useful first
 * (connection-budget.ts). Such a close is agreed with a `bye` request first, so neither end reports it as
 * the other peer failing.
 */
import { errorCode, errorMessage } from '../../shared/ring/errors';
import { systemClock } from '../../shared/ring/system-clock';
import { withTimeout } from '../../shared/ring/timers';
import type { Address, Envelope, Logger, RequestOptions, Transport } from '../../shared/ring/types';
import { decodeFrame, encodeFrame, FrameKind, type Frame } from '../../shared/wire/frame';
import { BYE_TYPE, MAX_OVERLAY_HOPS, isLinkControl, parseLinkControl, relayBody, type RelayMessage } from '../../shared/wire/overlay';
import type { SignalData } from '../../shared/wire/signal';
import { LINK_IDLE_MS, linksToClose, type LinkPolicy } from './connection-budget';
import { LinkBudget } from './link-budget';
import { OverlayRoutes } from './overlay-routes';
import { PeerLink, type SignalPath } from './peer-link';
import type { SignalClient } from './signal-client';
import { TransportError } from './transport-error';

/** Connection setup (signaling, ICE, DTLS, SCTP) gets this long, separately from each request's own timeout. */
export const CONNECT_TIMEOUT_MS = 5000;
/** How long a peer the signaling server saw leave has to answer on its open channel before the channel is ended. */
export const PROBE_TIMEOUT_MS = 2000;
/** A connection started through the overlay that hears nothing back in this long is started again through the server. */
export const OVERLAY_ANSWER_TIMEOUT_MS = 1500;
/** Each hop acknowledges a relayed signal; a hop that does not within this is counted as a failed relay. */
export const RELAY_ACK_TIMEOUT_MS = 1000;
/** How often the open links are checked against the budget (also whenever a link opens). */
export const TRIM_MS = 1000;
/** A `bye` not answered in this long is taken as a refusal: the link stays. */
export const BYE_TIMEOUT_MS = 1000;
/** A link let go for the budget is closed at the latest this long after, whatever is still in flight. */
export const RETIRE_GRACE_MS = 10_000;
/** A peer that refused to let a link close is not asked again for this long. */
export const BYE_RETRY_MS = 10_000;
/** Attempts at opening a link for one request: a first one replaced by a fresh offer or a fallback to the server. */
const OPEN_ATTEMPTS = 3;

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
  /** Signals for our own connections sent through the signaling server. */
  viaServer: number;
  /** Signals for our own connections sent into the overlay. */
  viaOverlay: number;
  /** Signals for other peers' connections passed on to the next hop. */
  relayed: number;
  /** Signals for our own connections that reached us through the overlay. */
  overlayIn: number;
  /** Connections started through the overlay that got no answer in time and were started again through the server. */
  overlayFallbacks: number;
  /** Most open links wanted now; null without a link policy. */
  budget: number | null;
  /** Links closed (by agreement) to stay within the budget, by us or by the far end. */
  budgetClosed: number;
}

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

export interface PeerTransportOptions {
  /** A signaling client that has been welcomed (`await signal.ready()`). */
  signal: SignalClient;
  log: Logger;
  /** No STUN or TURN by default: host candidates only, enough on one machine or LAN. */
  iceServers?: RTCIceServer[];
  connectTimeoutMs?: number;
}

type Handler = (from: Address, msg: Envelope) => Promise<Envelope>;

/**
 * Reasons for a drop that happen in normal operation: a reply after its timeout, a candidate after a close, and a
 * relayed signal for a peer that has just left the ring (it wanders until it comes back or runs out of hops).
 */
const ROUTINE_DROPS = new Set(['late-reply', 'stale-signal', 'relay-failed', 'relay-loop', 'relay-hops', 'no-route']);

export function createPeerTransport(opts: PeerTransportOptions): PeerTransport {
  if (opts.signal.id === null) throw new Error('createPeerTransport needs a welcomed signaling client: await signal.ready() first');
  return new WebRtcTransport(opts);
}

class WebRtcTransport implements PeerTransport {
  private readonly links = new Map<Address, PeerLink>();
  /** Links let go for the budget, closing once idle: no longer in `links`, so their close is no news of the peer. */
  private readonly draining = new Set<PeerLink>();
  /** Links with a `bye` on its way: not counted against the budget, not asked again. */
  private readonly closing = new Set<PeerLink>();
  private readonly byeRefusedAt = new WeakMap<PeerLink, number>();
  private handler: Handler | undefined;
  private readonly downListeners = new Set<(peer: Address) => void>();
  private readonly counts = { framesIn: 0, framesOut: 0, linksCreated: 0, viaServer: 0, viaOverlay: 0, relayed: 0, overlayIn: 0, overlayFallbacks: 0, budgetClosed: 0 };
  private readonly dropped: Record<string, number> = {};
  private readonly linkBudget = new LinkBudget();
  private readonly routes = new OverlayRoutes();
  private policy: LinkPolicy | undefined;
  private closed = false;
  private readonly signalClient: SignalClient;
  private readonly log: Logger;
  private readonly iceServers: RTCIceServer[];
  private readonly connectTimeoutMs: number;
  private readonly unsubscribe: Array<() => void>;
  private readonly trimTimer: ReturnType<typeof setInterval>;

  constructor(opts: PeerTransportOptions) {
    this.signalClient = opts.signal;
    this.log = opts.log;
    this.iceServers = opts.iceServers ?? [];
    this.connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.unsubscribe = [
      this.signalClient.on('signal', ({ from, data }) => this.onSignal(from, data, 'server')),
      this.signalClient.on('peer-left', (peer) => this.onGone(peer, 'left the signaling server')),
      this.signalClient.on('unknown-target', (peer) => this.onGone(peer, 'is not connected to the signaling server')),
    ];
    this.trimTimer = setInterval(() => this.trim(), TRIM_MS);
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
    const link = await this.openLink(to, opts.signal);
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
    return this.openLinks()
      .filter((link) => !this.closing.has(link))
      .map((link) => link.peer);
  }

  setLinkPolicy(policy: LinkPolicy): void {
    this.policy = policy;
  }

  stats(): TransportStats {
    const { viaServer, viaOverlay, relayed, overlayIn, overlayFallbacks, budgetClosed } = this.counts;
    return {
      links: this.connections().length,
      linksCreated: this.counts.linksCreated,
      framesIn: this.counts.framesIn,
      framesOut: this.counts.framesOut,
      dropped: { ...this.dropped },
      viaServer,
      viaOverlay,
      relayed,
      overlayIn,
      overlayFallbacks,
      budget: this.policy?.budget() ?? null,
      budgetClosed,
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
    const link = await withTimeout(systemClock, opts.timeoutMs, `connecting to ${peer}`, this.openLink(peer), opts.signal);
    link.sendRaw(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.trimTimer);
    for (const off of this.unsubscribe) off();
    const reason = new TransportError('closed', `transport ${this.address} closed`);
    for (const link of [...this.links.values(), ...this.draining]) link.destroy(reason);
    this.links.clear();
    this.draining.clear();
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

  private openLinks(): PeerLink[] {
    return [...this.links.values()].filter((link) => link.state === 'open');
  }

  /** The open link to `peer`, connecting first; follows the link that replaces one given up on meanwhile. */
  private async openLink(peer: Address, signal?: AbortSignal): Promise<PeerLink> {
    let link = this.linkTo(peer);
    for (let attempt = 1; ; attempt++) {
      try {
        await link.whenOpen(signal);
        return link;
      } catch (err) {
        const next = this.links.get(peer);
        if (attempt >= OPEN_ATTEMPTS || errorCode(err) === 'aborted' || !next || next === link || next.state === 'closed') throw err;
        link = next;
      }
    }
  }

  private linkTo(peer: Address): PeerLink {
    const existing = this.links.get(peer);
    if (existing) return existing;
    // Room for the new link first: a tab at its budget lets an idle link go rather than grow.
    this.trim(1);
    // Routing by key only reaches the target through ring links: a tab outside the ring uses the server while it can.
    const overlay = this.openLinks().length > 0 && (this.policy?.inRing() === true || this.signalClient.status !== 'online');
    return this.startLink(peer, overlay ? 'overlay' : 'server');
  }

  /** A connection we want: the initiator's offer, or the other side's request for one, goes out on `path`. */
  private startLink(peer: Address, path: SignalPath): PeerLink {
    const initiator = this.address < peer;
    const link = this.createLink(peer, initiator, path);
    if (path === 'overlay') setTimeout(() => this.overlayAnswered(link), OVERLAY_ANSWER_TIMEOUT_MS);
    if (!initiator) {
      try {
        this.sendSignal(link, { type: 'renegotiate', renegotiate: true });
      } catch (err) {
        link.destroy(new TransportError('unreachable', `cannot ask ${peer} to connect: ${errorMessage(err)}`));
      }
    }
    return link;
  }

  /** No signal back through the overlay in time: start again through the server when it is up (else wait out the connect timeout). */
  private overlayAnswered(link: PeerLink): void {
    if (this.signalClient.status === 'online') this.overlayFailed(link, `no answer from ${link.peer} through the overlay in ${OVERLAY_ANSWER_TIMEOUT_MS} ms`);
  }

  /** The overlay cannot reach the peer of a connection still being set up: the server it is, or nothing. */
  private overlayFailed(link: PeerLink, why: string): void {
    if (this.closed || link.heard || link.state !== 'connecting' || this.links.get(link.peer) !== link) return;
    if (this.signalClient.status !== 'online') {
      link.destroy(new TransportError('unreachable', `${why}, and the signaling server is ${this.signalClient.status}`));
      return;
    }
    this.counts.overlayFallbacks++;
    this.log.debug('overlay-fallback', { peer: link.peer, why });
    this.retire(link, new TransportError('unreachable', why));
    this.startLink(link.peer, 'server');
  }

  private createLink(peer: Address, initiator: boolean, path: SignalPath): PeerLink {
    const link = new PeerLink({
      peer,
      initiator,
      path,
      iceServers: this.iceServers,
      connectTimeoutMs: this.connectTimeoutMs,
      hooks: {
        signal: (from, data) => this.sendSignal(from, data),
        request: (from, frame) => this.answer(from, frame),
        opened: (opened) => {
          this.log.debug('link-open', { peer: opened.peer, initiator, path: opened.path, maxFrameBytes: opened.maxFrameBytes });
          this.trim();
        },
        closed: (closedLink, reason, wasOpen) => this.linkClosed(closedLink, reason, wasOpen),
        frameIn: () => this.counts.framesIn++,
        frameOut: () => this.counts.framesOut++,
        dropped: (reason, detail) => this.drop(reason, detail),
      },
    });
    this.links.set(peer, link);
    this.counts.linksCreated++;
    return link;
  }

  /** Sends a signal for `link` on its path; throws when neither the overlay nor the server can carry it. */
  private sendSignal(link: PeerLink, data: SignalData): void {
    if (link.path === 'overlay') {
      const refused = (err: unknown) => this.overlayFailed(link, `the overlay refused a signal for ${link.peer}: ${errorMessage(err)}`);
      if (this.relay({ type: 'relay', from: this.address, to: link.peer, hops: 0, signal: data }, undefined, refused)) {
        this.counts.viaOverlay++;
        return;
      }
      // Every other link has closed meanwhile: only the server is left.
      link.path = 'server';
    }
    this.signalClient.send(link.peer, data);
    this.counts.viaServer++;
  }

  /** Passes `msg` to its next hop; false when no open link can take it. `refused` hears of a hop that could not pass it on. */
  private relay(msg: RelayMessage, arrivedFrom?: Address, refused?: (err: unknown) => void): boolean {
    const open = this.openLinks().map((link) => link.peer);
    const hop = this.routes.next(this.address, msg.to, open, arrivedFrom);
    const link = hop === undefined ? undefined : this.links.get(hop);
    if (!link) return false;
    link.request({ body: relayBody(msg) }, { timeoutMs: RELAY_ACK_TIMEOUT_MS }).catch((err: unknown) => {
      this.drop('relay-failed', { to: msg.to, via: link.peer, code: errorCode(err), error: errorMessage(err) });
      refused?.(err);
    });
    return true;
  }

  /** Ends a link we no longer want; taken out of the map first, so its close is not news of the peer. */
  private retire(link: PeerLink, reason: TransportError): void {
    if (this.links.get(link.peer) === link) this.links.delete(link.peer);
    link.destroy(reason);
  }

  /** A link the peer asked for. Creating it can fail (Chromium's connection limit): that is dropped here, not thrown into the signaling client. */
  private acceptLink(peer: Address, initiator: boolean, path: SignalPath): PeerLink | undefined {
    try {
      return this.createLink(peer, initiator, path);
    } catch (err) {
      this.drop('link-failed', { from: peer, error: errorMessage(err) });
      return undefined;
    }
  }

  private linkClosed(link: PeerLink, reason: TransportError, wasOpen: boolean): void {
    const current = this.links.get(link.peer) === link;
    if (current) this.links.delete(link.peer);
    // With our bye on its way, the peer agreeing and closing can beat its answer here: no news of the peer either.
    const agreed = this.closing.delete(link);
    this.draining.delete(link);
    this.log.debug('link-closed', { peer: link.peer, code: reason.code, reason: reason.message, wasOpen });
    if (current && wasOpen && !agreed && !this.closed) this.peerDown(link.peer);
  }

  /** A signal from `from`, through the server or the overlay: a link answers on the path its peer used. */
  private onSignal(from: Address, data: SignalData, path: SignalPath): void {
    if (this.closed || from === this.address) return;
    const existing = this.links.get(from);
    switch (data.type) {
      case 'renegotiate': {
        if (this.address > from) return this.drop('unexpected-signal', { from, type: data.type });
        // Our own offer is already on its way, on the path the peer is using.
        if (existing?.initiator && existing.state === 'connecting' && existing.path === path) return;
        if (!this.linkBudget.take(from)) return this.drop('link-budget', { from, type: data.type });
        if (existing) this.retire(existing, new TransportError('unreachable', `${from} asked for a new connection`));
        this.acceptLink(from, true, path);
        return;
      }
      case 'offer': {
        if (this.address < from) return this.drop('unexpected-signal', { from, type: data.type });
        if (existing && !existing.initiator && !existing.hasOffer) {
          existing.path = path;
          existing.signal(data);
          return;
        }
        if (!this.linkBudget.take(from)) return this.drop('link-budget', { from, type: data.type });
        if (existing) this.retire(existing, new TransportError('unreachable', `${from} started a new connection`));
        this.acceptLink(from, false, path)?.signal(data);
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

  /** Closes the least useful links until at most the budget (less `room` for a link about to open) stay open. */
  private trim(room = 0): void {
    const policy = this.policy;
    if (!policy || this.closed) return;
    const now = Date.now();
    const open = this.openLinks().filter((link) => !this.closing.has(link));
    const budget = policy.budget() - room;
    if (open.length <= budget) return;
    const askable = open.filter((link) => now - (this.byeRefusedAt.get(link) ?? -Infinity) >= BYE_RETRY_MS);
    const victims = linksToClose(
      askable.map((link) => ({ peer: link.peer, lastUsed: link.lastUsed, busy: link.busy })),
      { budget: budget - (open.length - askable.length), neighbours: policy.neighbours(), fingers: policy.fingers(), now, idleMs: LINK_IDLE_MS },
    );
    for (const peer of victims) this.closeForBudget(this.links.get(peer)!);
  }

  /** Asks the peer to let the link go; only once it agrees is the link out of our count and closed when idle. */
  private closeForBudget(link: PeerLink): void {
    this.closing.add(link);
    link.request({ body: { type: BYE_TYPE } }, { timeoutMs: BYE_TIMEOUT_MS }).then(
      () => {
        this.closing.delete(link);
        this.counts.budgetClosed++;
        this.log.debug('link-budget-close', { peer: link.peer });
        this.letGo(link, `${this.address} closed an idle link to ${link.peer} to stay within its connection budget`, true);
      },
      (err: unknown) => {
        this.closing.delete(link);
        this.byeRefusedAt.set(link, Date.now());
        this.log.debug('link-budget-kept', { peer: link.peer, code: errorCode(err), reason: errorMessage(err) });
      },
    );
  }

  /**
   * Takes an agreed-on link out of use. The end that asked closes it once nothing is in flight; the other end
   * leaves that to it (closing as soon as its own side is idle could cut off the far end's last answers).
   */
  private letGo(link: PeerLink, why: string, asked: boolean): void {
    if (link.state === 'closed') return;
    if (this.links.get(link.peer) === link) this.links.delete(link.peer);
    this.draining.add(link);
    const reason = new TransportError('closed', why);
    if (asked) link.closeWhenIdle(reason, RETIRE_GRACE_MS);
    else link.closeAfter(reason, RETIRE_GRACE_MS);
  }

  private answer(link: PeerLink, frame: Frame): void {
    if (isLinkControl(frame.body)) return this.control(link, frame);
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

  /** A relayed signal or a bye: answered here, never seen by the ring node. */
  private control(link: PeerLink, frame: Frame): void {
    const refuse = (reason: string, code: string, message: string, detail?: Record<string, unknown>) => {
      this.drop(reason, { from: link.peer, ...detail });
      link.replyError(frame.id, { code, message });
    };
    const parsed = parseLinkControl(frame.body);
    if (!parsed.ok) return refuse('bad-control', 'bad-message', parsed.reason, { reason: parsed.reason });
    const msg = parsed.value;
    if (msg.type === BYE_TYPE) return this.onBye(link, frame.id);
    if (msg.hops === 0 && msg.from !== link.peer) return refuse('spoofed-from', 'bad-message', `a first hop must come from its sender, not ${msg.from}`);
    if (msg.from === this.address) return refuse('relay-loop', 'bad-message', 'a signal of ours came back');
    this.routes.learn(msg.from, link.peer);
    if (msg.to === this.address) {
      this.counts.overlayIn++;
      link.reply(frame.id, { body: { type: 'ok' } });
      this.onSignal(msg.from, msg.signal, 'overlay');
      return;
    }
    if (msg.hops + 1 >= MAX_OVERLAY_HOPS) return refuse('relay-hops', 'no-route', `no hops left for ${msg.to}`);
    if (!this.relay({ ...msg, hops: msg.hops + 1 }, link.peer)) return refuse('no-route', 'no-route', `no route to ${msg.to}`, { to: msg.to });
    this.counts.relayed++;
    link.reply(frame.id, { body: { type: 'ok' } });
  }

  /** The peer closes this link for its budget. It stays ours if it is the only link we have (our only way into the overlay). */
  private onBye(link: PeerLink, id: number): void {
    const current = this.links.get(link.peer) === link;
    if (current && this.openLinks().length <= 1) {
      link.replyError(id, { code: 'last-link', message: `${link.peer} is the only peer ${this.address} is linked to` });
      return;
    }
    link.reply(id, { body: { type: 'ok' } });
    if (!current) return;
    this.counts.budgetClosed++;
    this.letGo(link, `${link.peer} closed an idle link to stay within its connection budget`, false);
  }

  private drop(reason: string, detail?: Record<string, unknown>): void {
    const count = (this.dropped[reason] ?? 0) + 1;
    this.dropped[reason] = count;
    // A flood of bad input must not become a flood of log lines: warnings thin out as 1, 2, 4, 8, ... of each reason.
    if (ROUTINE_DROPS.has(reason) || (count & (count - 1)) !== 0) this.log.debug('dropped', { reason, count, ...detail });
    else this.log.warn('dropped', { reason, count, ...detail });
  }
}
