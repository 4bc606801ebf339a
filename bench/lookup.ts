/**
 * Lookup hops in the simulator: one ring per seed grows by doubling (as a real ring would, half its peers
 * joining at once), and at each size random-key lookups run once the finger tables have caught up.
 */
import { fingerStart } from '../shared/ring/id';
import { Simulation } from '../shared/sim/simulation';
import type { BenchPlan } from './options';
import type { Progress } from './progress';
import { median, round } from './stats';

export interface LookupPoint {
  nodes: number;
  meanHops: number;
  p99Hops: number;
  /** ½·log2 N + 1: what mean hops should stay under. */
  bound: number;
  /** Seeds (rings) the medians are over. */
  runs: number;
  /** Lookups per run. */
  lookups: number;
  /** Lookups that named the wrong owner or failed, over all runs. */
  wrongLookups: number;
}

const LOOKUPS_PER_RUN = 2000;
/** Virtual time a grown ring may take to get every successor list right. */
const CONVERGE_MS = 60_000;
/** Fingers are settled when this share of them is the true successor of its start. */
const FINGERS_SETTLED = 0.99;
const FINGER_SETTLE_MS = 10_000;
const FINGER_CHECK_MS = 250;

export function hopBound(nodes: number): number {
  return 0.5 * Math.log2(nodes) + 1;
}

/** Share of all finger entries of the live peers that point at the true successor of their start (none when that is the peer itself). */
export function fingerAccuracy(sim: Simulation): number {
  const view = sim.view();
  let right = 0;
  let total = 0;
  for (const peer of view.peers) {
    const fingers = peer.node.routing.fingers;
    for (let i = 0; i < sim.m; i++) {
      const owner = view.ownerOf(fingerStart(peer.key, i, sim.m)).address;
      if ((fingers[i] ?? null) === (owner === peer.address ? null : owner)) right++;
      total++;
    }
  }
  return total === 0 ? 1 : right / total;
}

async function settleFingers(sim: Simulation): Promise<number> {
  const deadline = sim.clock.now() + FINGER_SETTLE_MS;
  for (;;) {
    const accuracy = fingerAccuracy(sim);
    if (accuracy >= FINGERS_SETTLED || sim.clock.now() >= deadline) return accuracy;
    await sim.stabilize(FINGER_CHECK_MS);
  }
}

async function growTo(sim: Simulation, nodes: number): Promise<void> {
  const missing = nodes - sim.live().length;
  if (missing <= 0) return;
  const { failed } = await sim.joinConcurrently(missing);
  if (failed.length > 0) throw new Error(`${failed.length} of ${missing} joins failed growing the ring to ${nodes}: ${failed[0]?.message}`);
  if (!(await sim.converge(CONVERGE_MS))) throw new Error(`ring of ${nodes} did not converge: ${sim.checkRing().problems.slice(0, 3).join('; ')}`);
}

export async function benchLookup(plan: BenchPlan, progress: Progress): Promise<LookupPoint[]> {
  const sizes = plan.lookupSizes;
  const runsBySize = new Map<number, Array<{ mean: number; p99: number; wrong: number }>>(sizes.map((n) => [n, []]));
  for (let run = 0; run < plan.runs; run++) {
    // The first seed grows to the largest ring; the others stop where a ring still builds in seconds.
    const top = run === 0 ? Math.max(...sizes) : plan.lookupRepeatUpTo;
    const sim = new Simulation({ seed: run + 1 });
    await sim.createRing(sizes[0] as number);
    for (const nodes of sizes.filter((n) => n <= top)) {
      const started = performance.now();
      await growTo(sim, nodes);
      const fingers = await settleFingers(sim);
      const stats = await sim.lookupStats(LOOKUPS_PER_RUN);
      runsBySize.get(nodes)!.push({ mean: stats.mean, p99: stats.p99, wrong: stats.wrong });
      progress('lookup-measured', {
        run: run + 1,
        nodes,
        meanHops: round(stats.mean),
        p99Hops: stats.p99,
        wrong: stats.wrong,
        fingerAccuracy: round(fingers, 3),
        virtualSeconds: round(sim.clock.now() / 1000, 1),
        wallMs: Math.round(performance.now() - started),
      });
    }
  }
  return sizes.map((nodes) => {
    const runs = runsBySize.get(nodes)!;
    return {
      nodes,
      meanHops: round(median(runs.map((r) => r.mean))),
      p99Hops: median(runs.map((r) => r.p99)),
      bound: round(hopBound(nodes)),
      runs: runs.length,
      lookups: LOOKUPS_PER_RUN,
      wrongLookups: runs.reduce((sum, r) => sum + r.wrong, 0),
    };
  });
}
