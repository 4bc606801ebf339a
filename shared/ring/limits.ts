/**
 * Per-sender limits on what hostile peers can make us do (README failure model): a token bucket for requests,
 * a sliding-window byte budget for pulls. Both count on the injected clock and keep at most `LIMITED_KEYS`
 * senders (the oldest is forgotten: it starts again with a full bucket, which costs us one burst).
 */
import type { Clock } from './types';

const LIMITED_KEYS = 4096;

/** Sets `key` as the most recent entry of `map`, dropping the oldest once there are more than `limit`. */
export function bounded<K, V>(map: Map<K, V>, key: K, value: V, limit = LIMITED_KEYS): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value!);
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token of `key`'s bucket; false when it is empty. */
  take(key: string): boolean {
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perSecond) / 1000);
    const ok = tokens >= 1;
    bounded(this.buckets, key, { tokens: ok ? tokens - 1 : tokens, at: now });
    return ok;
  }
}

export class ByteBudget {
  private readonly spent = new Map<string, Array<{ at: number; bytes: number }>>();

  constructor(
    private readonly clock: Clock,
    private readonly bytes: number,
    private readonly windowMs: number,
  ) {}

  /** Spends `bytes` of `key`'s budget for the window; false (nothing spent) when that would go over it. */
  spend(key: string, bytes: number): boolean {
    const now = this.clock.now();
    const recent = (this.spent.get(key) ?? []).filter((s) => s.at > now - this.windowMs);
    const used = recent.reduce((sum, s) => sum + s.bytes, 0);
    const ok = used + bytes <= this.bytes;
    if (ok) recent.push({ at: now, bytes });
    bounded(this.spent, key, recent);
    return ok;
  }
}

/** Logs the first refusal of a burst only: `key`'s next one is logged once `quietMs` passed without any. */
export class OncePerBurst {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly quietMs: number,
  ) {}

  first(key: string): boolean {
    const now = this.clock.now();
    const last = this.last.get(key);
    bounded(this.last, key, now);
    return last === undefined || now - last > this.quietMs;
  }
}
