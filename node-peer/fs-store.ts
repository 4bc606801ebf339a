/**
 * A Node peer's BlobStore on disk, with the semantics of the tabs' IndexedDB store:
 *
 *   DIR/chunks/<root>/<index>   one file per chunk, keyed by the version's root
 *   DIR/files/<sha256(name)>.json   { meta, role }: a file exists once this is renamed into place
 *
 * Every write goes to a temporary file in the same folder and is renamed over its target, so a crash
 * leaves either the old or the new content. Metadata changes run one at a time, so a commit and the
 * removal of the chunks it needs never interleave. Nothing is fsynced: after a power loss, opening the
 * store drops files whose chunks are missing or short, and the ring's other replicas make up for them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, errorMessage } from '../shared/ring/errors';
import type { BlobStore, FileMeta, Logger, Role, StoredFile } from '../shared/ring/types';
import { parseMeta } from '../shared/wire/peer';

const ROOT = /^[0-9a-f]{64}$/;
const TEMP_SUFFIX = '.tmp';
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

export interface FsStore extends BlobStore {
  /** Resolves once the folder is scanned; rejects if it cannot be read. Every other call waits for it. */
  readonly opened: Promise<void>;
}

/** A store in `dir` (created if missing). Opening drops incomplete files, unused chunks and temporary files. */
export function createFsStore(dir: string, log: Logger): FsStore {
  const filesDir = join(dir, 'files');
  const chunksDir = join(dir, 'chunks');
  const index = new Map<string, StoredFile>();
  let metaQueue: Promise<unknown> = Promise.resolve();

  const metaPath = (name: string) => join(filesDir, `${createHash('sha256').update(name).digest('hex')}.json`);
  const rootDir = (root: string) => {
    if (!ROOT.test(root)) throw new RangeError(`not a file root: ${JSON.stringify(root.slice(0, 80))}`);
    return join(chunksDir, root);
  };
  const chunkPath = (root: string, i: number) => {
    if (!Number.isSafeInteger(i) || i < 0) throw new RangeError(`not a chunk index: ${i}`);
    return join(rootDir(root), String(i));
  };

  const opened = open();
  opened.catch(() => undefined);

  async function open(): Promise<void> {
    await mkdir(filesDir, { recursive: true });
    await mkdir(chunksDir, { recursive: true });
    for (const entry of await readdir(filesDir)) {
      const path = join(filesDir, entry);
      const file = entry.endsWith('.json') ? await readStored(path) : undefined;
      if (file && (await chunksComplete(file.meta))) index.set(file.meta.name, file);
      else await rm(path, { force: true });
    }
    const used = new Set([...index.values()].map((file) => file.meta.root));
    for (const root of await readdir(chunksDir)) {
      const folder = join(chunksDir, root);
      if (!used.has(root)) {
        await rm(folder, { recursive: true, force: true });
        continue;
      }
      for (const entry of await readdir(folder)) if (entry.endsWith(TEMP_SUFFIX)) await rm(join(folder, entry), { force: true });
    }
    log.debug('store-opened', { dir, files: index.size });
  }

  async function readStored(path: string): Promise<StoredFile | undefined> {
    try {
      const value = JSON.parse(await readFile(path, 'utf8')) as { meta?: unknown; role?: unknown };
      if (value.role !== 'file' && value.role !== 'backup') throw new Error('role must be "file" or "backup"');
      const meta = parseMeta(value.meta);
      if (metaPath(meta.name) !== path) throw new Error('stored under another name');
      return { meta, role: value.role };
    } catch (err) {
      log.warn('store-dropped-metadata', { path, reason: errorMessage(err) });
      return undefined;
    }
  }

  async function chunksComplete(meta: FileMeta): Promise<boolean> {
    for (let i = 0; i < meta.chunks; i++) {
      const expected = i === meta.chunks - 1 ? meta.size - i * meta.chunkSize : meta.chunkSize;
      const size = await stat(chunkPath(meta.root, i)).then((s) => s.size, () => -1);
      if (size !== expected) {
        log.warn('store-dropped-incomplete', { name: meta.name, chunk: i, size, expected });
        return false;
      }
    }
    return true;
  }

  /** Runs metadata changes one after another, each after the store is open. */
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = metaQueue.then(() => opened).then(work);
    metaQueue = run.catch(() => undefined);
    return run;
  }

  async function writeMeta(file: StoredFile): Promise<void> {
    await replaceFile(metaPath(file.meta.name), JSON.stringify(file));
  }

  /** A root's chunks stay while a committed file uses them: a failed re-transfer of a version held here must not take it. */
  async function dropChunks(root: string): Promise<void> {
    for (const file of index.values()) if (file.meta.root === root) return;
    await rm(rootDir(root), { recursive: true, force: true });
  }

  return {
    opened,

    async list() {
      await opened;
      return [...index.values()].map((file) => ({ meta: { ...file.meta, chunkHashes: [...file.meta.chunkHashes] }, role: file.role }));
    },

    async putChunk(root, i, data) {
      await opened;
      const path = chunkPath(root, i);
      await mkdir(rootDir(root), { recursive: true });
      await replaceFile(path, data);
    },

    async getChunk(root, i) {
      await opened;
      try {
        const bytes = await readFile(chunkPath(root, i));
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },

    commit: (meta, role) =>
      serial(async () => {
        const written = new Set(await readdir(rootDir(meta.root)).catch(() => [] as string[]));
        for (let i = 0; i < meta.chunks; i++) {
          if (!written.has(String(i))) {
            throw new StoreError('missing-chunk', `cannot commit ${JSON.stringify(meta.name)}: chunk ${i} of ${meta.root.slice(0, 12)} was never written`);
          }
        }
        const previous = index.get(meta.name);
        const file: StoredFile = { meta: { ...meta, chunkHashes: [...meta.chunkHashes] }, role };
        await writeMeta(file);
        index.set(meta.name, file);
        if (previous && previous.meta.root !== meta.root) await dropChunks(previous.meta.root);
      }),

    setRole: (name, role: Role) =>
      serial(async () => {
        const previous = index.get(name);
        if (!previous) throw new StoreError('not-found', `no stored file named ${JSON.stringify(name)}`);
        const file = { meta: previous.meta, role };
        await writeMeta(file);
        index.set(name, file);
      }),

    remove: (name) =>
      serial(async () => {
        const previous = index.get(name);
        if (!previous) return;
        await rm(metaPath(name), { force: true });
        index.delete(name);
        await dropChunks(previous.meta.root);
      }),

    discard: (root) => serial(() => dropChunks(root)),
  };
}

/** Writes beside the target, then renames over it: readers see the old bytes or the new, never a part. */
async function replaceFile(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    if (DISK_FULL.has((err as NodeJS.ErrnoException).code ?? '')) {
      throw new StoreError('quota-exceeded', `the disk is full (quota exceeded) writing ${path}: ${errorMessage(err)}`);
    }
    throw err;
  }
}
