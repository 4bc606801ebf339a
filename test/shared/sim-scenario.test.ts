/** The scenario driver: reproducible from its seed, and churn that never takes r neighbours at once. */
import { describe, expect, it } from 'vitest';
import { pickVictims, runScenario } from '../../shared/sim/scenario';
import { Simulation } from '../../shared/sim/simulation';

describe('runScenario', () => {
  it('replays exactly from its seed', async () => {
    const options = { seed: 5, nodes: 24, files: 120, churn: 0.25, rounds: 3, lookups: 100 };
    const { wallSeconds: _a, ...first } = await runScenario(options);
    const { wallSeconds: _b, ...second } = await runScenario(options);
    expect(second).toEqual(first);
    const { wallSeconds: _c, ...other } = await runScenario({ ...options, seed: 6 });
    expect(other.messages).not.toEqual(first.messages);
    expect(first).toMatchObject({ files: 120, rounds: 3 });
    expect(first.crashed + first.left).toBe(6);
  });
});

describe('pickVictims', () => {
  it('never picks r ring-adjacent peers, even when asked for nearly all of them', async () => {
    const sim = new Simulation({ seed: 12, r: 3 });
    await sim.createRing(30, { mode: 'concurrent' });
    for (let trial = 0; trial < 20; trial++) {
      const victims = new Set(pickVictims(sim, 25).map((p) => p.address));
      expect(victims.size).toBeGreaterThan(10);
      expect(victims.size).toBeLessThanOrEqual(27);
      const view = sim.view();
      for (let i = 0; i < view.peers.length; i++) {
        const run = [0, 1, 2].filter((k) => victims.has(view.at(i + k).address)).length;
        expect(run).toBeLessThan(3);
      }
    }
  });
});
