/**
 * Peer keys for tests: made from a seed, so a test's ids are the same at every run, and solved at a puzzle
 * of TEST_PUZZLE_BITS so a test can make hundreds (the server in withServer asks for the same bits).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { identityFromKeys, importSigningKeys } from '../../shared/trust/identity';
import { peerKeyOf, type PeerKey } from '../../shared/trust/peer-id';

/** 2^4 = 16 hashes a key: the puzzle's checks run as in production, at no cost. */
export const TEST_PUZZLE_BITS = 4;
/** DER header of an Ed25519 PKCS#8 private key (RFC 8410); the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** The Ed25519 key pair whose seed is SHA-256 of `seed`, with its puzzle solved at `bits`. */
export async function seededPeerKey(seed: string, bits: number = TEST_PUZZLE_BITS): Promise<PeerKey> {
  const subtle = globalThis.crypto.subtle;
  const pkcs8 = new Uint8Array(ED25519_PKCS8_PREFIX.length + 32);
  pkcs8.set(ED25519_PKCS8_PREFIX);
  pkcs8.set(sha256(new TextEncoder().encode(`ringshare-test-key/${seed}`)), ED25519_PKCS8_PREFIX.length);
  const extractable = await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
  const { x } = await subtle.exportKey('jwk', extractable);
  const publicKey = `ed25519:${x}`;
  const keys = await importSigningKeys(subtle, publicKey, pkcs8);
  return peerKeyOf(await identityFromKeys(subtle, keys), undefined, bits);
}

let counter = 0;
/** A key no other in this test process has. */
export function freshPeerKey(bits: number = TEST_PUZZLE_BITS): Promise<PeerKey> {
  return seededPeerKey(`fresh-${process.pid}-${counter++}-${Math.random()}`, bits);
}

