/**
 * Where a download is put together. A file up to a threshold becomes a Blob of Blobs in memory; a bigger one
 * is written to a file of the origin private file system. Chromium keeps Blobs in memory up to a browser-wide
 * limit (about 500 MiB on this machine, with no disk to spill to in a private window), past which every new
 * Blob fails to read: a 1 GiB download held as Blobs could not be read back.
 */
import type { FileMeta } from '../../shared/ring/types';
import { BlobAssembler } from './blob-assembler';

/** Downloads up to this size are held in memory (default of `?memory-mib`). */
export const IN_MEMORY_DOWNLOAD_BYTES = 64 * 1024 * 1024;

export interface DownloadTarget {
  /** The version being put together. */
  readonly root: string;
  add(index: number, data: Uint8Array): void | Promise<void>;
  /** The finished file. */
  file(): Promise<Blob>;
  /** Gives the file up (a failed get, or a newer version found). */
  discard(): Promise<void>;
}

/** The directory a tab's large downloads go to, made on first use. */
export type DownloadFolder = () => Promise<FileSystemDirectoryHandle>;

export function downloadTarget(meta: FileMeta, inMemoryBytes: number, folder: DownloadFolder): Promise<DownloadTarget> {
  return meta.size <= inMemoryBytes ? Promise.resolve(memoryTarget(meta)) : fileTarget(meta, folder);
}

function memoryTarget(meta: FileMeta): DownloadTarget {
  const assembler = new BlobAssembler();
  return {
    root: meta.root,
    add: (index, data) => assembler.add(index, data),
    file: async () => assembler.blob(meta.chunks),
    discard: async () => undefined,
  };
}

let filesMade = 0;

async function fileTarget(meta: FileMeta, folder: DownloadFolder): Promise<DownloadTarget> {
  const dir = await folder();
  const name = `${++filesMade}-${meta.root.slice(0, 16)}`;
  const handle = await dir.getFileHandle(name, { create: true });
  // One writer for the whole download: chunks arrive in any order, each written at its own offset.
  const writer = (await handle.createWritable()).getWriter();
  return {
    root: meta.root,
    add: (index, data) => writer.write({ type: 'write', position: index * meta.chunkSize, data: data as Uint8Array<ArrayBuffer> }),
    file: async () => {
      await writer.close();
      return handle.getFile();
    },
    discard: async () => {
      await writer.abort().catch(() => undefined);
      await dir.removeEntry(name).catch(() => undefined);
    },
  };
}

/**
 * The tab's download directory in the origin private file system, `downloads/<peer id>`. The first use in a
 * page load empties it: files there belong to an earlier load of this tab, whose Blobs are gone with it.
 */
export function downloadFolder(peerId: string, root: () => Promise<FileSystemDirectoryHandle> = () => navigator.storage.getDirectory()): DownloadFolder {
  let made: Promise<FileSystemDirectoryHandle> | undefined;
  return () => {
    made ??= (async () => {
      const downloads = await (await root()).getDirectoryHandle('downloads', { create: true });
      await downloads.removeEntry(peerId, { recursive: true }).catch(() => undefined);
      return downloads.getDirectoryHandle(peerId, { create: true });
    })();
    // A failure (storage blocked) is not kept: the next download tries again.
    made.catch(() => (made = undefined));
    return made;
  };
}
