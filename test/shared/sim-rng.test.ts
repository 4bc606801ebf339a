import { describe, expect, it } from 'vitest';
import { Rng } from '../../shared/sim/rng';

describe('Rng', () => {
  it('replays the same sequence for the same seed and a different one for another seed', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const seqA = Array.from({ length: 100 }, () => a.uint32());
    expect(Array.from({ length: 100 }, () => b.uint32())).toEqual(seqA);
    expect(Array.from({ length: 100 }, () => c.uint32())).not.toEqual(seqA);
  });

  it('draws uniformly over [0, 1) and over integer ranges, ends included', () => {
    const rng = new Rng(1);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      if (!(x >= 0 && x < 1)) outside++;
      else buckets[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(3, 6));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    expect(() => rng.int(5, 4)).toThrow(RangeError);
    expect(() => rng.below(0)).toThrow(RangeError);
  });

  it('makes bigints of exactly the asked width', () => {
    const rng = new Rng(2);
    for (const bits of [1, 8, 31, 32, 33, 64, 160]) {
      let max = 0n;
      for (let i = 0; i < 200; i++) {
        const x = rng.bigint(bits);
        expect(x >= 0n && x < 1n << BigInt(bits)).toBe(true);
        if (x > max) max = x;
      }
      // The top bit shows up: the value really spans the width.
      expect(max >= 1n << BigInt(bits - 1)).toBe(true);
    }
  });

  it('shuffles into a permutation, picks members, makes bytes of the asked length', () => {
    const rng = new Rng(3);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = rng.shuffle([...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
    expect(items).toContain(rng.pick(items));
    expect(() => rng.pick([])).toThrow(RangeError);
    for (const n of [0, 1, 5, 33]) expect(rng.bytes(n)).toHaveLength(n);
    expect(rng.bytes(64).some((b) => b !== 0)).toBe(true);
  });

  it('forks independent streams deterministically', () => {
    const a = new Rng(9).fork();
    const b = new Rng(9).fork();
    expect(a.uint32()).toBe(b.uint32());
    const parent = new Rng(9);
    const child = parent.fork();
    expect(child.uint32()).not.toBe(parent.uint32());
  });
});
