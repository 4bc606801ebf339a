/**
 * Messages between ring peers, and their validation. Everything a peer receives is decoded here first;
 * anything that does not match is refused with a reason and never reaches the protocol.
 */
import { MAX_FILE_BYTES, DIGEST_BATCH, HASHES_PER_PAGE, LIST_PAGE, PROOF_CHUNKS } from '../constants';
import type { Address, FileMeta, Role } from '../ring/types';
import { MAX_VERSION, describes, parseSignedRecord } from '../trust/record';
import { isPublicKey } from '../trust/identity';
import { fileName, hash, integer, objectField as record, parseWireMeta, type WireMeta } from './file-meta';
import { SchemaError, check, excerpt, isString, type Parsed } from './validate';

// Part of the messages here, and where ../shared/repro's scripts import them from.
export { toWireMeta, type WireMeta } from './file-meta';

export type PeerRequest =
  | { type: 'ping' }
  /** `predecessors`: the asker's own, so its successor need not ask for them (see Maintenance.adoptPredecessors). */
  | { type: 'state'; predecessors?: Address[] }
  | { type: 'notify' }
  | { type: 'find'; key: string }
  /** The whole lookup, run by the peer asked: a newcomer joins through one link instead of one per hop. */
  | { type: 'lookup'; key: string }
  | { type: 'leaving'; successors: Address[]; predecessors: Address[] }
  | { type: 'digest'; entries: DigestEntry[] }
  /** `replicate`: the owner answers once its own copy is stored, then makes the backups (see 'replicas'). */
  | { type: 'offer'; meta: WireMeta; role: Role; sources: Address[]; replicate: boolean }
  /** Asked of an owner by a putter: answered once the backups of that version are made, with the copies there are. */
  | { type: 'replicas'; name: string; root: string }
  | { type: 'hashes'; root: string; start: number; count: number }
  | { type: 'chunk'; root: string; index: number }
  | { type: 'meta'; name: string }
  /**
   * Proof of holding, asked before we drop a copy on the word of the peers that hold the others: for each item,
   * the digest of `nonce` followed by the chunks named, which only a holder of the bytes can compute.
   */
  | { type: 'prove'; nonce: string; items: ProveItem[] }
  /** Files this owner holds in its own range, in key order: one page of a walk around the ring (ring/files/list.ts). */
  | ListRequest;

/**
 * A version a peer holds, as much of its record as a digest needs to tell whether the receiver lacks it:
 * who wrote it, which of the writer's versions it is, and whether it is a tombstone (older peers and tests
 * send name and root alone; such an entry is lacked unless that exact version is held).
 */
export interface DigestEntry {
  name: string;
  root: string;
  writer?: string;
  version?: number;
  deleted?: boolean;
}

export interface ProveItem {
  root: string;
  indexes: number[];
}

export type PeerReply =
  | { type: 'ok' }
  | { type: 'state'; predecessor: Address | null; successors: Address[]; predecessors: Address[] }
  | { type: 'found'; successors: Address[] }
  | { type: 'next'; next: Address; also: Address[] }
  /**
   * `names`: versions the receiver would take. `ahead`: names it holds something that beats or blocks the
   * entry (a newer version, or another writer's record), which it offers back. Neither: it holds that version.
   */
  | { type: 'missing'; names: string[]; ahead?: string[] }
  | { type: 'stored'; replicas: number }
  | { type: 'chunk' }
  | { type: 'meta'; meta: WireMeta | null }
  | { type: 'hashes' }
  /** One digest per item asked, in order; null for an item the peer cannot answer (it does not hold those bytes). */
  | { type: 'proof'; digests: Array<string | null> }
  | { type: 'listed'; files: ListedFile[]; more: boolean; successor: Address };

