/**
 * One WebRTC data channel to one peer (a simple-peer connection): requests and replies as frames,
 * a send queue with backpressure, and a single `destroy` path that fails everything still waiting.
 */
import { MAX_FRAME_BYTES } from '../../shared/constants';
import type { Address, Clock, Envelope, Message, RequestOptions, TimerHandle } from '../../shared/ring/types';
import { decodeFrame, encodeFrame, encodeFrameHead, FrameKind, isPart, PartJoiner, splitFrame, type Frame } from '../../shared/wire/frame';
import type { SignalData } from '../../shared/wire/signal';
import { isString } from '../../shared/wire/validate';
import type { Link, LinkHooks, LinkOptions, LinkState, SignalPath } from './link';
import { MAX_ERROR_CODE_LENGTH, MAX_ERROR_MESSAGE_LENGTH, PendingRequests } from './pending-requests';
import { SendQueue, message, withData, type Outgoing, MAX_QUEUED_BYTES } from './send-queue';
import SimplePeer, { type PeerInstance, type PeerSignalData } from './simple-peer';
import { TransportError } from './transport-error';

/**
 * Requests from the peer being answered at once. An honest peer stays far below (a download keeps 16 chunk
 * requests in flight); past it a request is refused with 'busy' rather than queued, so a flood costs us
 * neither handlers nor memory.
 */
export const MAX_INCOMING_REQUESTS = 256;
/** How often a link waiting to close checks whether its last frames have left. */
const IDLE_CHECK_MS = 100;

/** The parts of simple-peer 9 it does not type: the RTCDataChannel and the RTCPeerConnection. */
interface SimplePeerInternals {
  _channel: RTCDataChannel | null;
  _pc: RTCPeerConnection | null;
}

/** A link that is let go: why, and its timers. */
interface Closing {
  reason: TransportError;
  poll?: TimerHandle;
  grace: TimerHandle;
}

export class PeerLink implements Link {
  readonly peer: Address;
  readonly initiator: boolean;
  /** A non-initiator that has taken an offer: a second offer means the peer started over. */
  hasOffer = false;
  /** Where this link's signals go; switches to the server when no overlay route is left. */
  path: SignalPath;
  /** The peer has sent a signal for this link: the path works. */
  heard = false;
  /** Last frame in or out (or when the link opened), for closing the least recently used links first. */
  lastUsed: number;
  private current: LinkState = 'connecting';
  private readonly sp: PeerInstance;
  private channel: RTCDataChannel | null = null;
  private readonly hooks: LinkHooks;
  private readonly opening: Promise<void>;
  private settleOpening!: (err?: Error) => void;
  private readonly clock: Clock;
  private readonly connectTimer: TimerHandle;
  private readonly pending: PendingRequests;
  private readonly queue = new SendQueue();
  private incoming = 0;
  private frameLimit = MAX_FRAME_BYTES;
  private readonly parts = new PartJoiner();
  private closing: Closing | undefined;
  private readonly drain = () => this.flush();

  constructor(opts: LinkOptions) {
    this.peer = opts.peer;
    this.initiator = opts.initiator;
    this.path = opts.path;
    this.hooks = opts.hooks;
    this.clock = opts.clock;
    this.pending = new PendingRequests(opts.peer, opts.clock);
    this.lastUsed = opts.clock.now();
    this.opening = new Promise<void>((resolve, reject) => {
      this.settleOpening = (err) => (err ? reject(err) : resolve());
    });
    // A link can fail before anyone waits for it; the waiter, if any, still sees the rejection.
    this.opening.catch(() => undefined);
    // Throws at once where WebRTC is missing, before any timer exists.
    this.sp = new SimplePeer({ initiator: opts.initiator, trickle: true, config: { iceServers: opts.iceServers } });
    this.connectTimer = this.clock.setTimeout(
      () => this.destroy(new TransportError('unreachable', `no connection to ${this.peer} within ${opts.connectTimeoutMs} ms`)),
      opts.connectTimeoutMs,
    );
    this.sp.on('signal', (data: SignalData) => {
      if (this.current === 'closed') return;
      try {
        this.hooks.signal(this, data);
      } catch (err) {
        this.destroy(new TransportError('unreachable', `cannot signal ${this.peer}: ${(err as Error).message}`));
      }
    });
    this.sp.on('connect', () => this.onConnect());
    this.sp.on('data', (data: unknown) => this.receive(data));
    this.sp.on('error', (err: Error & { code?: string }) => {
      this.destroy(new TransportError('unreachable', `link to ${this.peer} failed: ${err.code ?? err.name}: ${err.message}`));
    });
    this.sp.on('close', () => this.destroy(new TransportError('unreachable', `link to ${this.peer} closed`)));
  }

