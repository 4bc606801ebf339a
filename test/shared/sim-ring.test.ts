/** Ring invariants on the simulator: pointers, lookups and their cost, small rings and collisions. */
import { describe, expect, it } from 'vitest';
import { hashKey } from '../../shared/ring/id';
import { Simulation } from '../../shared/sim/simulation';

function report(event: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, ...fields }));
}

describe('ring invariants after stabilization', () => {
  it.each([2, 3, 50])('N = %i: pointers form one sorted cycle and lookups from every node find the true owner', async (n) => {
    const sim = new Simulation({ seed: 100 + n });
    await sim.createRing(n);
    expect(sim.checkRing().problems).toEqual([]);
    expect(sim.ringConsistent()).toBe(true);
    const lookups = await sim.lookupStats(20, { fromEvery: true });
    expect(lookups.samples).toBe(20 * n);
    expect(lookups.wrong).toBe(0);
    // The wrap edge: the largest key and zero belong to the peer with the smallest key.
    const view = sim.view();
    const lowest = view.peers[0]!;
    for (const key of [0n, (1n << BigInt(sim.m)) - 1n, lowest.key]) {
      for (const { node } of view.peers) expect((await sim.clock.drive(node.lookup(key), 10_000)).owner).toBe(lowest.address);
    }
  });

  it('N = 1,000: one sorted cycle, right successor lists, lookups find the true owner; at N = 1,024 they cost <= ½·log2 N + 1 hops', { timeout: 300_000 }, async () => {
    const sim = new Simulation({ seed: 1000 });
    await sim.createRing(1000);
    const ring = sim.checkRing();
    expect(ring.problems).toEqual([]);
    const sample = await sim.lookupStats(1000);
    expect(sample.wrong).toBe(0);

    const { failed } = await sim.joinConcurrently(24);
    expect(failed).toEqual([]);
    expect(await sim.converge(60_000)).toBe(true);
    const n = sim.live().length;
    expect(n).toBe(1024);
    const cost = await sim.lookupStats(2000);
    const bound = 0.5 * Math.log2(n) + 1;
    report('lookup-cost', { nodes: n, samples: cost.samples, meanHops: cost.mean, p99Hops: cost.p99, maxHops: cost.max, bound, virtualSeconds: sim.clock.now() / 1000 });
    expect(cost.wrong).toBe(0);
    expect(cost.mean).toBeLessThanOrEqual(bound);
  });
});

describe('a small ring (M = 8)', () => {
  it('routes every key to its owner across the wrap, with peers joining one at a time', async () => {
    const sim = new Simulation({ seed: 8, m: 8 });
    await sim.createRing(30, { mode: 'sequential' });
    const view = sim.view();
    // Keys really wrap: some peer's range crosses zero.
    expect(view.peers[0]!.key).toBeGreaterThan(0n);
    const origins = view.peers.filter((_, i) => i % 5 === 0);
    const wrong: string[] = [];
    const all = origins.flatMap(({ node, address }) =>
      Array.from({ length: 256 }, async (_, k) => {
        const key = BigInt(k);
        const { owner } = await node.lookup(key);
        if (owner !== view.ownerOf(key).address) wrong.push(`${address}: key ${k} -> ${owner}`);
      }),
    );
    await sim.clock.drive(Promise.all(all), 60_000);
    expect(wrong).toEqual([]);
  });

  it("refuses a joining peer whose key collides with a live peer's, and the ring stays as it was", async () => {
    const sim = new Simulation({ seed: 9, m: 8 });
    await sim.createRing(10);
    const target = sim.live()[3]!;
    let address = '';
    for (let i = 0; address === ''; i++) if (hashKey(`twin-${i}`, 8) === target.key) address = `twin-${i}`;
    const twin = await sim.addNode(address);
    await expect(sim.join(twin, sim.live()[0]!.address)).rejects.toMatchObject({ code: 'key-collision' });
    expect(twin.node.joined).toBe(false);
    await sim.stabilize(5_000);
    expect(sim.checkRing().problems).toEqual([]);
    for (const { node } of sim.live()) {
      expect([node.successor, node.predecessor, ...node.successors, ...node.predecessors]).not.toContain(address);
    }
  });
});
