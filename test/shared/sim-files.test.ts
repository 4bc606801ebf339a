/** File placement and transfers on the simulator as peers join and leave gracefully. */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../shared/sim/simulation';

/** Puts `count` files of 16..2048 random bytes; every put must succeed. */
async function putFiles(sim: Simulation, count: number): Promise<void> {
  const entries = Array.from({ length: count }, (_, i): [string, Uint8Array] => [`file-${i}`, sim.rng.bytes(sim.rng.int(16, 2048))]);
  expect(await sim.putFiles(entries)).toEqual([]);
}

/** Every file exactly on its owner plus the next r - 1 peers, and every get byte-identical. */
async function expectAllPlacedAndReadable(sim: Simulation, convergeMs = 60_000): Promise<void> {
  const converged = await sim.converge(convergeMs, { placement: true });
  const placement = sim.placement();
  // On failure, where the first wrong files should be and where they are.
  const where = (names: string[]) => names.slice(0, 5).map((name) => ({ name, should: sim.replicasOf(name), is: sim.holders(name) }));
  expect({ lost: placement.lost, underReplicated: where(placement.underReplicated), misplaced: where(placement.misplaced) }).toEqual({
    lost: [],
    underReplicated: [],
    misplaced: [],
  });
  expect(sim.checkRing().problems).toEqual([]);
  // Honest peers moving many files never send each other a request the other refuses.
  expect(sim.live().filter((p) => p.node.stats.droppedMessages > 0).map((p) => [p.address, p.node.stats.droppedMessages])).toEqual([]);
  expect(converged).toBe(true);
  const gets = await sim.checkGets();
  expect(gets).toEqual({ checked: sim.files.size, missing: [], corrupt: [], failed: [] });
}

describe('file placement', () => {
  it("puts every file on its key's successor as a file and on the next r - 1 peers as backups", async () => {
    const sim = new Simulation({ seed: 21 });
    await sim.createRing(50);
    await putFiles(sim, 500);
    await expectAllPlacedAndReadable(sim);
    // Spot-check the checker against the nodes' own lists.
    const [owner, ...backups] = sim.replicasOf('file-7');
    expect(sim.peer(owner!).node.files).toContain('file-7');
    for (const b of backups) expect(sim.peer(b).node.backUpFiles).toContain('file-7');
    expect(backups).toHaveLength(sim.r - 1);
  });

  it('answers null for a name nobody stored, and stores multi-chunk and empty files intact', async () => {
    const sim = new Simulation({ seed: 22, config: { chunkSize: 300 } });
    await sim.createRing(12);
    await putFiles(sim, 60);
    expect([...sim.files.values()].some((f) => f.bytes.length > 3 * 300)).toBe(true);
    await sim.putFile('empty.txt', new Uint8Array(0));
    expect(await sim.getFile('empty.txt')).toEqual(new Uint8Array(0));
    expect(await sim.getFile('no-such-file')).toBeNull();
    await expectAllPlacedAndReadable(sim);
  });

  it("a put the owner's full store cannot take fails with quota-exceeded", async () => {
    const sim = new Simulation({ seed: 23, quotaBytes: 1000 });
    await sim.createRing(5);
    await expect(sim.putFile('big.bin', sim.rng.bytes(4000))).rejects.toMatchObject({ code: 'quota-exceeded' });
    await sim.putFile('small.bin', sim.rng.bytes(500));
    expect(await sim.getFile('small.bin')).toEqual(sim.files.get('small.bin')?.bytes);
  });
});

describe('joins', () => {
  it('peers joining one at a time take over their ranges; placement holds again and every get is intact', async () => {
    const sim = new Simulation({ seed: 31, config: { chunkSize: 300 } });
    await sim.createRing(20);
    await putFiles(sim, 300);
    await sim.converge(30_000, { placement: true });
    for (let i = 0; i < 10; i++) {
      await sim.join(await sim.addNode());
      await sim.stabilize(500);
    }
    expect(sim.live()).toHaveLength(30);
    await expectAllPlacedAndReadable(sim);
  });

  it('20 peers joining at once: placement holds again and every get is intact', async () => {
    const sim = new Simulation({ seed: 32 });
    await sim.createRing(20);
    await putFiles(sim, 300);
    await sim.converge(30_000, { placement: true });
    const { joined, failed } = await sim.joinConcurrently(20);
    expect(failed).toEqual([]);
    expect(joined).toHaveLength(20);
    await expectAllPlacedAndReadable(sim);
  });
});

describe('graceful leaves', () => {
  it('peers leaving one after another, and two neighbours at once, hand their files over', async () => {
    const sim = new Simulation({ seed: 41, config: { chunkSize: 300 } });
    await sim.createRing(30);
    await putFiles(sim, 300);
    await sim.converge(30_000, { placement: true });
    for (let i = 0; i < 8; i++) await sim.leave(sim.rng.pick(sim.live()).address);
    const view = sim.view();
    const i = sim.rng.below(view.peers.length);
    await sim.leaveConcurrently([view.at(i).address, view.at(i + 1).address]);
    expect(sim.live()).toHaveLength(20);
    await expectAllPlacedAndReadable(sim);
  });
});

describe('get', () => {
  it('names the version it reads before the first chunk reaches the sink, inline or chunked', async () => {
    const sim = new Simulation({ seed: 23 });
    await sim.createRing(8);
    const files: Array<[string, number]> = [
      ['small.txt', 1000],
      ['large.bin', 600 * 1024],
    ];
    for (const [name, size] of files) await sim.putFile(name, sim.rng.bytes(size));
    for (const [name, size] of files) {
      const events: string[] = [];
      const reader = sim.live().find((p) => !sim.replicasOf(name).includes(p.address))!;
      const get = reader.node.get(name, (index) => void events.push(`chunk ${index}`), { onStart: (meta) => void events.push(`start ${meta.size}`) });
      const meta = await sim.clock.drive(get, 30_000);
      expect(meta?.root).toBe(sim.files.get(name)!.root);
      expect(events[0]).toBe(`start ${size}`);
      expect(events.filter((e) => e.startsWith('start'))).toHaveLength(1);
      expect(events.filter((e) => e.startsWith('chunk')).sort()).toEqual(Array.from({ length: meta!.chunks }, (_, i) => `chunk ${i}`));
    }
  });
});
