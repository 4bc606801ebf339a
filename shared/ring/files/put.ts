/**
 * A put: learns the name's current record from its replicas, signs the next version of it, has the file's
 * owner store it and then make the backups; until the owner says they are made, the putter keeps offering
 * the file, so no single crash loses it meanwhile. A delete is the put of a tombstone (delete.ts).
 */
import { OPERATION_ATTEMPTS } from '../../constants';
import type { NameRecord } from '../../trust/record';
import { toWireMeta } from '../../wire/file-meta';
import { RingError, errorCode, errorMessage, throwIfAborted } from '../errors';
import { nameTaken } from '../records';
import { sleep } from '../timers';
import type { Address, ChunkSource, FileMeta } from '../types';
import type { TransferProgress } from './fetch';
import type { Holders } from './holders';
import type { FileParts } from './parts';
import type { Replication } from './replication';

export interface PutOptions extends TransferProgress {
  /**
   * Resolve only once the owner reports the backups hold this version too. By default a put resolves as soon
   * as the owner has stored its copy; the putter keeps offering the file until the backups are confirmed either way.
   */
  replicated?: boolean;
  /** The bytes are sealed (shared/trust/seal): the record says so, so no peer takes them for the plain file. */
  private?: boolean;
}

/** What a put stored: the version of `name` it signed, and who signed it. */
export interface PutResult {
  name: string;
  size: number;
  /** The signer's public key (shared/trust/identity). */
  writer: string;
  version: number;
}

/** Errors a put gives up on at once: trying again cannot help. */
const FINAL: ReadonlySet<string> = new Set(['aborted', 'quota-exceeded', 'not-joined', 'name-taken', 'superseded']);
/** Tries of a put or delete whose owner holds a newer version of ours than we learnt (our two tabs raced): learn it again. */
export const VERSION_TRIES = 2;

export class Put {
  constructor(
    private readonly parts: FileParts,
    private readonly replication: Replication,
    private readonly holders: Holders,
  ) {}

  /**
   * Stores a file in the ring as the next version of its name: resolves once its owner holds it (with
   * `replicated`, once the backups hold it too). Rejects with 'name-taken' before any byte is sent when another
   * writer holds the name (its holders refuse it too). The caller's signal ends the put and what it serves;
   * once a put without `replicated` has resolved, the file is served until its backups are made whatever the signal does.
   */
  async run(source: ChunkSource, opts: PutOptions = {}): Promise<PutResult> {
    const { ctx } = this.parts;
    const { name, size } = source.meta;
    ctx.requireJoined();
    throwIfAborted(opts.signal, `put of ${name}`);
    // Without a signal of the caller's, each step takes the session's as it is then (a leave ends it).
    const signal = opts.signal && ctx.signalWith(opts.signal);
    for (let tries = 1; ; tries++) {
      try {
        const { version, owner } = await this.nextVersion(name, signal);
        const meta = await ctx.records.signFile(source.meta, version, opts.private === true);
        await this.store({ meta, read: source.read }, opts, signal, owner);
        return { name, size, writer: ctx.records.writer, version };
      } catch (err) {
        throwIfAborted(opts.signal, `put of ${name}`);
        if (errorCode(err) !== 'superseded' || tries >= VERSION_TRIES) throw err;
      }
    }
  }

  /**
   * Stores a signed version (a file's, or a tombstone's) at the name's owner, then waits for the backups as
   * `opts.replicated` asks. Rejects with 'name-taken' or 'superseded' when the owner refuses it.
   */
  async store(source: ChunkSource, opts: PutOptions, signal: AbortSignal | undefined, knownOwner?: Address): Promise<void> {
    const { local } = this.parts;
    const { meta } = source;
    const stopServing = local.serve(source);
    let owner: Address;
    try {
      owner = await this.storeAtOwner(meta, signal, knownOwner);
    } catch (err) {
      stopServing();
      throw err;
    }
    opts.onProgress?.(meta.size, meta.size);
    const backedUp = this.awaitBackups(meta, owner, opts.replicated ? signal : undefined).finally(stopServing);
    if (!opts.replicated) return;
    const confirmed = await backedUp;
    throwIfAborted(opts.signal, `put of ${meta.name}`);
    if (!confirmed) throw new RingError('all-replicas-failed', `the backups of ${meta.name} could not be confirmed to hold this version`);
  }

