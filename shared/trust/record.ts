/**
 * Signed records: what a writer says about one version of a name (a file, or its deletion), in a canonical
 * byte form that is what gets signed. Every honest peer checks the signature before it stores, offers,
 * promotes or serves a version; `parseSignedRecord` is the wire edge, `verifyRecord` the signature check.
 */
import { MAX_NAME_LENGTH } from '../constants';
import { isFileName, parseWireMeta, type Parsed, type WireMeta } from '../wire/peer';
import { SchemaError, check, isInt, isRecord, isString } from '../wire/validate';
import { fromBase64url, toBase64url } from './bytes';
import { SIGNATURE_BYTES, defaultSubtle, isPublicKey, type Identity, verify } from './identity';

/** One version of a file. Sizes, counts and root are of the bytes stored (the ciphertext of a private file). */
export interface FileRecord {
  kind: 'file';
  name: string;
  /** Counts this writer's versions of the name, from 1; only ever compared among records of one writer. */
  version: number;
  size: number;
  chunkSize: number;
  chunks: number;
  /** Hex SHA-256 over the name and the chunk hashes (shared/transfer/meta rootOf). */
  root: string;
  /** The signer's public key string (shared/trust/identity). */
  writer: string;
  /** Encrypted in the writer's tab (shared/trust/seal); the key travels only in the share link. */
  private: boolean;
}

/** A deletion: beats the writer's files of this version and lower (shared/trust/order). */
export interface Tombstone {
  kind: 'delete';
  name: string;
  version: number;
  writer: string;
  /**
   * The writer's clock (ms since 1970) when it deleted. It only bounds how long holders keep the tombstone
   * (TOMBSTONE_TTL_MS): a writer that lies about it only shortens or keeps its own deletion.
   */
  deletedAt: number;
}

export type NameRecord = FileRecord | Tombstone;

export interface SignedRecord<R extends NameRecord = NameRecord> {
  record: R;
  /** base64url of the writer's signature over `encodeRecord(record)`. */
  sig: string;
}

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

export async function signRecord<R extends NameRecord>(identity: Identity, record: R): Promise<SignedRecord<R>> {
  if (record.writer !== identity.publicKey) throw new RangeError('a record must name its signer as its writer');
  return { record, sig: toBase64url(await identity.sign(encodeRecord(record))) };
}

/** True when the writer named in the record signed exactly this record. Never throws. */
export async function verifyRecord(signed: SignedRecord, subtle: SubtleCrypto = defaultSubtle()): Promise<boolean> {
  const sig = fromBase64url(signed.sig);
  return sig !== null && verify(signed.record.writer, encodeRecord(signed.record), sig, subtle);
}

function integer(value: unknown, what: string, min: number, max: number): number {
  check(isInt(value, min, max), `${what} must be an integer in ${min}..${max}`);
  return value;
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
