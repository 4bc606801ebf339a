/**
 * Signing keys for simulated peers: fast and deterministic where WebCrypto's Ed25519 is neither (real async
 * work would let the event order depend on the machine). A peer's secret is derived from its address; its
 * "signature" is SHA-512 over secret and bytes, and verifying recomputes it from the registry of secrets the
 * simulation shares. Not secure, and need not be: a hostile simulated peer is code that can only call its own
 * identity's sign, so it can make records of its own key and none of another's.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { Verify } from '../ring/records';
import { toBase64url } from '../trust/bytes';
import { fingerprintOf, type Identity } from '../trust/identity';

const encoder = new TextEncoder();

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class SimSigners {
  /** Secret by public key string. */
  private readonly secrets = new Map<string, Uint8Array>();

  /** The identity of the peer at `address` (the same for every node made at that address, as a reloaded tab keeps its key). */
  identity(address: string): Identity {
    const secret = sha256(encoder.encode(`ringshare/sim-secret/${address}`));
    // Shaped as an Ed25519 key string (32 bytes), so it passes every check of the wire.
    const publicKey = `ed25519:${toBase64url(sha256(concat(encoder.encode('ringshare/sim-public/'), secret)))}`;
    this.secrets.set(publicKey, secret);
    return {
      algorithm: 'ed25519',
      publicKey,
      fingerprint: fingerprintOf(publicKey),
      sign: (bytes) => Promise.resolve(sha512(concat(secret, bytes))),
    };
  }

  readonly verify: Verify = (publicKey, bytes, sig) => {
    const secret = this.secrets.get(publicKey);
    if (!secret) return Promise.resolve(false);
    const expected = sha512(concat(secret, bytes));
    return Promise.resolve(sig.length === expected.length && sig.every((b, i) => b === expected[i]));
  };
}
