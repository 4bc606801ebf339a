import { describe, expect, it } from 'vitest';
import { LinkBudget, PEER_BURST, PEER_REFILL_MS, TOTAL_BURST, TOTAL_REFILL_MS } from '../../client/net/link-budget';

function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

function takes(budget: LinkBudget, peer: string, count: number): boolean[] {
  return Array.from({ length: count }, () => budget.take(peer));
}

describe('LinkBudget', () => {
  it('lets one peer make a burst of connections, then one per refill period', () => {
    const c = clock();
    const budget = new LinkBudget(c.now);
    expect(takes(budget, 'a', PEER_BURST + 2)).toEqual([...Array(PEER_BURST).fill(true), false, false]);
    c.t += PEER_REFILL_MS - 1;
    expect(budget.take('a')).toBe(false);
    c.t += 1;
    expect(takes(budget, 'a', 2)).toEqual([true, false]);
    // Another peer has a budget of its own.
    expect(budget.take('b')).toBe(true);
  });

  it('caps all peers together, so many ids cannot do what one may not', () => {
    const c = clock();
    const budget = new LinkBudget(c.now);
    const granted = Array.from({ length: TOTAL_BURST + 10 }, (_, i) => budget.take(`sybil-${i}`)).filter(Boolean).length;
    expect(granted).toBe(TOTAL_BURST);
    c.t += TOTAL_REFILL_MS;
    expect(budget.take('sybil-x')).toBe(true);
    expect(budget.take('sybil-y')).toBe(false);
  });

  it('remembers a peer that spent its budget while thousands of others pass by', () => {
    const c = clock();
    const budget = new LinkBudget(c.now);
    takes(budget, 'spender', PEER_BURST);
    for (let i = 0; i < 3000; i++) budget.take(`passer-${i}`);
    // The total has refilled by one; the spender's own budget has not, and forgetting it would refill it.
    c.t += TOTAL_REFILL_MS;
    expect(budget.take('spender')).toBe(false);
    expect(budget.take('newcomer')).toBe(true);
  });
});
