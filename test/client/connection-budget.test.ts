import { describe, expect, it } from 'vitest';
import { DEFAULT_M } from '../../shared/constants';
import { ringSize } from '../../shared/ring/id';
import { LINK_IDLE_MS, MAX_LINK_BUDGET, MIN_LINK_BUDGET, estimateRingSize, linkBudget, linksToClose, type LinkUse } from '../../client/net/connection-budget';

const SIZE = ringSize(DEFAULT_M);

/** Keys of a ring of `n` evenly spaced peers, around peer 0. */
function evenRing(n: number, r: number) {
  const key = (i: number) => (((SIZE / BigInt(n)) * BigInt(i)) % SIZE + SIZE) % SIZE;
  return {
    m: DEFAULT_M,
    selfKey: key(0),
    successorKeys: Array.from({ length: r }, (_, i) => key(i + 1)),
    predecessorKeys: Array.from({ length: r }, (_, i) => key(-(i + 1))),
    wrapped: false,
    known: 2 * r,
  };
}

describe('estimateRingSize', () => {
  it('reads the ring size from the spacing of the successor and predecessor lists', () => {
    for (const n of [12, 100, 5000]) expect(estimateRingSize(evenRing(n, 3))).toBeCloseTo(n, -1);
  });

  it('is exact once the predecessor list has gone round the ring', () => {
    expect(estimateRingSize({ ...evenRing(3, 2), wrapped: true })).toBe(3);
  });

  it('reads a list that holds a peer from our other side as a wider arc, never a narrower one', () => {
    const even = evenRing(12, 3);
    // Mid-change, the predecessor list copied from a neighbour ends with our second successor: measured from that
    // last entry, six gaps would span one gap's arc and read as a ring of 72.
    const mixed = { ...even, predecessorKeys: [...even.predecessorKeys.slice(0, 2), even.successorKeys[1]!] };
    expect(estimateRingSize(mixed)).toBeLessThanOrEqual(12);
    expect(estimateRingSize({ ...even, successorKeys: [...even.successorKeys].reverse() })).toBeCloseTo(12, -1);
  });

  it('is never below the peers it knows, and 1 alone', () => {
    expect(estimateRingSize({ ...evenRing(1000, 3), known: 2500 })).toBe(2501);
    expect(estimateRingSize({ m: DEFAULT_M, selfKey: 5n, successorKeys: [], predecessorKeys: [], wrapped: false, known: 0 })).toBe(1);
  });
});

describe('linkBudget', () => {
  it('is 2·ceil(log2 N) + r between the floor and the ceiling', () => {
    expect(linkBudget(12, 3)).toBe(11);
    expect(linkBudget(1024, 3)).toBe(23);
    expect(linkBudget(1, 3)).toBe(MIN_LINK_BUDGET);
    expect(linkBudget(2 ** 40, 3)).toBe(MAX_LINK_BUDGET);
  });
});

describe('linksToClose', () => {
  const now = 100_000;
  const idle = (peer: string, ago: number, busy = false): LinkUse => ({ peer, lastUsed: now - ago, busy });
  const opts = (budget: number, neighbours: string[] = [], fingers: string[] = []) => ({
    budget,
    neighbours: new Set(neighbours),
    fingers: new Set(fingers),
    now,
    idleMs: LINK_IDLE_MS,
  });

  it('closes nothing within the budget', () => {
    expect(linksToClose([idle('a', 9000), idle('b', 9000)], opts(2))).toEqual([]);
  });

  it('closes other links before fingers, each least recently used first', () => {
    const links = [idle('finger-old', 60_000), idle('x-recent', 5000), idle('x-old', 30_000), idle('finger-new', 4000)];
    expect(linksToClose(links, opts(3, [], ['finger-old', 'finger-new']))).toEqual(['x-old']);
    expect(linksToClose(links, opts(1, [], ['finger-old', 'finger-new']))).toEqual(['x-old', 'x-recent', 'finger-old']);
  });

  it('never closes a neighbour, a busy link or one just used, even if the budget stays exceeded', () => {
    const links = [idle('succ', 60_000), idle('busy', 60_000, true), idle('fresh', LINK_IDLE_MS - 1), idle('spare', 60_000)];
    expect(linksToClose(links, opts(0, ['succ']))).toEqual(['spare']);
  });
});
