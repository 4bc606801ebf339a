/**
 * Signed records: what a writer says about one version of a name (a file, or its deletion), in a canonical
 * byte form that is what gets signed. Every honest peer checks the signature before it stores, offers,
 * promotes or serves a version; `parseSignedRecord` is the wire edge, `verifyRecord` the signature check.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { MAX_NAME_LENGTH } from '../constants';
import { toHex } from '../ring/id';
import { integer, isFileName, parseWireMeta, type WireMeta } from '../wire/file-meta';
import { SchemaError, check, isRecord, isString, type Parsed } from '../wire/validate';
import { fromBase64url, toBase64url } from './bytes';
import { SIGNATURE_BYTES, defaultSubtle, isPublicKey, type Identity, verify } from './identity';
import type { FileRecord, NameRecord, SignedRecord, Tombstone } from './signed-record';

export type { FileRecord, NameRecord, SignedRecord, Tombstone } from './signed-record';

/** Versions stay exact in a JSON number. */
export const MAX_VERSION = Number.MAX_SAFE_INTEGER;
/** Latest time a Date can hold (ms since 1970). */
export const MAX_TIME_MS = 8.64e15;
/** Characters of a signature in base64url. */
export const SIGNATURE_LENGTH = Math.ceil((SIGNATURE_BYTES * 4) / 3);
/** Says what the bytes are, so a record's signature can never be replayed as a signature over anything else. */
export const RECORD_DOMAIN = 'ringshare/record/1';

const encoder = new TextEncoder();

/**
 * The bytes a record's signature covers: UTF-8 of a JSON array with every field at a fixed place. JSON.stringify
 * is specified exactly for strings and safe integers (lone surrogates escaped since ES2019), so every engine
 * makes the same bytes, and different records never make the same bytes.
 */
export function encodeRecord(r: NameRecord): Uint8Array {
  const fields =
    r.kind === 'file'
      ? [RECORD_DOMAIN, r.kind, r.name, r.version, r.writer, r.size, r.chunkSize, r.chunks, r.root, r.private]
      : [RECORD_DOMAIN, r.kind, r.name, r.version, r.writer, r.deletedAt];
  return encoder.encode(JSON.stringify(fields));
}

/** The record of a file whose metadata is `meta`, for `writer` to sign. */
export function fileRecord(meta: WireMeta, version: number, writer: string, isPrivate: boolean): FileRecord {
  const { name, size, chunkSize, chunks, root } = meta;
  return { kind: 'file', name, version, size, chunkSize, chunks, root, writer, private: isPrivate };
}

/** True when the record describes exactly this metadata (a getter checks the root against the chunks with rootMatches). */
export function matchesMeta(r: FileRecord, meta: WireMeta): boolean {
  return r.name === meta.name && r.size === meta.size && r.chunkSize === meta.chunkSize && r.chunks === meta.chunks && r.root === meta.root;
}

/**
 * The root a tombstone is stored under: SHA-256 of its canonical bytes. A tombstone is kept and moved like a
 * file of no chunks; its root differs from every file's (a file's root hashes its name and chunk hashes).
 */
export function tombstoneRoot(t: Tombstone): string {
  return toHex(sha256(encodeRecord(t)));
}

/** True when `meta` is what `r` describes: a file's size, counts and root, or a tombstone's empty shape and root. */
export function describes(r: NameRecord, meta: WireMeta): boolean {
  if (r.kind === 'file') return matchesMeta(r, meta);
  return r.name === meta.name && meta.size === 0 && meta.chunks === 0 && meta.root === tombstoneRoot(r);
}

export async function signRecord<R extends NameRecord>(identity: Identity, record: R): Promise<SignedRecord<R>> {
  if (record.writer !== identity.publicKey) throw new RangeError('a record must name its signer as its writer');
  return { record, sig: toBase64url(await identity.sign(encodeRecord(record))) };
}

/** True when the writer named in the record signed exactly this record. Never throws. */
export async function verifyRecord(signed: SignedRecord, subtle: SubtleCrypto = defaultSubtle()): Promise<boolean> {
  const sig = fromBase64url(signed.sig);
  return sig !== null && verify(signed.record.writer, encodeRecord(signed.record), sig, subtle);
}

function decodeRecord(value: unknown): NameRecord {
  check(isRecord(value), 'record must be an object');
  const version = integer(value.version, 'record.version', 1, MAX_VERSION);
  check(isPublicKey(value.writer), 'record.writer must be a public key');
  const writer = value.writer;
  if (value.kind === 'file') {
    check(typeof value.private === 'boolean', 'record.private must be true or false');
    return fileRecord(parseWireMeta(value), version, writer, value.private);
  }
  check(value.kind === 'delete', 'record.kind must be "file" or "delete"');
  check(isFileName(value.name), `record.name must be a name of 1..${MAX_NAME_LENGTH} characters`);
  return { kind: 'delete', name: value.name, version, writer, deletedAt: integer(value.deletedAt, 'record.deletedAt', 0, MAX_TIME_MS) };
}

/**
 * A signed record from a wire, shape-checked (its signature is not checked here: call verifyRecord). Only the
 * known fields are copied out, so nothing else of the input travels on.
 */
export function parseSignedRecord(value: unknown): Parsed<SignedRecord> {
  try {
    check(isRecord(value), 'a signed record must be an object');
    const record = decodeRecord(value.record);
    const sig = value.sig;
    check(isString(sig, SIGNATURE_LENGTH, SIGNATURE_LENGTH) && fromBase64url(sig) !== null, `sig must be ${SIGNATURE_BYTES} bytes of base64url`);
    return { ok: true, value: { record, sig } };
  } catch (err) {
    if (err instanceof SchemaError) return { ok: false, reason: err.message };
    throw err;
  }
}
