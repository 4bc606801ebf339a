/**
 * The workload behind `npm run sim`: build a ring, store files, churn the membership in rounds (crashes,
 * graceful leaves and joins, never r ring-adjacent peers down before the ring has repaired), then measure
 * what survived.
 */
import { CHECK_PREDECESSOR_MS, FIX_FINGERS_MS, MAINTAIN_MS, STABILIZE_MS } from '../constants';
import type { RingConfig } from '../ring/config';
import type { NetworkStats } from './network';
import { Simulation, type SimPeer } from './simulation';
import type { LogLevel } from './log';

export interface ScenarioOptions {
  seed: number;
  nodes: number;
  files: number;
  /** Fraction of the starting peers that crash or leave over the run; as many new peers join. */
  churn: number;
  loss?: number;
  r?: number;
  m?: number;
  latencyMs?: readonly [number, number];
  /** Churn happens in this many rounds, the ring repairing between them. */
  rounds?: number;
  /** Share of departures that are crashes; the rest leave gracefully. */
  crashShare?: number;
  /** Virtual time each round may take to repair before the next one starts anyway (20 s: a healthy ring needs a few). */
  repairMs?: number;
  /** Files fetched and compared at the end (all when omitted). */
  gets?: number;
  /** Random-key lookups measured at the end. */
  lookups?: number;
  /** The nodes' configuration (e.g. slower upkeep periods, so a ring of thousands runs in seconds). */
  config?: Partial<RingConfig>;
  progress?: (event: string, fields: Record<string, unknown>) => void;
  logWrite?: (line: string) => void;
  logLevel?: LogLevel;
}

export interface ScenarioResult {
  seed: number;
  nodes: number;
  files: number;
  churn: number;
  loss: number;
  r: number;
  m: number;
  crashed: number;
  left: number;
  joined: number;
  /** Joins refused or failed (the peer stayed out of the ring). */
  joinsFailed: number;
  /** Joins tried again while building the starting ring (message loss). */
  buildJoinRetries: number;
  putsFailed: number;
  /** Rounds after which the ring and every file's placement were fully repaired within repairMs. */
  roundsRepaired: number;
  rounds: number;
  lost: number;
  underReplicated: number;
  /** Files held by only one live peer, and only two, at the end (see PlacementReport). */
  atOneCopy: number;
  atTwoCopies: number;
  misplaced: number;
  ringConsistent: boolean;
  wrongSuccessorLists: number;
  meanHops: number;
  p99Hops: number;
  maxHops: number;
  wrongLookups: number;
  getsChecked: number;
  getsFailed: number;
  getsCorrupt: number;
  virtualSeconds: number;
  wallSeconds: number;
  /** Virtual-clock timer callbacks fired (message arrivals, timeouts, upkeep ticks). */
  events: number;
  messages: NetworkStats;
  warnings: Record<string, number>;
}

const MIN_FILE_BYTES = 16;
const MAX_FILE_BYTES = 2048;
/** Puts in flight at once: the ring's maintenance costs per virtual second, so storing fast saves wall time. */
const PARALLEL_PUTS = 1024;

