/**
 * Requests a node receives: decoded at the edge (bad input is dropped, counted and refused, never reaches
 * the protocol), gated by the node's phase, then answered by the part of the node that owns that request.
 */
import { FIND_RATE, LOOKUP_RATE, OFFER_RATE, PROVE_RATE, REPLICAS_RATE } from '../constants';
import { parseRequest, type PeerRequest, type ReplyTo } from '../wire/peer';
import type { RingContext } from './context';
import { RingError } from './errors';
import { OncePerBurst, TokenBuckets } from './limits';
import type { Address, Envelope } from './types';

type RequestType = PeerRequest['type'];

export interface Reply<K extends RequestType> {
  body: ReplyTo<K>;
  data?: Uint8Array;
}

export type Handler<K extends RequestType> = (from: Address, req: Extract<PeerRequest, { type: K }>, data?: Uint8Array) => Reply<K> | Promise<Reply<K>>;

/** One handler per request type: the compiler checks that every type is answered, with a reply it may get. */
export type Handlers = { [K in RequestType]: Handler<K> };

/** Answered out of a ring too: liveness, and reads of what this node holds. */
const BEFORE_JOIN: ReadonlySet<RequestType> = new Set(['ping', 'chunk', 'meta', 'hashes']);

/** Requests that cost the receiver more than they say (a lookup, reads, a transfer): limited per sender. */
const RATES: Partial<Record<RequestType, readonly [number, number]>> = {
  find: FIND_RATE,
  lookup: LOOKUP_RATE,
  replicas: REPLICAS_RATE,
  offer: OFFER_RATE,
  prove: PROVE_RATE,
};
/** A sender's refusals are logged once per burst: the first after this long without one. */
const LOG_QUIET_MS = 10_000;

export class Inbound {
  private readonly limits = new Map<RequestType, TokenBuckets>();
  private readonly logged: OncePerBurst;

  constructor(
    private readonly ctx: RingContext,
    private readonly handlers: Handlers,
  ) {
    for (const [type, [perSecond, burst]] of Object.entries(RATES) as Array<[RequestType, readonly [number, number]]>) {
      this.limits.set(type, new TokenBuckets(ctx.clock, perSecond, burst));
    }
    this.logged = new OncePerBurst(ctx.clock, LOG_QUIET_MS);
  }

  async handle(from: Address, msg: Envelope): Promise<Envelope> {
    const { ctx } = this;
    if (ctx.phase === 'stopped') throw new RingError('stopped', 'node stopped');
    const parsed = parseRequest(msg.body);
    if (!parsed.ok) {
      ctx.stats.droppedMessages++;
      ctx.log.warn('bad-request', { from, reason: parsed.reason });
      throw new RingError('bad-message', parsed.reason);
    }
    ctx.routing.heardFrom(from);
    const req = parsed.value;
    if (!ctx.joined && !BEFORE_JOIN.has(req.type)) throw new RingError('not-joined', `${ctx.address} is not in a ring`);
    if (this.limits.get(req.type)?.take(from) === false) {
      ctx.stats.rateLimited++;
      if (this.logged.first(`${req.type}:${from}`)) ctx.log.warn('rate-limited', { from, request: req.type });
      throw new RingError('rate-limited', `${from} sent too many ${req.type} requests`);
    }
    // The handler of req.type takes req: TypeScript cannot relate the two through the union, hence the cast.
    const handler = this.handlers[req.type] as (from: Address, req: PeerRequest, data?: Uint8Array) => Reply<RequestType> | Promise<Reply<RequestType>>;
    return handler(from, req, msg.data);
  }
}
