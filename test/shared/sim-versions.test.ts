/**
 * Versions never go backwards (issue #17): the simulator ports of ../shared/repro/reload-rollback.mts and
 * crash-rollback.mts, on many seeds. A backup killed before a newer `put(..., { replicated: true })` comes back
 * (with its old store, as a reloaded tab; or not at all): every replica ends with the newest version, and the
 * put resolved 'replicated' only once the replicas held that version.
 */
import { describe, expect, it } from 'vitest';
import { syncDigest } from '../../shared/sim/digest';
import { Simulation } from '../../shared/sim/simulation';
import { sourceFromBytes } from '../../shared/transfer/source';
import { LIMIT_MS, heldRoots, revive } from './sim-records';

const NAME = 'notes.txt';
const CHUNK = 1024;
const SIZE = 20_000;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

async function twoVersions(seed: number) {
  const sim = new Simulation({ seed, latencyMs: [5, 40], config: { chunkSize: CHUNK } });
  await sim.createRing(6);
  const v1 = await sourceFromBytes(NAME, sim.rng.bytes(SIZE), CHUNK, syncDigest);
  const v2 = await sourceFromBytes(NAME, sim.rng.bytes(SIZE), CHUNK, syncDigest);
  const [owner, backup] = sim.replicasOf(NAME) as [string, string];
  const writer = sim.live().find((p) => !sim.replicasOf(NAME).includes(p.address))!;
  const first = await sim.clock.drive(writer.node.put(v1, { replicated: true }), LIMIT_MS);
  expect(first).toEqual({ name: NAME, size: SIZE, writer: writer.node.writer, version: 1 });
  const oldStore = sim.peer(backup).store;
  sim.crash(backup);
  await sim.stabilize(5000);
  const second = await sim.clock.drive(writer.node.put(v2, { replicated: true }), LIMIT_MS);
  expect(second.version).toBe(2);
  // 'replicated': every replica of the name holds v2 the moment the put resolves.
  const roots = heldRoots(sim, NAME);
  for (const replica of sim.replicasOf(NAME)) expect(roots.get(replica), replica).toBe(v2.meta.root);
  return { sim, owner, backup, oldStore, writer, v2 };
}

describe('versions never go backwards', () => {
  it.each(SEEDS)('a backup reloaded with its old store does not roll the ring back (seed %i)', async (seed) => {
    const { sim, owner, backup, oldStore, writer, v2 } = await twoVersions(seed);
    // It comes back holding v1 only.
    const stale = (await oldStore.list()).filter((f) => f.meta.name === NAME);
    expect(stale.map((f) => [f.meta.signed?.record.version, f.meta.root === v2.meta.root])).toEqual([[1, false]]);
    await revive(sim, backup, oldStore, owner, { chunkSize: CHUNK });
    expect(await sim.converge(30_000)).toBe(true);
    await sim.stabilize(15_000);
    const roots = heldRoots(sim, NAME);
    expect(roots.size).toBeGreaterThanOrEqual(3);
    expect([...new Set(roots.values())]).toEqual([v2.meta.root]);
    for (const replica of sim.replicasOf(NAME)) expect(roots.get(replica), replica).toBe(v2.meta.root);
    for (const from of [writer.address, backup, owner]) {
      const got = await sim.getFile(NAME, from);
      expect((await sourceFromBytes(NAME, got!, CHUNK, syncDigest)).meta.root, from).toBe(v2.meta.root);
    }
  });

  it.each(SEEDS)('a crash repaired before a newer put leaves the newest version on every replica (seed %i)', async (seed) => {
    const { sim, writer, v2 } = await twoVersions(seed);
    await sim.stabilize(15_000);
    const roots = heldRoots(sim, NAME);
    expect([...new Set(roots.values())]).toEqual([v2.meta.root]);
    for (const replica of sim.replicasOf(NAME)) expect(roots.get(replica), replica).toBe(v2.meta.root);
    const got = await sim.getFile(NAME, writer.address);
    expect((await sourceFromBytes(NAME, got!, CHUNK, syncDigest)).meta.root).toBe(v2.meta.root);
  });
});
