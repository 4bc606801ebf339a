/** A put or get that its caller aborts through its signal, on the simulator. */
import { describe, expect, it } from 'vitest';
import { syncDigest } from '../../shared/sim/digest';
import { Simulation } from '../../shared/sim/simulation';
import { sourceFromBytes } from '../../shared/transfer/source';
import type { ChunkSource } from '../../shared/ring/types';

const LIMIT_MS = 60_000;
const CHUNK = 300;

/** A ring of `n` peers with small chunks, so a file of a few KB is a transfer of many requests. */
async function ring(seed: number, n = 8): Promise<Simulation> {
  const sim = new Simulation({ seed, config: { chunkSize: CHUNK } });
  await sim.createRing(n);
  return sim;
}

describe('aborting a put or a get', () => {
  it('a get aborted mid-download rejects with an AbortError, and the next get reads the file whole', async () => {
    const sim = await ring(61);
    const bytes = sim.rng.bytes(CHUNK * 40);
    await sim.putFile('big.bin', bytes);
    await sim.converge(LIMIT_MS, { placement: true });
    const reader = sim.live().find((p) => !sim.replicasOf('big.bin').includes(p.address))!.node;
    const controller = new AbortController();
    const chunks = new Set<number>();
    const get = reader.get('big.bin', (index) => {
      chunks.add(index);
      if (chunks.size === 3) controller.abort();
    }, { signal: controller.signal });
    await expect(sim.clock.drive(get, LIMIT_MS)).rejects.toMatchObject({ name: 'AbortError', code: 'aborted' });
    // The download stopped: the chunks in flight when it was aborted, not the rest of the file.
    expect(chunks.size).toBeLessThan(40);
    expect(await sim.getFile('big.bin', reader.address)).toEqual(bytes);
  });

  it('a get with a signal already aborted rejects at once, sending nothing', async () => {
    const sim = await ring(62, 4);
    const before = sim.network.stats.requests;
    const get = sim.live()[0]!.node.get('any', () => undefined, { signal: AbortSignal.abort() });
    await expect(get).rejects.toMatchObject({ name: 'AbortError', code: 'aborted' });
    expect(sim.network.stats.requests).toBe(before);
  });

  it('a put aborted while its owner pulls it rejects with an AbortError and stops serving the file, which no peer then keeps', async () => {
    const sim = await ring(63);
    const name = 'aborted.bin';
    const putter = sim.live().find((p) => !sim.replicasOf(name).includes(p.address))!.node;
    const source = await sourceFromBytes(name, sim.rng.bytes(CHUNK * 40), CHUNK, syncDigest);
    const controller = new AbortController();
    let reads = 0;
    const counted: ChunkSource = {
      meta: source.meta,
      read: (index) => {
        if (++reads === 3) controller.abort();
        return source.read(index);
      },
    };
    await expect(sim.clock.drive(putter.put(counted, { signal: controller.signal }), LIMIT_MS)).rejects.toMatchObject({ name: 'AbortError', code: 'aborted' });
    const readsAtAbort = reads;
    await sim.converge(LIMIT_MS);
    await sim.clock.runFor(5_000);
    // Nothing more was read from the putter, and the owner's half-pulled copy was never committed.
    expect(reads).toBe(readsAtAbort);
    expect(sim.holders(name)).toEqual([]);
    expect(await sim.getFile(name, putter.address)).toBeNull();
  });
});
