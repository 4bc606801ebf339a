/**
 * Signing identities: one key pair per browser profile or Node peer, made with WebCrypto. Ed25519 where the
 * platform has it (Node 20, Chromium 137+, Firefox 129+, Safari 17), else ECDSA P-256, which every WebCrypto
 * has. Pure: `crypto.subtle` is passed in or taken from globalThis, and where a key is kept is the adapter's
 * business (client/identity, node-peer/identity).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../ring/id';
import type { Parsed } from '../wire/validate';
import { fromBase64url, source, toBase64url } from './bytes';

export type SignatureAlgorithm = 'ed25519' | 'p256';

interface AlgorithmSpec {
  key: Algorithm | EcKeyImportParams;
  sign: Algorithm | EcdsaParams;
  /** Length of the raw public key: 32 for Ed25519, 65 for an uncompressed P-256 point. */
  rawBytes: number;
}

const ALGORITHMS: Record<SignatureAlgorithm, AlgorithmSpec> = {
  ed25519: { key: { name: 'Ed25519' }, sign: { name: 'Ed25519' }, rawBytes: 32 },
  p256: { key: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' }, rawBytes: 65 },
};

/** Ed25519 and WebCrypto's ECDSA (IEEE P1363 r || s) signatures are both 64 bytes. */
export const SIGNATURE_BYTES = 64;
/** Longest public key string: 'p256:' and 87 base64url characters. */
export const MAX_PUBLIC_KEY_LENGTH = 92;
/** Bytes of SHA-256 a fingerprint shows: 64 bits, so making a key with a given fingerprint costs about 2^64 tries. */
export const FINGERPRINT_BYTES = 8;
/** Imported public keys kept per WebCrypto, so verifying many records of one writer imports its key once. */
export const IMPORTED_KEYS_KEPT = 256;

/** Who signs: `publicKey` is what records name as their writer and what `dht.identity` shows. */
export interface Identity {
  readonly algorithm: SignatureAlgorithm;
  /** '<algorithm>:<base64url of the raw public key>', e.g. 'ed25519:…' (256 bits) or 'p256:…'. */
  readonly publicKey: string;
  /** A short form for people to tell profiles apart, e.g. '3f2a-91c0-7be4-0d55'. */
  readonly fingerprint: string;
  sign(bytes: Uint8Array): Promise<Uint8Array>;
}

/** A key pair as storage keeps it (a CryptoKey is structured-cloneable, so IndexedDB holds it as it is). */
export interface SigningKeys {
  algorithm: SignatureAlgorithm;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export interface PublicKeyParts {
  algorithm: SignatureAlgorithm;
  raw: Uint8Array;
}

export function defaultSubtle(): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('WebCrypto is not available here (a page needs a secure context: https or localhost)');
  return subtle;
}

/**
 * A new key pair: Ed25519, or ECDSA P-256 when this WebCrypto cannot make Ed25519 keys (it throws
 * NotSupportedError). `extractable` only for a store that must write the private key out (the Node peer).
 */
export async function generateKeys(subtle: SubtleCrypto, extractable: boolean): Promise<SigningKeys> {
  let algorithm: SignatureAlgorithm = 'ed25519';
  let pair: CryptoKeyPair;
  try {
    pair = (await subtle.generateKey(ALGORITHMS.ed25519.key, extractable, ['sign', 'verify'])) as CryptoKeyPair;
  } catch {
    algorithm = 'p256';
    pair = (await subtle.generateKey(ALGORITHMS.p256.key as EcKeyGenParams, extractable, ['sign', 'verify'])) as CryptoKeyPair;
  }
  return { algorithm, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** The identity of stored keys. A public key is always exportable, whatever the private key's setting. */
export async function identityFromKeys(subtle: SubtleCrypto, keys: SigningKeys): Promise<Identity> {
  const spec = ALGORITHMS[keys.algorithm];
  const publicKey = `${keys.algorithm}:${toBase64url(new Uint8Array(await subtle.exportKey('raw', keys.publicKey)))}`;
  return {
    algorithm: keys.algorithm,
    publicKey,
    fingerprint: fingerprintOf(publicKey),
    sign: async (bytes) => new Uint8Array(await subtle.sign(spec.sign, keys.privateKey, source(bytes))),
  };
}

/**
 * Keys written out by a store that cannot keep a CryptoKey (the Node peer): the private key as PKCS#8, with
 * the public key string it was saved with. Rejects when they do not parse or do not make a pair.
 */
export async function importSigningKeys(subtle: SubtleCrypto, publicKey: string, pkcs8: Uint8Array): Promise<SigningKeys> {
  const parts = parsePublicKey(publicKey);
  if (!parts.ok) throw new RangeError(parts.reason);
  const { algorithm, raw } = parts.value;
  const keys: SigningKeys = {
    algorithm,
    privateKey: await subtle.importKey('pkcs8', source(pkcs8), ALGORITHMS[algorithm].key, false, ['sign']),
    publicKey: await subtle.importKey('raw', source(raw), ALGORITHMS[algorithm].key, true, ['verify']),
  };
  const probe = new TextEncoder().encode('ringshare/key-pair-probe');
  const signature = await subtle.sign(ALGORITHMS[algorithm].sign, keys.privateKey, probe);
  if (!(await subtle.verify(ALGORITHMS[algorithm].sign, keys.publicKey, signature, probe))) {
    throw new RangeError('the private key does not belong to the public key');
  }
  return keys;
}

/** A fresh identity whose private key never leaves WebCrypto. */
export async function generateIdentity(subtle: SubtleCrypto = defaultSubtle()): Promise<Identity> {
  return identityFromKeys(subtle, await generateKeys(subtle, false));
}

/** Splits and checks a public key string; anything but '<known algorithm>:<canonical base64url of the right length>' is refused. */
export function parsePublicKey(text: unknown): Parsed<PublicKeyParts> {
  if (typeof text !== 'string' || text.length > MAX_PUBLIC_KEY_LENGTH) return { ok: false, reason: 'a public key must be a short string' };
  const colon = text.indexOf(':');
  const algorithm = text.slice(0, colon);
  if (colon < 0 || !Object.hasOwn(ALGORITHMS, algorithm)) return { ok: false, reason: 'a public key must start with "ed25519:" or "p256:"' };
  const spec = ALGORITHMS[algorithm as SignatureAlgorithm];
  const raw = fromBase64url(text.slice(colon + 1));
  if (raw?.length !== spec.rawBytes) return { ok: false, reason: `a ${algorithm} public key must be ${spec.rawBytes} bytes of base64url` };
  return { ok: true, value: { algorithm: algorithm as SignatureAlgorithm, raw } };
}

export function isPublicKey(text: unknown): text is string {
  return parsePublicKey(text).ok;
}

/** The key's short form: the first FINGERPRINT_BYTES of SHA-256 over the key string, in groups of four hex digits. */
export function fingerprintOf(publicKey: string): string {
  const hex = toHex(sha256(new TextEncoder().encode(publicKey)).subarray(0, FINGERPRINT_BYTES));
  return hex.match(/.{4}/g)!.join('-');
}

const imported = new WeakMap<SubtleCrypto, Map<string, Promise<CryptoKey | null>>>();

/** The imported key, or null when WebCrypto refuses it (a point off the curve, or an algorithm it lacks). */
function importVerifyKey(subtle: SubtleCrypto, publicKey: string, parts: PublicKeyParts): Promise<CryptoKey | null> {
  let cache = imported.get(subtle);
  if (!cache) imported.set(subtle, (cache = new Map()));
  let key = cache.get(publicKey);
  if (!key) {
    key = subtle.importKey('raw', source(parts.raw), ALGORITHMS[parts.algorithm].key, true, ['verify']).catch(() => null);
    if (cache.size >= IMPORTED_KEYS_KEPT) cache.delete(cache.keys().next().value!);
    cache.set(publicKey, key);
  }
  return key;
}

/**
 * True when `signature` is `publicKey`'s over `bytes`. Never throws: a malformed key or signature, or one
 * this platform cannot check (Ed25519 on an old browser), is false.
 */
export async function verify(publicKey: string, bytes: Uint8Array, signature: Uint8Array, subtle: SubtleCrypto = defaultSubtle()): Promise<boolean> {
  const parts = parsePublicKey(publicKey);
  if (!parts.ok || signature.length !== SIGNATURE_BYTES) return false;
  const key = await importVerifyKey(subtle, publicKey, parts.value);
  if (!key) return false;
  try {
    return await subtle.verify(ALGORITHMS[parts.value.algorithm].sign, key, source(signature), source(bytes));
  } catch {
    return false;
  }
}
