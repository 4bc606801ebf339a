import { describe, expect, it } from 'vitest';
import { chunkReader, sourceFromBlob, type BlobLike } from '../../client/dht/blob-source';
import { syncDigest } from '../../shared/sim/digest';
import { sourceFromBytes } from '../../shared/transfer/source';

const CHUNK = 1000;

/** A Blob of `size` bytes (byte i is i·7 mod 251) that counts the streams opened on it; `failFirst` streams error at once. */
function countingBlob(size: number, failFirst = 0) {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7) % 251);
  const blob = new Blob([bytes]);
  const opened: number[] = [];
  const like: BlobLike = {
    size,
    slice: (start?: number) => {
      opened.push(start ?? 0);
      if (opened.length <= failFirst) {
        return { stream: () => new ReadableStream({ type: 'bytes', pull: (c) => c.error(new Error('disk went away')) }) } as Blob;
      }
      return blob.slice(start);
    },
  };
  const expected = (index: number) => bytes.subarray(index * CHUNK, Math.min(size, (index + 1) * CHUNK));
  return { like, opened, expected };
}

describe('chunkReader', () => {
  it('reads every chunk, the short last one included, from one stream when asked in order', async () => {
    const b = countingBlob(10 * CHUNK + 123);
    const read = chunkReader(b.like, CHUNK);
    for (let i = 0; i <= 10; i++) expect(await read(i)).toEqual(b.expected(i));
    expect(b.opened).toEqual([0]);
  });

  it('answers concurrent requests in any order with the right bytes', async () => {
    const b = countingBlob(20 * CHUNK);
    const read = chunkReader(b.like, CHUNK);
    const order = [3, 0, 1, 2, 5, 4, 7, 6, 9, 8];
    const got = await Promise.all(order.map((i) => read(i)));
    got.forEach((data, k) => expect(data).toEqual(b.expected(order[k]!)));
  });

  it('reads through a small gap ahead, reopens the stream for a big jump or a chunk it no longer keeps', async () => {
    const b = countingBlob(60 * CHUNK);
    const read = chunkReader(b.like, CHUNK);
    await read(0);
    expect(await read(3)).toEqual(b.expected(3));
    expect(b.opened).toEqual([0]);
    expect(await read(1)).toEqual(b.expected(1)); // kept from reading through
    expect(b.opened).toEqual([0]);
    expect(await read(40)).toEqual(b.expected(40));
    expect(b.opened).toEqual([0, 40 * CHUNK]);
    expect(await read(2)).toEqual(b.expected(2)); // still among the kept ones
    for (let i = 41; i < 58; i++) await read(i);
    expect(await read(2)).toEqual(b.expected(2)); // long gone: read again
    expect(b.opened).toEqual([0, 40 * CHUNK, 2 * CHUNK]);
  });

  it('fails a read whose stream fails, and the next read opens the stream again', async () => {
    const b = countingBlob(5 * CHUNK, 1);
    const read = chunkReader(b.like, CHUNK);
    await expect(read(0)).rejects.toThrow('disk went away');
    expect(await read(0)).toEqual(b.expected(0));
    expect(await read(1)).toEqual(b.expected(1));
    expect(b.opened).toEqual([0, 0]);
  });

  it('says so when the file is shorter than its size (changed while being put)', async () => {
    const b = countingBlob(3 * CHUNK);
    const shrunk: BlobLike = { size: 4 * CHUNK, slice: (start?: number) => b.like.slice(start) };
    const read = chunkReader(shrunk, CHUNK);
    await expect(read(3)).rejects.toThrow(/ended 1000 bytes early/);
  });

  it('refuses an index outside the file', async () => {
    const read = chunkReader(countingBlob(2 * CHUNK).like, CHUNK);
    await expect(read(2)).rejects.toThrow(RangeError);
    await expect(read(-1)).rejects.toThrow(RangeError);
  });
});

describe('sourceFromBlob', () => {
  it('describes a file exactly as from its bytes (every chunk hash, the root), and serves its chunks', async () => {
    for (const size of [0, 1, CHUNK, 37 * CHUNK + 5]) {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 13 + size) % 256);
      const progress: number[] = [];
      const fromBlob = await sourceFromBlob('f.bin', new Blob([bytes]), CHUNK, syncDigest, (done) => progress.push(done));
      const fromBytes = await sourceFromBytes('f.bin', bytes, CHUNK, syncDigest);
      expect(fromBlob.meta).toEqual(fromBytes.meta);
      expect(progress.at(-1) ?? 0).toBe(size);
      if (size > 0) expect(await fromBlob.read(fromBlob.meta.chunks - 1)).toEqual(await fromBytes.read(fromBytes.meta.chunks - 1));
    }
  });
});
