import { describe, expect, it } from 'vitest';
import { ConnectionCounter, ConnectionRate, RateLimiter } from '../../signaling-server/limits';

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

describe('ConnectionRate', () => {
  function takes(rate: ConnectionRate, address: string, count: number) {
    return Array.from({ length: count }, () => rate.tryTake(address));
  }

  it('admits a burst, then one connection per 1/rate seconds, each address on its own', () => {
    const clock = fakeClock();
    const rate = new ConnectionRate(4, 3, clock);
    expect(takes(rate, 'a', 4)).toEqual([true, true, true, false]);
    expect(rate.tryTake('b')).toBe(true);
    clock.t += 249;
    expect(rate.tryTake('a')).toBe(false);
    clock.t += 1;
    expect(takes(rate, 'a', 2)).toEqual([true, false]);
  });

  it('refills no further than the burst however long the address was quiet', () => {
    const clock = fakeClock();
    const rate = new ConnectionRate(10, 2, clock);
    expect(takes(rate, 'a', 2)).toEqual([true, true]);
    clock.t += 60_000;
    expect(takes(rate, 'a', 3)).toEqual([true, true, false]);
  });

  it('lets a client that backs off from 250 ms to 5 s in while another address floods', () => {
    const clock = fakeClock();
    const rate = new ConnectionRate(4, 32, clock);
    let honestIn = false;
    let backoff = 250;
    let nextTry = clock.t;
    expect(takes(rate, 'honest', 32).every(Boolean)).toBe(true);
    for (let ms = 0; ms < 10_000 && !honestIn; ms += 10, clock.t += 10) {
      rate.tryTake('flooder');
      if (clock.t >= nextTry) {
        honestIn = rate.tryTake('honest');
        backoff = Math.min(5000, backoff * 2);
        nextTry = clock.t + backoff;
      }
    }
    expect(honestIn).toBe(true);
  });

  it('forgets full buckets when it sweeps, never one that is still draining', () => {
    const clock = fakeClock();
    const rate = new ConnectionRate(1, 2, clock);
    expect(takes(rate, 'drained', 2)).toEqual([true, true]);
    // Enough one-off addresses to trigger several sweeps; a tenth of a second passes meanwhile.
    for (let i = 0; i < 5000; i++) rate.tryTake(`once-${i}`);
    clock.t += 100;
    expect(rate.tryTake('drained')).toBe(false);
    clock.t += 900;
    expect(takes(rate, 'drained', 2)).toEqual([true, false]);
  });

  it('rejects a rate or burst that is not positive', () => {
    expect(() => new ConnectionRate(0, 1)).toThrow(RangeError);
    expect(() => new ConnectionRate(1, 0)).toThrow(RangeError);
    expect(() => new ConnectionRate(1, 1.5)).toThrow(RangeError);
  });
});
