/**
 * One simulated peer as the simulation assembles it: a ChordNode wired to its own in-memory store, a transport
 * of the simulated network, the shared virtual clock and seeded randomness, its log and its deterministic signer.
 */
import { ChordNode, type RingConfig } from '../ring/node';
import type { Address, Random } from '../ring/types';
import type { SimClock } from './clock';
import { syncDigest } from './digest';
import type { SimLog } from './log';
import { MemoryStore } from './memory-store';
import type { SimNetwork, SimTransport } from './network';
import type { SimSigners } from './sim-signer';

export type PeerState = 'new' | 'live' | 'crashed' | 'left';

export interface SimPeer {
  address: Address;
  key: bigint;
  node: ChordNode;
  store: MemoryStore;
  transport: SimTransport;
  state: PeerState;
}

/** What every peer of one simulation shares. */
export interface PeerWiring {
  network: SimNetwork;
  clock: SimClock;
  random: Random;
  log: SimLog;
  signers: SimSigners;
  config: Partial<RingConfig>;
  /** Per-node store quota in bytes. */
  quotaBytes: number | undefined;
}

/** A new peer at `address`, not started, in state 'new'. */
export function makePeer(address: Address, w: PeerWiring): SimPeer {
  const transport = w.network.transport(address);
  const store = new MemoryStore({ quotaBytes: w.quotaBytes });
  const node = new ChordNode({
    transport,
    store,
    clock: w.clock,
    random: w.random,
    log: w.log.for(address),
    digest: syncDigest,
    identity: w.signers.identity(address),
    verify: w.signers.verify,
    config: w.config,
    // A tab checks navigator.storage.estimate() before it pulls an offer; a peer with a quota does the same.
    ...(w.quotaBytes === undefined ? {} : { storageEstimate: () => store.estimate() }),
  });
  return { address, key: node.key, node, store, transport, state: 'new' };
}
