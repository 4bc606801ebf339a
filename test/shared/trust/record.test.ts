import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_NAME_LENGTH } from '../../../shared/constants';
import { Rng } from '../../../shared/sim/rng';
import { generateIdentity, type Identity } from '../../../shared/trust/identity';
import {
  MAX_VERSION,
  encodeRecord,
  fileRecord,
  matchesMeta,
  parseSignedRecord,
  signRecord,
  verifyRecord,
  type FileRecord,
  type SignedRecord,
  type Tombstone,
} from '../../../shared/trust/record';
import { randomJson } from '../fuzz-inputs';
import { noEd25519Keys } from './fakes';

const subtle = globalThis.crypto.subtle;
const ROOT = 'ab'.repeat(32);
const meta = { name: 'notes.txt', size: 300_000, chunkSize: 245_760, chunks: 2, root: ROOT };

let alice: Identity;
let bob: Identity;
beforeAll(async () => {
  alice = await generateIdentity(subtle);
  bob = await generateIdentity(noEd25519Keys);
});

const fileOf = (id: Identity, overrides: Partial<FileRecord> = {}): FileRecord => ({ ...fileRecord(meta, 1, id.publicKey, false), ...overrides });
const tombOf = (id: Identity, overrides: Partial<Tombstone> = {}): Tombstone => ({
  kind: 'delete',
  name: meta.name,
  version: 1,
  writer: id.publicKey,
  deletedAt: 1_700_000_000_000,
  ...overrides,
});
/** As a record arrives from a wire. */
const overWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('signed records', () => {
  it('verify for both algorithms, files and tombstones, after a trip over the wire', async () => {
    for (const id of [alice, bob]) {
      for (const record of [fileOf(id), fileOf(id, { private: true, version: 7 }), tombOf(id)]) {
        const signed = await signRecord(id, record);
        expect(await verifyRecord(signed, subtle)).toBe(true);
        const parsed = parseSignedRecord(overWire(signed));
        expect(parsed).toEqual({ ok: true, value: signed });
        if (parsed.ok) expect(await verifyRecord(parsed.value, subtle)).toBe(true);
      }
    }
  });

  it('fail once any field is changed, or when another writer is named', async () => {
    const signed = await signRecord(alice, fileOf(alice));
    const changes: Array<Partial<FileRecord>> = [
      { name: 'notes.txt ' },
      { version: 2 },
      { size: 300_001 },
      { chunkSize: 245_761 },
      { chunks: 3 },
      { root: 'ac'.repeat(32) },
      { private: true },
      { writer: bob.publicKey },
    ];
    for (const change of changes) expect(await verifyRecord({ ...signed, record: { ...signed.record, ...change } as FileRecord }, subtle)).toBe(false);
    const tomb = await signRecord(alice, tombOf(alice));
    expect(await verifyRecord({ ...tomb, record: { ...tomb.record, deletedAt: 0 } as Tombstone }, subtle)).toBe(false);
    // A signature is bound to its record, not to its writer: another record of the same writer does not inherit it.
    expect(await verifyRecord({ record: tomb.record, sig: signed.sig }, subtle)).toBe(false);
    await expect(signRecord(alice, fileOf(bob))).rejects.toThrow(RangeError);
  });

  it('encode to fixed bytes that tell apart names UTF-8 alone would confuse', () => {
    const a = fileOf(alice);
    expect(encodeRecord(a)).toEqual(encodeRecord({ ...a }));
    expect(new TextDecoder().decode(encodeRecord(a))).toBe(
      JSON.stringify(['ringshare/record/1', 'file', 'notes.txt', 1, alice.publicKey, 300_000, 245_760, 2, ROOT, false]),
    );
    expect(encodeRecord(fileOf(alice, { name: 'x\uD800' }))).not.toEqual(encodeRecord(fileOf(alice, { name: 'x\uFFFD' })));
  });

  it('match the metadata they describe and nothing else', () => {
    expect(matchesMeta(fileOf(alice), meta)).toBe(true);
    expect(matchesMeta(fileOf(alice), { ...meta, root: 'cd'.repeat(32) })).toBe(false);
    expect(matchesMeta(fileOf(alice), { ...meta, size: meta.size - 1 })).toBe(false);
  });
});