/** The replies each request may get: a requester decodes its reply against this one map. */
export const REPLIES = {
  ping: ['ok'],
  state: ['state'],
  notify: ['ok'],
  find: ['found', 'next'],
  lookup: ['found'],
  leaving: ['ok'],
  digest: ['missing'],
  offer: ['stored'],
  replicas: ['stored'],
  hashes: ['hashes'],
  chunk: ['chunk'],
  meta: ['meta'],
  prove: ['proof'],
  list: ['listed'],
} as const satisfies { [K in PeerRequest['type']]: readonly PeerReply['type'][] };

/** The reply a request of type `K` gets. */
export type ReplyTo<K extends PeerRequest['type']> = Extract<PeerReply, { type: (typeof REPLIES)[K][number] }>;

const ADDRESS = /^[A-Za-z0-9_-]{1,64}$/;
const HEX_KEY = /^[0-9a-f]{1,64}$/;
const MAX_LIST = 16;
const NONCE = /^[0-9a-f]{32}$/;

function proveItems(value: unknown): ProveItem[] {
  check(Array.isArray(value) && value.length >= 1 && value.length <= DIGEST_BATCH, `items must be a list of 1 to ${DIGEST_BATCH}`);
  return value.map((item, i) => {
    const e = record(item, `items[${i}]`);
    check(Array.isArray(e.indexes) && e.indexes.length <= PROOF_CHUNKS, `items[${i}].indexes must be a list of at most ${PROOF_CHUNKS}`);
    return { root: hash(e.root, `items[${i}].root`), indexes: e.indexes.map((n, j) => integer(n, `items[${i}].indexes[${j}]`, 0, MAX_FILE_BYTES)) };
  });
}

function address(value: unknown, what: string): Address {
  check(typeof value === 'string' && ADDRESS.test(value), `${what} must be a peer address`);
  return value;
}

function addressList(value: unknown, what: string): Address[] {
  check(Array.isArray(value) && value.length <= MAX_LIST, `${what} must be a list of at most ${MAX_LIST} addresses`);
  return value.map((item, i) => address(item, `${what}[${i}]`));
}

function role(value: unknown): Role {
  check(value === 'file' || value === 'backup', 'role must be "file" or "backup"');
  return value;
}

/**
 * Metadata as sent, with its signed record if it carries one: the record must describe exactly this
 * metadata (its signature is checked by the ring, once per record: shared/ring/files/records.ts).
 */
export function parseSignedMeta(value: unknown): WireMeta {
  const meta = parseWireMeta(value);
  const raw = (value as { signed?: unknown }).signed;
  if (raw === undefined) return meta;
  const signed = parseSignedRecord(raw);
  check(signed.ok, `meta.signed: ${signed.ok ? '' : signed.reason}`);
  check(describes(signed.value.record, meta), 'meta.signed does not describe this metadata');
  return { ...meta, signed: signed.value };
}

/** Full metadata, as a store keeps it: one hex SHA-256 per chunk, and the signed record of the version. */
export function parseMeta(value: unknown): FileMeta {
  const meta = parseSignedMeta(value);
  const hashes = (value as { chunkHashes?: unknown }).chunkHashes;
  check(Array.isArray(hashes) && hashes.length === meta.chunks, 'meta.chunkHashes must have one hash per chunk');
  return { ...meta, chunkHashes: hashes.map((h, i) => hash(h, `meta.chunkHashes[${i}]`)) };
}

function digestEntries(value: unknown): DigestEntry[] {
  check(Array.isArray(value) && value.length <= DIGEST_BATCH, `entries must be a list of at most ${DIGEST_BATCH}`);
  return value.map((item, i) => {
    const e = record(item, `entries[${i}]`);
    const entry: DigestEntry = { name: fileName(e.name, `entries[${i}].name`), root: hash(e.root, `entries[${i}].root`) };
    if (e.writer === undefined && e.version === undefined && e.deleted === undefined) return entry;
    check(isPublicKey(e.writer), `entries[${i}].writer must be a public key`);
    check(typeof e.deleted === 'boolean', `entries[${i}].deleted must be true or false`);
    return { ...entry, writer: e.writer, version: integer(e.version, `entries[${i}].version`, 1, MAX_VERSION), deleted: e.deleted };
  });
}

