import { describe, expect, it } from 'vitest';
import { CopyTracker } from '../../soak/copies';
import { parseSoakOptions } from '../../soak/options';

const sample = (atMs: number, copies: Record<string, number>) => ({ atMs, copies: new Map(Object.entries(copies)) });

describe('CopyTracker', () => {
  it('adds up each file\'s time at one copy and its longest stretch', () => {
    const t = new CopyTracker(3);
    t.add(sample(0, { a: 3, b: 3 }), ['a', 'b']);
    t.add(sample(1000, { a: 1, b: 2 }), ['a', 'b']);
    t.add(sample(2000, { a: 1, b: 1 }), ['a', 'b']);
    t.add(sample(3000, { a: 3, b: 3 }), ['a', 'b']);
    expect(t.add(sample(4000, { a: 1, b: 3 }), ['a', 'b'])).toEqual({ underReplicated: 1, oneCopy: 1, noCopy: 0 });
    expect(t.oneCopy(['a', 'b'])).toEqual({ totalMs: [3000, 1000], longestMs: 2000, files: 2 });
  });

  it('times each crash until a sample sees every file at r copies', () => {
    const t = new CopyTracker(3);
    t.crashed(500);
    t.add(sample(1000, { a: 2 }), ['a']);
    t.crashed(1500);
    t.add(sample(2000, { a: 2 }), ['a']);
    t.add(sample(3000, { a: 3 }), ['a']);
    t.crashed(3500);
    expect(t.repairs()).toEqual([2500, 1500, undefined]);
  });
});

describe('soak options', () => {
  it('defaults to the issue\'s full size and takes each option', () => {
    expect(parseSoakOptions([])).toEqual({ ok: true, plan: { tabs: 16, churnMs: 600_000, files: 400, maxFileBytes: 64 * 1024 * 1024, seed: 3 } });
    expect(parseSoakOptions(['--tabs', '6', '--minutes=2', '--files', '40', '--max-file-mib', '4', '--seed', '1'])).toEqual({
      ok: true,
      plan: { tabs: 6, churnMs: 120_000, files: 40, maxFileBytes: 4 * 1024 * 1024, seed: 1 },
    });
  });

  it('refuses what it cannot run', () => {
    for (const argv of [['--tabs', '2'], ['--files', '1.5'], ['--minutes'], ['--colour', '1'], ['stray']]) expect(parseSoakOptions(argv).ok).toBe(false);
  });
});
