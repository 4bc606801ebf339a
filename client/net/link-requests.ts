/**
 * Requests that arrive on a link: the ring node's go to its handler, and the answer back on the same link;
 * link control messages (a relayed signal, a bye) are the transport's own and never reach the node.
 */
import { errorCode, errorMessage } from '../../shared/ring/errors';
import type { Address, Envelope } from '../../shared/ring/types';
import type { Frame } from '../../shared/wire/frame';
import { BYE_TYPE, isLinkControl, parseLinkControl } from '../../shared/wire/overlay';
import type { SignalData } from '../../shared/wire/signal';
import type { Link } from './link';
import type { LinkTrimmer } from './link-trimmer';
import type { Handler } from './loopback';
import { refusal, type Refusal, type SignalPaths } from './signal-paths';
import type { Drops } from './transport-stats';

export interface LinkRequestsHost {
  readonly address: Address;
  handler(): Handler | undefined;
  readonly paths: SignalPaths;
  readonly trimmer: LinkTrimmer;
  readonly drops: Drops;
  /** A relayed signal for one of our own connections, from its (checked) origin. */
  signal(from: Address, data: SignalData): void;
}

export class LinkRequests {
  constructor(private readonly host: LinkRequestsHost) {}

  answer(link: Link, frame: Frame): void {
    if (isLinkControl(frame.body)) return this.control(link, frame);
    const handler = this.host.handler();
    if (!handler) {
      link.replyError(frame.id, { code: 'unreachable', message: `${this.host.address} has no request handler` });
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
  private control(link: Link, frame: Frame): void {
    const parsed = parseLinkControl(frame.body);
    if (!parsed.ok) return this.refuse(link, frame.id, refusal('bad-control', 'bad-message', parsed.reason, { reason: parsed.reason }));
    const msg = parsed.value;
    if (msg.type === BYE_TYPE) return this.host.trimmer.onBye(link, frame.id);
    void this.host.paths.received(link, msg).then((outcome) => {
      if (!outcome.ok) return this.refuse(link, frame.id, outcome);
      link.reply(frame.id, { body: { type: 'ok' } });
      if (outcome.signal) this.host.signal(msg.from, outcome.signal);
    });
  }

  private refuse(link: Link, id: number, why: Refusal): void {
    this.host.drops.count(why.reason, { from: link.peer, ...why.detail });
    link.replyError(id, { code: why.code, message: why.message });
  }
}
