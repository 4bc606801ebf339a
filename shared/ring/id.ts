/** Ring identifiers and their arithmetic: pure functions, keys held as bigint whatever M is. */
import { sha256 } from '@noble/hashes/sha2.js';

const encoder = new TextEncoder();

export function ringSize(m: number): bigint {
  return 1n << BigInt(m);
}

/** SHA-256 of the UTF-8 text, its first M bits as an unsigned integer. */
export function hashKey(text: string, m: number): bigint {
  if (!Number.isInteger(m) || m < 1 || m > 256) throw new RangeError(`M must be an integer in 1..256, got ${m}`);
  const digest = sha256(encoder.encode(text));
  let value = 0n;
  for (const byte of digest) value = (value << 8n) | BigInt(byte);
  return value >> BigInt(256 - m);
}

/** x in the open interval (a, b) on the ring; (a, a) is the whole ring except a. */
export function between(x: bigint, a: bigint, b: bigint): boolean {
  if (a < b) return a < x && x < b;
  return a < x || x < b || (a === b && x !== a);
}

/** x in (a, b]; (a, a] is the whole ring. */
export function betweenRightIncl(x: bigint, a: bigint, b: bigint): boolean {
  return x === b || between(x, a, b);
}

/** Start of the i-th finger of n: n + 2^i mod 2^M, for i in 0..M-1. */
export function fingerStart(n: bigint, i: number, m: number): bigint {
  return (n + (1n << BigInt(i))) % ringSize(m);
}

/** Clockwise distance from a to b. */
export function distance(a: bigint, b: bigint, m: number): bigint {
  const size = ringSize(m);
  return (((b - a) % size) + size) % size;
}

/** The contract's key type: a number when it fits exactly (M <= 53), else a bigint. */
export function publicKey(key: bigint, m: number): bigint | number {
  return m <= 53 ? Number(key) : key;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}
