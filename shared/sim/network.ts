/**
 * An in-process network of `Transport`s on virtual time: latency, random loss, crashes and partitions.
 *
 * Failure semantics, chosen to match the browser transport:
 * - a crashed peer or a partition swallows messages silently: callers find out by their own timeouts;
 * - a peer that closed its transport (a graceful leave) is like a closed data channel: the caller's
 *   pending requests to it fail with 'unreachable' one latency later, and new requests fail after a
 *   round trip (the signaling server answering "unknown target");
 * - a request the caller gave up on is still delivered and handled; only its reply is discarded.
 * `onPeerDown` is deliberately absent so the ring must detect crashes itself.
 */
import { TransportError, errorMessage, isErrorCode } from '../ring/errors';
import type { Address, Envelope, RequestOptions, Transport } from '../ring/types';
import type { SimClock } from './clock';
import type { Rng } from './rng';
import { copyEnvelope } from './wire-check';

export interface SimNetworkOptions {
  clock: SimClock;
  rng: Rng;
  /** One-way delay, a uniform whole number of ms in [min, max]. */
  latencyMs?: readonly [number, number];
  /** Probability that any one message (request or reply) is lost. */
  loss?: number;
}

export interface NetworkStats {
  requests: number;
  replies: number;
  /** Lost at random. */
  lost: number;
  /** Swallowed by a crash or a partition. */
  dropped: number;
  /** Replies that arrived after the caller had given up. */
  late: number;
  timeouts: number;
  aborted: number;
  unreachable: number;
  /** Requests or replies refused because they could not cross a real wire. */
  invalid: number;
  /** Requests sent, by body type: where a ring's traffic goes (upkeep against file work). */
  requestsByType: Record<string, number>;
}

type Handler = (from: Address, msg: Envelope) => Promise<Envelope>;

interface Pending {
  from: SimTransport;
  to: Address;
  settled: boolean;
  resolve(reply: Envelope): void;
  reject(err: TransportError): void;
  timer: unknown;
  signal?: AbortSignal;
}

export class SimNetwork {
  readonly stats: NetworkStats = {
    requests: 0,
    replies: 0,
    lost: 0,
    dropped: 0,
    late: 0,
    timeouts: 0,
    aborted: 0,
    unreachable: 0,
    invalid: 0,
    requestsByType: {},
  };
  readonly clock: SimClock;
  private readonly rng: Rng;
  private readonly latency: readonly [number, number];
  private loss: number;
  private readonly peers = new Map<Address, SimTransport>();
  private partitions: Array<[ReadonlySet<Address>, ReadonlySet<Address>]> = [];
  /** Pending requests by target, so a closing peer can fail them. */
  private readonly pendingTo = new Map<Address, Set<Pending>>();
  /** Pending requests by AbortSignal: one listener per signal, however many requests share it (a node's session signal). */
  private readonly pendingOn = new WeakMap<AbortSignal, Set<Pending>>();

