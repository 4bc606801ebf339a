import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../../shared/constants';
import { RingError } from '../../../shared/ring/errors';
import { Rng } from '../../../shared/sim/rng';
import {
  FRAGMENT_LENGTH,
  PRIVATE_CHUNK_PLAIN_BYTES,
  SEAL_TAG_BYTES,
  keyFromFragment,
  keyToFragment,
  newFileKey,
  openChunk,
  plainSize,
  sealChunk,
  sealedSize,
} from '../../../shared/trust/seal';

const rng = new Rng(18);
const chunks = [rng.bytes(1000), rng.bytes(1000), rng.bytes(17), new Uint8Array(0)];

async function expectCorrupt(opening: Promise<unknown>): Promise<void> {
  const err = await opening.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RingError);
  expect((err as RingError).code).toBe('corrupt');
}

describe('sealed chunks', () => {
  it('open to their plaintext, each a tag longer and unlike the others', async () => {
    const key = await newFileKey();
    expect(key.key.extractable).toBe(false);
    const sealed = await Promise.all(chunks.map((c, i) => sealChunk(key, i, c)));
    sealed.forEach((s, i) => expect(s.length).toBe(chunks[i]!.length + SEAL_TAG_BYTES));
    for (const [i, s] of sealed.entries()) expect(await openChunk(key, i, s)).toEqual(chunks[i]);
    // Equal plaintext at two indexes seals differently: each index has its own nonce.
    expect(await sealChunk(key, 0, chunks[0]!)).toEqual(sealed[0]);
    expect(await sealChunk(key, 1, chunks[0]!)).not.toEqual(sealed[0]);
  });

  it('refuse a flipped bit, a moved or cut chunk and another key, as corrupt', async () => {
    const key = await newFileKey();
    const sealed = await sealChunk(key, 3, chunks[0]!);
    for (const at of [0, 500, sealed.length - 1]) {
      const flipped = sealed.slice();
      flipped[at]! ^= 0x40;
      await expectCorrupt(openChunk(key, 3, flipped));
    }
    await expectCorrupt(openChunk(key, 4, sealed));
    await expectCorrupt(openChunk(key, 3, sealed.subarray(0, sealed.length - 1)));
    await expectCorrupt(openChunk(await newFileKey(), 3, sealed));
    await expect(sealChunk(key, -1, chunks[0]!)).rejects.toThrow(RangeError);
    await expect(sealChunk(key, 2 ** 32, chunks[0]!)).rejects.toThrow(RangeError);
  });

  it('fill ring chunks exactly, and the plain size comes back from the stored one', () => {
    expect(PRIVATE_CHUNK_PLAIN_BYTES + SEAL_TAG_BYTES).toBe(CHUNK_SIZE);
    for (const size of [0, 1, PRIVATE_CHUNK_PLAIN_BYTES, PRIVATE_CHUNK_PLAIN_BYTES + 1, 3 * PRIVATE_CHUNK_PLAIN_BYTES - 5]) {
      const stored = sealedSize(size);
      const count = Math.ceil(stored / CHUNK_SIZE);
      expect(count).toBe(Math.ceil(size / PRIVATE_CHUNK_PLAIN_BYTES));
      expect(plainSize(stored, count)).toBe(size);
    }
  });
});

describe('link fragments', () => {
  it('carry the key, with or without #', async () => {
    const key = await newFileKey();
    const fragment = keyToFragment(key);
    expect(fragment).toMatch(new RegExp(`^[A-Za-z0-9_-]{${FRAGMENT_LENGTH}}$`));
    const sealed = await sealChunk(key, 2, chunks[1]!);
    for (const text of [fragment, `#${fragment}`]) {
      const parsed = await keyFromFragment(text);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(await openChunk(parsed.value, 2, sealed)).toEqual(chunks[1]);
    }
    expect(keyToFragment(await newFileKey())).not.toBe(fragment);
  });

  it('refuse anything else with a reason', async () => {
    const fragment = keyToFragment(await newFileKey());
    for (const bad of ['', '#', fragment.slice(1), `${fragment}A`, `${fragment.slice(0, -1)}!`, `${fragment.slice(0, -1)}B`, '##' + fragment.slice(1)]) {
      const parsed = await keyFromFragment(bad);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(/file key/);
    }
  });
});
