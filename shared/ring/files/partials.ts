/**
 * Chunks of receives that failed, kept so that the next attempt (from the same replica or another) asks only
 * for the rest. A CI churn run lost a 4 MiB file whose repair restarted from chunk 0 after every failure and
 * never finished in the 15 s it had one copy (issue #17). The chunks themselves stay in the BlobStore, keyed by
 * root; this index of which ones were checked lives in memory only (a reload starts over, and the stores drop
 * uncommitted chunks at open). A partial copy is never a copy: it is in no file index and no digest counts it.
 */
import type { BlobStore, Clock, FileMeta } from '../types';

/** A partial copy not resumed within this is dropped: the repair it served has most likely gone elsewhere. */
export const PARTIAL_MAX_AGE_MS = 5 * 60_000;
/** Chunk bytes kept in partial copies at most, oldest dropped first: a store full of them helps no one. */
export const PARTIAL_MAX_BYTES = 256 * 1024 * 1024;

interface Partial {
  meta: FileMeta;
  have: Set<number>;
  keptAt: number;
}

export class Partials {
  /** By root, oldest first (a resumed one is taken out, and put back at the end if it fails again). */
  private readonly byRoot = new Map<string, Partial>();
  private bytes = 0;

  constructor(
    private readonly store: BlobStore,
    private readonly clock: Clock,
  ) {}

  get count(): number {
    return this.byRoot.size;
  }

  meta(root: string): FileMeta | undefined {
    return this.byRoot.get(root)?.meta;
  }

  /** The checked chunks of a partial copy of `root`, handed to a receive that resumes it (no longer kept here). */
  take(root: string): Set<number> {
    const partial = this.byRoot.get(root);
    if (!partial) return new Set();
    this.byRoot.delete(root);
    this.bytes -= bytesOf(partial);
    return partial.have;
  }

  /** Keeps what a failed receive checked, within PARTIAL_MAX_BYTES; nothing kept means its chunks are dropped. */
  async keep(meta: FileMeta, have: ReadonlySet<number>): Promise<void> {
    if (have.size === 0 || have.size * meta.chunkSize > PARTIAL_MAX_BYTES) return this.store.discard(meta.root, meta.chunks);
    const partial = { meta, have: new Set(have), keptAt: this.clock.now() };
    this.byRoot.set(meta.root, partial);
    this.bytes += bytesOf(partial);
    for (const old of this.byRoot.values()) {
      if (this.bytes <= PARTIAL_MAX_BYTES) break;
      await this.drop(old);
    }
  }

  /** Drops the chunks of a partial copy outright (a quota error, or a newer version of its name arrived). */
  async discard(meta: FileMeta): Promise<void> {
    const partial = this.byRoot.get(meta.root);
    if (partial) await this.drop(partial);
    else await this.store.discard(meta.root, meta.chunks);
  }

  /** Drops partial copies of `name` other than `root` (that version of the name was just stored). */
  async supersede(name: string, root: string): Promise<void> {
    for (const partial of [...this.byRoot.values()]) if (partial.meta.name === name && partial.meta.root !== root) await this.drop(partial);
  }

  /** Drops partial copies that aged past PARTIAL_MAX_AGE_MS or that `wanted` no longer wants (we are no replica). */
  async prune(wanted: (meta: FileMeta) => boolean): Promise<void> {
    const now = this.clock.now();
    for (const partial of [...this.byRoot.values()]) {
      if (now - partial.keptAt > PARTIAL_MAX_AGE_MS || !wanted(partial.meta)) await this.drop(partial);
    }
  }

  private async drop(partial: Partial): Promise<void> {
    if (this.byRoot.get(partial.meta.root) !== partial) return;
    this.byRoot.delete(partial.meta.root);
    this.bytes -= bytesOf(partial);
    await this.store.discard(partial.meta.root, partial.meta.chunks);
  }
}

function bytesOf(partial: Partial): number {
  return partial.have.size * partial.meta.chunkSize;
}
