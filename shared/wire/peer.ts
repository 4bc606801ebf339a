/**
 * Messages between ring peers, and their validation. Everything a peer receives is decoded here first;
 * anything that does not match is refused with a reason and never reaches the protocol.
 */
import { MAX_FILE_BYTES, MAX_NAME_LENGTH, CHUNK_SIZE, DIGEST_BATCH, HASHES_PER_PAGE, LIST_PAGE } from '../constants';
import type { Address, FileMeta, Role } from '../ring/types';
import { SchemaError, check, excerpt, isInt, isRecord, isString } from './validate';

export type PeerRequest =
  | { type: 'ping' }
  | { type: 'state' }
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
  /** Files this owner holds in its own range, in key order: one page of a walk around the ring (ring/files/list.ts). */
  | ListRequest;

export interface DigestEntry {
  name: string;
  root: string;
}

export type PeerReply =
  | { type: 'ok' }
  | { type: 'state'; predecessor: Address | null; successors: Address[]; predecessors: Address[] }
  | { type: 'found'; successors: Address[] }
  | { type: 'next'; next: Address; also: Address[] }
  | { type: 'missing'; names: string[] }
  | { type: 'stored'; replicas: number }
  | { type: 'chunk' }
  | { type: 'meta'; meta: WireMeta | null }
  | { type: 'hashes' }
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
  list: ['listed'],
} as const satisfies { [K in PeerRequest['type']]: readonly PeerReply['type'][] };

/** The reply a request of type `K` gets. */
export type ReplyTo<K extends PeerRequest['type']> = Extract<PeerReply, { type: (typeof REPLIES)[K][number] }>;

/**
 * File metadata as it crosses a wire: without the chunk hashes, which for a large file would not fit in a
 * frame. They are fetched in pages ('hashes', binary, HASHES_PER_PAGE at a time) and checked against the root.
 */
export type WireMeta = Omit<FileMeta, 'chunkHashes'>;

export function toWireMeta({ name, size, chunkSize, chunks, root }: FileMeta): WireMeta {
  return { name, size, chunkSize, chunks, root };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ADDRESS = /^[A-Za-z0-9_-]{1,64}$/;
const HEX_KEY = /^[0-9a-f]{1,64}$/;
const HEX_HASH = /^[0-9a-f]{64}$/;
const MAX_LIST = 16;

function record(value: unknown, what: string): Record<string, unknown> {
  check(isRecord(value), `${what} must be an object`);
  return value;
}

function address(value: unknown, what: string): Address {
  check(typeof value === 'string' && ADDRESS.test(value), `${what} must be a peer address`);
  return value;
}

function addressList(value: unknown, what: string): Address[] {
  check(Array.isArray(value) && value.length <= MAX_LIST, `${what} must be a list of at most ${MAX_LIST} addresses`);
  return value.map((item, i) => address(item, `${what}[${i}]`));
}

export function isFileName(value: unknown): value is string {
  return isString(value, MAX_NAME_LENGTH, 1);
}

function fileName(value: unknown, what: string): string {
  check(isFileName(value), `${what} must be a name of 1..${MAX_NAME_LENGTH} characters`);
  return value;
}

function hash(value: unknown, what: string): string {
  check(typeof value === 'string' && HEX_HASH.test(value), `${what} must be a hex SHA-256`);
  return value;
}

function integer(value: unknown, what: string, min: number, max: number): number {
  check(isInt(value, min, max), `${what} must be an integer in ${min}..${max}`);
  return value;
}

function role(value: unknown): Role {
  check(value === 'file' || value === 'backup', 'role must be "file" or "backup"');
  return value;
}

/** Checks the shape of file metadata as sent: counts agree with the size. The root is checked once the hashes are fetched. */
export function parseWireMeta(value: unknown): WireMeta {
  const m = record(value, 'meta');
  const name = fileName(m.name, 'meta.name');
  const size = integer(m.size, 'meta.size', 0, MAX_FILE_BYTES);
  const chunkSize = integer(m.chunkSize, 'meta.chunkSize', 1, CHUNK_SIZE);
  const chunks = integer(m.chunks, 'meta.chunks', 0, Math.ceil(MAX_FILE_BYTES / chunkSize));
  check(chunks === Math.ceil(size / chunkSize), 'meta.chunks does not match meta.size');
  return { name, size, chunkSize, chunks, root: hash(m.root, 'meta.root') };
}

/** Full metadata, as a store keeps it: one hex SHA-256 per chunk. */
export function parseMeta(value: unknown): FileMeta {
  const meta = parseWireMeta(value);
  const hashes = (value as { chunkHashes?: unknown }).chunkHashes;
  check(Array.isArray(hashes) && hashes.length === meta.chunks, 'meta.chunkHashes must have one hash per chunk');
  return { ...meta, chunkHashes: hashes.map((h, i) => hash(h, `meta.chunkHashes[${i}]`)) };
}

function digestEntries(value: unknown): DigestEntry[] {
  check(Array.isArray(value) && value.length <= DIGEST_BATCH, `entries must be a list of at most ${DIGEST_BATCH}`);
  return value.map((item, i) => {
    const e = record(item, `entries[${i}]`);
    return { name: fileName(e.name, `entries[${i}].name`), root: hash(e.root, `entries[${i}].root`) };
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
      case 'state':
      case 'notify':
        return { type: b.type };
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
        return { type: 'offer', meta: parseWireMeta(b.meta), role: role(b.role), sources: addressList(b.sources, 'sources'), replicate: b.replicate };
      case 'chunk':
        return { type: 'chunk', root: hash(b.root, 'root'), index: integer(b.index, 'index', 0, MAX_FILE_BYTES) };
      case 'meta':
        return { type: 'meta', name: fileName(b.name, 'name') };
      case 'replicas':
        return { type: 'replicas', name: fileName(b.name, 'name'), root: hash(b.root, 'root') };
      case 'hashes':
        return { type: 'hashes', root: hash(b.root, 'root'), start: integer(b.start, 'start', 0, MAX_FILE_BYTES), count: integer(b.count, 'count', 1, HASHES_PER_PAGE) };
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
    check(expected.includes(b.type as K), `expected a ${expected.join(' or ')} reply, got ${describeType(b.type)}`);
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
        return { type: 'missing', names: b.names.map((n, i) => fileName(n, `names[${i}]`)) } as Extract<PeerReply, { type: K }>;
      case 'stored':
        return { type: 'stored', replicas: integer(b.replicas, 'replicas', 0, 64) } as Extract<PeerReply, { type: K }>;
      case 'meta':
        return { type: 'meta', meta: b.meta === null ? null : parseWireMeta(b.meta) } as Extract<PeerReply, { type: K }>;
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
