/** A file to put, read from a Blob a chunk at a time through its stream, so a large file is never whole in memory. */
import type { ChunkSource, Digest } from '../../shared/ring/types';
import { describe } from '../../shared/transfer/meta';

/**
 * Recent chunks kept: hashing reads in order with a few chunks in flight, and the owner's window of chunk
 * requests (with a retry or two) stays within this many of the newest.
 */
const CHUNKS_KEPT = 12;
/** A request this far ahead of the stream is read through to; further, the stream is opened again there. */
const MAX_SKIP_CHUNKS = 4;

/** The part of Blob a chunk reader uses. */
export type BlobLike = Pick<Blob, 'size' | 'slice'>;

/**
 * Reads chunk `index` of a Blob. Chunks are read in order from the Blob's byte stream into buffers of
 * their own (a `Blob.slice` costs milliseconds in Chromium, as it registers a new blob with the browser
 * process, while a stream read costs microseconds: reading a 64 MiB file went from about a second to 50 ms).
 * A request behind the stream, or far ahead of it, reopens the stream at that chunk. Reads are serialised:
 * one stream, one position.
 */
export function chunkReader(blob: BlobLike, chunkSize: number): (index: number) => Promise<Uint8Array> {
  const chunks = Math.ceil(blob.size / chunkSize);
  const kept = new Map<number, Uint8Array>();
  let cursor: { reader: ReadableStreamBYOBReader; next: number } | undefined;
  let turn: Promise<unknown> = Promise.resolve();

  const lengthOf = (index: number) => Math.min(chunkSize, blob.size - index * chunkSize);

  async function readNext(reader: ReadableStreamBYOBReader, length: number): Promise<Uint8Array> {
    let buffer = new ArrayBuffer(length);
    let filled = 0;
    while (filled < length) {
      // The view's buffer is transferred to the stream and comes back (as value.buffer) with more bytes in it.
      const { done, value } = await reader.read(new Uint8Array(buffer, filled, length - filled));
      if (done || !value) throw new Error(`the file ended ${length - filled} bytes early: was it changed while being put?`);
      buffer = value.buffer as ArrayBuffer;
      filled += value.byteLength;
    }
    return new Uint8Array(buffer);
  }

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
        const data = await readNext(cursor.reader, lengthOf(cursor.next));
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

export function sourceFromBlob(
  name: string,
  blob: Blob,
  chunkSize: number,
  digest: Digest,
  onHashed?: (done: number, total: number) => void,
): Promise<ChunkSource> {
  return describe(name, blob.size, chunkSize, chunkReader(blob, chunkSize), digest, onHashed);
}
