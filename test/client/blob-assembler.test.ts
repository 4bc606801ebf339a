import { describe, expect, it } from 'vitest';
import { BlobAssembler, CHUNKS_PER_BLOB } from '../../client/dht/blob-assembler';
import { Rng } from '../../shared/sim/rng';

function chunked(rng: Rng, chunks: number): Uint8Array[] {
  return Array.from({ length: chunks }, (_, i) => rng.bytes(i === chunks - 1 ? 7 : 32));
}

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

describe('BlobAssembler', () => {
  it('puts chunks arriving in any order back in order, for sizes around the group boundary', async () => {
    const rng = new Rng(3);
    for (const chunks of [0, 1, CHUNKS_PER_BLOB - 1, CHUNKS_PER_BLOB, CHUNKS_PER_BLOB + 1, 3 * CHUNKS_PER_BLOB + 5]) {
      const parts = chunked(rng, chunks);
      const assembler = new BlobAssembler();
      for (const i of rng.shuffle([...parts.keys()])) assembler.add(i, parts[i]!);
      expect(await bytesOf(assembler.blob(chunks))).toEqual(joined(parts));
    }
  });

  it('rebuilds a finished group when its chunks come again for a newer version', async () => {
    const rng = new Rng(4);
    const old = chunked(rng, CHUNKS_PER_BLOB + 2);
    const newer = chunked(rng, CHUNKS_PER_BLOB + 2);
    const assembler = new BlobAssembler();
    old.forEach((data, i) => assembler.add(i, data));
    newer.forEach((data, i) => assembler.add(i, data));
    expect(await bytesOf(assembler.blob(newer.length))).toEqual(joined(newer));
  });

  it('refuses to build a file with a chunk missing', () => {
    const assembler = new BlobAssembler();
    assembler.add(0, new Uint8Array(4));
    assembler.add(2, new Uint8Array(4));
    expect(() => assembler.blob(3)).toThrow(/group 0 of 1 are missing/);
  });
});
