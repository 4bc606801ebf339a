/**
 * A put: the file's owner stores it, then makes the backups; until the owner says they are made, the putter
 * keeps offering the file, so no single crash loses it meanwhile.
 */
import { OPERATION_ATTEMPTS } from '../../constants';
import { toWireMeta } from '../../wire/peer';
import { RingError, errorCode, errorMessage, throwIfAborted } from '../errors';
import { sleep } from '../timers';
import type { Address, ChunkSource, FileMeta } from '../types';
import type { TransferProgress } from './fetch';
import type { FileParts } from './parts';
import type { Replication } from './replication';

export interface PutOptions extends TransferProgress {
  /**
   * Resolve only once the owner reports the backups made too. By default a put resolves as soon as the owner
   * has stored its copy; the putter keeps offering the file until the backups are confirmed either way.
   */
  replicated?: boolean;
}

/** Errors a put gives up on at once: trying again cannot help. */
const FINAL: ReadonlySet<string> = new Set(['aborted', 'quota-exceeded', 'not-joined']);

export class Put {
  constructor(
    private readonly parts: FileParts,
    private readonly replication: Replication,
  ) {}

  /**
   * Stores a file in the ring: resolves once its owner holds it (with `replicated`, once the backups are made
   * too). The caller's signal ends the put and what it serves; once a put without `replicated` has resolved,
   * the file is served until its backups are made whatever the signal does.
   */
  async run(source: ChunkSource, opts: PutOptions = {}): Promise<void> {
    const { ctx, local } = this.parts;
    const { meta } = source;
    ctx.requireJoined();
    throwIfAborted(opts.signal, `put of ${meta.name}`);
    // Without a signal of the caller's, each step takes the session's as it is then (a leave ends it).
    const signal = opts.signal && ctx.signalWith(opts.signal);
    const stopServing = local.serve(source);
    let owner: Address;
    try {
      owner = await this.storeAtOwner(meta, signal);
    } catch (err) {
      stopServing();
      throwIfAborted(opts.signal, `put of ${meta.name}`);
      throw err;
    }
    opts.onProgress?.(meta.size, meta.size);
    const backedUp = this.awaitBackups(meta, owner, opts.replicated ? signal : undefined).finally(stopServing);
    if (!opts.replicated) return;
    await backedUp;
    throwIfAborted(opts.signal, `put of ${meta.name}`);
  }

  /** Has the file's owner store it; resolves to that owner. */
  private async storeAtOwner(meta: FileMeta, signal?: AbortSignal): Promise<Address> {
    const { ctx, lookup } = this.parts;
    let lastError: unknown;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS; attempt++) {
      try {
        const { owner } = await lookup.run(ctx.keyOf(meta.name), ctx.address, signal);
        if (owner === ctx.address) await this.replication.accept(toWireMeta(meta), 'file', [ctx.address], true);
        else await this.offerToOwner(owner, meta, signal);
        return owner;
      } catch (err) {
        lastError = err;
        if (FINAL.has(errorCode(err) ?? '')) throw err;
        await sleep(ctx.clock, ctx.config.stabilizeMs, signal ?? ctx.signal);
      }
    }
    throw new RingError('all-replicas-failed', `put of ${meta.name} failed: ${errorMessage(lastError)}`);
  }

  /**
   * Has the owner store a put. An offer whose answer does not come is made again (the owner joins the
   * transfer it is already running); before giving up we ask whether it holds the file after all.
   */
  private async offerToOwner(owner: Address, meta: FileMeta, signal?: AbortSignal): Promise<void> {
    const { ctx, rpc, offers } = this.parts;
    const inline = await offers.inlineData(meta);
    let lastError: unknown;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS; attempt++) {
      try {
        await offers.send(owner, meta, { role: 'file', sources: [ctx.address], replicate: true, inline, suspect: true, signal });
        return;
      } catch (err) {
        if (errorCode(err) !== 'timeout') throw err;
        lastError = err;
      }
    }
    const { reply } = await rpc.request(owner, { type: 'digest', entries: [{ name: meta.name, root: meta.root }] }, { signal });
    if (reply.names.length > 0) throw lastError;
  }

  /**
   * Waits until the owner says the backups of a put are made. An owner that fails first may have crashed
   * holding the only copy: the file is stored again at whoever owns it now, unless a later put replaced it.
   * Never throws; after the last attempt the owner's periodic replication is left to finish the job.
   */
  private async awaitBackups(meta: FileMeta, owner: Address, signal?: AbortSignal): Promise<void> {
    const { ctx, rpc, local } = this.parts;
    const request = { type: 'replicas', name: meta.name, root: meta.root } as const;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS && !(signal ?? ctx.signal).aborted; attempt++) {
      try {
        if (owner !== ctx.address) await rpc.request(owner, request, { timeoutMs: rpc.transferTimeout(meta), suspect: false, signal });
        // Not held here any more: a later put replaced ours, and its own putter looks after it.
        else if (local.holds(meta.name, meta.root)) await this.replication.copies(local.get(meta.name)!);
        return;
      } catch (err) {
        if (errorCode(err) === 'superseded') return;
        ctx.log.debug('backups-unconfirmed', { name: meta.name, owner, reason: errorMessage(err) });
      }
      try {
        await sleep(ctx.clock, ctx.config.stabilizeMs, signal ?? ctx.signal);
        owner = await this.storeAtOwner(meta, signal);
      } catch (err) {
        ctx.log.debug('put-restore-failed', { name: meta.name, reason: errorMessage(err) });
      }
    }
    if (!(signal ?? ctx.signal).aborted) ctx.log.warn('backups-unconfirmed', { name: meta.name, owner });
  }
}
