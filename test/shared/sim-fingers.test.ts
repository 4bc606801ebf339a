/**
 * Fix fingers: each tick refreshes one finger, asking the finger it has (one hop) rather than running a
 * whole lookup from itself; at 1,000 peers finger upkeep was most of the simulator's messages.
 */
import { expect, it } from 'vitest';
import { fingerStart } from '../../shared/ring/id';
import { Simulation } from '../../shared/sim/simulation';

it('a stable ring keeps every finger right at about one request per fix-fingers tick', async () => {
  const fixFingersMs = 100;
  const sim = new Simulation({ seed: 91, config: { fixFingersMs } });
  await sim.createRing(128);
  await sim.stabilize(20_000); // every finger filled at least once

  const sent = () => sim.network.stats.requestsByType.find ?? 0;
  const before = sent();
  const periodMs = 10_000;
  await sim.stabilize(periodMs);
  const finds = sent() - before;
  const ticks = (sim.live().length * periodMs) / fixFingersMs;
  console.log(JSON.stringify({ event: 'finger-upkeep', peers: sim.live().length, ticks, finds, findsPerTick: finds / ticks }));
  // A lookup from the node itself costs about ½·log2 N hops for each far finger; asking the finger, one.
  expect(finds / ticks).toBeLessThan(1.2);

  const view = sim.view();
  const wrong = view.peers.flatMap(({ address, key, node }) =>
    node.routing.fingers.flatMap((finger, i) => {
      const owner = view.ownerOf(fingerStart(key, i, sim.m)).address;
      return owner === address || finger === owner ? [] : [{ address, i, finger, owner }];
    }),
  );
  expect(wrong).toEqual([]);
});
