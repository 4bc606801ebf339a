/**
 * Pulls a file's chunks from an ordered list of replicas, a window of requests at a time. Every chunk is
 * checked against its SHA-256; a chunk that fails or does not arrive is asked of the next replica, so a
 * download whose source vanishes mid-file resumes elsewhere at the chunk where it stopped. The list of
 * replicas may grow while it runs (a second offer of a file arriving names live sources), and chunks already
 * held (`have`) are never asked for, so a transfer that failed resumes where it stopped too.
 */
import { RingError, errorMessage } from '../ring/errors';
import type { Address, Digest, FileMeta } from '../ring/types';
import { chunkMatches } from './meta';

/** Consecutive failures after which a replica is no longer asked. */
const MAX_SOURCE_FAILURES = 3;

export interface DownloadOptions {
  meta: FileMeta;
  /** Replicas, most preferred first; read at every pick, so sources added meanwhile are asked too. */
  sources: readonly Address[];
  /** Chunks already held (a resumed transfer). */
  have?: ReadonlySet<number>;
  window: number;
  digest: Digest;
  fetch(source: Address, index: number): Promise<Uint8Array>;
  write(index: number, data: Uint8Array): Promise<void>;
  onCorrupt?(source: Address, index: number): void;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

export async function download(opts: DownloadOptions): Promise<void> {
  const { meta } = opts;
  const failures = new Map<Address, number>();
  const queue: number[] = [];
  for (let i = 0; i < meta.chunks; i++) if (!opts.have?.has(i)) queue.push(i);
  let done = (meta.chunks - queue.length) * meta.chunkSize;
  let lastError = 'no replica to ask';

  const usable = (s: Address) => (failures.get(s) ?? 0) < MAX_SOURCE_FAILURES;

  /** A chunk goes to the first replica that has not failed it yet; once all have, each still usable one is asked again. */
  function pick(tried: Set<Address>): Address | undefined {
    const fresh = opts.sources.find((s) => usable(s) && !tried.has(s));
    if (fresh !== undefined) return fresh;
    tried.clear();
    return opts.sources.find(usable);
  }

  async function fetchOne(index: number): Promise<void> {
    const tried = new Set<Address>();
    for (;;) {
      if (opts.signal?.aborted) throw new RingError('aborted', `download of ${meta.name} aborted`);
      const source = pick(tried);
      if (source === undefined) {
        throw new RingError('all-replicas-failed', `transfer of ${meta.name} failed at chunk ${index} after all replicas (${lastError})`);
      }
      tried.add(source);
      let data: Uint8Array;
      try {
        data = await opts.fetch(source, index);
      } catch (err) {
        lastError = errorMessage(err);
        failures.set(source, (failures.get(source) ?? 0) + 1);
        continue;
      }
      if (!(await chunkMatches(meta, index, data, opts.digest))) {
        lastError = `chunk ${index} from ${source} failed its SHA-256 check`;
        failures.set(source, MAX_SOURCE_FAILURES);
        opts.onCorrupt?.(source, index);
        continue;
      }
      failures.set(source, 0);
      await opts.write(index, data);
      done += data.length;
      opts.onProgress?.(Math.min(done, meta.size), meta.size);
      return;
    }
  }

  const worker = async () => {
    try {
      for (let index = queue.shift(); index !== undefined; index = queue.shift()) await fetchOne(index);
    } catch (err) {
      queue.length = 0; // one chunk failed everywhere: the others need not be fetched
      throw err;
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(opts.window, queue.length)) }, worker);
  const results = await Promise.allSettled(workers);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (meta.chunks === 0) opts.onProgress?.(0, 0);
}
