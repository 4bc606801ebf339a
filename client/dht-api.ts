/** The `window.dht` object: the node contract outside tests and the page rely on. */
import type { ListEntry, ListOptions } from '../shared/ring/node';
import type { FileMeta } from '../shared/ring/types';

export type { ListEntry, ListOptions } from '../shared/ring/node';

export type Key = bigint | number;

export interface Progress {
  /** Bytes moved so far and in all. */
  done: number;
  total: number;
}

export interface TransferOptions {
  onProgress?(progress: Progress): void;
  /** Aborting it stops the transfer, releases what it holds, and rejects with an AbortError (code 'aborted'). */
  signal?: AbortSignal;
  /** put: resolve once the backups are made too, not as soon as the file's owner has stored it. */
  replicated?: boolean;
  /** get: write the file straight into this file (from `showSaveFilePicker`), whatever its size; resolves to it. */
  saveTo?: FileSystemFileHandle;
}

export type ConnectionStatus = 'connecting' | 'online' | 'offline';

export interface KnownPeer {
  address: string;
  key: Key;
}

export interface DhtEvents {
  /** Ring pointers, files, backups or status changed. */
  change: void;
  /** Something a user should read: a failed transfer, a refused peer, a corrupted chunk that was refetched. */
  notice: { level: 'info' | 'warn' | 'error'; message: string };
}

export interface DhtApi {
  readonly host: string;
  readonly port: number;
  readonly M: number;
  readonly N: Key;
  readonly key: Key;
  readonly successor: string;
  readonly predecessor: string;
  readonly files: string[];
  readonly backUpFiles: string[];
  readonly joined: boolean;
  readonly status: ConnectionStatus;
  hasher(text: string): Key;
  join(address?: string): Promise<void>;
  leave(): Promise<void>;
  put(file: File, options?: TransferOptions): Promise<void>;
  put(name: string, data: Blob | ArrayBuffer | Uint8Array, options?: TransferOptions): Promise<void>;
  /** Resolves to the file's bytes, or null when no peer holds a file of that name. */
  get(name: string, options?: TransferOptions): Promise<Blob | null>;
  /**
   * Files in the ring (name, size, owner), sorted by name, walked owner by owner in key order. `prefix`: only
   * names starting with it; `limit`: at most this many (default 1000); `after`: go on after that name's place
   * on the ring (the walk's order is by key, so the next page starts after the page's last entry by key).
   */
  list(options?: ListOptions): Promise<ListEntry[]>;
  /** A fetched file bigger than this is written to a file rather than held in memory. */
  readonly inMemoryDownloadBytes: number;
  /** Metadata of a file this tab stores (owned or backup), for the page's lists. */
  stored(name: string): FileMeta | undefined;
  /** Every peer this tab knows of (fingers, successors, predecessors), for the ring picture. */
  knownPeers(): KnownPeer[];
  /** Open WebRTC links. */
  connectionCount(): number;
  /** Most links this tab keeps open (about 2·log2 N + r). */
  connectionBudget(): number;
  on<E extends keyof DhtEvents>(event: E, listener: (detail: DhtEvents[E]) => void): () => void;
}

declare global {
  interface Window {
    dht?: DhtApi;
  }
}
