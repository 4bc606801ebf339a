/**
 * A private file to put: its chunks sealed (shared/trust/seal) in this tab as the ring reads them, so no byte
 * of plaintext ever leaves the tab. The metadata and hashes are of the sealed chunks, which holders can check
 * and repair without the key.
 */
import { CHUNK_SIZE } from '../../shared/constants';
import { throwIfAborted } from '../../shared/ring/errors';
import type { ChunkSource, Digest } from '../../shared/ring/types';
import { PRIVATE_CHUNK_PLAIN_BYTES, sealChunk, sealedSize, type FileKey } from '../../shared/trust/seal';
import { describe } from '../../shared/transfer/meta';
import { chunkReader, type BlobLike } from './blob-source';

/**
 * The sealed source of `blob` under `fileKey`. Plain chunks are PRIVATE_CHUNK_PLAIN_BYTES, so sealed chunks
 * are CHUNK_SIZE like any other file's. A chunk read again (hashing, then the owner's read, then a retry) is
 * sealed again: AES-GCM under one key and chunk nonce gives the same bytes for the same plaintext, so the
 * hashes hold without keeping sealed chunks around.
 */
export async function privateSourceFromBlob(
  name: string,
  blob: BlobLike,
  fileKey: FileKey,
  digest: Digest,
  onHashed?: (done: number, total: number) => void,
  /** Stops the hashing: the put was aborted before its file was read through. */
  signal?: AbortSignal,
): Promise<ChunkSource> {
  const readPlain = chunkReader(blob, PRIVATE_CHUNK_PLAIN_BYTES);
  const read = async (index: number) => sealChunk(fileKey, index, await readPlain(index));
  const hashing = async (index: number) => {
    throwIfAborted(signal, 'hashing the file to put');
    return read(index);
  };
  const described = await describe(name, sealedSize(blob.size), CHUNK_SIZE, hashing, digest, onHashed);
  throwIfAborted(signal, 'hashing the file to put');
  return { meta: described.meta, read };
}
