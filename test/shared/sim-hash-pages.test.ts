/** A file with more chunks than one page of hashes: its metadata crosses the wire in pages and still checks out. */
import { expect, it } from 'vitest';
import { HASHES_PER_PAGE } from '../../shared/constants';
import { Simulation } from '../../shared/sim/simulation';

it('puts and gets a file whose chunk hashes span several pages', async () => {
  const sim = new Simulation({ seed: 91, config: { chunkSize: 16 } });
  await sim.createRing(6);
  const bytes = sim.rng.bytes(16 * (HASHES_PER_PAGE + 200));
  await sim.putFile('many-chunks.bin', bytes);
  expect(await sim.converge(30_000, { placement: true })).toBe(true);
  const [owner] = sim.replicasOf('many-chunks.bin');
  expect(sim.peer(owner!).node.stored('many-chunks.bin')?.chunks).toBe(HASHES_PER_PAGE + 200);
  const others = sim.live().filter((p) => !sim.replicasOf('many-chunks.bin').includes(p.address));
  expect(await sim.getFile('many-chunks.bin', others[0]!.address)).toEqual(bytes);
});
