/**
 * A closing page's goodbye (ChordNode.goodbye, sent on pagehide): its neighbours take over its range at once,
 * with no hand-off of its files, where after a silent crash they wait for their heartbeats to time out.
 */
import { describe, expect, it } from 'vitest';
import type { Address } from '../../shared/ring/types';
import { Simulation } from '../../shared/sim/simulation';

const FILES = 200;
/** Well under one heartbeat timeout (RPC_TIMEOUT_MS, 1 s): a few one-way latencies of the simulator (1–10 ms). */
const TAKEOVER_MS = 60;
/** One-way latency of the simulated network is 1 ms to this. */
const MAX_LATENCY_MS = 10;

interface Gone {
  sim: Simulation;
  gone: Address;
  pred: Address;
  succ: Address;
  /** Files the peer that went owned: its successor must own them now. */
  owned: string[];
}

async function ringWithFiles(seed: number): Promise<{ sim: Simulation; at: number }> {
  const sim = new Simulation({ seed, r: 3, latencyMs: [1, MAX_LATENCY_MS] });
  await sim.createRing(16);
  const entries = Array.from({ length: FILES }, (_, i): [string, Uint8Array] => [`file-${i}`, sim.rng.bytes(sim.rng.int(16, 2048))]);
  expect(await sim.putFiles(entries)).toEqual([]);
  expect(await sim.converge(30_000, { placement: true })).toBe(true);
  const view = sim.view();
  // The peer owning the most files, so its range moving is visible.
  let at = 0;
  for (let i = 1; i < view.peers.length; i++) if (view.at(i).node.files.length > view.at(at).node.files.length) at = i;
  return { sim, at };
}

/** Takes the peer at index `at` down, with a goodbye first or not, and runs TAKEOVER_MS of virtual time. */
async function goDown(seed: number, goodbye: boolean): Promise<Gone> {
  const { sim, at } = await ringWithFiles(seed);
  const view = sim.view();
  const gone = view.at(at);
  const owned = gone.node.files;
  expect(owned.length).toBeGreaterThan(0);
  if (goodbye) gone.node.goodbye();
  // The page is gone once its goodbye has left (a crash in the simulator also swallows what is in flight):
  // nothing it sends later arrives, nothing sent to it is answered.
  await sim.stabilize(MAX_LATENCY_MS);
  sim.crash(gone.address);
  await sim.stabilize(TAKEOVER_MS - MAX_LATENCY_MS);
  return { sim, gone: gone.address, pred: view.at(at - 1).address, succ: view.at(at + 1).address, owned };
}

describe('goodbye', () => {
  it(`moves a closing peer's range to its successor within ${TAKEOVER_MS} ms, backups promoted, no hand-off`, async () => {
    const { sim, pred, succ, owned } = await goDown(61, true);
    const successor = sim.peer(succ).node;
    expect(successor.predecessor).toBe(pred);
    expect(sim.peer(pred).node.successor).toBe(succ);
    expect(owned.filter((name) => !successor.files.includes(name))).toEqual([]);

    expect(await sim.converge(30_000, { placement: true })).toBe(true);
    const gets = await sim.checkGets();
    expect({ missing: gets.missing, corrupt: gets.corrupt, failed: gets.failed }).toEqual({ missing: [], corrupt: [], failed: [] });
  });

  it('without it, a crash leaves the range where it was for as long (the heartbeats have not timed out yet)', async () => {
    const { sim, gone, succ, owned } = await goDown(61, false);
    const successor = sim.peer(succ).node;
    expect(successor.predecessor).toBe(gone);
    expect(owned.filter((name) => successor.files.includes(name))).toEqual([]);
  });
});
