/**
 * Where a download is put together. A file the user picked a place for (`showSaveFilePicker`) is written straight
 * into that file; otherwise a file up to a threshold becomes a Blob of Blobs in memory, and a bigger one is
 * streamed to the browser's downloads through the service worker when the caller asks for it (the page, for any
 * fetch without a picked file: client/save/), else written to a file of the origin private file system (a
 * programmatic `dht.get`, which returns the file). Chromium keeps Blobs in memory up to a browser-wide
 * limit (about 500 MiB on this machine, with no disk to spill to in a private window), past which every new
 * Blob fails to read: a 1 GiB download held as Blobs could not be read back.
 */
import type { FileMeta } from '../../shared/ring/types';
import { BlobAssembler } from './blob-assembler';
import { InOrderWriter } from '../save/in-order-writer';
import type { StreamedSave } from '../save/sw-download';

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

export type DownloadPlace = 'picked-file' | 'memory' | 'streamed' | 'private-folder';

/** Where a download of `size` bytes goes: a file the user picked if any, else memory up to the threshold, else a stream if offered. */
export function downloadPlace(size: number, inMemoryBytes: number, picked: boolean, streamed = false): DownloadPlace {
  if (picked) return 'picked-file';
  if (size <= inMemoryBytes) return 'memory';
  return streamed ? 'streamed' : 'private-folder';
}

/**
 * Whether the page should ask the user where to save before a fetch: only for a file known to be over the
 * threshold, where the browser has `showSaveFilePicker` (which needs a click, so a programmatic get never uses it).
 */
export function asksWhereToSave(size: number | undefined, inMemoryBytes: number, picker: unknown): boolean {
  return typeof picker === 'function' && size !== undefined && size > inMemoryBytes;
}

export async function downloadTarget(meta: FileMeta, inMemoryBytes: number, folder: DownloadFolder, picked?: FileSystemFileHandle, streamed?: StreamedSave): Promise<DownloadTarget> {
  switch (downloadPlace(meta.size, inMemoryBytes, picked !== undefined, streamed !== undefined)) {
    case 'picked-file':
      return writtenTarget(meta, picked!, async () => undefined);
    case 'memory':
      return memoryTarget(meta);
    case 'streamed':
      // No service worker to take it (none in this browser or window, or it failed to start): the usual place.
      return (await streamedTarget(meta, streamed!).catch(() => undefined)) ?? fileTarget(meta, folder);
    case 'private-folder':
      return fileTarget(meta, folder);
  }
}

/**
 * A download streamed to the browser's downloads, chunks put back in order on the way. The bytes are then on
 * disk and not in the page: the file it resolves to is empty (`TransferOptions.download` says so).
 */
async function streamedTarget(meta: FileMeta, save: StreamedSave): Promise<DownloadTarget> {
  const writer = new InOrderWriter(await save.open(meta.name, meta.size));
  return {
    root: meta.root,
    add: (index, data) => writer.add(index, data),
    file: async () => {
      await writer.finish(meta.chunks);
      return new Blob([]);
    },
    discard: () => writer.abort().catch(() => undefined),
  };
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
  return writtenTarget(meta, handle, () => dir.removeEntry(name));
}

/** The part of a FileSystemFileHandle a download writes through. */
type WritableFile = Pick<FileSystemFileHandle, 'createWritable' | 'getFile'>;

/** A download written into `handle`; `remove` gives the file itself up once the writer is aborted. */
async function writtenTarget(meta: FileMeta, handle: WritableFile, remove: () => Promise<void>): Promise<DownloadTarget> {
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
      // An aborted writer drops what it wrote (Chromium writes to a swap file until close).
      await writer.abort().catch(() => undefined);
      await remove().catch(() => undefined);
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
