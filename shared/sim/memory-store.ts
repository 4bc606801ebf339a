/** A `BlobStore` in memory: what the simulator and unit tests give each node. Copies in and out, so nodes share nothing. */
import { StoreError } from '../ring/errors';
import type { BlobStore, FileMeta, Role, StoredFile } from '../ring/types';

export interface MemoryStoreOptions {
  /** Chunk bytes the store holds at most; putChunk beyond it throws code 'quota-exceeded'. */
  quotaBytes?: number;
}

export class MemoryStore implements BlobStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly chunks = new Map<string, Uint8Array>();
  private used = 0;
  private readonly quotaBytes: number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.quotaBytes = opts.quotaBytes ?? Infinity;
  }

  /** Chunk bytes held now. */
  get bytesUsed(): number {
    return this.used;
  }

  /** What navigator.storage.estimate() tells a tab: bytes used and the quota (Infinity when none was set). */
  async estimate(): Promise<{ usage: number; quota: number }> {
    return { usage: this.used, quota: this.quotaBytes };
  }

  get chunkCount(): number {
    return this.chunks.size;
  }

  async list(): Promise<StoredFile[]> {
    return [...this.files.values()].map((file) => ({ meta: copyMeta(file.meta), role: file.role }));
  }

  async putChunk(root: string, index: number, data: Uint8Array): Promise<void> {
    const key = chunkKey(root, index);
    const old = this.chunks.get(key)?.byteLength ?? 0;
    const after = this.used - old + data.byteLength;
    if (after > this.quotaBytes) {
      throw new StoreError('quota-exceeded', `storage is full (quota exceeded): ${after} of ${this.quotaBytes} bytes`);
    }
    this.chunks.set(key, new Uint8Array(data));
    this.used = after;
  }

  async getChunk(root: string, index: number): Promise<Uint8Array | undefined> {
    const chunk = this.chunks.get(chunkKey(root, index));
    return chunk && new Uint8Array(chunk);
  }

  async commit(meta: FileMeta, role: Role): Promise<void> {
    for (let i = 0; i < meta.chunks; i++) {
      if (!this.chunks.has(chunkKey(meta.root, i))) {
        throw new StoreError('missing-chunk', `cannot commit ${meta.name}: chunk ${i} of ${meta.root} was never written`);
      }
    }
    const old = this.files.get(meta.name);
    this.files.set(meta.name, { meta: copyMeta(meta), role });
    if (old && old.meta.root !== meta.root) this.dropChunks(old.meta.root, old.meta.chunks);
  }

  async setRole(name: string, role: Role): Promise<void> {
    const file = this.files.get(name);
    if (!file) throw new StoreError('not-found', `no file named ${name}`);
    file.role = role;
  }

  async remove(name: string): Promise<void> {
    const file = this.files.get(name);
    if (!file) return;
    this.files.delete(name);
    this.dropChunks(file.meta.root, file.meta.chunks);
  }

  async discard(root: string, chunks: number): Promise<void> {
    this.dropChunks(root, chunks);
  }

  /** Deletes a root's chunks unless a committed file still uses them (two names can hold identical bytes). */
  private dropChunks(root: string, chunks: number): void {
    for (const file of this.files.values()) if (file.meta.root === root) return;
    for (let i = 0; i < chunks; i++) {
      const key = chunkKey(root, i);
      const chunk = this.chunks.get(key);
      if (!chunk) continue;
      this.used -= chunk.byteLength;
      this.chunks.delete(key);
    }
  }
}

function chunkKey(root: string, index: number): string {
  return `${root}:${index}`;
}

function copyMeta(meta: FileMeta): FileMeta {
  return { ...meta, chunkHashes: [...meta.chunkHashes] };
}
