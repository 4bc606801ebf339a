/**
 * Offers: one peer asks another to store a copy of a file, which the receiver pulls from the sources named
 * (or takes whole from the offer, for a small file). Both sides are here; who offers what, and when, is for
 * put and replication to decide.
 */
import { decide, type Arrival } from '../../trust/order';
import { toWireMeta, type WireMeta } from '../../wire/file-meta';
import type { RingContext } from '../context';
import { RingError } from '../errors';
import { asTombstone, nameTaken, sameRecord } from '../records';
import type { Rpc } from '../rpc';
import type { Address, FileMeta, Role } from '../types';
import type { Fetch } from './fetch';
import { inlineMeta, inlineable } from './inline';
import type { LocalFiles } from './local-files';

export interface OfferOptions {
  /** The role the receiver takes the file in if its own view of the ring cannot tell. */
  role: Role;
  /** Where the receiver pulls the chunks from, in order. */
  sources: Address[];
  /** Asked of an owner by a putter: store it, then make the backups (answered before they are made). */
  replicate: boolean;
  /** The bytes of a small file, to ride along; read from our store when not given. */
  inline?: Uint8Array;
  /** Whether a peer that does not answer is suspected (false for bulk offers, many in flight). */
  suspect: boolean;
  /** The session's unless given (then one from `RingContext.signalWith`). */
  signal?: AbortSignal;
}

export class Offers {
  constructor(
    private readonly ctx: RingContext,
    private readonly rpc: Rpc,
    private readonly local: LocalFiles,
    private readonly fetch: Fetch,
  ) {}

  /** The bytes a small file's offer carries, from our store; undefined for a larger file. */
  async inlineData(meta: FileMeta): Promise<Uint8Array | undefined> {
    return inlineable(meta) ? this.local.chunk(meta.root, 0, this.ctx.config.chunkTimeoutMs) : undefined;
  }

  /** Has `peer` store a copy of `meta`; a small file costs one round trip. Resolves to the copies it reports. */
  async send(peer: Address, meta: FileMeta, opts: OfferOptions): Promise<number> {
    const data = opts.inline ?? (await this.inlineData(meta));
    const { reply } = await this.rpc.request(
      peer,
      { type: 'offer', meta: toWireMeta(meta), role: opts.role, sources: opts.sources, replicate: opts.replicate },
      { timeoutMs: this.rpc.transferTimeout(meta), suspect: opts.suspect, data, signal: opts.signal },
    );
    return reply.replicas;
  }

  /**
   * Stores an offered version: pulled from `sources`, or `inline`, checked against its root first. Only a version
   * whose record checks and that the ordering rule takes (shared/trust/order: `arrival` 'put' for a writer's put)
   * is stored; else it rejects with 'bad-message' or 'corrupt' (no or a bad record), 'superseded' (we hold a
   * newer version) or 'name-taken'. Resolves to its full metadata.
   */
  async store(wire: WireMeta, hint: Role, sources: Address[], inline?: Uint8Array, arrival: Arrival = 'copy'): Promise<FileMeta> {
    const { ctx } = this;
    // Inline bytes are checked first: cheap, and what a sender of bad bytes is told.
    const carried = inline && (await inlineMeta(wire, inline, ctx.digest));
    await this.checkRecord(wire);
    this.admit(wire, arrival);
    const meta = carried || asTombstone(wire) || (await this.fetch.fullMeta(wire, sources));
    // Ourselves only as the putter: asking our own arrival for a chunk would wait on itself.
    const from = sources.filter((s) => s !== ctx.address || this.local.isServing(meta.root));
    await this.local.receive(
      meta,
      () => this.roleFor(meta.name, hint),
      // A resumed receive (`have`) asks only for the chunks a failed one did not check.
      (write, have, live) => (inline ? write(0, inline) : this.fetch.pull(meta, live, write, { have })),
      from,
      () => this.admit(meta, arrival),
    );
    return meta;
  }

  private async checkRecord(wire: WireMeta): Promise<void> {
    const { ctx } = this;
    if (await ctx.records.valid(wire)) return;
    ctx.stats.badRecords++;
    ctx.log.warn('bad-record', { name: wire.name, signed: !!wire.signed });
    throw wire.signed
      ? new RingError('corrupt', `the signed record of ${wire.name} is not its writer's signature`)
      : new RingError('bad-message', `an offer of ${wire.name} must carry its writer's signed record`);
  }

  /** Throws unless the ordering rule takes `wire` over what we hold of its name now (the same record again is taken). */
  private admit(wire: WireMeta, arrival: Arrival): void {
    const held = this.local.holding(wire.name);
    const signed = wire.signed!;
    const decision = decide(held, signed, this.ctx.clock.now(), arrival);
    if (decision === 'accept' || sameRecord(held?.signed, signed)) return;
    if (decision === 'stale') throw new RingError('superseded', `${this.ctx.address} holds a newer version of ${wire.name}`);
    throw nameTaken(wire.name, held!.signed.record.writer);
  }

  /** Our own view of the ring decides a received file's role; the sender's hint only when we have none. */
  private roleFor(name: string, hint: Role): Role {
    const role = this.ctx.routing.roleOf(this.ctx.keyOf(name));
    return role === 'file' || role === 'backup' ? role : hint;
  }
}
