import { describe, expect, it } from 'vitest';
import { fromBase64url, toBase64url } from '../../../shared/trust/bytes';
import {
  MAX_PUBLIC_KEY_LENGTH,
  fingerprintOf,
  generateIdentity,
  generateKeys,
  identityFromKeys,
  importSigningKeys,
  parsePublicKey,
  verify,
} from '../../../shared/trust/identity';
import { Rng } from '../../../shared/sim/rng';
import { noEd25519Import, noEd25519Keys } from './fakes';

const subtle = globalThis.crypto.subtle;
const message = new TextEncoder().encode('a record to sign');

describe('base64url', () => {
  it('matches Node for every length and refuses other spellings of the same bytes', () => {
    const rng = new Rng(11);
    for (let length = 0; length < 70; length++) {
      const bytes = rng.bytes(length);
      const text = toBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64url(text)).toEqual(bytes);
    }
    expect(fromBase64url('AB')).toBeNull(); // trailing bits set: 'AA' is the one spelling of [0]
    expect(fromBase64url('AA')).toEqual(new Uint8Array([0]));
    for (const bad of ['A', 'AA==', 'A+', 'A/', 'A A', 'é']) expect(fromBase64url(bad)).toBeNull();
  });
});

describe('identities', () => {
  it('are Ed25519 where WebCrypto has it, and sign what verify accepts', async () => {
    const id = await generateIdentity(subtle);
    expect(id.algorithm).toBe('ed25519');
    expect(id.publicKey).toMatch(/^ed25519:[A-Za-z0-9_-]{43}$/);
    expect(id.fingerprint).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
    expect(id.fingerprint).toBe(fingerprintOf(id.publicKey));
    const sig = await id.sign(message);
    expect(await verify(id.publicKey, message, sig, subtle)).toBe(true);
    expect(await verify(id.publicKey, new TextEncoder().encode('another record'), sig, subtle)).toBe(false);
    const other = await generateIdentity(subtle);
    expect(await verify(other.publicKey, message, sig, subtle)).toBe(false);
    expect(other.fingerprint).not.toBe(id.fingerprint);
  });

  it('fall back to ECDSA P-256 when Ed25519 keys cannot be made, and still verify anywhere', async () => {
    const id = await generateIdentity(noEd25519Keys);
    expect(id.algorithm).toBe('p256');
    expect(id.publicKey).toMatch(/^p256:[A-Za-z0-9_-]{87}$/);
    expect(id.publicKey.length).toBeLessThanOrEqual(MAX_PUBLIC_KEY_LENGTH);
    const sig = await id.sign(message);
    expect(sig.length).toBe(64);
    expect(await verify(id.publicKey, message, sig, subtle)).toBe(true);
    expect(await verify(id.publicKey, message, sig, noEd25519Keys)).toBe(true);
    const flipped = sig.slice();
    flipped[10]! ^= 1;
    expect(await verify(id.publicKey, message, flipped, subtle)).toBe(false);
  });

  it('keep the private key inside WebCrypto unless a store needs it out', async () => {
    expect((await generateKeys(subtle, false)).privateKey.extractable).toBe(false);
    const keys = await generateKeys(subtle, true);
    const id = await identityFromKeys(subtle, keys);
    const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', keys.privateKey));
    const again = await identityFromKeys(subtle, await importSigningKeys(subtle, id.publicKey, pkcs8));
    expect(again.publicKey).toBe(id.publicKey);
    expect(await verify(id.publicKey, message, await again.sign(message), subtle)).toBe(true);
    const stranger = await generateIdentity(subtle);
    await expect(importSigningKeys(subtle, stranger.publicKey, pkcs8)).rejects.toThrow(/does not belong/);
  });

  it('verify says false, never throws, for keys and signatures it cannot use', async () => {
    const id = await generateIdentity(subtle);
    const sig = await id.sign(message);
    const raw = fromBase64url(id.publicKey.slice('ed25519:'.length))!;
    const cases = [
      '',
      'ed25519:',
      id.publicKey.slice(1),
      `rsa:${toBase64url(raw)}`,
      `__proto__:${toBase64url(raw)}`,
      `p256:${toBase64url(raw)}`, // an Ed25519 key's bytes are not a P-256 point
      `p256:${toBase64url(new Uint8Array(65))}`, // right length, off the curve
      `${id.publicKey}A`,
      `${id.publicKey.slice(0, -1)}${id.publicKey.endsWith('A') ? 'B' : 'A'}`,
      'x'.repeat(10_000),
    ];
    for (const key of cases) expect(await verify(key, message, sig, subtle), key.slice(0, 40)).toBe(false);
    expect(await verify(id.publicKey, message, sig.subarray(1), subtle)).toBe(false);
    expect(await verify(id.publicKey, message, new Uint8Array(64), subtle)).toBe(false);
    // A platform that cannot check Ed25519 refuses such records rather than trusting them.
    expect(await verify(id.publicKey, message, sig, noEd25519Import)).toBe(false);
  });

  it('parsePublicKey gives a reason for anything that is not a key', () => {
    for (const bad of [undefined, null, 7, {}, ['ed25519:'], 'ed25519', 'toString:AAAA', 'ed25519:!!!!']) {
      const parsed = parsePublicKey(bad);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(/public key/);
    }
  });
});
