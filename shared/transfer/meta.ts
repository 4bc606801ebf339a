/** File identity: per-chunk SHA-256 hashes and a root hash over them, so chunks can be checked one by one. */
import { toHex } from '../ring/id';
import type { ChunkSource, Digest, FileMeta } from '../ring/types';

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const encoder = new TextEncoder();

/** The file's identity: SHA-256 over its name and its chunk hashes, so two names with equal bytes never share chunks. */
export async function rootOf(name: string, chunkHashes: string[], digest: Digest): Promise<string> {
  const nameBytes = encoder.encode(name);
  const joined = new Uint8Array(nameBytes.length + 1 + chunkHashes.length * 32);
  joined.set(nameBytes, 0);
  chunkHashes.forEach((h, i) => joined.set(fromHex(h), nameBytes.length + 1 + i * 32));
  return toHex(await digest(joined));
}

/** Metadata as sent (no chunk hashes) completed with hashes fetched in pages; the caller checks the root. */
export function withHashes(wire: Omit<FileMeta, 'chunkHashes'>, hashes: Uint8Array): FileMeta {
  return { ...wire, chunkHashes: Array.from({ length: hashes.length / 32 }, (_, i) => toHex(hashes.subarray(i * 32, i * 32 + 32))) };
}

/** The binary form of chunk hashes [start, start + count), for a 'hashes' reply. */
export function hashBytes(meta: FileMeta, start: number, count: number): Uint8Array {
  const out = new Uint8Array(count * 32);
  for (let i = 0; i < count; i++) out.set(fromHex(meta.chunkHashes[start + i]!), i * 32);
  return out;
}

/** True when the metadata's root really is the hash of its name and chunk hashes (a peer cannot lie about one without the other). */
export async function rootMatches(meta: FileMeta, digest: Digest): Promise<boolean> {
  return (await rootOf(meta.name, meta.chunkHashes, digest)) === meta.root;
}

export async function chunkMatches(meta: FileMeta, index: number, data: Uint8Array, digest: Digest): Promise<boolean> {
  const expectedLength = index === meta.chunks - 1 ? meta.size - index * meta.chunkSize : meta.chunkSize;
  return data.length === expectedLength && toHex(await digest(data)) === meta.chunkHashes[index];
}

/**
 * Chunks hashed at once while describing a file. WebCrypto hashes off the main thread, so one chunk at a time
 * left the put waiting on a round trip per chunk; a few in flight keep it busy, and memory stays a few chunks.
 */
export const HASHES_IN_FLIGHT = 8;

/** Builds the metadata of a file from a chunk reader, hashing each chunk once; the bytes are not kept. */
export async function describe(
  name: string,
  size: number,
  chunkSize: number,
  read: (index: number) => Promise<Uint8Array>,
  digest: Digest,
  onProgress?: (done: number, total: number) => void,
): Promise<ChunkSource> {
  const chunks = Math.ceil(size / chunkSize);
  const chunkHashes = new Array<string>(chunks);
  let next = 0;
  let hashed = 0;
  const worker = async () => {
    for (let i = next++; i < chunks; i = next++) {
      chunkHashes[i] = toHex(await digest(await read(i)));
      hashed++;
      onProgress?.(Math.min(size, hashed * chunkSize), size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASHES_IN_FLIGHT, chunks) }, worker));
  return { meta: await fileMeta(name, size, chunkSize, chunkHashes, digest), read };
}

/** The metadata of a file whose chunks are hashed. */
export async function fileMeta(name: string, size: number, chunkSize: number, chunkHashes: string[], digest: Digest): Promise<FileMeta> {
  return { name, size, chunkSize, chunks: chunkHashes.length, chunkHashes, root: await rootOf(name, chunkHashes, digest) };
}
