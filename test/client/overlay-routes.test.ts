import { describe, expect, it } from 'vitest';
import { hashKey } from '../../shared/ring/id';
import { MAX_REVERSE_ROUTES, OverlayRoutes, REVERSE_ROUTE_MS } from '../../client/net/overlay-routes';

const M = 16;
/** 16 peers in ring order: ring[i + 1] follows ring[i]. */
const ring = Array.from({ length: 40 }, (_, i) => `peer-${i}`)
  .sort((a, b) => (hashKey(a, M) < hashKey(b, M) ? -1 : 1))
  .slice(0, 16);
const at = (i: number) => ring[((i % ring.length) + ring.length) % ring.length]!;

function routes() {
  const clock = { t: 0 };
  return { clock, routes: new OverlayRoutes(() => clock.t, M) };
}

describe('OverlayRoutes.next', () => {
  it('hands a signal straight to the target when it is a direct link', () => {
    const { routes: r } = routes();
    expect(r.next(at(0), at(10), [at(2), at(10), at(9)])).toBe(at(10));
  });

  it('passes it greedily to the open link that most closely precedes the target', () => {
    const { routes: r } = routes();
    expect(r.next(at(0), at(10), [at(2), at(5), at(8), at(12)])).toBe(at(8));
    // Across the wrap of the ring too.
    expect(r.next(at(12), at(3), [at(14), at(1), at(5)])).toBe(at(1));
  });

  it('falls back on the link that most closely follows the target when none precedes it closer than us', () => {
    const { routes: r } = routes();
    // at(9) is the closest peer before at(10) that we know: the target is our successor's business.
    expect(r.next(at(9), at(10), [at(14), at(12), at(3)])).toBe(at(12));
  });

  it('never sends a signal back where it came from', () => {
    const { routes: r } = routes();
    expect(r.next(at(0), at(10), [at(8), at(5)], at(8))).toBe(at(5));
    expect(r.next(at(0), at(10), [at(8)], at(8))).toBeUndefined();
    expect(r.next(at(0), at(10), [])).toBeUndefined();
  });

  it('sends an answer back the way the target’s last signal came, while that link is open and the route fresh', () => {
    const { clock, routes: r } = routes();
    r.learn(at(10), at(3));
    expect(r.next(at(0), at(10), [at(3), at(8)])).toBe(at(3));
    expect(r.next(at(0), at(10), [at(8)])).toBe(at(8));
    clock.t += REVERSE_ROUTE_MS;
    expect(r.next(at(0), at(10), [at(3), at(8)])).toBe(at(8));
  });

  it('remembers a bounded number of ways back, forgetting the oldest first', () => {
    const { routes: r } = routes();
    r.learn(at(10), at(3));
    for (let i = 1; i <= MAX_REVERSE_ROUTES; i++) r.learn(`origin-${i}`, at(3));
    // The way back to at(10) was forgotten: greedy routing decides again.
    expect(r.next(at(0), at(10), [at(3), at(8), at(13)])).toBe(at(8));
    expect(r.next(at(0), `origin-${MAX_REVERSE_ROUTES}`, [at(3), at(8), at(13)])).toBe(at(3));
  });
});
