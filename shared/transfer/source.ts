import type { ChunkSource, Digest } from '../ring/types';
import { describe } from './meta';

/** A file held in memory (tests, the simulator, small puts). */
export function sourceFromBytes(name: string, bytes: Uint8Array, chunkSize: number, digest: Digest): Promise<ChunkSource> {
  const read = async (index: number) => bytes.subarray(index * chunkSize, Math.min(bytes.length, (index + 1) * chunkSize));
  return describe(name, bytes.length, chunkSize, read, digest);
}
