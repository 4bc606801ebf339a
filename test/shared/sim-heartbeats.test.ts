/**
 * Heartbeats of a quiet ring: a node's stabilize sends its predecessors with its state request, so its
 * successor's check-predecessor need not ask for them (before: each pair asked each other every 200 ms).
 */
import { expect, it } from 'vitest';
import { Simulation } from '../../shared/sim/simulation';

it('a stable ring sends about one state request per stabilize tick, and keeps every predecessor list right', async () => {
  const stabilizeMs = 200;
  const sim = new Simulation({ seed: 92, config: { stabilizeMs, checkPredecessorMs: stabilizeMs } });
  await sim.createRing(64);
  expect(await sim.converge(20_000)).toBe(true);

  const sent = () => sim.network.stats.requestsByType.state ?? 0;
  const before = sent();
  const periodMs = 10_000;
  await sim.stabilize(periodMs);
  const states = sent() - before;
  const ticks = (sim.live().length * periodMs) / stabilizeMs;
  console.log(JSON.stringify({ event: 'heartbeats', peers: sim.live().length, ticks, states, statesPerTick: states / ticks }));
  // Stabilize alone is one per tick; check-predecessor asking too made it two.
  expect(states / ticks).toBeLessThan(1.2);

  const view = sim.view();
  const wrong = view.peers.filter(({ node }, i) => {
    const expected = [1, 2, 3].map((back) => view.peers[(i - back + view.peers.length) % view.peers.length]!.address).slice(0, node.config.r);
    return node.predecessors.join() !== expected.join();
  });
  expect(wrong.map(({ address }) => address)).toEqual([]);
});