export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const progress = opts.progress ?? (() => undefined);
  const sim = new Simulation({ seed: opts.seed, m: opts.m, r: opts.r, latencyMs: opts.latencyMs, loss: opts.loss, config: opts.config, logWrite: opts.logWrite, logLevel: opts.logLevel });
  const repairMs = opts.repairMs ?? 20_000;
  const since = (): Record<string, unknown> => ({ virtualMs: sim.clock.now(), wallMs: Math.round(performance.now() - started) });

  await sim.createRing(opts.nodes);
  progress('ring-built', { nodes: opts.nodes, ...since() });

  const entries = Array.from({ length: opts.files }, (_, i): [string, Uint8Array] => [`file-${i}`, sim.rng.bytes(sim.rng.int(MIN_FILE_BYTES, MAX_FILE_BYTES))]);
  let failed = await sim.putFiles(entries, PARALLEL_PUTS);
  if (failed.length > 0) {
    const retry = new Set(failed.map((f) => f.what));
    failed = await sim.putFiles(entries.filter(([name]) => retry.has(name)), PARALLEL_PUTS);
  }
  // A put that failed twice was reported to its user; it is no file the ring owes anyone.
  for (const { what, code, message } of failed) {
    sim.files.delete(what);
    progress('put-failed', { name: what, code, message });
  }
  await sim.converge(repairMs, { placement: true });
  progress('files-stored', { files: sim.files.size, putsFailed: failed.length, ...since() });

  const departures = Math.round(opts.churn * opts.nodes);
  const rounds = departures === 0 ? 0 : Math.min(departures, opts.rounds ?? 10);
  let crashed = 0;
  let left = 0;
  let joined = 0;
  let joinsFailed = 0;
  let roundsRepaired = 0;
  for (let round = 0; round < rounds; round++) {
    const quota = Math.floor(departures / rounds) + (round < departures % rounds ? 1 : 0);
    const victims = pickVictims(sim, quota);
    const leaving: string[] = [];
    for (const victim of victims) {
      if (sim.rng.chance(opts.crashShare ?? 0.5)) {
        sim.crash(victim.address);
        crashed++;
      } else {
        leaving.push(victim.address);
      }
    }
    await sim.leaveConcurrently(leaving);
    left += leaving.length;
    // Joins go through peers that are staying.
    const joins = await sim.joinConcurrently(quota);
    joined += joins.joined.length;
    joinsFailed += joins.failed.length;
    for (const failure of joins.failed) progress('join-failed', { ...failure, ...since() });
    const repaired = await sim.converge(repairMs, { placement: true });
    if (repaired) roundsRepaired++;
    progress('churn-round', { round: round + 1, of: rounds, departed: victims.length, joined: joins.joined.length, repaired, live: sim.live().length, ...since() });
  }

  const ring = sim.checkRing();
  const placement = sim.placement();
  const lookups = await sim.lookupStats(opts.lookups ?? 1000);
  const names = sim.rng.shuffle([...sim.files.keys()]).slice(0, opts.gets ?? sim.files.size);
  const gets = await sim.checkGets(names);
  progress('measured', since());

  return {
    seed: opts.seed,
    nodes: sim.live().length,
    files: sim.files.size,
    churn: opts.churn,
    loss: opts.loss ?? 0,
    r: sim.r,
    m: sim.m,
    crashed,
    left,
    joined,
    joinsFailed,
    buildJoinRetries: sim.buildRetries,
    putsFailed: failed.length,
    roundsRepaired,
    rounds,
    lost: placement.lost.length,
    underReplicated: placement.underReplicated.length,
    atOneCopy: placement.atOneCopy,
    atTwoCopies: placement.atTwoCopies,
    misplaced: placement.misplaced.length,
    ringConsistent: ring.consistent,
    wrongSuccessorLists: ring.wrongSuccessorLists,
    meanHops: round2(lookups.mean),
    p99Hops: lookups.p99,
    maxHops: lookups.max,
    wrongLookups: lookups.wrong,
    getsChecked: gets.checked,
    getsFailed: gets.failed.length + gets.missing.length,
    getsCorrupt: gets.corrupt.length,
    virtualSeconds: round2(sim.clock.now() / 1000),
    wallSeconds: round2((performance.now() - started) / 1000),
    events: sim.clock.fired,
    messages: { ...sim.network.stats, requestsByType: { ...sim.network.stats.requestsByType } },
    warnings: sim.log.warningCounts(),
  };
}

/**
 * Upkeep periods (stabilize, check predecessor, fix fingers, maintain) `factor` times a tab's: the same
 * protocol with a `factor`th of the events, so a ring of thousands runs in a test's time.
 */
export function slowerUpkeep(factor: number): Partial<RingConfig> {
  return {
    stabilizeMs: STABILIZE_MS * factor,
    checkPredecessorMs: CHECK_PREDECESSOR_MS * factor,
    fixFingersMs: FIX_FINGERS_MS * factor,
    maintainMs: MAINTAIN_MS * factor,
  };
}

/** The run kept its promises: one consistent ring, every join, put, lookup and get succeeded, no file lost. */
export function healthy(result: ScenarioResult): boolean {
  return (
    result.ringConsistent &&
    result.lost === 0 &&
    result.joinsFailed === 0 &&
    result.putsFailed === 0 &&
    result.wrongLookups === 0 &&
    result.getsFailed === 0 &&
    result.getsCorrupt === 0
  );
}

/**
 * Up to `count` random live peers such that no r of them are adjacent on the ring: with r copies of
 * every file on consecutive peers, one copy always survives the round.
 */
export function pickVictims(sim: Simulation, count: number): SimPeer[] {
  const view = sim.view();
  const n = view.peers.length;
  const limit = Math.min(count, n - sim.r);
  const chosen = new Set<number>();
  const run = (i: number, step: 1 | -1): number => {
    let length = 0;
    for (let k = i + step; length < n && chosen.has(((k % n) + n) % n); k += step) length++;
    return length;
  };
  for (const i of sim.rng.shuffle(Array.from({ length: n }, (_, k) => k))) {
    if (chosen.size >= limit) break;
    if (run(i, -1) + 1 + run(i, 1) < sim.r) chosen.add(i);
  }
  return [...chosen].map((i) => sim.peer(view.at(i).address));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
