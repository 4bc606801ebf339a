/**
 * The ring's Transport in a browser: one WebRTC data channel per remote peer, set up on first use. A peer's
 * address is its signaling id. Every request to a peer, transfers included, shares that one channel.
 *
 * Who connects: for each pair the lower id is always the WebRTC initiator. The higher id asks for a
 * connection by sending simple-peer's `renegotiate` signal, so two tabs starting at once never build
 * two connections (simple-peer has no perfect negotiation).
 *
 * How signals travel is signal-paths.ts; requests arriving on a link are link-requests.ts; which links close to stay within the connection budget, and how,
 * is link-trimmer.ts. Every timer runs on the injected clock, and links come from an injected factory
 * (PeerLink over WebRTC by default), so all of it runs in unit tests on fake links and virtual time.
 */
import { errorCode, errorMessage } from '../../shared/ring/errors';
import { systemClock } from '../../shared/ring/system-clock';
import { withTimeout } from '../../shared/ring/timers';
import type { Address, Clock, Envelope, Logger, RequestOptions } from '../../shared/ring/types';
import type { SignalData } from '../../shared/wire/signal';
import type { LinkPolicy } from './connection-budget';
import type { Link, LinkFactory, SignalPath } from './link';
import { LinkBudget } from './link-budget';
import { LinkTrimmer } from './link-trimmer';
import { loopback, type Handler } from './loopback';
import { LinkRequests } from './link-requests';
import { PeerLink } from './peer-link';
import { RelayAuth } from './relay-auth';
import { SignalPaths } from './signal-paths';
import type { PeerTransport, PeerTransportOptions, SignalChannel } from './transport-contract';
import { TransportError } from './transport-error';
import { Drops, type TransportStats } from './transport-stats';

/** Connection setup (signaling, ICE, DTLS, SCTP) gets this long, separately from each request's own timeout. */
export const CONNECT_TIMEOUT_MS = 5000;
/** How long a peer the signaling server saw leave has to answer on its open channel before the channel is ended. */
export const PROBE_TIMEOUT_MS = 2000;
/** Attempts at opening a link for one request: a first one replaced by a fresh offer or a fallback to the server. */
const OPEN_ATTEMPTS = 3;

export function createPeerTransport(opts: PeerTransportOptions): PeerTransport {
  if (opts.signal.id === null) throw new Error('createPeerTransport needs a welcomed signaling client: await signal.ready() first');
  return new WebRtcTransport(opts);
}

class WebRtcTransport implements PeerTransport {
  readonly clock: Clock;
  readonly log: Logger;
  private readonly links = new Map<Address, Link>();
  private handler: Handler | undefined;
  private readonly downListeners = new Set<(peer: Address) => void>();
  private readonly counts = { framesIn: 0, framesOut: 0, linksCreated: 0 };
  private readonly drops: Drops;
  private readonly linkBudget: LinkBudget;
  private readonly paths: SignalPaths;
  private readonly trimmer: LinkTrimmer;
  private readonly requests: LinkRequests;
  private closed = false;
  private readonly signalClient: SignalChannel;
  private readonly iceServers: RTCIceServer[];
  private readonly connectTimeoutMs: number;
  private readonly newLink: LinkFactory;
  private readonly unsubscribe: Array<() => void>;

