/**
 * A put resolves once the owner has stored the file; the owner makes the backups after. Until it says they
 * are made, the putter keeps offering the file, so a crash of the owner in between loses nothing.
 */
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../shared/constants';
import { syncDigest } from '../../shared/sim/digest';
import { Simulation } from '../../shared/sim/simulation';
import { sourceFromBytes } from '../../shared/transfer/source';

const LIMIT_MS = 60_000;

/** A ring of 8 and a name whose owner and backups are all peers other than `putter`. */
async function setUp(seed: number) {
  const sim = new Simulation({ seed, r: 3 });
  await sim.createRing(8);
  const name = 'durable.bin';
  const replicas = sim.replicasOf(name);
  const putter = sim.live().find((p) => !replicas.includes(p.address))!.address;
  // Pulled chunk by chunk (not inline), so making the backups takes round trips after the put resolves.
  const bytes = sim.rng.bytes(CHUNK_SIZE * 6 + 100);
  return { sim, name, owner: replicas[0]!, putter, bytes };
}

describe('put durability', () => {
  it('an owner that crashes as soon as the put resolves, before any backup is made, loses nothing: the putter stores it again', async () => {
    const { sim, name, owner, putter, bytes } = await setUp(201);
    await sim.putFile(name, bytes, putter);
    expect(sim.holders(name).map((h) => h.address)).toEqual([owner]);

    sim.crash(owner);
    expect(await sim.converge(LIMIT_MS, { placement: true })).toBe(true);
    expect(sim.holders(name)).toHaveLength(3);
    expect(await sim.checkGets()).toEqual({ checked: 1, missing: [], corrupt: [], failed: [] });
  });

  it('with `replicated`, a put resolves only once the owner and both backups hold the file', async () => {
    const { sim, name, putter, bytes } = await setUp(202);
    const node = sim.peer(putter).node;
    const source = await sourceFromBytes(name, bytes, node.config.chunkSize, syncDigest);
    await sim.clock.drive(node.put(source, { replicated: true }), LIMIT_MS);
    expect(sim.holders(name).map((h) => h.address).sort()).toEqual(sim.replicasOf(name).sort());
  });
});
