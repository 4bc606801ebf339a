/**
 * Listing the ring's files: a walk from owner to owner in key order. Each owner answers only for its own range
 * (the files it holds as owner whose key is in (predecessor, self]), a page at a time, filtered by prefix where
 * it stands; the walk goes on to the successor the owner names and stops at the caller's limit, at the end of
 * the ring, or after LIST_MAX_REQUESTS replies. A listing of the first few files of a ring of hundreds of peers
 * is then a lookup and a few requests, not one per peer.
 */
import { LIST_PAGE, OPERATION_ATTEMPTS } from '../../constants';
import type { ListRequest, ListedFile, ReplyTo } from '../../wire/peer';
import { RingError, errorCode, errorMessage } from '../errors';
import { fingerprintOf } from '../../trust/identity';
import { betweenRightIncl } from '../id';
import type { Handlers } from '../inbound';
import { isTombstone } from '../records';
import type { Address } from '../types';
import type { FileParts } from './parts';

/** Entries a listing returns unless told otherwise. */
export const LIST_DEFAULT_LIMIT = 1000;
/** Most entries one listing returns. */
export const LIST_MAX_LIMIT = 10_000;
/** Replies one walk reads at most: a full walk of a ring of N peers takes about N + 1 (the first owner twice). */
export const LIST_MAX_REQUESTS = 4096;
/** Bytes of names an owner puts in one reply, well inside a frame's MAX_HEADER_BYTES (32 KiB) with the JSON around them. */
const LIST_REPLY_BYTES = 16 * 1024;

export interface ListOptions {
  /** Only names starting with this. */
  prefix?: string;
  /** At most this many entries (LIST_DEFAULT_LIMIT, at most LIST_MAX_LIMIT). */
  limit?: number;
  /** Go on after this name's place in ring order: a page's `next`. */
  after?: string;
}

export interface ListEntry extends ListedFile {
  /** The peer that answered for it: the file's owner. */
  owner: Address;
}

export interface ListPage {
  /** Sorted by name. */
  entries: ListEntry[];
  /** When the walk stopped before the end of the ring: the `after` that goes on from here. */
  next: string | null;
}

/** Where the walk stands: past this key, and at that key past this name. */
interface Cursor {
  key?: bigint;
  name?: string;
}

const encoder = new TextEncoder();

export class Listing {
  constructor(private readonly parts: FileParts) {}

  async run(opts: ListOptions = {}): Promise<ListPage> {
    const { ctx, lookup } = this.parts;
    ctx.requireJoined();
    const limit = Math.max(1, Math.min(LIST_MAX_LIMIT, Math.floor(opts.limit ?? LIST_DEFAULT_LIMIT)));
    const prefix = opts.prefix || undefined;
    const start: Cursor = opts.after === undefined ? {} : { key: ctx.keyOf(opts.after), name: opts.after };
    const startKey = start.key ?? 0n;
    let cursor = start;
    /** The key of the last owner whose range the walk finished: the next owner's range begins past it. */
    let previous: bigint | undefined;
    let owner = (await lookup.run(startKey)).owner;
    const found: ListEntry[] = [];
    let failures = 0;
    for (let requests = 0; requests < LIST_MAX_REQUESTS; requests++) {
      const ownerKey = ctx.keyOf(owner);
      // The owner whose range wraps past the top of the ring: its part past the walk's position is the last part.
      const last = previous === undefined ? ownerKey < startKey : ownerKey <= previous;
      const req: ListRequest = {
        type: 'list',
        limit: Math.min(LIST_PAGE, limit - found.length),
        ...(cursor.key !== undefined && { from: cursor.key.toString(16) }),
        ...(cursor.name !== undefined && { after: cursor.name }),
        ...(!last && { to: ownerKey.toString(16) }),
        ...(prefix !== undefined && { prefix }),
      };
      let reply: ReplyTo<'list'>;
      try {
        reply = await this.ask(owner, req);
      } catch (err) {
        if (errorCode(err) === 'aborted' || ++failures >= OPERATION_ATTEMPTS) throw new RingError('lookup-failed', `listing stopped at ${owner}: ${errorMessage(err)}`);
        // The owner named by its predecessor is gone: whoever owns the next key now answers for it.
        owner = (await lookup.run(nextKey(cursor, ctx.config.m))).owner;
        continue;
      }
      failures = 0;
      found.push(...reply.files.map((file) => ({ ...file, owner })));
      const lastFile = reply.files.at(-1);
      if (found.length >= limit) return page(found, lastFile!.name);
      if (reply.more && lastFile) {
        cursor = { key: ctx.keyOf(lastFile.name), name: lastFile.name };
        continue;
      }
      if (last) return page(found, null);
      cursor = { key: ownerKey };
      previous = ownerKey;
      owner = reply.successor;
    }
    return page(found, found.at(-1)?.name ?? null);
  }

  /** What this owner answers for a list request: its own range only. */
  answer(req: ListRequest): ReplyTo<'list'> {
    const { ctx, local } = this.parts;
    const { routing } = ctx;
    const pred = routing.predecessor;
    const predKey = pred && pred !== ctx.address ? ctx.keyOf(pred) : undefined;
    const from = req.from === undefined ? undefined : BigInt('0x' + req.from);
    const to = req.to === undefined ? undefined : BigInt('0x' + req.to);
    const mine = local
      .all()
      .filter((f) => f.role === 'file' && !isTombstone(f.meta) && (req.prefix === undefined || f.meta.name.startsWith(req.prefix)))
      .map((f) => ({ key: ctx.keyOf(f.meta.name), name: f.meta.name, size: f.meta.size, writer: f.meta.signed?.record.writer }))
      .filter(({ key, name }) => {
        if (predKey !== undefined && !betweenRightIncl(key, predKey, ctx.key)) return false;
        if (to !== undefined && key > to) return false;
        if (from === undefined) return true;
        return key > from || (key === from && req.after !== undefined && name > req.after);
      })
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const files: ListedFile[] = [];
    let bytes = 0;
    for (const { name, size, writer } of mine) {
      bytes += encoder.encode(name).length;
      if (files.length >= req.limit || (files.length > 0 && bytes > LIST_REPLY_BYTES)) break;
      files.push(writer === undefined ? { name, size } : { name, size, writer: fingerprintOf(writer) });
    }
    return { type: 'listed', files, more: files.length < mine.length, successor: routing.successor };
  }

  handlers(): Pick<Handlers, 'list'> {
    return { list: (_from, req) => ({ body: this.answer(req) }) };
  }

  private async ask(owner: Address, req: ListRequest): Promise<ReplyTo<'list'>> {
    const { ctx, rpc } = this.parts;
    if (owner === ctx.address) return this.answer(req);
    return (await rpc.request(owner, req)).reply;
  }
}

/** The first key the walk has not covered yet. */
function nextKey(cursor: Cursor, m: number): bigint {
  if (cursor.key === undefined) return 0n;
  return cursor.name === undefined ? (cursor.key + 1n) % (1n << BigInt(m)) : cursor.key;
}

/** The entries by name; a name two owners both answered for (their views of the ring differ for a moment) once. */
function page(found: ListEntry[], next: string | null): ListPage {
  const byName = new Map<string, ListEntry>();
  for (const entry of found) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  const entries = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, next };
}