function guard<T>(decode: () => T): Parsed<T> {
  try {
    return { ok: true, value: decode() };
  } catch (err) {
    if (err instanceof SchemaError) return { ok: false, reason: err.message };
    throw err;
  }
}

export function parseRequest(body: unknown): Parsed<PeerRequest> {
  return guard((): PeerRequest => {
    const b = record(body, 'request');
    switch (b.type) {
      case 'ping':
      case 'notify':
        return { type: b.type };
      case 'state':
        return b.predecessors === undefined ? { type: 'state' } : { type: 'state', predecessors: addressList(b.predecessors, 'predecessors') };
      case 'find':
      case 'lookup':
        check(typeof b.key === 'string' && HEX_KEY.test(b.key), 'key must be lowercase hex');
        return { type: b.type, key: b.key };
      case 'leaving':
        return { type: 'leaving', successors: addressList(b.successors, 'successors'), predecessors: addressList(b.predecessors, 'predecessors') };
      case 'digest':
        return { type: 'digest', entries: digestEntries(b.entries) };
      case 'offer':
        check(typeof b.replicate === 'boolean', 'replicate must be a boolean');
        return { type: 'offer', meta: parseSignedMeta(b.meta), role: role(b.role), sources: addressList(b.sources, 'sources'), replicate: b.replicate };
      case 'chunk':
        return { type: 'chunk', root: hash(b.root, 'root'), index: integer(b.index, 'index', 0, MAX_FILE_BYTES) };
      case 'meta':
        return { type: 'meta', name: fileName(b.name, 'name') };
      case 'replicas':
        return { type: 'replicas', name: fileName(b.name, 'name'), root: hash(b.root, 'root') };
      case 'hashes':
        return { type: 'hashes', root: hash(b.root, 'root'), start: integer(b.start, 'start', 0, MAX_FILE_BYTES), count: integer(b.count, 'count', 1, HASHES_PER_PAGE) };
      case 'prove':
        check(typeof b.nonce === 'string' && NONCE.test(b.nonce), 'nonce must be 32 lowercase hex digits');
        return { type: 'prove', nonce: b.nonce, items: proveItems(b.items) };
      case 'list':
        return parseListRequest(b);
      default:
        throw new SchemaError(`unknown request type ${describeType(b.type)}`);
    }
  });
}

/** Decodes a reply and checks it is the kind the request expects. */
export function parseReply<K extends PeerReply['type']>(body: unknown, expected: readonly K[]): Parsed<Extract<PeerReply, { type: K }>> {
  return guard(() => {
    const b = record(body, 'reply');
    // Every reply passes here (2048-peer sim runs: millions), so its reason is built only on a refusal.
    check(expected.includes(b.type as K), () => `expected a ${expected.join(' or ')} reply, got ${describeType(b.type)}`);
    switch (b.type as PeerReply['type']) {
      case 'ok':
      case 'chunk':
      case 'hashes':
        return { type: b.type } as Extract<PeerReply, { type: K }>;
      case 'state':
        return {
          type: 'state',
          predecessor: b.predecessor === null ? null : address(b.predecessor, 'predecessor'),
          successors: addressList(b.successors, 'successors'),
          predecessors: addressList(b.predecessors, 'predecessors'),
        } as Extract<PeerReply, { type: K }>;
      case 'found':
        return { type: 'found', successors: nonEmpty(addressList(b.successors, 'successors')) } as Extract<PeerReply, { type: K }>;
      case 'next':
        return { type: 'next', next: address(b.next, 'next'), also: addressList(b.also ?? [], 'also') } as Extract<PeerReply, { type: K }>;
      case 'missing':
        check(Array.isArray(b.names) && b.names.length <= DIGEST_BATCH, 'names must be a short list');
        check(b.ahead === undefined || (Array.isArray(b.ahead) && b.ahead.length <= DIGEST_BATCH), 'ahead must be a short list');
        return {
          type: 'missing',
          names: b.names.map((n, i) => fileName(n, `names[${i}]`)),
          ...(b.ahead === undefined ? {} : { ahead: (b.ahead as unknown[]).map((n, i) => fileName(n, `ahead[${i}]`)) }),
        } as Extract<PeerReply, { type: K }>;
      case 'stored':
        return { type: 'stored', replicas: integer(b.replicas, 'replicas', 0, 64) } as Extract<PeerReply, { type: K }>;
      case 'meta':
        return { type: 'meta', meta: b.meta === null ? null : parseSignedMeta(b.meta) } as Extract<PeerReply, { type: K }>;
      case 'proof':
        check(Array.isArray(b.digests) && b.digests.length <= DIGEST_BATCH, `digests must be a list of at most ${DIGEST_BATCH}`);
        return { type: 'proof', digests: b.digests.map((d, i) => (d === null ? null : hash(d, `digests[${i}]`))) } as Extract<PeerReply, { type: K }>;
      case 'listed':
        return parseListed(b) as Extract<PeerReply, { type: K }>;
    }
  });
}

