/**
 * Requests a node sends: each reply is decoded against the one request-to-reply map of the wire
 * (shared/wire/peer.ts), and a peer that does not answer is suspected.
 */
import { REPLIES, parseReply, type PeerReply, type PeerRequest, type ReplyTo } from '../wire/peer';
import type { RingContext } from './context';
import { RingError, errorCode } from './errors';
import type { Address, Envelope, FileMeta } from './types';

/** Offers wait for a whole file; give them time for a slow link (bytes per millisecond). */
const MIN_TRANSFER_RATE = 50;

export interface CallOptions {
  /** The config's rpcTimeoutMs unless given. */
  timeoutMs?: number;
  /** False for bulk requests, many in flight: failure detection is the heartbeats' job, not theirs. */
  suspect?: boolean;
  data?: Uint8Array;
  /** Instead of the session's signal: one from `RingContext.signalWith`, so it aborts with the session too. */
  signal?: AbortSignal;
}

export interface Answer<R> {
  reply: R;
  data?: Uint8Array;
}

export class Rpc {
  constructor(private readonly ctx: RingContext) {}

  /** Sends `req` to `to` and decodes the reply; a reply of a kind `req` does not get is dropped and counted. */
  async request<R extends PeerRequest>(to: Address, req: R, options: CallOptions = {}): Promise<Answer<ReplyTo<R['type']>>> {
    const { ctx } = this;
    let envelope: Envelope;
    try {
      envelope = await ctx.transport.request(to, options.data ? { body: req, data: options.data } : { body: req }, {
        timeoutMs: options.timeoutMs ?? ctx.config.rpcTimeoutMs,
        signal: options.signal ?? ctx.signal,
      });
    } catch (err) {
      if (options.suspect !== false && errorCode(err) !== 'aborted') ctx.routing.suspect(to);
      throw err;
    }
    ctx.routing.heardFrom(to);
    const parsed = parseReply(envelope.body, REPLIES[req.type] as readonly PeerReply['type'][]);
    if (!parsed.ok) {
      ctx.stats.droppedMessages++;
      ctx.log.warn('bad-reply', { from: to, request: req.type, reason: parsed.reason });
      throw new RingError('bad-message', `bad ${req.type} reply from ${to}: ${parsed.reason}`);
    }
    // parseReply checked the type against REPLIES[req.type]: the reply is one that request gets.
    return { reply: parsed.value as ReplyTo<R['type']>, data: envelope.data };
  }

  /**
   * An offer is answered once the whole file is stored. If that answer is late the offer is simply made
   * again: the receiver joins the transfer already running instead of starting over.
   */
  transferTimeout(meta: FileMeta): number {
    return this.ctx.config.rpcTimeoutMs * 10 + meta.size / MIN_TRANSFER_RATE;
  }

  /**
   * Requests of a transfer (meta, hashes, chunks) queue behind other transfers on a busy replica: they get
   * longer than a heartbeat, which must notice a dead peer fast, while a slow one is still worth waiting for.
   */
  transferRequestTimeout(): number {
    return this.ctx.config.chunkTimeoutMs + this.ctx.config.rpcTimeoutMs;
  }
}
