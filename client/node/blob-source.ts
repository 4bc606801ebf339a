/** A file to put, read from a Blob a chunk at a time (Blob.slice), so a large file is never whole in memory. */
import type { ChunkSource, Digest } from '../../shared/ring/types';
import { describe } from '../../shared/transfer/meta';

export async function sourceFromBlob(
  name: string,
  blob: Blob,
  chunkSize: number,
  digest: Digest,
  onHashed?: (done: number, total: number) => void,
): Promise<ChunkSource> {
  const read = async (index: number) => new Uint8Array(await blob.slice(index * chunkSize, Math.min(blob.size, (index + 1) * chunkSize)).arrayBuffer());
  return describe(name, blob.size, chunkSize, read, digest, onHashed);
}
