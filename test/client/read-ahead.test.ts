import { describe, expect, it } from 'vitest';
import { readAhead } from '../../client/storage/read-ahead';

/** A store of chunks `${root}:${index}` that records each request's indexes. */
function store(chunks: number) {
  const requests: number[][] = [];
  const written = new Set(Array.from({ length: chunks }, (_, i) => i));
  const fetchMany = async (root: string, indexes: number[]) => {
    requests.push(indexes);
    return indexes.map((i) => (written.has(i) ? `${root}:${i}` : undefined));
  };
  return { requests, written, fetchMany };
}

describe('readAhead', () => {
  it('reads a window of chunks in order with one request per `ahead` chunks', async () => {
    const s = store(40);
    const read = readAhead(s.fetchMany, 16, 64);
    const got = await Promise.all(Array.from({ length: 32 }, (_, i) => read('r', i)));
    expect(got).toEqual(Array.from({ length: 32 }, (_, i) => `r:${i}`));
    expect(s.requests.map((r) => r[0])).toEqual([0, 16]);
    expect(s.requests.every((r) => r.length === 16)).toBe(true);
  });

  it('reads again a chunk that was not there when it was read ahead', async () => {
    const s = store(2);
    const read = readAhead(s.fetchMany, 4, 64);
    expect(await read('r', 0)).toBe('r:0');
    s.written.add(2);
    expect(await read('r', 2)).toBe('r:2');
    expect(await read('r', 3)).toBeUndefined();
  });

  it('keeps at most `keep` chunks read ahead, and never mixes files', async () => {
    const s = store(100);
    const read = readAhead(s.fetchMany, 10, 12);
    await read('a', 0);
    await read('b', 0);
    expect(await read('b', 1)).toBe('b:1');
    expect(s.requests).toHaveLength(2);
    expect(await read('a', 1)).toBe('a:1'); // evicted: read again
    expect(s.requests).toHaveLength(3);
  });

  it('a failed read ahead fails no later read', async () => {
    let fail = true;
    const read = readAhead(
      async (root, indexes) => {
        if (fail) throw new Error('store closed');
        return indexes.map((i) => `${root}:${i}`);
      },
      4,
      16,
    );
    await expect(read('r', 0)).rejects.toThrow('store closed');
    fail = false;
    expect(await read('r', 1)).toBe('r:1');
  });
});