  /** The record of `name` its replicas hold (holders.ts chooses among them; undefined when none holds one), and its owner. */
  async current(name: string, signal: AbortSignal | undefined): Promise<{ record?: NameRecord; owner: Address }> {
    const { chosen, owner } = await this.retried(() => this.holders.ask(name, signal), `asking the replicas of ${name}`, signal);
    return { record: chosen?.meta.signed?.record, owner };
  }

  /** The version a put of `name` by us is: one past the newest the replicas hold of ours; 'name-taken' if another writer holds it. */
  private async nextVersion(name: string, signal: AbortSignal | undefined): Promise<{ version: number; owner: Address }> {
    const { ctx } = this.parts;
    const { record, owner } = await this.current(name, signal);
    if (record && record.writer !== ctx.records.writer) throw nameTaken(name, record.writer);
    return { version: (record?.version ?? 0) + 1, owner };
  }

  /** Has the file's owner store it (`knownOwner` on the first try, when just looked up); resolves to that owner. */
  private storeAtOwner(meta: FileMeta, signal?: AbortSignal, knownOwner?: Address): Promise<Address> {
    const { ctx, lookup } = this.parts;
    let known = knownOwner;
    return this.retried(
      async () => {
        const owner = known ?? (await lookup.run(ctx.keyOf(meta.name), ctx.address, signal)).owner;
        known = undefined;
        if (owner === ctx.address) await this.replication.accept(toWireMeta(meta), 'file', [ctx.address], true);
        else await this.offerToOwner(owner, meta, signal);
        return owner;
      },
      `put of ${meta.name}`,
      signal,
    );
  }

  /** Runs `step` up to OPERATION_ATTEMPTS times, a stabilize round apart, unless it fails for good. */
  private async retried<T>(step: () => Promise<T>, what: string, signal?: AbortSignal): Promise<T> {
    const { ctx } = this.parts;
    let lastError: unknown;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS; attempt++) {
      try {
        return await step();
      } catch (err) {
        lastError = err;
        if (FINAL.has(errorCode(err) ?? '')) throw err;
        await sleep(ctx.clock, ctx.config.stabilizeMs, signal ?? ctx.signal);
      }
    }
    throw new RingError('all-replicas-failed', `${what} failed: ${errorMessage(lastError)}`);
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
        // The owner's refusal comes back as a transport error with its code: the putter's is a RingError, and
        // a name-taken one's message is the owner's own sentence ('"name" belongs to another writer …').
        const code = errorCode(err);
        const text = errorMessage(err);
        if (code === 'name-taken') throw new RingError(code, text.slice(Math.max(0, text.indexOf('"'))));
        if (code === 'superseded') throw new RingError(code, text);
        if (code !== 'timeout') throw err;
        lastError = err;
      }
    }
    const { reply } = await rpc.request(owner, { type: 'digest', entries: [{ name: meta.name, root: meta.root }] }, { signal });
    if (reply.names.length > 0) throw lastError;
  }

  /**
   * Waits until the owner says the backups hold this version. An owner that fails first may have crashed
   * holding the only copy: the file is stored again at whoever owns it now, unless a later put replaced it.
   * Never throws; resolves to whether the backups were confirmed (after the last attempt the owner's periodic
   * replication is left to finish the job).
   */
  private async awaitBackups(meta: FileMeta, owner: Address, signal?: AbortSignal): Promise<boolean> {
    const { ctx, rpc, local } = this.parts;
    const request = { type: 'replicas', name: meta.name, root: meta.root } as const;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS && !(signal ?? ctx.signal).aborted; attempt++) {
      try {
        if (owner !== ctx.address) await rpc.request(owner, request, { timeoutMs: rpc.transferTimeout(meta), suspect: false, signal });
        // Not held here any more: a later put replaced ours, and its own putter looks after it.
        else if (local.holds(meta.name, meta.root)) await this.replication.confirmCopies(local.get(meta.name)!);
        return true;
      } catch (err) {
        if (errorCode(err) === 'superseded') return true;
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
    return false;
  }
}
