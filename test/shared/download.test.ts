/** The windowed download (shared/transfer/download.ts): which replica is asked for which chunk, and what comes out. */
import { describe, expect, it } from 'vitest';
import { RANGE_CHUNKS, download } from '../../shared/transfer/download';
import { sourceFromBytes } from '../../shared/transfer/source';
import { syncDigest } from '../../shared/sim/digest';
import type { Address } from '../../shared/ring/types';

const CHUNK = 64;
const CHUNKS = RANGE_CHUNKS * 6 + 5;
const WINDOW = 4;

function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
}

/** Replicas serving `file`; `delayMs` per source sets how slow each answers (a macrotask of that length per chunk). */
async function setup(sources: Address[], delayMs: Record<Address, number> = {}, corrupt: Address[] = []) {
  const file = bytes(CHUNK * CHUNKS);
  const { meta, read } = await sourceFromBytes('f.bin', file, CHUNK, syncDigest);
  const asked = new Map<Address, number[]>(sources.map((s) => [s, []]));
  const got = new Uint8Array(file.length);
  const written: number[] = [];
  const fetch = async (source: Address, index: number) => {
    asked.get(source)!.push(index);
    await new Promise((resolve) => setTimeout(resolve, delayMs[source] ?? 0));
    const data = await read(index);
    return corrupt.includes(source) ? data.map((b) => b ^ 1) : data;
  };
  const write = async (index: number, data: Uint8Array) => {
    got.set(data, index * CHUNK);
    written.push(index);
  };
  return { file, meta, asked, got, written, fetch, write };
}

describe('download', () => {
  it('without spread, asks the first replica for every chunk, in file order', async () => {
    const t = await setup(['a', 'b', 'c']);
    await download({ meta: t.meta, sources: ['a', 'b', 'c'], window: WINDOW, digest: syncDigest, fetch: t.fetch, write: t.write });
    expect(t.got).toEqual(t.file);
    expect(t.asked.get('a')).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    expect(t.asked.get('b')).toEqual([]);
  });

  it('spread, asks every replica, each for disjoint runs of consecutive chunks, every chunk once', async () => {
    const t = await setup(['a', 'b', 'c']);
    await download({ meta: t.meta, sources: ['a', 'b', 'c'], window: WINDOW, spread: true, digest: syncDigest, fetch: t.fetch, write: t.write });
    expect(t.got).toEqual(t.file);
    const all = [...t.asked.values()].flat().sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    for (const [source, indexes] of t.asked) {
      expect(indexes.length, source).toBeGreaterThan(0);
      // Ranges: most steps from one asked chunk to the next are +1.
      const steps = indexes.slice(1).filter((index, i) => index === indexes[i]! + 1).length;
      expect(steps, source).toBeGreaterThanOrEqual(indexes.length * 0.75);
    }
  });

  it('spread, a slow replica is given fewer chunks than the fast ones', async () => {
    const t = await setup(['slow', 'fast1', 'fast2'], { slow: 20 });
    await download({ meta: t.meta, sources: ['slow', 'fast1', 'fast2'], window: WINDOW, spread: true, digest: syncDigest, fetch: t.fetch, write: t.write });
    expect(t.got).toEqual(t.file);
    expect(t.asked.get('slow')!.length).toBeLessThan(t.asked.get('fast1')!.length);
    expect(t.asked.get('slow')!.length).toBeLessThan(t.asked.get('fast2')!.length);
  });

  it('spread, the chunks of a replica that sends bad bytes come from the others, and it is asked no more', async () => {
    const t = await setup(['bad', 'b', 'c'], {}, ['bad']);
    const corrupt: number[] = [];
    await download({
      meta: t.meta,
      sources: ['bad', 'b', 'c'],
      window: WINDOW,
      spread: true,
      digest: syncDigest,
      fetch: t.fetch,
      write: t.write,
      onCorrupt: (_source, index) => corrupt.push(index),
    });
    expect(t.got).toEqual(t.file);
    // One window of requests was in flight when its first bad chunk came back.
    expect(t.asked.get('bad')!.length).toBeLessThanOrEqual(WINDOW);
    expect(corrupt.length).toBe(t.asked.get('bad')!.length);
  });

  it('spread, a resumed download asks for none of the chunks it has', async () => {
    const t = await setup(['a', 'b']);
    const have = new Set(Array.from({ length: CHUNKS }, (_, i) => i).filter((i) => i % 3 !== 0));
    await download({ meta: t.meta, sources: ['a', 'b'], have, window: WINDOW, spread: true, digest: syncDigest, fetch: t.fetch, write: t.write });
    expect([...t.asked.values()].flat().sort((x, y) => x - y)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i).filter((i) => i % 3 === 0));
  });

  it('spread, an abort stops it with an AbortError-coded error before the rest is asked', async () => {
    const t = await setup(['a', 'b', 'c']);
    const controller = new AbortController();
    const run = download({
      meta: t.meta,
      sources: ['a', 'b', 'c'],
      window: WINDOW,
      spread: true,
      digest: syncDigest,
      fetch: t.fetch,
      write: async (index, data) => {
        await t.write(index, data);
        if (t.written.length === 5) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ code: 'aborted' });
    expect([...t.asked.values()].flat().length).toBeLessThan(CHUNKS);
  });
});
