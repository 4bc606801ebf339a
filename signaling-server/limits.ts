import type { Clock } from '../shared/ring/types';

export type RateVerdict = 'ok' | 'limited' | 'close';

const WINDOW_MS = 1000;

/**
 * Counts one connection's messages over a sliding one-second window: above `perSecond` a message is
 * refused, above twice that the connection is to be closed. Dropped messages count too, so a client
 * that ignores 'rate-limited' errors reaches the close threshold.
 */
export class RateLimiter {
  private readonly stamps: number[] = [];

  constructor(
    private readonly perSecond: number,
    private readonly clock: Pick<Clock, 'now'> = performance,
  ) {
    if (!Number.isInteger(perSecond) || perSecond < 1) throw new RangeError(`rate must be a positive integer, got ${perSecond}`);
  }

  hit(): RateVerdict {
    const now = this.clock.now();
    while (this.stamps.length > 0 && (this.stamps[0] as number) <= now - WINDOW_MS) this.stamps.shift();
    this.stamps.push(now);
    // Past the close threshold the count no longer matters, so the window never grows beyond it.
    if (this.stamps.length > 2 * this.perSecond + 1) this.stamps.shift();
    if (this.stamps.length > 2 * this.perSecond) return 'close';
    if (this.stamps.length > this.perSecond) return 'limited';
    return 'ok';
  }
}

/** Open connections per remote address, so one host cannot take every socket. */
export class ConnectionCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Counts a new connection from `address`, or returns false when it already holds the maximum. */
  tryAcquire(address: string): boolean {
    const count = this.counts.get(address) ?? 0;
    if (count >= this.maxPerAddress) return false;
    this.counts.set(address, count + 1);
    return true;
  }

  release(address: string): void {
    const count = this.counts.get(address) ?? 0;
    if (count <= 1) this.counts.delete(address);
    else this.counts.set(address, count - 1);
  }
}
