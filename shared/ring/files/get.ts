/** A get: asks the replicas what they hold under a name, then reads the version chosen (holders.ts) from those that have it. */
import { OPERATION_ATTEMPTS } from '../../constants';
import { RingError, errorCode, errorMessage, throwIfAborted } from '../errors';
import { isTombstone } from '../records';
import { sleep } from '../timers';
import type { FileMeta } from '../types';
import type { TransferProgress } from './fetch';
import type { Holders } from './holders';
import { inlineMeta } from './inline';
import type { FileParts } from './parts';

export interface GetOptions extends TransferProgress {
  /**
   * The version about to be read, before its first chunk reaches the sink; again if a retry finds a newer one
   * (its chunks then start over). A sink can pick where to keep the file by its size.
   */
  onStart?(meta: FileMeta): void | Promise<void>;
}

export type Sink = (index: number, data: Uint8Array) => void | Promise<void>;

/**
 * Files from this size on are pulled from every replica at once, in disjoint ranges (transfer/download). On
 * the 2-core bench a 64 MiB get's bottleneck was the one replica serving it (its store reads: 18% of its
 * thread, against 44% idle in the getter), which three replicas share. A smaller file is a few ranges in
 * all, which one replica's window moves about as fast.
 */
const SPREAD_MIN_BYTES = 4 * 1024 * 1024;

/** Errors a get gives up on at once, as no other replica can help: an abort, a private file the caller has no key for (its onStart says so). */
const GIVE_UP: ReadonlySet<string> = new Set(['aborted', 'private-file']);

export class Get {
  constructor(
    private readonly parts: FileParts,
    private readonly holders: Holders,
  ) {}

  /** Reads a file from the ring into `sink` (chunks may come in any order). Resolves to null when no replica has it, or it was deleted. */
  async run(name: string, sink: Sink, opts: GetOptions = {}): Promise<FileMeta | null> {
    const { ctx } = this.parts;
    ctx.requireJoined();
    throwIfAborted(opts.signal, `get of ${name}`);
    // Without a signal of the caller's, each step takes the session's as it is then (a leave ends it).
    const signal = opts.signal && ctx.signalWith(opts.signal);
    try {
      return await this.read(name, sink, opts, signal);
    } catch (err) {
      throwIfAborted(opts.signal, `get of ${name}`);
      throw err;
    }
  }

  private async read(name: string, sink: Sink, opts: GetOptions, signal: AbortSignal | undefined): Promise<FileMeta | null> {
    const { ctx, fetch } = this.parts;
    const got = new Set<number>();
    let gotRoot: string | undefined;
    let noneSeen = 0;
    let lastError: unknown;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS; attempt++) {
      try {
        const { answers, chosen, sources } = await this.holders.ask(name, signal);
        if (!chosen) {
          // "Nobody has it" twice, a stabilize round apart: a file being handed to a new owner right now is not missed.
          if (answers.every((h) => h === null) && ++noneSeen >= 2) return null;
          throw new RingError('all-replicas-failed', `no replica of ${name} answered with a version that checks`);
        }
        // The writer's signed word that the name is deleted.
        if (isTombstone(chosen.meta)) return null;
        const found = chosen.meta;
        // A small file came with its meta: checked against the root like any chunk, it is the whole get.
        const carried = answers.find((a) => a?.data && a.meta.root === found.root)?.data;
        const inline = carried && (await inlineMeta(found, carried, ctx.digest).catch(() => undefined));
        if (inline) {
          await opts.onStart?.(inline);
          await sink(0, carried);
          opts.onProgress?.(inline.size, inline.size);
          return inline;
        }
        const full = await fetch.fullMeta(found, sources, signal);
        if (gotRoot !== full.root) got.clear(); // a newer version: chunks of the old one do not count
        gotRoot = full.root;
        await opts.onStart?.(full);
        const write = async (index: number, data: Uint8Array) => {
          await sink(index, data);
          got.add(index);
        };
        await fetch.pull(full, sources, write, { have: got, onProgress: opts.onProgress, signal, spread: full.size >= SPREAD_MIN_BYTES });
        return full;
      } catch (err) {
        lastError = err;
        if (GIVE_UP.has(errorCode(err) ?? '')) throw err;
        await sleep(ctx.clock, ctx.config.stabilizeMs, signal ?? ctx.signal);
      }
    }
    throw new RingError('all-replicas-failed', `get of ${name} failed after all replicas: ${errorMessage(lastError)}`);
  }
}
