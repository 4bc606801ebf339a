import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../shared/constants';
import { syncDigest } from '../../shared/sim/digest';
import { chunkMatches, rootMatches } from '../../shared/transfer/meta';
import { PRIVATE_CHUNK_PLAIN_BYTES, keyToFragment, newFileKey, sealedSize } from '../../shared/trust/seal';
import { linkKey, openingSink, plainVersion } from '../../client/dht/private-files';
import { privateSourceFromBlob } from '../../client/dht/private-source';

function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
  return bytes;
}

// Buffer compares and searches natively: a deep toEqual over 240 KiB arrays took seconds.
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const contains = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay).includes(Buffer.from(needle));

describe('privateSourceFromBlob', () => {
  const size = 2 * PRIVATE_CHUNK_PLAIN_BYTES + 1234;

  it('describes sealed chunks of CHUNK_SIZE whose hashes and root hold, none containing the plaintext', async () => {
    const plain = randomBytes(size);
    const key = await newFileKey();
    const source = await privateSourceFromBlob('secret.bin', new Blob([plain]), key, syncDigest);
    const { meta } = source;
    expect(meta).toMatchObject({ name: 'secret.bin', size: sealedSize(size), chunkSize: CHUNK_SIZE, chunks: 3 });
    expect(await rootMatches(meta, syncDigest)).toBe(true);
    const marker = plain.subarray(1000, 1032);
    for (let i = 0; i < meta.chunks; i++) {
      const sealed = await source.read(i);
      expect(await chunkMatches(meta, i, sealed, syncDigest)).toBe(true);
      expect(contains(sealed, marker)).toBe(false);
    }
  });

  it('seals a chunk read again to the same bytes, and opens back to the plaintext with the link key alone', async () => {
    const plain = randomBytes(size);
    const key = await newFileKey();
    const source = await privateSourceFromBlob('secret.bin', new Blob([plain]), key, syncDigest);
    const first = await source.read(1);
    await source.read(0);
    expect(same(await source.read(1), first)).toBe(true);

    const layout = plainVersion(source.meta);
    expect(layout).toMatchObject({ size, chunkSize: PRIVATE_CHUNK_PLAIN_BYTES, chunks: 3 });
    const out = new Uint8Array(layout.size);
    const sink = openingSink(await linkKey(keyToFragment(key)), (index, data) => out.set(data, index * layout.chunkSize));
    for (let i = 0; i < source.meta.chunks; i++) await sink(i, await source.read(i));
    expect(same(out, plain)).toBe(true);
  });

  it('refuses a chunk under another key or at another index with corrupt, and a damaged link key', async () => {
    const key = await newFileKey();
    const source = await privateSourceFromBlob('secret.bin', new Blob([randomBytes(size)]), key, syncDigest);
    const other = openingSink(await newFileKey(), () => undefined);
    await expect(other(0, await source.read(0))).rejects.toMatchObject({ code: 'corrupt' });
    const moved = openingSink(key, () => undefined);
    await expect(moved(1, await source.read(0))).rejects.toMatchObject({ code: 'corrupt' });
    await expect(linkKey(keyToFragment(key).slice(1))).rejects.toMatchObject({ code: 'corrupt' });
  });

  it('describes an empty file as no chunks', async () => {
    const source = await privateSourceFromBlob('empty', new Blob([]), await newFileKey(), syncDigest);
    expect(source.meta).toMatchObject({ size: 0, chunks: 0 });
    expect(plainVersion(source.meta).size).toBe(0);
  });
});
