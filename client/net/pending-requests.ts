/**
 * The requests a link has sent and not had answered: their ids, their timeouts and aborts, and how an answer
 * frame (a reply or an error reply) settles one. No I/O: the link sends the frames.
 */
import type { Address, Clock, Envelope, RequestOptions } from '../../shared/ring/types';
import { FrameKind, type Frame } from '../../shared/wire/frame';
import { isString } from '../../shared/wire/validate';
import { TransportError } from './transport-error';

/** Longest error text sent back to a requester. */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;
export const MAX_ERROR_CODE_LENGTH = 64;

interface Pending {
  resolve(reply: Envelope): void;
  reject(err: Error): void;
}

export class PendingRequests {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly peer: Address,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** A fresh id, unused by any request still waiting. */
  allocate(): number {
    do this.nextId = (this.nextId + 1) >>> 0;
    while (this.pending.has(this.nextId));
    return this.nextId;
  }

  /** Waits for the answer to request `id` (of `type`), or its timeout or abort; `done` runs once, whichever comes first. */
  wait(id: number, type: string, opts: RequestOptions, done: () => void): Promise<Envelope> {
    return new Promise<Envelope>((resolve, reject) => {
      const finish = () => {
        this.clock.clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        done();
      };
      const onAbort = () => {
        finish();
        reject(new TransportError('aborted', `request ${type} to ${this.peer} aborted`));
      };
      const timer = this.clock.setTimeout(() => {
        finish();
        reject(new TransportError('timeout', `request ${type} to ${this.peer} timed out after ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (reply) => {
          finish();
          resolve(reply);
        },
        reject: (err) => {
          finish();
          reject(err);
        },
      });
    });
  }

  /** Settles the request an answer frame is for; false when none waits for it (a late reply). */
  settle(frame: Frame): boolean {
    const waiter = this.pending.get(frame.id);
    if (!waiter) return false;
    if (frame.kind === FrameKind.reply) {
      waiter.resolve(frame.data ? { body: frame.body, data: frame.data } : { body: frame.body });
      return true;
    }
    const { code, message } = frame.body;
    waiter.reject(
      new TransportError(
        isString(code, MAX_ERROR_CODE_LENGTH, 1) ? code : 'remote-error',
        `${this.peer}: ${isString(message, MAX_ERROR_MESSAGE_LENGTH) ? message : 'error reply without a message'}`,
      ),
    );
    return true;
  }

  /** Fails every request still waiting with `reason`. */
  failAll(reason: Error): void {
    for (const waiter of [...this.pending.values()]) waiter.reject(reason);
  }
}