  get state(): LinkState {
    return this.current;
  }

  /** Largest frame this link sends: the frame limit, or less if the far end accepts less. */
  get maxFrameBytes(): number {
    return this.frameLimit;
  }

  /** A request or answer of either end is in flight, or our frames have not all left. */
  get busy(): boolean {
    return this.pending.size > 0 || this.incoming > 0 || this.queue.bytes > 0 || (this.channel?.bufferedAmount ?? 0) > 0;
  }

  /**
   * Closes the link once nothing is in flight on it (the far end's requests answered, ours answered, every
   * frame gone out), or after `graceMs` at the latest: how a link is let go without failing anyone's request.
   */
  closeWhenIdle(reason: TransportError, graceMs: number): void {
    if (this.current === 'closed' || this.closing) return;
    this.closing = { reason, grace: this.clock.setTimeout(() => this.destroy(reason), graceMs) };
    this.closeIfIdle();
  }

  /** Leaves the closing to the far end, and closes after `graceMs` only if it has not. */
  closeAfter(reason: TransportError, graceMs: number): void {
    if (this.current === 'closed' || this.closing) return;
    this.closing = { reason, grace: this.clock.setTimeout(() => this.destroy(reason), graceMs) };
  }

  /** Passes on a signal from the peer. */
  signal(data: SignalData): void {
    if (this.current === 'closed') return;
    if (data.type === 'offer') this.hasOffer = true;
    this.heard = true;
    try {
      // simple-peer passes a candidate to addIceCandidate, which takes the init dictionary the wire carries.
      this.sp.signal(data as PeerSignalData);
    } catch (err) {
      this.destroy(new TransportError('unreachable', `bad signal from ${this.peer}: ${(err as Error).message}`));
    }
  }

  /** Resolves once the channel is open; rejects if the link fails first or `signal` aborts the wait. */
  whenOpen(signal?: AbortSignal): Promise<void> {
    if (!signal) return this.opening;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new TransportError('aborted', `request to ${this.peer} aborted while connecting`));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.opening.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Sends a request on the open link; its timeout starts now. */
  request(msg: Envelope, opts: RequestOptions): Promise<Envelope> {
    if (this.current !== 'open') return Promise.reject(new TransportError('unreachable', `link to ${this.peer} is ${this.current}`));
    if (opts.signal?.aborted) return Promise.reject(new TransportError('aborted', `request ${msg.body.type} to ${this.peer} aborted`));
    const id = this.pending.allocate();
    let head: Uint8Array;
    try {
      head = encodeFrameHead({ kind: FrameKind.request, id, body: msg.body, data: msg.data }, this.frameLimit);
    } catch (err) {
      return Promise.reject(new TransportError('bad-message', `request ${String(msg.body?.type)} to ${this.peer}: ${(err as Error).message}`));
    }
    const reply = this.pending.wait(id, msg.body.type, opts, () => this.queue.remove(id));
    this.enqueue(withData(head, msg.data, { requestId: id }));
    return reply;
  }

  /**
   * Answers request `id`; a reply that cannot be framed becomes an error reply saying why. A reply bigger than
   * the link takes (a chunk to a Node peer) goes in parts.
   */
  reply(id: number, reply: Envelope): void {
    const frame: Frame = { kind: FrameKind.reply, id, body: reply.body, data: reply.data };
    let head: Uint8Array;
    try {
      head = encodeFrameHead(frame);
    } catch (err) {
      this.replyError(id, { code: 'bad-message', message: `the reply could not be sent: ${(err as Error).message}` });
      return;
    }
    if (head.length + (reply.data?.length ?? 0) <= this.frameLimit) return this.enqueue(withData(head, reply.data, { answer: true }));
    const parts = splitFrame(encodeFrame(frame), this.frameLimit);
    parts.forEach((part, i) =>
      this.enqueue({ bytes: part, size: part.length, part: true, ...(i === parts.length - 1 ? { answer: true as const } : {}) }),
    );
  }

  replyError(id: number, err: { code?: string; message: string }): void {
    const body: Message = { type: 'error', message: err.message.slice(0, MAX_ERROR_MESSAGE_LENGTH) };
    if (err.code !== undefined && isString(err.code, MAX_ERROR_CODE_LENGTH, 1)) body.code = err.code;
    const bytes = encodeFrame({ kind: FrameKind.error, id, body }, this.frameLimit);
    this.enqueue({ bytes, size: bytes.length, answer: true });
  }

