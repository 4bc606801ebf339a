import { describe, expect, it } from 'vitest';
import { lookupChart } from '../../bench/chart';
import type { LookupPoint } from '../../bench/lookup';

const point = (nodes: number, meanHops: number, p99Hops: number): LookupPoint => ({
  nodes,
  meanHops,
  p99Hops,
  bound: 0.5 * Math.log2(nodes) + 1,
  runs: 3,
  lookups: 2000,
  wrongLookups: 0,
});

/** The [x, y] pairs of one series' polyline. */
function series(svg: string, label: string): Array<[number, number]> {
  const match = new RegExp(`<polyline data-series="${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" points="([^"]*)"`).exec(svg);
  if (!match) throw new Error(`no series ${label}`);
  return match[1]!.split(' ').map((pair) => pair.split(',').map(Number) as [number, number]);
}

describe('lookup chart', () => {
  const points = [point(256, 3.6, 6), point(64, 2.6, 5), point(4096, 5.7, 9), point(1024, 4.7, 8)];
  const svg = lookupChart(points);

  it('is one SVG document with a labelled tick for each ring size', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    for (const n of [64, 256, 1024, 4096]) expect(svg).toContain(`>${n}</text>`);
  });

  it('draws each series left to right by ring size, higher hops higher up', () => {
    const mean = series(svg, 'mean hops');
    const p99 = series(svg, 'p99 hops');
    const bound = series(svg, '½·log₂N + 1');
    for (const line of [mean, p99, bound]) expect(line).toHaveLength(4);
    const xs = mean.map(([x]) => x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // Log scale: 64 → 256 → 1024 → 4096 are evenly spaced.
    expect(xs[1]! - xs[0]!).toBeCloseTo(xs[3]! - xs[2]!, 0);
    // SVG y grows downwards: p99 above the mean at every size.
    mean.forEach(([, y], i) => expect(p99[i]![1]).toBeLessThan(y));
    expect(mean[3]![1]).toBeLessThan(mean[0]![1]);
  });

  it('draws a single ring size mid-axis and refuses an empty chart', () => {
    const one = series(lookupChart([point(64, 2.6, 5)]), 'mean hops');
    expect(one).toHaveLength(1);
    expect(Number.isFinite(one[0]![0])).toBe(true);
    expect(() => lookupChart([])).toThrow(RangeError);
  });
});
