import { describe, expect, it } from 'vitest';
import { formatTable, summary, type BenchResults } from '../../bench/report';

function results(over: Partial<BenchResults> = {}): BenchResults {
  return {
    machine: { cpus: 2, chromium: '156.0.8078.108', node: 'v20.20.2', loadAverage: 0.5 },
    quick: false,
    transfer: {
      fileBytes: 64 * 1024 * 1024,
      rawChunkBytes: 262144,
      rawMBps: 12.5,
      rawProbeMBps: { '262144': 12.1 },
      putMBps: 10.1,
      replicatedMBps: 4.2,
      getMBps: 11.2,
      ratio: 0.81,
      tabs: 5,
      runs: 3,
    },
    memory: { fileBytes: 1024 ** 3, senderPeakHeapMiB: 12.3, receiverPeakHeapMiB: 70.2, holdersPeakHeapMiB: 20, putSeconds: 100, getSeconds: 90, tabs: 3, replicas: 1 },
    lookup: [{ nodes: 64, meanHops: 2.65, p99Hops: 5, bound: 4, runs: 3, lookups: 2000, wrongLookups: 0 }],
    joinMs: 850,
    recoveryMs: 2310,
    signaling: { clients: 1000, p50Ms: 1.5, p99Ms: 26.5, perClientPerSecond: 5, samples: 20000, runs: 3 },
    join: { tabs: 10, runs: 3, ringMs: 900 },
    recovery: { tabs: 10, files: 100, runs: 3 },
    errors: {},
    sectionSeconds: {},
    ...over,
  };
}

const rowOf = (table: string, figure: string) => table.split('\n').find((line) => line.startsWith(`| ${figure}`));

describe('results table', () => {
  it('has one aligned Markdown row per figure, with goals met or missed', () => {
    const table = formatTable(results());
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\| figure +\| result +\| goal +\|$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(rowOf(table, 'raw data channel')).toContain('12.5 MB/s (256 KiB messages)');
    expect(rowOf(table, 'ring put until owner + 2 backups hold it, 64 MiB')).toContain('4.2 MB/s');
    expect(rowOf(table, 'min(put, get) / raw')).toContain('≥ 0.8: met');
    expect(rowOf(table, 'peak JS heap, putting tab, 1 GiB')).toContain('< 64 MiB: met');
    expect(rowOf(table, 'peak JS heap, getting tab, 1 GiB')).toContain('70.2 MiB');
    expect(rowOf(table, 'peak JS heap, getting tab')).toContain('< 64 MiB: missed');
    expect(rowOf(table, 'peak JS heap, holding tabs, 1 GiB (3 tabs, 1 copy)')).toContain('20 MiB');
    expect(rowOf(table, 'lookup hops, N = 64')).toContain('mean ≤ 4: met');
    expect(rowOf(table, 'join, new tab into 9 tabs')).toContain('850 ms');
    expect(rowOf(table, 'join, new tab into 9 tabs')).toContain('< 1.00 s: met');
    expect(rowOf(table, 'recovery from a crash, 10 tabs, 100 files')).toContain('2.31 s');
    expect(rowOf(table, 'recovery from a crash')).toContain('< 3.00 s: met');
    expect(rowOf(formatTable(results({ joinMs: 1290 })), 'join, new tab')).toContain('< 1.00 s: missed');
    expect(rowOf(table, 'signaling relay, 1000 clients')).toContain('p50 1.5 ms, p99 26.5 ms');
  });

  it('leaves out what did not run and names what failed, in one short line', () => {
    const table = formatTable(
      results({
        transfer: { ...results().transfer!, putMBps: null, replicatedMBps: null, getMBps: null, ratio: null },
        memory: null,
        lookup: null,
        errors: { transfer: `put failed | header of 73498 bytes is over 32768\n    at Xe.put (index.js:1:34289)${'x'.repeat(200)}` },
      }),
    );
    expect(rowOf(table, 'raw data channel')).toBeDefined();
    expect(rowOf(table, 'ring put')).toBeUndefined();
    expect(rowOf(table, 'min(put')).toBeUndefined();
    expect(rowOf(table, 'peak JS heap')).toBeUndefined();
    expect(rowOf(table, 'lookup')).toBeUndefined();
    const failed = rowOf(table, 'transfer: FAILED')!;
    expect(failed).toContain('put failed / header of 73498 bytes is over 32768');
    expect(failed).not.toContain('Xe.put');
    expect(failed.split('|')).toHaveLength(5);
  });

  it('cuts a long error to the first line within the limit', () => {
    expect(summary('a'.repeat(300)).length).toBe(160);
    expect(summary('page.evaluate: RingError: put failed')).toBe('RingError: put failed');
    expect(summary('first\nsecond')).toBe('first');
  });
});
