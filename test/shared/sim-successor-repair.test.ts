/**
 * A node that loses its successor must find the next peer ahead of it. Taking a peer behind it instead (its
 * predecessor) is repaired only one peer per stabilize round, all the way round the ring: at 1,000 peers
 * that is longer than any churn round (the cause of issue 4's failing 1,000-peer run).
 */
import { describe, expect, it } from 'vitest';
import type { Address } from '../../shared/ring/types';
import { Simulation } from '../../shared/sim/simulation';

/** Steps of virtual time in which a pointer is sampled. */
const SAMPLE_MS = 25;

/** Runs `ms` of virtual time, collecting what `sample` returns after every step. */
async function sampled(sim: Simulation, ms: number, sample: () => Address[]): Promise<Set<Address>> {
  const seen = new Set<Address>();
  for (let t = 0; t < ms; t += SAMPLE_MS) {
    await sim.stabilize(SAMPLE_MS);
    for (const address of sample()) seen.add(address);
  }
  return seen;
}

describe('successor repair', () => {
  it('when its r successors crash at once, a node takes the nearest live peer ahead of it, never one behind', async () => {
    const sim = new Simulation({ seed: 81 });
    await sim.createRing(64);
    const view = sim.view();
    const node = view.at(0).node;
    for (const i of [1, 2, 3]) sim.crash(view.at(i).address);
    const ahead = new Set(view.peers.slice(4, 32).map((p) => p.address));

    const successors = await sampled(sim, 5000, () => [node.successor]);
    expect([...successors].filter((s) => !ahead.has(s) && s !== view.at(1).address)).toEqual([]);
    expect(node.successor).toBe(view.at(4).address);
    expect(await sim.converge(5000)).toBe(true);
  });

  it('a peer that just left, still named by a stale lookup answer, does not become a successor again', async () => {
    // Slow stabilize keeps the predecessor's successor list stale long enough; fast reunite asks at once.
    const sim = new Simulation({ seed: 82, config: { stabilizeMs: 2000, reuniteMs: 50 } });
    await sim.createRing(24);
    await sim.stabilize(1000); // reunite drains what the nodes remembered while the ring was built
    const view = sim.view();
    const [pred, node, leaving, next] = [view.at(-1), view.at(0), view.at(1), view.at(2)];
    await sim.leave(leaving.address);
    expect(node.node.successor).toBe(next.address);
    // A lookup of the node's own key ends at its predecessor, which still lists the peer that left.
    expect(pred.node.successors).toContain(leaving.address);

    node.node.remember([view.at(12).address]);
    const successors = await sampled(sim, 1000, () => node.node.successors);
    expect(successors.has(leaving.address)).toBe(false);
    expect(await sim.converge(10_000)).toBe(true);
  });
});
