/** The services a ring node is built from. Adapters (browser, simulator, Node peer) implement these. */

import type { SignedRecord } from '../trust/signed-record';

/** A peer's address: in a browser, the id the signaling server gave the tab. */
export type Address = string;

export type Role = 'file' | 'backup';

/** What a peer knows of a file without its bytes. */
export interface FileMeta {
  name: string;
  size: number;
  chunkSize: number;
  chunks: number;
  /** Hex SHA-256 of each chunk, in order. */
  chunkHashes: string[];
  /** Hex SHA-256 over the name, a zero byte and the chunk hashes: the identity of this version of the file. */
  root: string;
  /**
   * The writer's signed record of this version (shared/trust/record): a file's, or a tombstone's (then the
   * meta is of no chunks, its root the tombstone's). The ring stores, offers and serves only versions with one.
   */
  signed?: SignedRecord;
}

/** Reads one chunk of a file; where the bytes live (a Blob, IndexedDB, memory) is the caller's business. */
export interface ChunkSource {
  meta: FileMeta;
  read(index: number): Promise<Uint8Array>;
}

/** A request or reply body: a JSON object with a string `type`, plus optional binary payload. */
export interface Message {
  type: string;
  [field: string]: unknown;
}
export interface Envelope {
  body: Message;
  data?: Uint8Array;
}

export interface RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Request/response between peers. The transport frames and delivers; it does not interpret bodies,
 * so the node validates every body it receives (the node is the protocol's boundary).
 */
export interface Transport {
  readonly address: Address;
  /** Resolves with the peer's reply; rejects on timeout, abort, a broken link or an error reply. */
  request(to: Address, msg: Envelope, opts: RequestOptions): Promise<Envelope>;
  /** Installs the one handler for incoming requests; a thrown error goes back to the caller as an error reply. */
  listen(handler: (from: Address, msg: Envelope) => Promise<Envelope>): void;
  /** Optional hint that a peer is gone (its link closed, or the signaling server saw it leave). */
  onPeerDown?(cb: (peer: Address) => void): void;
  close(): void;
}

export type TimerHandle = unknown;
export interface Clock {
  /** Milliseconds on a monotonic clock (performance.now in a browser): for timeouts and ages, never for a date. */
  now(): number;
  /**
   * Milliseconds since 1970 (Date.now), for what a record says to other peers (a tombstone's `deletedAt`).
   * The simulator leaves it out: its virtual `now` stands in.
   */
  epochMs?(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Deterministic in the simulator, Math.random in a browser. Returns [0, 1). */
export type Random = () => number;

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
}

/** SHA-256 of bytes. WebCrypto in a browser; a synchronous implementation in the simulator keeps it deterministic. */
export type Digest = (data: Uint8Array) => Promise<Uint8Array>;

export interface StoredFile {
  meta: FileMeta;
  role: Role;
}

/**
 * A node's persistent files. Chunks are written first and a file becomes visible only at `commit`,
 * so a crash mid-transfer never leaves a half-written file. Chunks are keyed by the file's root,
 * so two versions of one name never mix.
 */
export interface BlobStore {
  /** Every committed file, read once at start-up (a reloaded tab finds its files here). */
  list(): Promise<StoredFile[]>;
  putChunk(root: string, index: number, data: Uint8Array): Promise<void>;
  getChunk(root: string, index: number): Promise<Uint8Array | undefined>;
  /** Makes the file visible under its name with a role, replacing an older version of that name. */
  commit(meta: FileMeta, role: Role): Promise<void>;
  setRole(name: string, role: Role): Promise<void>;
  /** Removes the file and its chunks. */
  remove(name: string): Promise<void>;
  /** Drops chunks of an unfinished transfer. */
  discard(root: string, chunks: number): Promise<void>;
}