  constructor(opts: SimNetworkOptions) {
    this.clock = opts.clock;
    this.rng = opts.rng;
    const [min, max] = opts.latencyMs ?? [1, 10];
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
      throw new RangeError(`latencyMs must be whole numbers 0 <= min <= max, got [${min}, ${max}]`);
    }
    this.latency = [min, max];
    this.loss = 0;
    this.setLoss(opts.loss ?? 0);
  }

  /** A transport for `address`. A crashed address may be reused: that is the peer restarting. */
  transport(address: Address): SimTransport {
    const existing = this.peers.get(address);
    if (existing && !existing.closed && !existing.crashed) throw new Error(`address ${address} is already in use`);
    const transport = new SimTransport(this, address);
    this.peers.set(address, transport);
    return transport;
  }

  /** Addresses with a transport that is neither closed nor crashed. */
  liveAddresses(): Address[] {
    return [...this.peers.values()].filter((t) => !t.closed && !t.crashed).map((t) => t.address);
  }

  /** The peer stops answering: everything to and from it vanishes. */
  crash(address: Address): void {
    const transport = this.peers.get(address);
    if (!transport) throw new Error(`no peer ${address}`);
    transport.crashed = true;
  }

  isCrashed(address: Address): boolean {
    return this.peers.get(address)?.crashed ?? false;
  }

  /** Messages between the two groups vanish, both ways, until `heal()`. */
  partition(groupA: Iterable<Address>, groupB: Iterable<Address>): void {
    this.partitions.push([new Set(groupA), new Set(groupB)]);
  }

  heal(): void {
    this.partitions = [];
  }

  setLoss(p: number): void {
    if (!(p >= 0 && p < 1)) throw new RangeError(`loss must be in [0, 1), got ${p}`);
    this.loss = p;
  }

  /** @internal The transports' entry point. */
  send(from: SimTransport, to: Address, msg: Envelope, opts: RequestOptions): Promise<Envelope> {
    if (from.closed) return Promise.reject(new TransportError('closed', `transport ${from.address} is closed`));
    if (!(opts.timeoutMs > 0) || !Number.isFinite(opts.timeoutMs)) {
      return Promise.reject(new RangeError(`timeoutMs must be a positive finite number, got ${opts.timeoutMs}`));
    }
    if (opts.signal?.aborted) return Promise.reject(new TransportError('aborted', `request to ${to} aborted`));
    let copy: Envelope;
    try {
      copy = copyEnvelope(msg);
    } catch (err) {
      this.stats.invalid++;
      return Promise.reject(err);
    }
    return new Promise<Envelope>((resolve, reject) => {
      const pending: Pending = { from, to, settled: false, resolve, reject, timer: undefined };
      pending.timer = this.clock.setTimeout(() => {
        this.stats.timeouts++;
        this.fail(pending, new TransportError('timeout', `request ${copy.body.type} to ${to} timed out after ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
      if (opts.signal) this.watch(opts.signal, pending);
      let set = this.pendingTo.get(to);
      if (!set) this.pendingTo.set(to, (set = new Set()));
      set.add(pending);
      from.pending.add(pending);
      this.stats.requests++;
      const byType = this.stats.requestsByType;
      byType[copy.body.type] = (byType[copy.body.type] ?? 0) + 1;
      this.transmit(() => this.deliverRequest(pending, copy));
    });
  }

  /** @internal A transport closed: its own requests fail now, requests to it fail once the news arrives. */
  onClose(transport: SimTransport): void {
    for (const pending of [...transport.pending]) {
      this.fail(pending, new TransportError('closed', `transport ${transport.address} closed`));
    }
    for (const pending of [...(this.pendingTo.get(transport.address) ?? [])]) {
      if (!this.linkUp(pending.from, transport)) continue;
      this.clock.setTimeout(() => this.unreachable(pending), this.delay());
    }
  }

  private watch(signal: AbortSignal, pending: Pending): void {
    pending.signal = signal;
    let set = this.pendingOn.get(signal);
    if (!set) {
      const watched = new Set<Pending>();
      this.pendingOn.set(signal, (set = watched));
      signal.addEventListener(
        'abort',
        () => {
          for (const p of [...watched]) {
            this.stats.aborted++;
            this.fail(p, new TransportError('aborted', `request to ${p.to} aborted`));
          }
        },
        { once: true },
      );
    }
    set.add(pending);
  }

  /** Schedules a message's arrival, or loses it. */
  private transmit(arrive: () => void): void {
    if (this.rng.chance(this.loss)) {
      this.stats.lost++;
      return;
    }
    this.clock.setTimeout(arrive, this.delay());
  }

  private deliverRequest(pending: Pending, msg: Envelope): void {
    const target = this.peers.get(pending.to);
    if (target && !this.linkUp(pending.from, target)) {
      this.stats.dropped++;
      return;
    }
    if (!target || target.closed || !target.handler) {
      // The "unknown target" answer takes the way back.
      this.clock.setTimeout(() => this.unreachable(pending), this.delay());
      return;
    }
    let handled: Promise<Envelope>;
    try {
      handled = target.handler(pending.from.address, msg);
    } catch (err) {
      handled = Promise.reject(err);
    }
    handled.then(
      (reply) => {
        let copy: Envelope;
        try {
          copy = copyEnvelope(reply);
        } catch (err) {
          this.stats.invalid++;
          this.reply(pending, target, { error: new TransportError('bad-message', `reply from ${target.address}: ${(err as Error).message}`) });
          return;
        }
        this.reply(pending, target, { reply: copy });
      },
      (err: unknown) => this.reply(pending, target, { error: remoteError(err, target.address) }),
    );
  }

  private reply(pending: Pending, responder: SimTransport, outcome: { reply: Envelope } | { error: TransportError }): void {
    if (responder.crashed || responder.closed) {
      this.stats.dropped++;
      return;
    }
    this.stats.replies++;
    this.transmit(() => {
      if (!this.linkUp(responder, pending.from)) {
        this.stats.dropped++;
        return;
      }
      if (pending.settled) {
        this.stats.late++;
        return;
      }
      if ('reply' in outcome) this.succeed(pending, outcome.reply);
      else this.fail(pending, outcome.error);
    });
  }

  private unreachable(pending: Pending): void {
    if (pending.settled) return;
    this.stats.unreachable++;
    this.fail(pending, new TransportError('unreachable', `peer ${pending.to} is not reachable`));
  }

  private succeed(pending: Pending, reply: Envelope): void {
    if (!this.settle(pending)) return;
    pending.resolve(reply);
  }

  private fail(pending: Pending, err: TransportError): void {
    if (!this.settle(pending)) return;
    pending.reject(err);
  }

  private settle(pending: Pending): boolean {
    if (pending.settled) return false;
    pending.settled = true;
    this.clock.clearTimeout(pending.timer);
    if (pending.signal) this.pendingOn.get(pending.signal)?.delete(pending);
    pending.from.pending.delete(pending);
    const set = this.pendingTo.get(pending.to);
    set?.delete(pending);
    if (set?.size === 0) this.pendingTo.delete(pending.to);
    return true;
  }

  private linkUp(a: SimTransport, b: SimTransport): boolean {
    if (a.crashed || b.crashed) return false;
    for (const [x, y] of this.partitions) {
      if ((x.has(a.address) && y.has(b.address)) || (y.has(a.address) && x.has(b.address))) return false;
    }
    return true;
  }

  private delay(): number {
    return this.rng.int(this.latency[0], this.latency[1]);
  }
}

/** What the caller sees of an error thrown by the remote handler: its message, and its code if the list has it. */
function remoteError(err: unknown, from: Address): TransportError {
  const code = (err as { code?: unknown } | null)?.code;
  return new TransportError(isErrorCode(code) ? code : 'remote-error', `${from}: ${errorMessage(err)}`);
}

export class SimTransport implements Transport {
  /** @internal */ handler: Handler | undefined;
  /** @internal */ readonly pending = new Set<Pending>();
  /** @internal */ crashed = false;
  closed = false;

  constructor(
    private readonly network: SimNetwork,
    readonly address: Address,
  ) {}

  request(to: Address, msg: Envelope, opts: RequestOptions): Promise<Envelope> {
    return this.network.send(this, to, msg, opts);
  }

  listen(handler: Handler): void {
    this.handler = handler;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    this.network.onClose(this);
  }
}
