import { it } from 'vitest';
import { Simulation } from '../../shared/sim/simulation';
it('diag', async () => {
  const sim = new Simulation({ seed: 32 });
  await sim.createRing(20);
  const entries = Array.from({ length: 300 }, (_, i): [string, Uint8Array] => [`file-${i}`, sim.rng.bytes(sim.rng.int(16, 2048))]);
  await sim.putFiles(entries);
  await sim.converge(30_000, { placement: true });
  const { joined } = await sim.joinConcurrently(20);
  for (let t = 0; t < 12; t++) {
    await sim.stabilize(5000);
    const p = sim.placement();
    console.log(sim.clock.now(), JSON.stringify({ mis: p.misplaced, under: p.underReplicated }));
  }
  const name = sim.placement().misplaced[0];
  if (!name) return;
  const view = sim.view();
  const exp = sim.replicasOf(name);
  console.log('expected', exp, 'holders', JSON.stringify(sim.holders(name)), 'key', sim.files.get(name)!.key.toString(16));
  const idx = view.peers.findIndex(p => p.address === exp[0]);
  for (let k = -4; k <= 4; k++) { const p = view.at(idx + k); console.log(k, p.address, p.key.toString(16), 'pred', p.node.predecessor, 'preds', p.node.predecessors.join(), 'succs', p.node.successors.join(), joined.some(j => j.address === p.address) ? 'NEW' : '', JSON.stringify((p.node as any).routing.responsibility(sim.files.get(name)!.key))); }
});
