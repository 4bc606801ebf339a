/**
 * Private files: each chunk encrypted with AES-GCM in the writer's tab before any byte leaves it. Records and
 * chunk hashes are over the ciphertext, so holders verify and repair a private file without its key; only a
 * share link's fragment carries the key (keyToFragment), and a fragment never reaches a server.
 *
 * Nonces: a fresh random 256-bit key and a random 96-bit IV per put, and chunk i's nonce is the IV with i
 * XORed into its last 32 bits (TLS 1.3's construction). Nonces never repeat under one key (distinct
 * indexes), nothing per chunk is stored, and a chunk moved to another index no longer opens. The random IV
 * keeps nonces apart even if a key were ever reused by mistake.
 */
import { CHUNK_SIZE } from '../constants';
import { RingError } from '../ring/errors';
import type { Parsed } from '../wire/validate';
import { fromBase64url, source, toBase64url } from './bytes';
import { defaultSubtle } from './identity';

export const SEAL_KEY_BYTES = 32;
export const SEAL_IV_BYTES = 12;
/** AES-GCM's tag: what a sealed chunk adds. */
export const SEAL_TAG_BYTES = 16;
/** Plain bytes per chunk of a private file, so its sealed chunks are CHUNK_SIZE like any other file's. */
export const PRIVATE_CHUNK_PLAIN_BYTES = CHUNK_SIZE - SEAL_TAG_BYTES;
/** Chunk indexes fit the 32 bits XORed into the IV (a 4 GiB file has about 17,500 chunks). */
export const MAX_SEALED_CHUNKS = 2 ** 32;
/** Characters of a key in a link fragment: base64url of the key and the IV. */
export const FRAGMENT_LENGTH = Math.ceil(((SEAL_KEY_BYTES + SEAL_IV_BYTES) * 4) / 3);

export interface FileKey {
  /** The key's bytes, for the link; the CryptoKey itself is not extractable. */
  readonly raw: Uint8Array;
  readonly iv: Uint8Array;
  readonly key: CryptoKey;
}

export type WebCrypto = Pick<Crypto, 'subtle' | 'getRandomValues'>;

async function importFileKey(raw: Uint8Array, iv: Uint8Array, subtle: SubtleCrypto): Promise<FileKey> {
  const key = await subtle.importKey('raw', source(raw), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return { raw, iv, key };
}

/** A fresh key and IV for one put of a private file (a replace gets a new one). */
export function newFileKey(crypto: WebCrypto = globalThis.crypto): Promise<FileKey> {
  const raw = crypto.getRandomValues(new Uint8Array(SEAL_KEY_BYTES));
  return importFileKey(raw, crypto.getRandomValues(new Uint8Array(SEAL_IV_BYTES)), crypto.subtle);
}

function nonce(fileKey: FileKey, index: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_SEALED_CHUNKS) throw new RangeError(`chunk index ${index} out of range`);
  const out = new Uint8Array(fileKey.iv);
  const view = new DataView(out.buffer);
  view.setUint32(SEAL_IV_BYTES - 4, view.getUint32(SEAL_IV_BYTES - 4) ^ index);
  return out;
}

export async function sealChunk(fileKey: FileKey, index: number, plaintext: Uint8Array, subtle: SubtleCrypto = defaultSubtle()): Promise<Uint8Array> {
  return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce(fileKey, index) }, fileKey.key, source(plaintext)));
}

/** The plain bytes of chunk `index`; rejects with RingError 'corrupt' when the chunk was altered, moved or sealed with another key. */
export async function openChunk(fileKey: FileKey, index: number, ciphertext: Uint8Array, subtle: SubtleCrypto = defaultSubtle()): Promise<Uint8Array> {
  const iv = nonce(fileKey, index);
  try {
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv }, fileKey.key, source(ciphertext)));
  } catch {
    throw new RingError('corrupt', `chunk ${index} of a private file does not open with its key`);
  }
}

/** Stored size of a private file of `plainSize` bytes: each chunk of PRIVATE_CHUNK_PLAIN_BYTES gains a tag. */
export function sealedSize(plainSize: number): number {
  return plainSize + Math.ceil(plainSize / PRIVATE_CHUNK_PLAIN_BYTES) * SEAL_TAG_BYTES;
}

/** Plain size of a private file stored as `chunks` sealed chunks of `size` bytes in all. */
export function plainSize(size: number, chunks: number): number {
  return size - chunks * SEAL_TAG_BYTES;
}

/** The key as a link fragment (without '#'). */
export function keyToFragment(fileKey: FileKey): string {
  const bytes = new Uint8Array(SEAL_KEY_BYTES + SEAL_IV_BYTES);
  bytes.set(fileKey.raw, 0);
  bytes.set(fileKey.iv, SEAL_KEY_BYTES);
  return toBase64url(bytes);
}

/** The key of a link fragment ('#' optional); anything but what keyToFragment makes is refused with a reason. */
export async function keyFromFragment(fragment: string, subtle: SubtleCrypto = defaultSubtle()): Promise<Parsed<FileKey>> {
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  const bytes = text.length === FRAGMENT_LENGTH ? fromBase64url(text) : null;
  if (!bytes) return { ok: false, reason: `a file key must be ${FRAGMENT_LENGTH} characters of base64url` };
  return { ok: true, value: await importFileKey(bytes.slice(0, SEAL_KEY_BYTES), bytes.slice(SEAL_KEY_BYTES), subtle) };
}
