import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/sim/rng';
import { generateIdentity, type Identity } from '../../../shared/trust/identity';
import {
  RACE_WINDOW_MS,
  SETTLED,
  TOMBSTONE_TTL_MS,
  compareRecords,
  decide,
  holdingAfter,
  outlivedTombstones,
  tombstoneExpired,
  type Holding,
} from '../../../shared/trust/order';
import { MAX_VERSION, fileRecord, signRecord, type SignedRecord, type Tombstone } from '../../../shared/trust/record';

const subtle = globalThis.crypto.subtle;
const NAME = 'report.pdf';
const rootOf = (n: number) => n.toString(16).padStart(64, '0');

let writers: Identity[];
/** The two first writers, as the contest ranks them for NAME. */
let winner: Identity;
let loser: Identity;

const file = (id: Identity, version: number, root = 1, name = NAME) =>
  signRecord(id, fileRecord({ name, size: 10, chunkSize: 10, chunks: 1, root: rootOf(root) }, version, id.publicKey, false));
const tomb = (id: Identity, version: number, deletedAt = 0) =>
  signRecord(id, { kind: 'delete', name: NAME, version, writer: id.publicKey, deletedAt } satisfies Tombstone);
const settled = (signed: SignedRecord): Holding => ({ signed, since: SETTLED });

beforeAll(async () => {
  writers = await Promise.all(Array.from({ length: 6 }, () => generateIdentity(subtle)));
  const [a, b] = writers as [Identity, Identity];
  [winner, loser] = compareRecords(await file(a, 1), await file(b, 1)) > 0 ? [a, b] : [b, a];
});

describe('one writer', () => {
  it('replaces with higher versions only', async () => {
    const [a] = writers as [Identity];
    const table: Array<[held: SignedRecord | undefined, incoming: SignedRecord, expected: string]> = [
      [undefined, await file(a, 1), 'accept'],
      [await file(a, 1), await file(a, 2), 'accept'],
      [await file(a, 2), await file(a, 1), 'stale'],
      [await file(a, 1), await file(a, 1), 'stale'], // the same record again
      [await file(a, 5), await file(a, MAX_VERSION), 'accept'],
      // A tombstone beats files of its version and lower, and a later put of the writer beats it.
      [await file(a, 2), await tomb(a, 2), 'accept'],
      [await file(a, 3), await tomb(a, 2), 'stale'],
      [await tomb(a, 2), await file(a, 2), 'stale'],
      [await tomb(a, 2), await file(a, 1), 'stale'],
      [await tomb(a, 2), await file(a, 3), 'accept'],
      [await tomb(a, 2), await tomb(a, 3), 'accept'],
      [await tomb(a, 3), await tomb(a, 2), 'stale'],
    ];
    for (const [held, incoming, expected] of table) {
      const holding = held && settled(held);
      expect(decide(holding, incoming, 0), `${held?.record.kind} v${held?.record.version} <- ${incoming.record.kind} v${incoming.record.version}`).toBe(expected);
    }
  });

  it('breaks a tie on one version the same way in either order', async () => {
    const [a] = writers as [Identity];
    for (let i = 0; i < 8; i++) {
      const x = await file(a, 4, 100 + i);
      const y = await file(a, 4, 200 + i);
      const xy = decide(settled(x), y, 0);
      const yx = decide(settled(y), x, 0);
      expect([xy, yx].sort()).toEqual(['accept', 'stale']);
      expect(compareRecords(x, y)).toBe(-compareRecords(y, x));
    }
    // Two deletions at one version differ only in their time: still one winner.
    const [t1, t2] = [await tomb(a, 4, 1), await tomb(a, 4, 2)];
    expect([decide(settled(t1), t2, 0), decide(settled(t2), t1, 0)].sort()).toEqual(['accept', 'stale']);
  });
});