/** A peer-supplied `type` for an error message: quoted and short if a string, else its kind (it may be any value). */
function describeType(type: unknown): string {
  return typeof type === 'string' ? JSON.stringify(excerpt(type)) : typeof type;
}

function nonEmpty(list: Address[]): Address[] {
  check(list.length > 0, 'successors must not be empty');
  return list;
}

// ---- list: a walk of the ring's files, one owner's range at a time -------------------------------------

/**
 * A page of the files one owner holds in its own range, in ring order (key, then name). Keys are hex.
 * `from`: only files past that key (with `after`, past that key and name); `to`: only keys up to it (inclusive).
 */
export type ListRequest = {
  type: 'list';
  from?: string;
  after?: string;
  to?: string;
  /** Only names that start with it: each owner filters, so a narrow listing sends little. */
  prefix?: string;
  limit: number;
};

/** One file of a 'list' reply. `writer`: the fingerprint of the key that signed it, once records are signed. */
export type ListedFile = {
  name: string;
  size: number;
  writer?: string;
};

const MAX_WRITER_LENGTH = 128;

function optional<T>(value: unknown, decode: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : decode(value);
}

function hexKey(value: unknown, what: string): string {
  check(typeof value === 'string' && HEX_KEY.test(value), `${what} must be lowercase hex`);
  return value;
}

function parseListRequest(b: Record<string, unknown>): ListRequest {
  const req: ListRequest = { type: 'list', limit: integer(b.limit, 'limit', 1, LIST_PAGE) };
  const from = optional(b.from, (v) => hexKey(v, 'from'));
  const after = optional(b.after, (v) => fileName(v, 'after'));
  const to = optional(b.to, (v) => hexKey(v, 'to'));
  const prefix = optional(b.prefix, (v) => fileName(v, 'prefix'));
  check(after === undefined || from !== undefined, 'after needs from');
  return { ...req, ...(from !== undefined && { from }), ...(after !== undefined && { after }), ...(to !== undefined && { to }), ...(prefix !== undefined && { prefix }) };
}

function parseListed(b: Record<string, unknown>): Extract<PeerReply, { type: 'listed' }> {
  check(Array.isArray(b.files) && b.files.length <= LIST_PAGE, `files must be a list of at most ${LIST_PAGE}`);
  check(typeof b.more === 'boolean', 'more must be a boolean');
  const files = b.files.map((item, i): ListedFile => {
    const f = record(item, `files[${i}]`);
    const writer = optional(f.writer, (v) => {
      check(isString(v, MAX_WRITER_LENGTH, 1), `files[${i}].writer must be a short string`);
      return v;
    });
    return { name: fileName(f.name, `files[${i}].name`), size: integer(f.size, `files[${i}].size`, 0, MAX_FILE_BYTES), ...(writer !== undefined && { writer }) };
  });
  return { type: 'listed', files, more: b.more, successor: address(b.successor, 'successor') };
}
