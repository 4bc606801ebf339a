/**
 * A delete: the writer signs a tombstone of the name (shared/trust/record) and puts it like a file of no
 * chunks, so it replaces the file on the owner and the backups and replicates as files do. Holders keep it
 * TOMBSTONE_TTL_MS (shared/trust/order), so a stale replica coming back cannot bring the file back: its older
 * version loses to the tombstone everywhere.
 */
import { RingError, errorCode, throwIfAborted } from '../errors';
import { fingerprintOf } from '../../trust/identity';
import type { FileParts } from './parts';
import { VERSION_TRIES, type Put } from './put';

export interface DeleteOptions {
  signal?: AbortSignal;
}

export class Delete {
  constructor(
    private readonly parts: FileParts,
    private readonly puts: Put,
  ) {}

  /**
   * Resolves once the owner and the backups hold the tombstone (the file dropped there). A name no replica
   * holds, or one already deleted, resolves at once: there is nothing to delete. Rejects with 'not-writer'
   * when another key wrote the name.
   */
  async run(name: string, opts: DeleteOptions = {}): Promise<void> {
    const { ctx } = this.parts;
    ctx.requireJoined();
    throwIfAborted(opts.signal, `delete of ${name}`);
    const signal = opts.signal && ctx.signalWith(opts.signal);
    for (let tries = 1; ; tries++) {
      const { record, owner } = await this.puts.current(name, signal);
      if (!record || record.kind === 'delete') return;
      if (record.writer !== ctx.records.writer) throw notWriter(name, record.writer);
      // At the version it deletes: a tombstone beats its writer's files of its version and lower, not a newer put.
      // A record's time is a date (an integer ms since 1970): performance.now() is neither.
      const deletedAt = Math.floor(ctx.clock.epochMs?.() ?? ctx.clock.now());
      const meta = await ctx.records.signTombstone(name, record.version, deletedAt);
      try {
        await this.puts.store({ meta, read: () => Promise.reject(new RingError('bad-message', 'a tombstone has no chunks')) }, { replicated: true, signal: opts.signal }, signal, owner);
        return;
      } catch (err) {
        throwIfAborted(opts.signal, `delete of ${name}`);
        if (errorCode(err) === 'name-taken') throw notWriter(name);
        if (errorCode(err) !== 'superseded' || tries >= VERSION_TRIES) throw err;
      }
    }
  }
}

function notWriter(name: string, writer?: string): RingError {
  const whose = writer ? ` (${fingerprintOf(writer)})` : '';
  return new RingError('not-writer', `"${name}" belongs to another writer${whose}; only its writer can delete it`);
}
