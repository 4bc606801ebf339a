import { describe, expect, it } from 'vitest';
import { megabytesPerSecond, median, quantile, round } from '../../bench/stats';

describe('bench statistics', () => {
  it('takes quantiles by nearest rank, whatever the input order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
    expect(quantile(values, 0)).toBe(1);
    expect(quantile([7], 0.99)).toBe(7);
    expect(values[0]).toBe(100); // the input is not sorted in place
  });

  it('gives the middle run of an odd count and the midpoint of an even one', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([10, 2, 4, 8])).toBe(6);
    expect(median([5])).toBe(5);
  });

  it('refuses what has no answer', () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    expect(() => megabytesPerSecond(1000, 0)).toThrow(RangeError);
  });

  it('reports throughput in decimal megabytes per second', () => {
    expect(megabytesPerSecond(64 * 1024 * 1024, 5000)).toBeCloseTo(13.42, 2);
    expect(megabytesPerSecond(1e6, 1000)).toBe(1);
    expect(round(2.345678)).toBe(2.35);
    expect(round(2.345678, 3)).toBe(2.346);
  });
});
