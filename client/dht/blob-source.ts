/** A file to put, read from a Blob a chunk at a time through its stream, so a large file is never whole in memory. */
import { throwIfAborted } from '../../shared/ring/errors';
import type { ChunkSource, Digest } from '../../shared/ring/types';
import { toHex } from '../../shared/ring/id';
import { fileMeta, HASHES_IN_FLIGHT } from '../../shared/transfer/meta';

/** Recent chunks kept: the owner's window of chunk requests (with a retry or two) stays within this many of the newest. */
const CHUNKS_KEPT = 12;
/** A request this far ahead of the stream is read through to; further, the stream is opened again there. */
const MAX_SKIP_CHUNKS = 4;

/** The part of Blob a chunk reader uses. */
export type BlobLike = Pick<Blob, 'size' | 'slice'>;

/**
 * Readers with a read pending, held here. A pending read of a Blob's stream is otherwise reachable only from
 * its own promise chain, and Chromium collects such a chain with the read never settling: a put's hashing
 * stopped for good, no chunk hashed, in 3 of about 40 runs of abort.test.ts, and in a page collecting garbage
 * every 2 ms 30 reads of 30 hung unheld, none held (WebKit fixed the same in its Blob streams, bug 302685).
 */
const reading = new Set<ReadableStreamBYOBReader>();

/**
 * Fills the first `length` bytes of `buffer` from a byte stream. The buffer is transferred to the stream on
 * every read and comes back as another ArrayBuffer object over the same memory: the one returned is usable.
 */
async function readInto(reader: ReadableStreamBYOBReader, buffer: ArrayBuffer, length: number): Promise<ArrayBuffer> {
  let filled = 0;
  reading.add(reader);
  try {
    while (filled < length) {
      const { done, value } = await reader.read(new Uint8Array(buffer, filled, length - filled));
      if (done || !value) throw new Error(`the file ended ${length - filled} bytes early: was it changed while being put?`);
      buffer = value.buffer as ArrayBuffer;
      filled += value.byteLength;
    }
  } finally {
    reading.delete(reader);
  }
  return buffer;
}

/**
 * Reads chunk `index` of a Blob. Chunks are read in order from the Blob's byte stream into buffers of
 * their own (a `Blob.slice` costs milliseconds in Chromium, as it registers a new blob with the browser
 * process, while a stream read costs microseconds: a 64 MiB file took about a second to read in slices of
 * 960 KiB, 0.4 s through its stream).
 * A request behind the stream, or far ahead of it, reopens the stream at that chunk. Reads are serialised:
 * one stream, one position.
 */
export function chunkReader(blob: BlobLike, chunkSize: number): (index: number) => Promise<Uint8Array> {
  const chunks = Math.ceil(blob.size / chunkSize);
  const kept = new Map<number, Uint8Array>();
  let cursor: { reader: ReadableStreamBYOBReader; next: number } | undefined;
  let turn: Promise<unknown> = Promise.resolve();

  const lengthOf = (index: number) => Math.min(chunkSize, blob.size - index * chunkSize);

  function close(): void {
    cursor?.reader.cancel().catch(() => undefined);
    cursor = undefined;
  }

  async function readThrough(index: number): Promise<Uint8Array> {
    const held = kept.get(index);
    if (held) return held;
    if (!cursor || index < cursor.next || index > cursor.next + MAX_SKIP_CHUNKS) {
      close();
      cursor = { reader: blob.slice(index * chunkSize).stream().getReader({ mode: 'byob' }), next: index };
    }
    try {
      while (cursor.next <= index) {
        const length = lengthOf(cursor.next);
        const data = new Uint8Array(await readInto(cursor.reader, new ArrayBuffer(length), length), 0, length);
        kept.set(cursor.next++, data);
        if (kept.size > CHUNKS_KEPT) kept.delete(kept.keys().next().value!);
      }
    } catch (err) {
      // The next read opens a fresh stream: a file the user replaced fails again, a passing error does not.
      close();
      throw err;
    }
    return kept.get(index)!;
  }

  return (index) => {
    if (!Number.isInteger(index) || index < 0 || index >= chunks) return Promise.reject(new RangeError(`no chunk ${index} in a file of ${chunks}`));
    const read = turn.then(() => readThrough(index));
    turn = read.catch(() => undefined);
    return read;
  };
}

/**
 * SHA-256 of every chunk, read in one pass through the Blob's stream into a single buffer: a digest copies its
 * input before it returns, so the buffer is free for the next chunk at once (reading 64 MiB into a new buffer
 * per chunk took 0.4 s, into one buffer 0.07 s: fresh memory is slow to touch).
 */
async function hashChunks(
  blob: BlobLike,
  chunkSize: number,
  digest: Digest,
  onHashed?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<string[]> {
  const hashes: Array<Promise<string>> = [];
  const reader = blob.slice(0).stream().getReader({ mode: 'byob' });
  let buffer = new ArrayBuffer(chunkSize);
  let hashed = 0;
  try {
    for (let at = 0; at < blob.size; at += chunkSize) {
      throwIfAborted(signal, 'hashing the file to put');
      const length = Math.min(chunkSize, blob.size - at);
      buffer = await readInto(reader, buffer, length);
      hashes.push(
        digest(new Uint8Array(buffer, 0, length)).then((hash) => {
          onHashed?.(Math.min(blob.size, ++hashed * chunkSize), blob.size);
          return toHex(hash);
        }),
      );
      // WebCrypto hashes off the main thread: a few digests in flight keep it busy while the next chunk is read.
      if (hashes.length >= HASHES_IN_FLIGHT) await hashes[hashes.length - HASHES_IN_FLIGHT];
    }
    const all = await Promise.all(hashes);
    throwIfAborted(signal, 'hashing the file to put');
    return all;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

export async function sourceFromBlob(
  name: string,
  blob: Blob,
  chunkSize: number,
  digest: Digest,
  onHashed?: (done: number, total: number) => void,
  /** Stops the hashing: the put was aborted before its file was read through. */
  signal?: AbortSignal,
): Promise<ChunkSource> {
  const chunkHashes = await hashChunks(blob, chunkSize, digest, onHashed, signal);
  return { meta: await fileMeta(name, blob.size, chunkSize, chunkHashes, digest), read: chunkReader(blob, chunkSize) };
}
