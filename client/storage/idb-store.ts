/** The browser's BlobStore: one IndexedDB database per peer, chunks first, metadata last. */
import { createStore, delMany, getMany, promisifyRequest, setMany, type UseStore } from 'idb-keyval';
import type { BlobStore, FileMeta, Role, StoredFile } from '../../shared/ring/types';
import { TRANSFER_WINDOW } from '../../shared/constants';
import { readAhead } from './read-ahead';
import { StorageFullError, isQuotaExceeded } from './storage-full';

const metaKey = (name: string): IDBValidKey => ['meta', name];
const chunkKey = (root: string, index: number): IDBValidKey => ['chunk', root, index];

/** Every ['meta', name] key: a string sorts below any array, so ['meta', []] bounds all names. */
const metaRange = (): IDBKeyRange => IDBKeyRange.bound(['meta'], ['meta', []]);

export function createIdbStore(peerId: string): BlobStore {
  // Tabs of one browser share an origin, so each peer needs a database of its own.
  const db = createStore(`ringshare-${peerId}`, 'kv');
  const writeChunk = chunkWriter(db);
  const readChunk = readAhead((root, indexes) => getMany<Uint8Array | ArrayBuffer>(indexes.map((i) => chunkKey(root, i)), db), READ_AHEAD_CHUNKS, READ_AHEAD_KEPT);

  const list = (): Promise<StoredFile[]> =>
    db('readonly', (store) => promisifyRequest(store.getAll(metaRange()) as IDBRequest<StoredFile[]>));

  /** A root's chunks stay while a committed file uses them: a failed re-transfer of a version held here must not take it. */
  async function dropChunks(root: string, chunks: number): Promise<void> {
    const files = await list();
    if (files.some((file) => file.meta.root === root)) return;
    await delMany(Array.from({ length: chunks }, (_, index) => chunkKey(root, index)), db);
  }

  return {
    list,

    putChunk: (root, index, data) => {
      // Structured clone stores a view's whole underlying buffer: a chunk inside a frame goes as it is (the
      // frame's header is a few bytes more), a slice of anything larger is copied first.
      const own = data.buffer.byteLength - data.byteLength <= VIEW_SLACK_BYTES ? data : data.slice();
      return mapQuota(writeChunk(chunkKey(root, index), own));
    },

    async getChunk(root, index) {
      const value = await readChunk(root, index);
      return value instanceof ArrayBuffer ? new Uint8Array(value) : value;
    },

    async commit(meta: FileMeta, role: Role) {
      const previous = await mapQuota(swapMeta(db, meta.name, () => ({ meta, role }), meta));
      if (previous && previous.meta.root !== meta.root) await dropChunks(previous.meta.root, previous.meta.chunks);
    },

    async setRole(name, role) {
      const previous = await mapQuota(swapMeta(db, name, (file) => file && { meta: file.meta, role }));
      if (!previous) throw storeError('not-found', `No stored file named ${JSON.stringify(name)}`);
    },

    async remove(name) {
      const previous = await swapMeta(db, name, () => undefined);
      if (previous) await dropChunks(previous.meta.root, previous.meta.chunks);
    },

    discard: dropChunks,
  };
}

/** A chunk read fetches this many (it and the next ones), one transfer window. */
const READ_AHEAD_CHUNKS = TRANSFER_WINDOW;
/** Chunks read ahead and not yet asked for that are kept: a few windows of the transfers being served. */
const READ_AHEAD_KEPT = 4 * READ_AHEAD_CHUNKS;

/** Bytes beyond a chunk's own that may be stored with it rather than copying the chunk out of its buffer. */
const VIEW_SLACK_BYTES = 1024;

/**
 * Chunk writes in as few transactions as the store lets through: while one transaction is writing, the chunks
 * that arrive wait and go together in the next. A transaction per chunk cost more than the bytes it wrote.
 * A failed transaction fails every write in it.
 */
function chunkWriter(db: UseStore): (key: IDBValidKey, value: Uint8Array) => Promise<void> {
  let waiting: Array<{ entry: [IDBValidKey, Uint8Array]; settle: (err?: unknown) => void }> = [];
  let writing = false;
  async function drain(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      const outcome = await setMany(batch.map((w) => w.entry), db).then(
        () => undefined,
        (err: unknown) => err ?? new Error('IndexedDB write failed'),
      );
      for (const w of batch) w.settle(outcome);
    }
    writing = false;
  }
  return (key, value) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ entry: [key, value], settle: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!writing) void drain();
    });
}

/**
 * Reads and replaces (or deletes, when `next` gives undefined) one name's metadata in a single transaction.
 * With `complete`, the transaction first checks that every chunk of that version is there, so a file
 * whose chunks were never all written (or were discarded meanwhile) is never made visible.
 */
function swapMeta(
  db: UseStore,
  name: string,
  next: (previous: StoredFile | undefined) => StoredFile | undefined,
  complete?: FileMeta,
): Promise<StoredFile | undefined> {
  return db(
    'readwrite',
    (store) =>
      new Promise<StoredFile | undefined>((resolve, reject) => {
        let refused: Error | undefined;
        if (complete && complete.chunks > 0) {
          const range = IDBKeyRange.bound(chunkKey(complete.root, 0), chunkKey(complete.root, complete.chunks - 1));
          const count = store.count(range);
          count.onsuccess = () => {
            if (count.result === complete.chunks) return;
            refused = storeError('missing-chunk', `Cannot commit ${JSON.stringify(name)}: ${complete.chunks - count.result} of its chunks are missing`);
            store.transaction.abort();
          };
        }
        const key = metaKey(name);
        const read = store.get(key) as IDBRequest<StoredFile | undefined>;
        read.onsuccess = () => {
          if (refused) return;
          const value = next(read.result);
          if (value) store.put(value, key);
          else if (read.result) store.delete(key);
        };
        store.transaction.oncomplete = () => resolve(read.result);
        store.transaction.onabort = () =>
          reject(refused ?? store.transaction.error ?? new Error(`IndexedDB transaction for ${JSON.stringify(name)} aborted`));
      }),
  );
}

function storeError(code: 'missing-chunk' | 'not-found', message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

async function mapQuota<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw isQuotaExceeded(error) ? new StorageFullError({ cause: error }) : error;
  }
}
