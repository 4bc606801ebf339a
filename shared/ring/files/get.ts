/** A get: asks the replicas what they hold under a name, then reads the newest version from those that have it. */
import { OPERATION_ATTEMPTS } from '../../constants';
import { toWireMeta, type WireMeta } from '../../wire/peer';
import { RingError, errorCode, errorMessage, throwIfAborted } from '../errors';
import { sleep } from '../timers';
import type { Address, FileMeta } from '../types';
import type { TransferProgress } from './fetch';
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

/** What a replica says it holds under a name; a small file's bytes come with it. */
type Held = { meta: WireMeta; data?: Uint8Array };

/** How long a get waits for more replicas to answer once one has the file. */
const META_GRACE_MS = 250;

export class Get {
  constructor(private readonly parts: FileParts) {}

  /** Reads a file from the ring into `sink` (chunks may come in any order). Resolves to null when no replica has it. */
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
    const { ctx, lookup, local, fetch } = this.parts;
    const got = new Set<number>();
    let gotRoot: string | undefined;
    let noneSeen = 0;
    let lastError: unknown;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS; attempt++) {
      try {
        const { replicas } = await lookup.run(ctx.keyOf(name), ctx.address, signal);
        const candidates = [...new Set([...replicas.slice(0, ctx.config.r), ...(local.get(name) ? [ctx.address] : [])])];
        const held = await this.metasAt(candidates, name, signal);
        const first = held.find((h): h is Held => !!h);
        if (!first) {
          // "Nobody has it" twice, a stabilize round apart: a file being handed to a new owner right now is not missed.
          if (held.every((h) => h === null) && ++noneSeen >= 2) return null;
          throw new RingError('all-replicas-failed', `no replica of ${name} answered`);
        }
        const found = first.meta;
        // A small file came with its meta: checked against the root like any chunk, it is the whole get.
        const inline = first.data && (await inlineMeta(found, first.data, ctx.digest).catch(() => undefined));
        if (inline) {
          await opts.onStart?.(inline);
          await sink(0, first.data!);
          opts.onProgress?.(inline.size, inline.size);
          return inline;
        }
        const sources = candidates.filter((_, i) => held[i]?.meta.root === found.root);
        const chosen = await fetch.fullMeta(found, sources, signal);
        if (gotRoot !== chosen.root) got.clear(); // a newer version: chunks of the old one do not count
        gotRoot = chosen.root;
        await opts.onStart?.(chosen);
        const write = async (index: number, data: Uint8Array) => {
          await sink(index, data);
          got.add(index);
        };
        await fetch.pull(chosen, sources, write, { have: got, onProgress: opts.onProgress, signal });
        return chosen;
      } catch (err) {
        lastError = err;
        if (errorCode(err) === 'aborted') throw err;
        await sleep(ctx.clock, ctx.config.stabilizeMs, signal ?? ctx.signal);
      }
    }
    throw new RingError('all-replicas-failed', `get of ${name} failed after all replicas: ${errorMessage(lastError)}`);
  }

  /**
   * What each replica holds under `name`. A dead or busy replica can take a transfer timeout to fail, so once
   * one has the file the others get META_GRACE_MS more: those that answered by then are the sources. A reply
   * that carries a small file's bytes ends the wait at once.
   */
  private metasAt(peers: Address[], name: string, signal: AbortSignal | undefined): Promise<Array<Held | null | undefined>> {
    const { ctx } = this.parts;
    const metas = new Array<Held | null | undefined>(peers.length).fill(undefined);
    if (peers.length === 0) return Promise.resolve(metas);
    return new Promise((resolve) => {
      let pending = peers.length;
      let grace: unknown;
      const done = () => {
        ctx.clock.clearTimeout(grace);
        resolve([...metas]);
      };
      peers.forEach((peer, i) =>
        void this.metaAt(peer, name, signal).then((meta) => {
          metas[i] = meta;
          if (--pending === 0 || meta?.data) done();
          else if (meta && grace === undefined) grace = ctx.clock.setTimeout(done, META_GRACE_MS);
        }),
      );
    });
  }

  /** A replica's metadata for `name` (with the bytes of a small file): null when it has none, undefined when it did not answer. */
  private async metaAt(peer: Address, name: string, signal: AbortSignal | undefined): Promise<Held | null | undefined> {
    const { ctx, rpc, local } = this.parts;
    if (peer === ctx.address) {
      const meta = local.get(name)?.meta;
      return meta ? { meta: toWireMeta(meta) } : null;
    }
    try {
      const { reply, data } = await rpc.request(peer, { type: 'meta', name }, { timeoutMs: rpc.transferRequestTimeout(), suspect: false, signal });
      return reply.meta ? { meta: reply.meta, data } : null;
    } catch {
      return undefined;
    }
  }
}
