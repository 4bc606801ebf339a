import { describe, expect, it } from 'vitest';
import { arcPath, ringFraction, ringPoint } from '../../client/ui/ring-geometry';

const N64 = 1n << 64n;

describe('ringFraction', () => {
  it('places keys as a fraction of the ring, number or bigint', () => {
    expect(ringFraction(0, 64)).toBe(0);
    expect(ringFraction(16, 64)).toBe(0.25);
    expect(ringFraction(N64 / 2n, N64)).toBe(0.5);
    expect(ringFraction(3n * (N64 / 4n), N64)).toBe(0.75);
  });

  it('keeps 64-bit keys apart that a double would merge', () => {
    // Number(N64 - 1n) rounds to 2^64, which would put the last key at a full turn, on top of key 0.
    const last = ringFraction(N64 - 1n, N64);
    expect(last).toBeLessThan(1);
    expect(last).toBeGreaterThan(0.999999);
    expect(ringFraction(N64 / 3n, N64)).toBeCloseTo(1 / 3, 15);
  });

  it('refuses keys outside the ring', () => {
    expect(() => ringFraction(64, 64)).toThrow(RangeError);
    expect(() => ringFraction(-1n, N64)).toThrow(RangeError);
    expect(() => ringFraction(0, 0)).toThrow(RangeError);
  });
});

describe('ringPoint', () => {
  it('puts key 0 at the top and goes clockwise on screen (y grows down)', () => {
    const at = (key: number) => ringPoint(key, 64, 100);
    expect(at(0).x).toBeCloseTo(0);
    expect(at(0).y).toBeCloseTo(-100);
    expect(at(16).x).toBeCloseTo(100);
    expect(at(16).y).toBeCloseTo(0);
    expect(at(32).y).toBeCloseTo(100);
    expect(at(48).x).toBeCloseTo(-100);
  });

  it('defaults to the unit circle', () => {
    const { x, y } = ringPoint(N64 / 8n, N64);
    expect(Math.hypot(x, y)).toBeCloseTo(1);
    expect(x).toBeCloseTo(Math.SQRT1_2);
  });
});

describe('arcPath', () => {
  it('draws a short clockwise arc with the small-arc flag', () => {
    expect(arcPath(0, 16, 64, 100)).toBe('M 0 -100 A 100 100 0 0 1 100 0');
  });

  it('uses the large-arc flag past half a turn, also across key 0', () => {
    expect(arcPath(0, 48, 64, 100)).toBe('M 0 -100 A 100 100 0 1 1 -100 0');
    // From 48 clockwise through 0 to 16 is half a turn exactly: not large.
    expect(arcPath(48, 16, 64, 100)).toBe('M -100 0 A 100 100 0 0 1 100 0');
    expect(arcPath(40, 32, 64, 100)).toMatch(/ 0 1 1 /);
  });

  it('gives the whole circle for equal keys (a peer alone answers for every key)', () => {
    expect(arcPath(5n, 5n, N64, 50)).toBe('M 0 -50 A 50 50 0 1 1 0 50 A 50 50 0 1 1 0 -50');
  });
});
