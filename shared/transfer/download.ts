/**
 * Pulls a file's chunks from an ordered list of replicas, a window of requests at a time. Every chunk is
 * checked against its SHA-256; a chunk that fails or does not arrive is asked of the next replica, so a
 * download whose source vanishes mid-file resumes elsewhere at the chunk where it stopped. The list of
 * replicas may grow while it runs (a second offer of a file arriving names live sources), and chunks already
 * held (`have`) are never asked for, so a transfer that failed resumes where it stopped too.
 *
 * With `spread`, every replica known at the start gets a window of its own and takes the file in disjoint
 * ranges of RANGE_CHUNKS consecutive chunks, claiming the next range when it has asked for all of its own: a
 * slower replica claims fewer ranges, and each replica's store reads its range ahead in one go.
 */
import { RingError, errorMessage } from '../ring/errors';
import type { Address, Digest, FileMeta } from '../ring/types';
import { chunkMatches } from './meta';

/** Consecutive failures after which a replica is no longer asked. */
const MAX_SOURCE_FAILURES = 3;
/**
 * Consecutive chunks a replica claims at once when a download is spread. A replica's store reads ahead of
 * what it is asked (client/storage: a transfer window); a range of a few windows keeps those reads useful,
 * and at most one range per replica is loose in the receiver's memory (3 × 3.75 MiB).
 */
export const RANGE_CHUNKS = 16;

export interface DownloadOptions {
  meta: FileMeta;
  /** Replicas, most preferred first; read at every pick, so sources added meanwhile are asked too. */
  sources: readonly Address[];
  /** Chunks already held (a resumed transfer). */
  have?: ReadonlySet<number>;
  /** Requests in flight to one replica. */
  window: number;
  /** Pull from every replica known at the start at once, in disjoint ranges (a get); otherwise from the first that answers. */
  spread?: boolean;
  digest: Digest;
  fetch(source: Address, index: number): Promise<Uint8Array>;
  write(index: number, data: Uint8Array): Promise<void>;
  onCorrupt?(source: Address, index: number): void;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/** What one window of requests works through: the range it claimed, asked of its replica first (any replica when none). */
interface Lane {
  source?: Address;
  range: number[];
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
  function pick(tried: Set<Address>, preferred?: Address): Address | undefined {
    if (preferred !== undefined && usable(preferred) && !tried.has(preferred)) return preferred;
    const fresh = opts.sources.find((s) => usable(s) && !tried.has(s));
    if (fresh !== undefined) return fresh;
    tried.clear();
    return opts.sources.find(usable);
  }

  /**
   * The lane's next chunk: from its own range, else the next range of the queue (one chunk at a time without
   * spread, so the order is the file's), else the back half of the longest range another lane still holds, so
   * a fast replica is not left idle at the end while a slow one works through its range.
   */
  function next(lane: Lane): number | undefined {
    if (lane.range.length === 0) lane.range = queue.splice(0, lane.source === undefined ? 1 : RANGE_CHUNKS);
    if (lane.range.length === 0) {
      const longest = lanes.reduce((a, b) => (b.range.length > a.range.length ? b : a), lane);
      lane.range = longest.range.splice(Math.ceil(longest.range.length / 2));
    }
    return lane.range.shift();
  }

  async function fetchOne(index: number, preferred?: Address): Promise<void> {
    const tried = new Set<Address>();
    for (;;) {
      if (opts.signal?.aborted) throw new RingError('aborted', `download of ${meta.name} aborted`);
      const source = pick(tried, preferred);
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

  const lanes: Lane[] = opts.spread && opts.sources.length > 1 ? opts.sources.map((source) => ({ source, range: [] })) : [{ range: [] }];
  const worker = async (lane: Lane) => {
    try {
      for (let index = next(lane); index !== undefined; index = next(lane)) await fetchOne(index, lane.source);
    } catch (err) {
      // one chunk failed everywhere: the others need not be fetched
      queue.length = 0;
      for (const other of lanes) other.range.length = 0;
      throw err;
    }
  };
  const perLane = Math.max(1, Math.min(opts.window, Math.ceil(queue.length / lanes.length)));
  const workers = lanes.flatMap((lane) => Array.from({ length: perLane }, () => worker(lane)));
  const results = await Promise.allSettled(workers);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (meta.chunks === 0) opts.onProgress?.(0, 0);
}
