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

/**
 * New connections one address may open per second, after a burst of CONNECTION_BURST_PER_ADDRESS. A tab opens one
 * and reconnects with backoff (250 ms doubling to 5 s), so a browser restoring a few dozen tabs fits the burst
 * and a NAT of 256 tabs after a server restart is back in about 1 minute; a loop of connect/hello/close gets 4 a second.
 */
export const CONNECTIONS_PER_SECOND_PER_ADDRESS = 4;
export const CONNECTION_BURST_PER_ADDRESS = 32;
/**
 * Open WebSockets in all. One server was measured relaying for 1,000 clients at p99 26.5 ms (`npm run bench`);
 * ten times that bounds its memory (tens of KiB a socket in ws) and the cost of the 10 s heartbeat sweep.
 */
export const MAX_CONNECTIONS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before the first sweep of full ones; the sweep threshold then doubles with what is left. */
const MIN_SWEEP_AT = 1024;

/**
 * A token bucket per address: each connection takes a token, tokens come back at `perSecond` up to `burst`.
 * A full bucket is the same as none, so full buckets are swept once the map doubles: memory stays proportional
 * to the addresses that connected within the last burst / perSecond seconds.
 */
export class ConnectionRate {
  private readonly buckets = new Map<string, Bucket>();
  private sweepAt = MIN_SWEEP_AT;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Pick<Clock, 'now'> = performance,
  ) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`rate must be a positive number, got ${perSecond}`);
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be a positive integer, got ${burst}`);
  }

  /** Takes a token for a new connection from `address`, or returns false when its bucket is empty. */
  tryTake(address: string): boolean {
    const now = this.clock.now();
    const bucket = this.buckets.get(address);
    const tokens = bucket === undefined ? this.burst : this.refilled(bucket, now);
    if (tokens < 1) return false;
    this.buckets.set(address, { tokens: tokens - 1, at: now });
    if (this.buckets.size >= this.sweepAt) this.sweep(now);
    return true;
  }

  private refilled(bucket: Bucket, now: number): number {
    return Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.perSecond) / 1000);
  }

  private sweep(now: number): void {
    for (const [address, bucket] of this.buckets) if (this.refilled(bucket, now) >= this.burst) this.buckets.delete(address);
    this.sweepAt = Math.max(MIN_SWEEP_AT, 2 * this.buckets.size);
  }
}
