import { describe, expect, it } from 'vitest';
import type { FileMeta } from '../../shared/ring/types';
import { MemoryStore } from '../../shared/sim/memory-store';

function meta(name: string, root: string, chunks: number): FileMeta {
  return { name, size: chunks * 4, chunkSize: 4, chunks, chunkHashes: Array.from({ length: chunks }, (_, i) => `h${i}`), root };
}

async function write(store: MemoryStore, root: string, chunks: number, fill = 1): Promise<void> {
  for (let i = 0; i < chunks; i++) await store.putChunk(root, i, new Uint8Array(4).fill(fill + i));
}

describe('MemoryStore', () => {
  it('hides a file until commit and copies bytes in and out', async () => {
    const store = new MemoryStore();
    const bytes = new Uint8Array([1, 2, 3, 4]);
    await store.putChunk('r1', 0, bytes);
    bytes[0] = 9;
    expect(await store.list()).toEqual([]);
    await store.commit(meta('a.txt', 'r1', 1), 'file');
    const out = await store.getChunk('r1', 0);
    expect(out).toEqual(new Uint8Array([1, 2, 3, 4]));
    out![1] = 9;
    expect(await store.getChunk('r1', 0)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(await store.getChunk('r1', 1)).toBeUndefined();
    const listed = await store.list();
    expect(listed).toEqual([{ meta: meta('a.txt', 'r1', 1), role: 'file' }]);
    listed[0]!.meta.chunkHashes.push('tampered');
    expect((await store.list())[0]!.meta.chunkHashes).toEqual(['h0']);
  });

  it('refuses to commit a file whose chunks were not all written', async () => {
    const store = new MemoryStore();
    await write(store, 'r1', 2);
    await expect(store.commit(meta('a', 'r1', 3), 'file')).rejects.toMatchObject({ code: 'missing-chunk' });
    expect(await store.list()).toEqual([]);
  });

  it('replaces an older version of a name and frees its chunks', async () => {
    const store = new MemoryStore();
    await write(store, 'old', 2);
    await store.commit(meta('a', 'old', 2), 'backup');
    await write(store, 'new', 1);
    await store.commit(meta('a', 'new', 1), 'file');
    expect(await store.list()).toEqual([{ meta: meta('a', 'new', 1), role: 'file' }]);
    expect(await store.getChunk('old', 0)).toBeUndefined();
    expect(store.bytesUsed).toBe(4);
    expect(store.chunkCount).toBe(1);
  });

  it('keeps chunks another name still uses when one name is removed', async () => {
    const store = new MemoryStore();
    await write(store, 'same', 1);
    await store.commit(meta('a', 'same', 1), 'file');
    await store.commit(meta('b', 'same', 1), 'backup');
    await store.remove('a');
    expect(await store.getChunk('same', 0)).toBeDefined();
    await store.remove('b');
    expect(await store.getChunk('same', 0)).toBeUndefined();
    expect(store.bytesUsed).toBe(0);
    await store.remove('never-there');
  });

  it('changes roles, and refuses an unknown name', async () => {
    const store = new MemoryStore();
    await write(store, 'r', 1);
    await store.commit(meta('a', 'r', 1), 'backup');
    await store.setRole('a', 'file');
    expect((await store.list())[0]!.role).toBe('file');
    await expect(store.setRole('b', 'file')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('discards an unfinished transfer but never a committed file', async () => {
    const store = new MemoryStore();
    await write(store, 'partial', 3);
    await store.discard('partial', 3);
    expect(store.chunkCount).toBe(0);
    await write(store, 'done', 1);
    await store.commit(meta('a', 'done', 1), 'file');
    await store.discard('done', 1);
    expect(await store.getChunk('done', 0)).toBeDefined();
  });

  it('throws quota-exceeded past its quota, counting a rewritten chunk once', async () => {
    const store = new MemoryStore({ quotaBytes: 10 });
    await store.putChunk('r', 0, new Uint8Array(4));
    await store.putChunk('r', 1, new Uint8Array(4));
    await store.putChunk('r', 1, new Uint8Array(6));
    expect(store.bytesUsed).toBe(10);
    await expect(store.putChunk('r', 2, new Uint8Array(1))).rejects.toMatchObject({ code: 'quota-exceeded', message: expect.stringMatching(/quota exceeded/) });
    expect(store.bytesUsed).toBe(10);
    await store.discard('r', 2);
    await store.putChunk('r', 2, new Uint8Array(10));
  });
});
