/**
 * File metadata as it crosses a wire, and the field checks every wire decoder shares. Apart from the peer
 * messages (peer.ts) so that signed records (shared/trust/record), which peer messages carry, can use them too.
 */
import { CHUNK_SIZE, MAX_FILE_BYTES, MAX_NAME_LENGTH } from '../constants';
import type { FileMeta } from '../ring/types';
import { check, isInt, isRecord, isString } from './validate';

/**
 * File metadata as it crosses a wire: without the chunk hashes, which for a large file would not fit in a
 * frame. They are fetched in pages ('hashes', binary, HASHES_PER_PAGE at a time) and checked against the root.
 * The signed record of the version rides along (`signed`).
 */
export type WireMeta = Omit<FileMeta, 'chunkHashes'>;

export function toWireMeta({ name, size, chunkSize, chunks, root, signed }: FileMeta): WireMeta {
  return signed ? { name, size, chunkSize, chunks, root, signed } : { name, size, chunkSize, chunks, root };
}

const HEX_HASH = /^[0-9a-f]{64}$/;

export function objectField(value: unknown, what: string): Record<string, unknown> {
  check(isRecord(value), `${what} must be an object`);
  return value;
}

export function isFileName(value: unknown): value is string {
  return isString(value, MAX_NAME_LENGTH, 1);
}

export function fileName(value: unknown, what: string): string {
  check(isFileName(value), `${what} must be a name of 1..${MAX_NAME_LENGTH} characters`);
  return value;
}

export function hash(value: unknown, what: string): string {
  check(typeof value === 'string' && HEX_HASH.test(value), `${what} must be a hex SHA-256`);
  return value;
}

export function integer(value: unknown, what: string, min: number, max: number): number {
  check(isInt(value, min, max), `${what} must be an integer in ${min}..${max}`);
  return value;
}

/**
 * Checks the shape of file metadata as sent: counts agree with the size. The root is checked once the hashes
 * are fetched; a `signed` record is left to the caller (shared/wire/peer parseSignedMeta), and not copied.
 */
export function parseWireMeta(value: unknown): WireMeta {
  const m = objectField(value, 'meta');
  const name = fileName(m.name, 'meta.name');
  const size = integer(m.size, 'meta.size', 0, MAX_FILE_BYTES);
  const chunkSize = integer(m.chunkSize, 'meta.chunkSize', 1, CHUNK_SIZE);
  const chunks = integer(m.chunks, 'meta.chunks', 0, Math.ceil(MAX_FILE_BYTES / chunkSize));
  check(chunks === Math.ceil(size / chunkSize), 'meta.chunks does not match meta.size');
  return { name, size, chunkSize, chunks, root: hash(m.root, 'meta.root') };
}
