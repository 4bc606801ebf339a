/** A file to put, read from a Blob a block of chunks at a time (Blob.slice), so a large file is never whole in memory. */
import type { ChunkSource, Digest } from '../../shared/ring/types';
import { describe } from '../../shared/transfer/meta';

/**
 * Chunks per Blob read. A Blob.slice costs milliseconds in Chromium whatever its size (it registers a new blob
 * with the browser process): slicing each chunk, once to hash and once to send, was a quarter of a put's time.
 */
const CHUNKS_PER_BLOCK = 4;
/** Blocks kept: hashing reads in order, and the owner's window of chunk requests spans at most two blocks. */
const BLOCKS_KEPT = 3;

export async function sourceFromBlob(
  name: string,
  blob: Blob,
  chunkSize: number,
  digest: Digest,
  onHashed?: (done: number, total: number) => void,
): Promise<ChunkSource> {
  const blockBytes = chunkSize * CHUNKS_PER_BLOCK;
  const blocks = new Map<number, Promise<Uint8Array>>();

  function block(number: number): Promise<Uint8Array> {
    let bytes = blocks.get(number);
    if (bytes) {
      blocks.delete(number); // re-inserted below: the map's order is least recently used first
    } else {
      bytes = blob
        .slice(number * blockBytes, Math.min(blob.size, (number + 1) * blockBytes))
        .arrayBuffer()
        .then((buffer) => new Uint8Array(buffer));
      // A failed read is not kept: the next request reads again.
      bytes.catch(() => blocks.get(number) === bytes && blocks.delete(number));
    }
    blocks.set(number, bytes);
    if (blocks.size > BLOCKS_KEPT) blocks.delete(blocks.keys().next().value!);
    return bytes;
  }

  const read = async (index: number) => {
    const bytes = await block(Math.floor(index / CHUNKS_PER_BLOCK));
    const start = (index % CHUNKS_PER_BLOCK) * chunkSize;
    return bytes.subarray(start, Math.min(bytes.length, start + chunkSize));
  };
  return describe(name, blob.size, chunkSize, read, digest, onHashed);
}