  constructor(opts: PeerTransportOptions) {
    this.signalClient = opts.signal;
    this.log = opts.log;
    this.drops = new Drops(opts.log);
    this.clock = opts.clock ?? systemClock;
    this.iceServers = opts.iceServers ?? [];
    this.connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.newLink = opts.createLink ?? ((linkOpts) => new PeerLink(linkOpts));
    this.linkBudget = new LinkBudget(() => this.clock.now());
    this.paths = new SignalPaths({
      address: this.address,
      server: this.signalClient,
      clock: this.clock,
      log: this.log,
      auth: new RelayAuth(this.signalClient.peerKey, () => this.clock.now()),
      openLinks: () => this.openLinks(),
      current: (peer) => this.links.get(peer),
      restart: (link, why) => {
        this.retire(link, new TransportError('unreachable', why));
        this.startLink(link.peer, 'server');
      },
      drop: (reason, detail) => this.drops.count(reason, detail),
    });
    this.trimmer = new LinkTrimmer({
      address: this.address,
      clock: this.clock,
      log: this.log,
      openLinks: () => this.openLinks(),
      isCurrent: (link) => this.links.get(link.peer) === link,
      release: (link) => this.release(link),
    });
    this.requests = new LinkRequests({
      address: this.address,
      handler: () => this.handler,
      paths: this.paths,
      trimmer: this.trimmer,
      drops: this.drops,
      signal: (from, data) => this.onSignal(from, data, 'overlay'),
    });
    this.unsubscribe = [
      this.signalClient.on('signal', ({ from, data }) => this.onSignal(from, data, 'server')),
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
    if (to === this.address) return loopback(this.address, this.handler, this.clock, msg, opts);
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
      .filter((link) => this.trimmer.counts(link))
      .map((link) => link.peer);
  }

  setLinkPolicy(policy: LinkPolicy): void {
    this.trimmer.setPolicy(policy);
  }

  stats(): TransportStats {
    return {
      links: this.connections().length,
      ...this.counts,
      dropped: this.drops.snapshot(),
      ...this.paths.counts,
      budget: this.trimmer.budget(),
      budgetClosed: this.trimmer.closed,
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
    const link = await withTimeout(this.clock, opts.timeoutMs, `connecting to ${peer}`, this.openLink(peer), opts.signal);
    link.sendRaw(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const draining = this.trimmer.close();
    for (const off of this.unsubscribe) off();
    const reason = new TransportError('closed', `transport ${this.address} closed`);
    for (const link of [...this.links.values(), ...draining]) link.destroy(reason);
    this.links.clear();
    this.handler = undefined;
    this.downListeners.clear();
  }

  private openLinks(): Link[] {
    return [...this.links.values()].filter((link) => link.state === 'open');
  }

  /** The open link to `peer`, connecting first; follows the link that replaces one given up on meanwhile. */
  private async openLink(peer: Address, signal?: AbortSignal): Promise<Link> {
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

  private linkTo(peer: Address): Link {
    const existing = this.links.get(peer);
    if (existing) return existing;
    // Room for the new link first: a tab at its budget lets an idle link go rather than grow.
    this.trimmer.trim(1);
    return this.startLink(peer, this.paths.choose(this.trimmer.inRing()));
  }

  /** A connection we want: the initiator's offer, or the other side's request for one, goes out on `path`. */
  private startLink(peer: Address, path: SignalPath): Link {
    const initiator = this.address < peer;
    const link = this.createLink(peer, initiator, path);
    this.paths.started(link);
    if (!initiator) {
      try {
        this.paths.send(link, { type: 'renegotiate', renegotiate: true });
      } catch (err) {
        link.destroy(new TransportError('unreachable', `cannot ask ${peer} to connect: ${errorMessage(err)}`));
      }
    }
    return link;
  }

  private createLink(peer: Address, initiator: boolean, path: SignalPath): Link {
    const link = this.newLink({
      peer,
      initiator,
      path,
      iceServers: this.iceServers,
      connectTimeoutMs: this.connectTimeoutMs,
      clock: this.clock,
      hooks: {
        signal: (from, data) => this.paths.send(from, data),
        request: (from, frame) => this.requests.answer(from, frame),
        opened: (opened) => {
          this.log.debug('link-open', { peer: opened.peer, initiator, path: opened.path, maxFrameBytes: opened.maxFrameBytes });
          if (!this.closed) this.trimmer.trim();
        },
        closed: (closedLink, reason, wasOpen) => this.linkClosed(closedLink, reason, wasOpen),
        frameIn: () => this.counts.framesIn++,
        frameOut: () => this.counts.framesOut++,
        dropped: (reason, detail) => this.drops.count(reason, detail),
      },
    });
    this.links.set(peer, link);
    this.counts.linksCreated++;
    return link;
  }

  /** Takes `link` out of the map, so its close is not news of the peer. */
  private release(link: Link): void {
    if (this.links.get(link.peer) === link) this.links.delete(link.peer);
  }

  /** Ends a link we no longer want. */
  private retire(link: Link, reason: TransportError): void {
    this.release(link);
    link.destroy(reason);
  }

  /** A link the peer asked for. Creating it can fail (Chromium's connection limit): that is dropped here, not thrown into the signaling client. */
  private acceptLink(peer: Address, initiator: boolean, path: SignalPath): Link | undefined {
    try {
      return this.createLink(peer, initiator, path);
    } catch (err) {
      this.drops.count('link-failed', { from: peer, error: errorMessage(err) });
      return undefined;
    }
  }

  private linkClosed(link: Link, reason: TransportError, wasOpen: boolean): void {
    const current = this.links.get(link.peer) === link;
    if (current) this.links.delete(link.peer);
    // With our bye on its way, the peer agreeing and closing can beat its answer here: no news of the peer either.
    const agreed = this.trimmer.linkClosed(link);
    this.log.debug('link-closed', { peer: link.peer, code: reason.code, reason: reason.message, wasOpen });
    if (current && wasOpen && !agreed && !this.closed) this.peerDown(link.peer);
  }

  /** A signal from `from`, through the server or the overlay: a link answers on the path its peer used. */
  private onSignal(from: Address, data: SignalData, path: SignalPath): void {
    if (this.closed || from === this.address) return;
    const existing = this.links.get(from);
    switch (data.type) {
      case 'renegotiate': {
        if (this.address > from) return this.drops.count('unexpected-signal', { from, type: data.type });
        // Our own offer is already on its way, on the path the peer is using.
        if (existing?.initiator && existing.state === 'connecting' && existing.path === path) return;
        if (!this.linkBudget.take(from)) return this.drops.count('link-budget', { from, type: data.type });
        if (existing) this.retire(existing, new TransportError('unreachable', `${from} asked for a new connection`));
        this.acceptLink(from, true, path);
        return;
      }
      case 'offer': {
        if (this.address < from) return this.drops.count('unexpected-signal', { from, type: data.type });
        if (existing && !existing.initiator && !existing.hasOffer) {
          existing.path = path;
          existing.signal(data);
          return;
        }
        if (!this.linkBudget.take(from)) return this.drops.count('link-budget', { from, type: data.type });
        if (existing) this.retire(existing, new TransportError('unreachable', `${from} started a new connection`));
        this.acceptLink(from, false, path)?.signal(data);
        return;
      }
      default:
        if (existing) existing.signal(data);
        else this.drops.count('stale-signal', { from, type: data.type });
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
  private probe(link: Link, why: string): void {
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
}
