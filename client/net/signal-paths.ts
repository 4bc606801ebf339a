/**
 * How signals for our connections travel, and how we pass on other peers' signals. While a tab has an open
 * link, through the overlay (a `relay` request passed from link to link, see overlay-routes.ts); with none,
 * through the signaling server. A link answers on the path its peer used. A connection we start through the
 * overlay that hears nothing back within OVERLAY_ANSWER_TIMEOUT_MS is started again through the server, if
 * the server is up.
 */
import { RELAY_RATE } from '../../shared/constants';
import { errorCode, errorMessage } from '../../shared/ring/errors';
import { TokenBuckets } from '../../shared/ring/limits';
import type { Address, Clock, Logger } from '../../shared/ring/types';
import { MAX_OVERLAY_HOPS, relayBody, type RelayMessage } from '../../shared/wire/overlay';
import type { SignalData } from '../../shared/wire/signal';
import type { Link, SignalPath } from './link';
import { OverlayRoutes } from './overlay-routes';
import type { RelayAuth } from './relay-auth';
import type { SignalStatus } from './signal-client';
import { TransportError } from './transport-error';

/** A connection started through the overlay that hears nothing back in this long is started again through the server. */
export const OVERLAY_ANSWER_TIMEOUT_MS = 1500;
/** Each hop acknowledges a relayed signal; a hop that does not within this is counted as a failed relay. */
export const RELAY_ACK_TIMEOUT_MS = 1000;

/** The signaling server, as far as signals for links go. */
export interface SignalServer {
  readonly status: SignalStatus;
  send(to: Address, data: SignalData): void;
}

/** What the signal paths need of the transport. */
export interface SignalPathsHost {
  readonly address: Address;
  readonly server: SignalServer;
  readonly clock: Clock;
  readonly log: Logger;
  /** Signs our relayed signals and checks other peers' (relay-auth.ts). */
  readonly auth: RelayAuth;
  /** Open links, the hops a relayed signal can take. */
  openLinks(): Link[];
  /** The transport's link to `peer` (the one in use), if any. */
  current(peer: Address): Link | undefined;
  /** Ends `link` and starts the connection to its peer again, with its signals through the server. */
  restart(link: Link, why: string): void;
  drop(reason: string, detail?: Record<string, unknown>): void;
}

export interface SignalPathCounts {
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
}

/**
 * How a relayed signal that reached us was taken: to be answered 'ok' (with `signal` when it is for one of our
 * own connections, to be taken once the hop has its answer), or refused with a code and a reason to count.
 */
export type RelayOutcome = { ok: true; signal?: SignalData } | Refusal;

/** A request refused: the drop `reason` to count (with `detail`), the `code` and `message` to answer with. */
export interface Refusal {
  ok: false;
  reason: string;
  code: string;
  message: string;
  detail?: Record<string, unknown>;
}

