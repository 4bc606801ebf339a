/** The `window.dht` object: the node contract outside tests and the page rely on. */
import type { ListEntry, ListOptions } from '../shared/ring/node';
import type { FileMeta } from '../shared/ring/types';
import type { StreamedSave } from './save/sw-download';

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
  /** put: encrypt the file in this tab first; only the returned link (its `#k=` fragment) opens it. */
  private?: boolean;
  /**
   * get: the key of a private file, as its link's fragment carries it after `#k=` (client/dht/private-files.ts).
   * Without it, a get of a private file rejects with code 'private-file'.
   */
  key?: string;
  /** get: write the file straight into this file (from `showSaveFilePicker`), whatever its size; resolves to it. */
  saveTo?: FileSystemFileHandle;
  /**
   * get: stream a file over `inMemoryDownloadBytes` to the browser's downloads through this (client/save/), in
   * place of the origin private file system; the get then resolves to an empty Blob, its bytes being on disk.
   */
  download?: StreamedSave;
}

/** What a put stored. */
export interface PutResult {
  name: string;
  /** Bytes of the file as given (a private file's stored, sealed size is a little larger). */
  size: number;
  /** The public key that signed it: this profile's `identity`. */
  writer: string;
  /** A URL of this page that opens the file; a private file's carries its key in the fragment. */
  link: string;
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
  /** This browser profile's signing public key ('ed25519:…' or 'p256:…'): the writer of every file it puts. */
  readonly identity: string;
  /** A short form of `identity` for people to compare. */
  readonly fingerprint: string;
  hasher(text: string): Key;
  join(address?: string): Promise<void>;
  leave(): Promise<void>;
  /** Rejects with code 'name-taken' when another profile holds the name. */
  put(file: File, options?: TransferOptions): Promise<PutResult>;
  put(name: string, data: Blob | ArrayBuffer | Uint8Array, options?: TransferOptions): Promise<PutResult>;
  /** Resolves once the owner and the backups have dropped the file; rejects with code 'not-writer' for another profile's file. */
  delete(name: string, options?: Pick<TransferOptions, 'signal'>): Promise<void>;
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