describe('parseSignedRecord', () => {
  it('refuses each limit, with a reason', async () => {
    const good = overWire(await signRecord(alice, fileOf(alice))) as { record: Record<string, unknown>; sig: string };
    const spoil = (field: string, value: unknown) => ({ ...good, record: { ...good.record, [field]: value } });
    const cases: unknown[] = [
      spoil('name', 'x'.repeat(MAX_NAME_LENGTH + 1)),
      spoil('name', ''),
      spoil('version', 0),
      spoil('version', 1.5),
      spoil('version', MAX_VERSION + 1),
      spoil('version', '2'),
      spoil('size', -1),
      spoil('chunks', 9), // does not match the size
      spoil('root', 'AB'.repeat(32)),
      spoil('writer', 'ed25519:short'),
      spoil('private', 'no'),
      spoil('kind', 'rename'),
      { ...good, record: { ...good.record, kind: 'delete' } }, // a tombstone needs deletedAt
      { ...good, sig: good.sig.slice(1) },
      { ...good, sig: `${good.sig.slice(0, -1)}!` },
      { record: good.record },
      null,
      [good],
    ];
    for (const bad of cases) {
      const parsed = parseSignedRecord(bad);
      expect(parsed.ok, JSON.stringify(bad)?.slice(0, 80)).toBe(false);
      if (!parsed.ok) expect(parsed.reason.length).toBeGreaterThan(0);
    }
  });

  it('copies only the known fields out', async () => {
    const good = overWire(await signRecord(alice, fileOf(alice))) as Record<string, Record<string, unknown>>;
    const record = { ...good.record, owner: 'me' };
    // An own __proto__ key, as JSON.parse makes it.
    Object.defineProperty(record, '__proto__', { value: { writer: bob.publicKey }, enumerable: true });
    const parsed = parseSignedRecord({ ...good, extra: 1, record });
    expect(parsed.ok && Object.keys(parsed.value.record).sort()).toEqual(Object.keys(fileOf(alice)).sort());
    expect(parsed.ok && Object.keys(parsed.value)).toEqual(['record', 'sig']);
  });

  it('never lets generated input both parse and verify unless it is the signed record itself', async () => {
    const rng = new Rng(16);
    const signed = [await signRecord(alice, fileOf(alice)), await signRecord(bob, tombOf(bob))];
    const originals = new Set(signed.map((s) => JSON.stringify(s)));
    let refused = 0;
    let parsedButForged = 0;
    const total = 400;
    for (let i = 0; i < total; i++) {
      const base = overWire(rng.pick(signed)) as { record: Record<string, unknown>; sig: string };
      let input: unknown;
      switch (rng.below(4)) {
        case 0:
          input = randomJson(rng, 3);
          break;
        case 1: {
          const field = rng.pick([...Object.keys(base.record), 'kind', 'deletedAt', 'private']);
          input = { ...base, record: { ...base.record, [field]: randomJson(rng, 1) } };
          break;
        }
        case 2:
          input = { ...base, sig: rng.chance(0.5) ? randomJson(rng, 1) : `${base.sig.slice(0, 85)}${rng.pick(['A', 'Q', 'g', 'w'])}` };
          break;
        default: {
          // Another writer's key under a valid record: well-formed, so only the signature can catch it.
          const writer = base.record.writer === alice.publicKey ? bob.publicKey : alice.publicKey;
          input = { ...base, record: { ...base.record, writer } };
        }
      }
      const parsed = parseSignedRecord(input);
      if (!parsed.ok) {
        refused++;
        continue;
      }
      if (originals.has(JSON.stringify(parsed.value))) continue;
      expect(await verifyRecord(parsed.value, subtle), JSON.stringify(input)).toBe(false);
      parsedButForged++;
    }
    // Most spoiled inputs stop at the shape check; the rest are well-formed lies only the signature refuses.
    expect(refused).toBeGreaterThan(total / 2);
    expect(parsedButForged).toBeGreaterThan(total / 10);
  });
});
