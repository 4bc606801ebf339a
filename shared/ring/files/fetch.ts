/**
 * Pulling a file from replicas: its chunk hashes in pages, checked against its root, then its chunks through
 * transfer/download. The one place a node downloads, whether it stores the file (an offer) or reads it (a get).
 */
import { HASHES_PER_PAGE } from '../../constants';
import { download } from '../../transfer/download';
import { rootMatches, withHashes } from '../../transfer/meta';
import type { WireMeta } from '../../wire/file-meta';
import type { RingContext } from '../context';
import { RingError, errorMessage } from '../errors';
import type { Rpc } from '../rpc';
import type { Address, FileMeta } from '../types';
import type { LocalFiles } from './local-files';

export interface TransferProgress {
  onProgress?(done: number, total: number): void;
  /** Aborts a put or get: it rejects with an AbortError (code 'aborted') and lets go of what it holds. */
  signal?: AbortSignal;
}

export interface PullOptions extends TransferProgress {
  /** Chunks already held (a resumed get or receive). */
  have?: ReadonlySet<number>;
  /** The session's signal unless given (then one from `RingContext.signalWith`). */
  signal?: AbortSignal;
  /** Pull from all `sources` at once in disjoint ranges (transfer/download): a get, which nothing else is copying. */
  spread?: boolean;
}

export class Fetch {
  constructor(
    private readonly ctx: RingContext,
    private readonly rpc: Rpc,
    private readonly local: LocalFiles,
  ) {}

  /** Downloads `meta`'s chunks from `sources` into `write`, each checked against its hash. */
  pull(meta: FileMeta, sources: readonly Address[], write: (index: number, data: Uint8Array) => Promise<void>, opts: PullOptions = {}): Promise<void> {
    const signal = opts.signal ?? this.ctx.signal;
    return download({
      meta,
      sources,
      have: opts.have,
      window: this.ctx.config.transferWindow,
      spread: opts.spread,
      digest: this.ctx.digest,
      fetch: (source, index) => this.chunk(source, meta.root, index, signal),
      write,
      onCorrupt: (source, index) => this.corrupt(meta, source, index),
      onProgress: opts.onProgress,
      signal,
    });
  }

  /** Completes metadata as sent with its chunk hashes, from what we hold or in pages from `sources`, and checks them against the root. */
  async fullMeta(wire: WireMeta, sources: Address[], signal?: AbortSignal): Promise<FileMeta> {
    const known = this.local.metaByRoot(wire.root);
    if (known) return known;
    const pages: Uint8Array[] = [];
    for (let start = 0; start < wire.chunks; start += HASHES_PER_PAGE) {
      pages.push(await this.hashPage(wire.root, start, Math.min(HASHES_PER_PAGE, wire.chunks - start), sources, signal));
    }
    const all = new Uint8Array(wire.chunks * 32);
    pages.forEach((page, i) => all.set(page, i * HASHES_PER_PAGE * 32));
    const meta = withHashes(wire, all);
    if (!(await rootMatches(meta, this.ctx.digest))) throw new RingError('corrupt', `the chunk hashes of ${wire.name} do not match its root`);
    return meta;
  }

  private async hashPage(root: string, start: number, count: number, sources: Address[], signal?: AbortSignal): Promise<Uint8Array> {
    let lastError: unknown = 'no peer to ask';
    for (const source of [...sources, ...sources].filter((s) => s !== this.ctx.address)) {
      try {
        const { data } = await this.rpc.request(source, { type: 'hashes', root, start, count }, { timeoutMs: this.rpc.transferRequestTimeout(), suspect: false, signal });
        if (data?.length === count * 32) return data;
        lastError = `hashes reply from ${source} has ${data?.length ?? 0} bytes, expected ${count * 32}`;
      } catch (err) {
        lastError = err;
      }
    }
    throw new RingError('all-replicas-failed', `chunk hashes ${start}.. of ${root.slice(0, 12)} unavailable: ${errorMessage(lastError)}`);
  }

  private async chunk(source: Address, root: string, index: number, signal: AbortSignal): Promise<Uint8Array> {
    if (source === this.ctx.address) return this.local.chunk(root, index, this.ctx.config.chunkTimeoutMs);
    const { data } = await this.rpc.request(source, { type: 'chunk', root, index }, { timeoutMs: this.rpc.transferRequestTimeout(), suspect: false, signal });
    if (!data) throw new RingError('bad-message', `chunk reply from ${source} carried no data`);
    return data;
  }

  private corrupt(meta: FileMeta, source: Address, index: number): void {
    this.ctx.stats.corruptChunks++;
    this.ctx.notice('warn', `Chunk ${index} of "${meta.name}" from peer ${source} failed its SHA-256 check; fetched it from another replica.`);
  }
}