export class SignalPaths {
  readonly counts: SignalPathCounts = { viaServer: 0, viaOverlay: 0, relayed: 0, overlayIn: 0, overlayFallbacks: 0 };
  private readonly routes: OverlayRoutes;
  /** Relayed signals each link may hand us (RELAY_RATE), checked before the signature that costs the most. */
  private readonly perLink: TokenBuckets;
  /** Signing and checking are asynchronous; these chains keep signals in the order they were made and arrived. */
  private outgoing: Promise<void> = Promise.resolve();
  private incoming: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: SignalPathsHost) {
    this.routes = new OverlayRoutes(() => host.clock.now());
    this.perLink = new TokenBuckets(host.clock, ...RELAY_RATE);
  }

  /** The path for a connection we start. Routing by key only reaches the target through ring links: a tab outside the ring uses the server while it can. */
  choose(inRing: boolean): SignalPath {
    const overlay = this.host.openLinks().length > 0 && (inRing || this.host.server.status !== 'online');
    return overlay ? 'overlay' : 'server';
  }

  /** A connection we start: one through the overlay gets OVERLAY_ANSWER_TIMEOUT_MS to hear back. */
  started(link: Link): void {
    if (link.path !== 'overlay') return;
    this.host.clock.setTimeout(() => {
      // No answer: start again through the server when it is up (else wait out the connect timeout).
      if (this.host.server.status === 'online') this.overlayFailed(link, `no answer from ${link.peer} through the overlay in ${OVERLAY_ANSWER_TIMEOUT_MS} ms`);
    }, OVERLAY_ANSWER_TIMEOUT_MS);
  }

  /**
   * Sends a signal for `link` on its path; throws when neither the overlay nor the server can carry it. An
   * overlay signal is signed first, so it leaves a moment later, after the signals made before it.
   */
  send(link: Link, data: SignalData): void {
    if (link.path === 'overlay' && this.host.openLinks().length > 0) {
      this.outgoing = this.outgoing
        .then(async () => {
          const msg = await this.host.auth.sign(this.host.address, link.peer, data);
          if (link.state === 'closed') return;
          const refused = (err: unknown) => this.overlayFailed(link, `the overlay refused a signal for ${link.peer}: ${errorMessage(err)}`);
          if (this.relay(msg, undefined, refused)) {
            this.counts.viaOverlay++;
            return;
          }
          // Every other link closed while it was signed: only the server is left.
          this.viaServer(link, data);
        })
        .catch((err: unknown) => link.destroy(new TransportError('unreachable', `cannot signal ${link.peer}: ${errorMessage(err)}`)));
      return;
    }
    this.viaServer(link, data);
  }

  private viaServer(link: Link, data: SignalData): void {
    link.path = 'server';
    this.host.server.send(link.peer, data);
    this.counts.viaServer++;
  }

  /**
   * A relayed signal that arrived on `link`: ours is handed back, another peer's passed on. At hop 0 the link's
   * own peer is the origin (the link was set up with signals whose sender the server or a signature vouched
   * for); past it, `from` is believed only from its signature, and only then is the way back to it learned.
   */
  received(link: Link, msg: RelayMessage): Promise<RelayOutcome> {
    const outcome = this.incoming.then(() => this.take(link, msg));
    this.incoming = outcome;
    return outcome;
  }

  private async take(link: Link, msg: RelayMessage): Promise<RelayOutcome> {
    const address = this.host.address;
    if (!this.perLink.take(link.peer)) return refusal('relay-rate', 'rate-limited', `${link.peer} relays more than ${RELAY_RATE[0]} signals a second`);
    if (msg.hops === 0 && msg.from !== link.peer) return refusal('spoofed-from', 'bad-message', `a first hop must come from its sender, not ${msg.from}`);
    if (msg.from === address) return refusal('relay-loop', 'bad-message', 'a signal of ours came back');
    if (msg.to !== address && msg.hops + 1 >= MAX_OVERLAY_HOPS) return refusal('relay-hops', 'no-route', `no hops left for ${msg.to}`);
    if (msg.hops > 0) {
      const doubt = await this.host.auth.check(msg);
      if (doubt) return refusal(doubt, 'bad-message', `a relay claiming to come from ${msg.from} is not its (${doubt})`, { claimed: msg.from });
    }
    this.routes.learn(msg.from, link.peer);
    if (msg.to === address) {
      this.counts.overlayIn++;
      return { ok: true, signal: msg.signal };
    }
    if (!this.relay({ ...msg, hops: msg.hops + 1 }, link.peer)) return refusal('no-route', 'no-route', `no route to ${msg.to}`, { to: msg.to });
    this.counts.relayed++;
    return { ok: true };
  }

  /** Passes `msg` to its next hop; false when no open link can take it. `refused` hears of a hop that could not pass it on. */
  private relay(msg: RelayMessage, arrivedFrom?: Address, refused?: (err: unknown) => void): boolean {
    const open = this.host.openLinks().map((link) => link.peer);
    const hop = this.routes.next(this.host.address, msg.to, open, arrivedFrom);
    const link = hop === undefined ? undefined : this.host.current(hop);
    if (!link) return false;
    link.request({ body: relayBody(msg) }, { timeoutMs: RELAY_ACK_TIMEOUT_MS }).catch((err: unknown) => {
      this.host.drop('relay-failed', { to: msg.to, via: link.peer, code: errorCode(err), error: errorMessage(err) });
      refused?.(err);
    });
    return true;
  }

  /** The overlay cannot reach the peer of a connection still being set up: the server it is, or nothing. */
  private overlayFailed(link: Link, why: string): void {
    if (link.heard || link.state !== 'connecting' || this.host.current(link.peer) !== link) return;
    const status = this.host.server.status;
    if (status !== 'online') {
      link.destroy(new TransportError('unreachable', `${why}, and the signaling server is ${status}`));
      return;
    }
    this.counts.overlayFallbacks++;
    this.host.log.debug('overlay-fallback', { peer: link.peer, why });
    this.host.restart(link, why);
  }
}

export function refusal(reason: string, code: string, message: string, detail?: Record<string, unknown>): Refusal {
  return { ok: false, reason, code, message, ...(detail ? { detail } : {}) };
}
