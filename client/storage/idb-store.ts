/** The browser's BlobStore: one IndexedDB database per peer, chunks first, metadata last. */
import { createStore, delMany, get, promisifyRequest, set, type UseStore } from 'idb-keyval';
import type { BlobStore, FileMeta, Role, StoredFile } from '../../shared/ring/types';
import { StorageFullError, isQuotaExceeded } from './storage-full';

const metaKey = (name: string): IDBValidKey => ['meta', name];
const chunkKey = (root: string, index: number): IDBValidKey => ['chunk', root, index];

/** Every ['meta', name] key: a string sorts below any array, so ['meta', []] bounds all names. */
const metaRange = (): IDBKeyRange => IDBKeyRange.bound(['meta'], ['meta', []]);

export function createIdbStore(peerId: string): BlobStore {
  // Tabs of one browser share an origin, so each peer needs a database of its own.
  const db = createStore(`ringshare-${peerId}`, 'kv');

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
      // Structured clone stores a view's whole underlying buffer, so a slice of a larger frame is copied first.
      const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
      return mapQuota(set(chunkKey(root, index), own, db));
    },

    async getChunk(root, index) {
      const value = await get<Uint8Array | ArrayBuffer>(chunkKey(root, index), db);
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
