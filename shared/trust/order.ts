/**
 * The one rule that decides between two signed records of a name, applied by every honest holder to
 * everything it would store, offer or promote. Call it on verified records only (verifyRecord).
 *
 * Names belong to their first writer. Among records of one writer the newer wins: higher version, then at an
 * equal version a tombstone over a file, then the larger canonical encoding (a writer's two tabs racing on one
 * version end the same way everywhere). A version is never compared across writers, so it cannot win a name.
 *
 * Between writers, a holder keeps what it holds. A writer's own put of a name another key holds is always
 * refused ('name-taken'), however young the name: the second person to put a name learns so at once, every
 * time. Only copies moving between holders (replication, hand-offs) can change a name's writer, and only
 * while the name is young there: two writers racing for a free name can reach different owners (a put while
 * the ring changes), and "first to arrive" would then leave those replicas disagreeing for ever. For the
 * first RACE_WINDOW_MS after a holder first stored any record of the name, a rival writer's copy is ranked by
 * a contest every peer computes the same way: the lower SHA-256(name, writer) wins, whatever the arrival
 * order. After the window no record of another key takes the name, whatever it says.
 *
 * Rules rejected, and why:
 * - contest at any age (e.g. lowest hash always wins): a squatter grinds keys until one ranks low for a name
 *   and takes it from its established writer;
 * - a signed creation time: the squatter signs an earlier one;
 * - highest version: the squatter signs version 2^53.
 *
 * Limits: during a name's window, a squatter who sees the claim can grind a key that wins the contest (two
 * tries on average) and take the name on the holders whose window is still open; a claim that reaches a holder
 * only after that holder's window closed (a partition that heals later) leaves it keeping the other writer,
 * and the replicas of that name disagree until the loser deletes. The contest prefers no key globally: the
 * name is hashed in, so a key ground to win one name ranks at random for every other.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeRecord, type NameRecord, type SignedRecord, type Tombstone } from './record';

/**
 * How long a name stays open to a racing writer on a holder. A racing claim must reach every replica of the
 * name within it: a put reaches the owner at once and the backups right after (measured: recovery after a
 * crash 809 ms against a goal of 3 s), so 15 s is five times the recovery goal; longer would only widen the
 * time in which a watching squatter can take a fresh name.
 */
export const RACE_WINDOW_MS = 15_000;

/**
 * How long a holder keeps a tombstone, counted from the earlier of the writer's `deletedAt` and the holder's
 * first storing it (so tombstones handed on under churn still expire). A stale replica is a store that comes
 * back: a reopened tab (IndexedDB outlives the tab) or a restarted Node peer. A month covers a laptop closed
 * over holidays; a tombstone is under 1 KiB, so even thousands of deletes a month cost a holder a few MiB.
 * A store away longer than this could bring a deleted file back, so the ring must not offer what such a store
 * holds without re-checking it (outlivedTombstones).
 */
export const TOMBSTONE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export type Decision = 'accept' | 'stale' | 'name-taken';

/** How a record reaches a holder: in a writer's put (never takes a held name), or copied between holders. */
export type Arrival = 'put' | 'copy';

/** What a digest entry says of a version: enough to rank it against a held record without its signature. */
export interface Claim {
  name: string;
  writer: string;
  version: number;
  deleted: boolean;
}

/** What a holder keeps of a name: the record it stores and when it first stored any record of the name. */
export interface Holding {
  signed: SignedRecord;
  /** Local clock. Keep it when a record replaces another; SETTLED when not known (a record loaded from storage). */
  since: number;
}

/** A holding whose race window closed long ago. */
export const SETTLED = Number.NEGATIVE_INFINITY;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function compareSameWriter(a: NameRecord, b: NameRecord): number {
  if (a.version !== b.version) return a.version - b.version;
  if (a.kind !== b.kind) return a.kind === 'delete' ? 1 : -1;
  return compareBytes(encodeRecord(a), encodeRecord(b));
}

/** A writer's rank in a race for a name: lower wins. The name is hashed in so no key ranks low for every name. */
function contestHash(name: string, writer: string): Uint8Array {
  return sha256(new TextEncoder().encode(JSON.stringify(['ringshare/contest/1', name, writer])));
}

/**
 * Total order of the records of one name, > 0 when `a` wins. Same writer: newer wins. Different writers: the
 * race contest, which only `decide` within the race window may act on (a getter choosing among replicas'
 * answers should not: one lying replica could then pick the writer).
 */
export function compareRecords(a: SignedRecord, b: SignedRecord): number {
  const [ra, rb] = [a.record, b.record];
  if (ra.name !== rb.name) throw new RangeError('only records of one name are ordered');
  if (ra.writer === rb.writer) return compareSameWriter(ra, rb);
  return compareBytes(contestHash(rb.name, rb.writer), contestHash(ra.name, ra.writer));
}

/**
 * What a holder does with a verified incoming record of a name it holds `held` of (or nothing): store it
 * ('accept'), ignore it as no newer ('stale'), or refuse it as another writer's ('name-taken'; a put then
 * rejects with that code, a delete with 'not-writer').
 */
export function decide(held: Holding | undefined, incoming: SignedRecord, now: number, arrival: Arrival = 'copy'): Decision {
  if (!held) return 'accept';
  const wins = compareRecords(incoming, held.signed) > 0;
  if (incoming.record.writer === held.signed.record.writer) return wins ? 'accept' : 'stale';
  return wins && arrival === 'copy' && now - held.since < RACE_WINDOW_MS ? 'accept' : 'name-taken';
}

/**
 * `decide` for a copy known only by its claim (a digest entry): 'unsure' when only the records' bytes can
 * tell (one writer, one version, one kind, another root), so the holder asks for the record itself.
 */
export function decideClaim(held: Holding | undefined, claim: Claim, now: number): Decision | 'unsure' {
  if (!held) return 'accept';
  const h = held.signed.record;
  if (claim.writer !== h.writer) {
    const wins = compareBytes(contestHash(claim.name, h.writer), contestHash(claim.name, claim.writer)) > 0;
    return wins && now - held.since < RACE_WINDOW_MS ? 'accept' : 'name-taken';
  }
  if (claim.version !== h.version) return claim.version > h.version ? 'accept' : 'stale';
  if (claim.deleted !== (h.kind === 'delete')) return claim.deleted ? 'accept' : 'stale';
  return 'unsure';
}

export function claimOf(r: NameRecord): Claim {
  return { name: r.name, writer: r.writer, version: r.version, deleted: r.kind === 'delete' };
}

/** The holding once `accepted` (decided 'accept') is stored: the name's race window keeps its start. */
export function holdingAfter(held: Holding | undefined, accepted: SignedRecord, now: number): Holding {
  return { signed: accepted, since: held?.since ?? now };
}

/** True once a holder that first stored `tombstone` at `storedAt` may drop it (and the name is free again). */
export function tombstoneExpired(tombstone: Tombstone, storedAt: number, now: number): boolean {
  return now - Math.min(tombstone.deletedAt, storedAt) >= TOMBSTONE_TTL_MS;
}

/** True when a store last in the ring at `lastSeen` may hold versions whose tombstones are gone everywhere. */
export function outlivedTombstones(lastSeen: number, now: number): boolean {
  return now - lastSeen >= TOMBSTONE_TTL_MS;
}
