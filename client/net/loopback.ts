/** A transport's request to itself: it takes the same wire format, so it behaves as it would between two tabs. */
import { errorCode, errorMessage } from '../../shared/ring/errors';
import { withTimeout } from '../../shared/ring/timers';
import type { Address, Clock, Envelope, RequestOptions } from '../../shared/ring/types';
import { decodeFrame, encodeFrame, FrameKind } from '../../shared/wire/frame';
import { TransportError } from './transport-error';

export type Handler = (from: Address, msg: Envelope) => Promise<Envelope>;

/** Hands `msg` to our own `handler` as a peer's request would reach it, and its answer back as a reply would. */
export async function loopback(self: Address, handler: Handler | undefined, clock: Clock, msg: Envelope, opts: RequestOptions): Promise<Envelope> {
  if (!handler) throw new TransportError('unreachable', `${self} has no request handler`);
  const request = overTheWire(FrameKind.request, msg);
  const work = Promise.resolve()
    .then(() => handler(self, request))
    .catch((err: unknown) => {
      throw new TransportError(errorCode(err) ?? 'remote-error', `${self}: ${errorMessage(err)}`);
    });
  const reply = await withTimeout(clock, opts.timeoutMs, `request ${msg.body.type} to ${self}`, work, opts.signal).catch((err: unknown) => {
    const code = errorCode(err);
    throw code === 'timeout' || code === 'aborted' ? new TransportError(code, errorMessage(err)) : err;
  });
  return overTheWire(FrameKind.reply, reply);
}

/** `msg` as the far end would decode it: the loopback refuses what a link would. */
function overTheWire(kind: FrameKind, msg: Envelope): Envelope {
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
