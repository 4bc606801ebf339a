/**
 * Deletes (issue #16), in the simulator on several seeds: only the writer deletes; a delete resolves once the
 * owner and backups hold its tombstone, after which no peer returns or lists the file; a stale replica coming
 * back with the old file (as a reloaded tab) cannot bring it back.
 */
import { describe, expect, it } from 'vitest';
import { syncDigest } from '../../shared/sim/digest';
import { Simulation } from '../../shared/sim/simulation';
import { sourceFromBytes } from '../../shared/transfer/source';
import { LIMIT_MS, listed, revive } from './sim-records';

const SEEDS = [11, 12, 13];
const NAME = 'minutes.txt';
/** Virtual time a delete may take in a settled ring of 8: a lookup, the replicas' records, the tombstone's put and its backups. */
const DELETE_MS = 10_000;

async function ringWithFile(seed: number, size = 5000) {
  const sim = new Simulation({ seed, latencyMs: [5, 40], config: { chunkSize: 1024 } });
  const peers = await sim.createRing(8);
  const writer = peers.find((p) => !sim.replicasOf(NAME).includes(p.address))!;
  const bytes = sim.rng.bytes(size);
  const source = await sourceFromBytes(NAME, bytes, 1024, syncDigest);
  await sim.clock.drive(writer.node.put(source, { replicated: true }), LIMIT_MS);
  return { sim, peers, writer, bytes };
}

async function expectGone(sim: Simulation): Promise<void> {
  for (const p of sim.live()) expect(await sim.getFile(NAME, p.address), p.address).toBeNull();
  expect(listed(sim, NAME)).toEqual([]);
}

describe('delete', () => {
  it.each(SEEDS)("another writer's delete is refused with not-writer and the file stays (seed %i)", async (seed) => {
    const { sim, peers, writer, bytes } = await ringWithFile(seed);
    const other = peers.find((p) => p !== writer)!;
    await expect(sim.clock.drive(other.node.delete(NAME), LIMIT_MS)).rejects.toMatchObject({
      code: 'not-writer',
      message: expect.stringMatching(/^"minutes\.txt" belongs to another writer \([0-9a-f-]+\); only its writer can delete it$/),
    });
    expect(await sim.converge(10_000)).toBe(true);
    for (const p of sim.live()) expect(await sim.getFile(NAME, p.address), p.address).toEqual(bytes);
  });

  it.each(SEEDS)("the writer's delete: once it resolves no peer returns or lists the file (seed %i)", async (seed) => {
    const { sim, writer } = await ringWithFile(seed);
    const start = sim.clock.now();
    await sim.clock.drive(writer.node.delete(NAME), DELETE_MS);
    expect(sim.clock.now() - start).toBeLessThan(DELETE_MS);
    // The owner and the backups hold the tombstone the moment it resolves.
    for (const replica of sim.replicasOf(NAME)) expect(sim.peer(replica).node.record(NAME)?.record.kind, replica).toBe('delete');
    await expectGone(sim);
    // Deleting again, or a name nobody holds, resolves: there is nothing to delete.
    await sim.clock.drive(writer.node.delete(NAME), DELETE_MS);
    await sim.clock.drive(writer.node.delete('never-put.txt'), DELETE_MS);
    // The writer may put the name again: the version after the tombstone's.
    const again = await sourceFromBytes(NAME, new TextEncoder().encode('again'), 1024, syncDigest);
    expect(await sim.clock.drive(writer.node.put(again, { replicated: true }), LIMIT_MS)).toMatchObject({ version: 2 });
    expect(new TextDecoder().decode((await sim.getFile(NAME))!)).toBe('again');
  });

  it.each(SEEDS)('a backup killed before the delete and reloaded with its old store does not bring the file back (seed %i)', async (seed) => {
    const { sim, writer } = await ringWithFile(seed, 20_000);
    const [owner, backup] = sim.replicasOf(NAME) as [string, string];
    const oldStore = sim.peer(backup).store;
    sim.crash(backup);
    await sim.stabilize(5000);
    await sim.clock.drive(writer.node.delete(NAME), LIMIT_MS);
    expect((await oldStore.list()).map((f) => [f.meta.name, f.meta.signed?.record.kind])).toContainEqual([NAME, 'file']);
    await revive(sim, backup, oldStore, owner, { chunkSize: 1024 });
    expect(await sim.converge(30_000)).toBe(true);
    await sim.stabilize(15_000);
    await expectGone(sim);
    expect(sim.peer(backup).node.record(NAME)?.record.kind).toBe('delete');
  });
});
