import { describe, expect, it } from 'vitest';
import { ConnectionCounter, RateLimiter } from '../../signaling-server/limits';

function fakeClock(start = 1_000) {
  return { t: start, now() { return this.t; } };
}

function hits(limiter: RateLimiter, count: number) {
  return Array.from({ length: count }, () => limiter.hit());
}

describe('RateLimiter', () => {
  it('allows the rate, refuses above it, and says close above twice the rate within one second', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(3, clock);
    expect(hits(limiter, 7)).toEqual(['ok', 'ok', 'ok', 'limited', 'limited', 'limited', 'close']);
  });

  it('forgets messages older than one second', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(2, clock);
    expect(hits(limiter, 3)).toEqual(['ok', 'ok', 'limited']);
    clock.t += 999;
    expect(limiter.hit()).toBe('limited');
    clock.t += 1;
    // The first three fell out of the window; only the one at +999 remains.
    expect(hits(limiter, 2)).toEqual(['ok', 'limited']);
  });

  it('slides rather than resetting on a fixed boundary', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(2, clock);
    expect(limiter.hit()).toBe('ok');
    clock.t += 600;
    expect(limiter.hit()).toBe('ok');
    clock.t += 600;
    // 1200 ms in: the first message left the window, the second has not.
    expect(hits(limiter, 2)).toEqual(['ok', 'limited']);
  });

  it('keeps saying close for a connection that goes on flooding, and recovers after a quiet second', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1, clock);
    expect(hits(limiter, 5)).toEqual(['ok', 'limited', 'close', 'close', 'close']);
    clock.t += 1000;
    expect(limiter.hit()).toBe('ok');
  });

  it('paces a steady sender at exactly the rate without refusing anything', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock);
    const verdicts = new Set<string>();
    for (let i = 0; i < 100; i++) {
      verdicts.add(limiter.hit());
      clock.t += 100;
    }
    expect([...verdicts]).toEqual(['ok']);
  });

  it('rejects a rate that is not a positive integer', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
    expect(() => new RateLimiter(1.5)).toThrow(RangeError);
  });
});

describe('ConnectionCounter', () => {
  it('admits up to the maximum per address, independently per address, and frees slots on release', () => {
    const counter = new ConnectionCounter(2);
    expect([counter.tryAcquire('a'), counter.tryAcquire('a'), counter.tryAcquire('a')]).toEqual([true, true, false]);
    expect(counter.tryAcquire('b')).toBe(true);
    counter.release('a');
    expect(counter.tryAcquire('a')).toBe(true);
    expect(counter.tryAcquire('a')).toBe(false);
  });

  it('never goes below zero when released more often than acquired', () => {
    const counter = new ConnectionCounter(1);
    counter.release('a');
    expect(counter.tryAcquire('a')).toBe(true);
    expect(counter.tryAcquire('a')).toBe(false);
  });
});
