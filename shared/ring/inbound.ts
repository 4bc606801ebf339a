/**
 * Requests a node receives: decoded at the edge (bad input is dropped, counted and refused, never reaches
 * the protocol), gated by the node's phase, then answered by the part of the node that owns that request.
 */
import { parseRequest, type PeerRequest, type ReplyTo } from '../wire/peer';
import type { RingContext } from './context';
import { RingError } from './errors';
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

export class Inbound {
  constructor(
    private readonly ctx: RingContext,
    private readonly handlers: Handlers,
  ) {}

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
    // The handler of req.type takes req: TypeScript cannot relate the two through the union, hence the cast.
    const handler = this.handlers[req.type] as (from: Address, req: PeerRequest, data?: Uint8Array) => Reply<RequestType> | Promise<Reply<RequestType>>;
    return handler(from, req, msg.data);
  }
}