  /** Sends `bytes` as one channel message, unframed, once the link is open: how a fault-injection test speaks nonsense to a peer. */
  sendRaw(bytes: Uint8Array): void {
    this.enqueue({ bytes, size: bytes.length });
  }

  /** The one way a link ends: every waiter is failed with `reason`, the connection is torn down. */
  destroy(reason: TransportError): void {
    if (this.current === 'closed') return;
    const wasOpen = this.current === 'open';
    this.current = 'closed';
    this.clock.clearTimeout(this.connectTimer);
    if (this.closing) {
      this.clock.clearTimeout(this.closing.poll);
      this.clock.clearTimeout(this.closing.grace);
    }
    this.settleOpening(reason);
    this.pending.failAll(reason);
    this.queue.clear();
    this.incoming = 0;
    this.channel?.removeEventListener('bufferedamountlow', this.drain);
    this.sp.destroy();
    this.hooks.closed(this, reason, wasOpen);
  }

  private onConnect(): void {
    if (this.current !== 'connecting') return;
    const internals = this.sp as unknown as SimplePeerInternals;
    this.channel = internals._channel;
    const remoteLimit = internals._pc?.sctp?.maxMessageSize;
    if (remoteLimit && remoteLimit > 0) this.frameLimit = Math.min(MAX_FRAME_BYTES, remoteLimit);
    // simple-peer set the threshold already; changing it stalls its own write() path.
    this.channel?.addEventListener('bufferedamountlow', this.drain);
    this.clock.clearTimeout(this.connectTimer);
    this.current = 'open';
    this.lastUsed = this.clock.now();
    this.settleOpening();
    this.hooks.opened(this);
    this.flush();
  }

  private receive(data: unknown): void {
    // The far end may see its 'connect' first and send before ours fires: take frames while connecting too.
    if (this.current === 'closed') return;
    if (!(data instanceof Uint8Array)) {
      this.hooks.dropped('not-binary', { peer: this.peer });
      return;
    }
    let bytes: Uint8Array = data;
    if (isPart(data)) {
      const joined = this.parts.add(data);
      if ('error' in joined) this.hooks.dropped(joined.error, { peer: this.peer, bytes: data.length });
      if (!joined.done) return;
      bytes = joined.frame;
    }
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      this.hooks.dropped(decoded.reason, { peer: this.peer, bytes: bytes.length });
      return;
    }
    this.hooks.frameIn();
    this.lastUsed = this.clock.now();
    const frame = decoded.frame;
    // Payload bytes as a plain Uint8Array view, not simple-peer's Buffer.
    if (frame.data) frame.data = new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
    if (frame.kind === FrameKind.request) {
      // Counted until its answer leaves; a refusal counts too, so refusals a peer does not read keep refusing.
      this.incoming++;
      if (this.incoming > MAX_INCOMING_REQUESTS) {
        this.hooks.dropped('busy', { peer: this.peer });
        this.replyError(frame.id, { code: 'busy', message: `${MAX_INCOMING_REQUESTS} requests from you are already being answered` });
        return;
      }
      this.hooks.request(this, frame);
      return;
    }
    if (!this.pending.settle(frame)) this.hooks.dropped('late-reply', { peer: this.peer, id: frame.id });
  }

  private enqueue(item: Outgoing): void {
    if (this.current === 'closed') return;
    if (!this.queue.push(item)) {
      this.hooks.dropped('send-queue-full', { peer: this.peer, queuedBytes: this.queue.bytes });
      this.destroy(new TransportError('unreachable', `${this.peer} is not reading: over ${MAX_QUEUED_BYTES} bytes waiting to be sent`));
      return;
    }
    this.flush();
  }

  /** Hands queued frames to the channel while its buffer has room (send-queue.ts says in which order); resumes on 'bufferedamountlow'. */
  private flush(): void {
    const channel = this.channel;
    if (this.current !== 'open' || !channel) return;
    for (let next = this.queue.take(channel.bufferedAmount); next; next = this.queue.take(channel.bufferedAmount)) {
      if (next.answer) this.incoming--;
      try {
        this.sp.send(message(next, channel));
      } catch (err) {
        this.destroy(new TransportError('unreachable', `send to ${this.peer} failed: ${(err as Error).message}`));
        return;
      }
      this.hooks.frameOut();
      this.lastUsed = this.clock.now();
    }
  }

  /** Closes a link that is let go once nothing is in flight, checking again every IDLE_CHECK_MS until the grace runs out. */
  private closeIfIdle(): void {
    const closing = this.closing;
    if (!closing || this.current === 'closed') return;
    if (!this.busy) return this.destroy(closing.reason);
    closing.poll = this.clock.setTimeout(() => this.closeIfIdle(), IDLE_CHECK_MS);
  }
}