describe('other writers', () => {
  it('cannot take a settled name, whatever version, kind or contest rank they bring', async () => {
    for (const [holder, rival] of [[winner, loser], [loser, winner]] as const) {
      const held = settled(await file(holder, 1));
      for (const incoming of [await file(rival, 1), await file(rival, MAX_VERSION), await tomb(rival, MAX_VERSION)]) {
        expect(decide(held, incoming, 1e12)).toBe('name-taken');
      }
    }
    // A deleted name stays its writer's while the tombstone lives.
    expect(decide(settled(await tomb(loser, 3)), await file(winner, 1), 0)).toBe('name-taken');
  });

  it('race for a young name: the same winner on every peer, whatever the arrival order', async () => {
    const rng = new Rng(17);
    const claims = await Promise.all(writers.map((id, i) => file(id, 1 + (i % 3))));
    const best = claims.reduce((a, b) => (compareRecords(a, b) > 0 ? a : b));
    for (let peer = 0; peer < 20; peer++) {
      const arrivals = rng.shuffle([...claims, ...claims.slice(0, 2)]); // some arrive twice (repair)
      let held: Holding | undefined;
      arrivals.forEach((incoming, i) => {
        const now = 1_000 + i * 100; // all inside the window of the first arrival
        if (decide(held, incoming, now) === 'accept') held = holdingAfter(held, incoming, now);
      });
      expect(held?.signed.record.writer).toBe(best.record.writer);
      expect(held?.since).toBe(1_000);
    }
  });

  it('race: the loser is refused in either order, and versions do not change the contest', async () => {
    const w1 = await file(winner, 1);
    const l1 = await file(loser, 1);
    const l9 = await file(loser, 9);
    const young = (signed: SignedRecord): Holding => ({ signed, since: 0 });
    expect(decide(young(l1), w1, 10)).toBe('accept');
    expect(decide(young(w1), l1, 10)).toBe('name-taken');
    expect(decide(young(w1), l9, 10)).toBe('name-taken');
    expect(decide(young(l9), await file(winner, 1, 2), 10)).toBe('accept');
  });

  it('race window: open until RACE_WINDOW_MS after the name first reached the holder, kept across replacements', async () => {
    const l1 = await file(loser, 1);
    const w1 = await file(winner, 1);
    const held = holdingAfter(undefined, l1, 5_000);
    expect(decide(held, w1, 5_000 + RACE_WINDOW_MS - 1)).toBe('accept');
    expect(decide(held, w1, 5_000 + RACE_WINDOW_MS)).toBe('name-taken');
    // The writer's own replace does not reopen the window.
    const replaced = holdingAfter(held, await file(loser, 2), 5_000 + RACE_WINDOW_MS - 1);
    expect(replaced.since).toBe(5_000);
    expect(decide(replaced, w1, 5_000 + RACE_WINDOW_MS + 1)).toBe('name-taken');
  });

  it('orders only records of one name', async () => {
    const [mine, other] = [await file(winner, 1), await file(winner, 1, 1, 'other.pdf')];
    expect(() => compareRecords(mine, other)).toThrow(RangeError);
  });
});

describe('tombstone lifetime', () => {
  it('lasts TOMBSTONE_TTL_MS from the earlier of deletedAt and first storing, so a lie cannot stretch it', async () => {
    const t = (await tomb(winner, 1, 1_000)).record as Tombstone;
    expect(tombstoneExpired(t, 5_000, 1_000 + TOMBSTONE_TTL_MS - 1)).toBe(false);
    expect(tombstoneExpired(t, 5_000, 1_000 + TOMBSTONE_TTL_MS)).toBe(true);
    const future = (await tomb(winner, 1, 8e15)).record as Tombstone;
    expect(tombstoneExpired(future, 5_000, 5_000 + TOMBSTONE_TTL_MS)).toBe(true);
    expect(TOMBSTONE_TTL_MS).toBeGreaterThan(RACE_WINDOW_MS);
  });

  it('a store away longer than that must re-check what it holds', () => {
    expect(outlivedTombstones(0, TOMBSTONE_TTL_MS - 1)).toBe(false);
    expect(outlivedTombstones(0, TOMBSTONE_TTL_MS)).toBe(true);
  });
});
