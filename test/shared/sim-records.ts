/** Helpers of the simulator tests of signed records: a peer coming back with its old store, and what each peer holds of a name. */
import { ChordNode } from '../../shared/ring/node';
import type { RingConfig } from '../../shared/ring/config';
import type { Address } from '../../shared/ring/types';
import { syncDigest } from '../../shared/sim/digest';
import type { MemoryStore } from '../../shared/sim/memory-store';
import type { SimPeer, Simulation } from '../../shared/sim/simulation';

export const LIMIT_MS = 120_000;

/**
 * The peer at `address` (crashed) restarts with `store` as it was, as a reloaded tab does with IndexedDB: the
 * same id and writer key, and joins through `via`.
 */
export async function revive(sim: Simulation, address: Address, store: MemoryStore, via: Address, config: Partial<RingConfig> = {}): Promise<SimPeer> {
  const transport = sim.network.transport(address);
  const node = new ChordNode({
    transport,
    store,
    clock: sim.clock,
    random: sim.rng.random,
    log: sim.log.for(address),
    digest: syncDigest,
    identity: sim.signers.identity(address),
    verify: sim.signers.verify,
    config: { ...config, m: sim.m, r: sim.r },
  });
  const peer: SimPeer = { address, key: node.key, node, store, transport, state: 'new' };
  sim.peers.set(address, peer);
  await sim.clock.drive(node.start(), LIMIT_MS);
  await sim.join(peer, via);
  return peer;
}

/** Roots of what each live peer lists under `name` (files and backups; tombstones are not listed). */
export function heldRoots(sim: Simulation, name: string): Map<Address, string> {
  const roots = new Map<Address, string>();
  for (const p of sim.live()) {
    const meta = p.node.stored(name);
    if (meta) roots.set(p.address, meta.root);
  }
  return roots;
}

/** True when a live peer lists `name` in its files or backups. */
export function listed(sim: Simulation, name: string): Address[] {
  return sim.live().filter((p) => p.node.files.includes(name) || p.node.backUpFiles.includes(name)).map((p) => p.address);
}
