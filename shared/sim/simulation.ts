/**
 * Rings of `ChordNode`s on one virtual clock and one simulated network, with the operations a test or the
 * CLI drives (add, crash, leave, put, get) and checks of the result against the truth computed from outside.
 */
import { inParallel } from '../ring/parallel';
import type { RingConfig } from '../ring/node';
import { DEFAULT_M, DEFAULT_REPLICAS } from '../constants';
import { between, hashKey } from '../ring/id';
import type { Address } from '../ring/types';
import { sourceFromBytes } from '../transfer/source';
import { checkPlacement, checkRing, holdingsOf, RingView, type ExpectedFile, type Holding, type LivePeer, type PlacementReport, type RingReport } from './checks';
import { SimClock } from './clock';
import { syncDigest } from './digest';
import { tuneHeapForSimulation } from './heap';
import { SimLog, type LogLevel } from './log';
import { SimNetwork } from './network';
import { Rng } from './rng';
import { failure, readWhole, sameBytes, type Failure, type GetReport, type LookupReport, measureLookups } from './reports';
import { makePeer, type PeerWiring, type SimPeer } from './sim-peer';
import { SimSigners } from './sim-signer';

export type { PeerState, SimPeer } from './sim-peer';

export interface SimulationOptions {
  seed: number;
  m?: number;
  r?: number;
  latencyMs?: readonly [number, number];
  loss?: number;
  /** Anything else of the node's configuration. */
  config?: Partial<RingConfig>;
  /** Per-node store quota in bytes. */
  quotaBytes?: number;
  /** Node log lines go here (one JSON line each) at or above `logLevel`; nothing is written without it. */
  logWrite?: (line: string) => void;
  logLevel?: LogLevel;
}

export interface JoinReport {
  joined: SimPeer[];
  failed: Failure[];
  /** Failed attempts that were tried again. */
  retries: number;
}

export interface RingBuild {
  /** 'sequential': one join at a time; 'concurrent': all at once; 'waves': the ring doubles in concurrent waves. */
  mode?: 'sequential' | 'concurrent' | 'waves';
  /** Virtual time allowed for the final convergence. */
  convergeMs?: number;
  /** Tries per join; building is setup, so a join lost to message loss is tried again. 8 unless given. */
  joinAttempts?: number;
}

/** Virtual time one node operation (join, leave, put, get) may take before the simulation calls it stuck. */
const OPERATION_LIMIT_MS = 120_000;
/** How often convergence is checked: checks cost O(N + files), so not after every instant. */
const CHECK_EVERY_MS = 250;
/** Addresses tried for one whose key lies in a given range: 100,000 find one in a range of 1/10,000 of the ring almost surely. */
const PLACED_ADDRESS_TRIES = 100_000;

export class Simulation {
  readonly clock = new SimClock();
  readonly rng: Rng;
  readonly network: SimNetwork;
  readonly log: SimLog;
  readonly m: number;
  readonly r: number;
  readonly peers = new Map<Address, SimPeer>();
  /** Every peer's writer key, by address; their signatures are checked against it. */
  readonly signers = new SimSigners();
  /** What was put, by name: the truth gets and placement are checked against. */
  readonly files = new Map<string, ExpectedFile & { bytes: Uint8Array }>();
  private readonly wiring: PeerWiring;
  private nextId = 0;
  /**
   * What each node holds, as of its last 'change' event (every change to its files emits one, coalesced in a
   * microtask, so it has fired before any check runs): a check re-reads only the nodes that changed.
   */
  private readonly holdings = new Map<Address, readonly Holding[]>();
  /** Join attempts createRing had to repeat. */
  buildRetries = 0;

  constructor(opts: SimulationOptions) {
    tuneHeapForSimulation();
    const root = new Rng(opts.seed);
    this.rng = root.fork();
    const nodeRng = root.fork();
    this.network = new SimNetwork({ clock: this.clock, rng: root.fork(), latencyMs: opts.latencyMs, loss: opts.loss });
    this.m = opts.m ?? DEFAULT_M;
    this.r = opts.r ?? DEFAULT_REPLICAS;
    this.log = new SimLog({ clock: this.clock, write: opts.logWrite, level: opts.logLevel });
    const config = { ...opts.config, m: this.m, r: this.r };
    this.wiring = { network: this.network, clock: this.clock, random: nodeRng.random, log: this.log, signers: this.signers, config, quotaBytes: opts.quotaBytes };
  }

  /** Creates and starts a node that is not in any ring yet. */
  async addNode(address: Address = this.freshAddress()): Promise<SimPeer> {
    if (this.peers.has(address)) throw new Error(`peer ${address} exists already`);
    const peer = makePeer(address, this.wiring);
    const { node } = peer;
    node.on('change', () => this.holdings.delete(address));
    this.peers.set(address, peer);
    await this.clock.drive(node.start(), OPERATION_LIMIT_MS);
    return peer;
  }

  /** Joins `peer` through `bootstrap` (a random live peer unless given; none starts a ring). */
  async join(peer: SimPeer, bootstrap: Address | null = this.randomLive()?.address ?? null): Promise<void> {
    await this.clock.drive(peer.node.join(bootstrap ?? undefined), OPERATION_LIMIT_MS);
    peer.state = 'live';
  }

  /**
   * Adds `count` new peers and joins them at once, each through a random live peer, trying each join up to
   * `attempts` times (through another bootstrap each time, as a user would). A join that still fails leaves
   * its peer out of the ring (state 'new') and is reported, not thrown: under churn that is an outcome.
   */
  async joinConcurrently(count: number, attempts = 1): Promise<JoinReport> {
    const peers: SimPeer[] = [];
    for (let i = 0; i < count; i++) peers.push(await this.addNode());
    const live = this.live();
    const report: JoinReport = { joined: [], failed: [], retries: 0 };
    const joins = peers.map(async (peer) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await peer.node.join(this.rng.pick(live).address);
          peer.state = 'live';
          report.joined.push(peer);
          return;
        } catch (err) {
          if (attempt < attempts && (err as { code?: string }).code !== 'key-collision') {
            report.retries++;
            continue;
          }
          report.failed.push(failure(peer.address, err));
          return;
        }
      }
    });
    await this.clock.drive(Promise.all(joins), OPERATION_LIMIT_MS);
    return report;
  }

  /** Builds a ring of `n` peers and lets it converge. */
  async createRing(n: number, build: RingBuild = {}): Promise<SimPeer[]> {
    if (n < 1) throw new RangeError('a ring needs at least one peer');
    const mode = build.mode ?? 'waves';
    const first = await this.addNode();
    await this.join(first, null);
    const attempts = build.joinAttempts ?? 8;
    while (this.live().length < n) {
      const count = mode === 'sequential' ? 1 : mode === 'concurrent' ? n - 1 : Math.min(this.live().length, n - this.live().length);
      const { failed, retries } = await this.joinConcurrently(count, attempts);
      this.buildRetries += retries;
      if (failed.length > 0) throw new Error(`${failed.length} of ${count} joins failed while building the ring, first: ${failed[0]?.message}`);
      if (mode === 'waves') await this.converge(build.convergeMs ?? 60_000);
    }
    const converged = await this.converge(build.convergeMs ?? 60_000);
    if (!converged) throw new Error(`ring of ${n} did not converge: ${this.checkRing().problems.slice(0, 5).join('; ')}`);
    return this.live();
  }

  /** The peer stops dead: no goodbye, its messages vanish; the others must notice by timeouts. */
  crash(address: Address): void {
    const peer = this.peer(address);
    this.network.crash(address);
    peer.node.stop();
    peer.state = 'crashed';
  }

  /** Graceful leave; resolves when the node has handed over and said goodbye. */
  leave(address: Address): Promise<void> {
    return this.leaveConcurrently([address]);
  }

  /** Graceful leaves all started at once. */
  async leaveConcurrently(addresses: readonly Address[]): Promise<void> {
    const leaves = addresses.map(async (address) => {
      const peer = this.peer(address);
      await peer.node.leave();
      peer.state = 'left';
    });
    await this.clock.drive(Promise.all(leaves), OPERATION_LIMIT_MS);
  }

  /** Lets the ring run for `ms` of virtual time. */
  stabilize(ms: number): Promise<void> {
    return this.clock.runFor(ms);
  }

  /**
   * Runs until the pointers form the right cycle with right successor lists (and, with `placement`, every
   * file sits exactly where it should), checking every CHECK_EVERY_MS; false if `maxMs` passes first.
   */
  async converge(maxMs: number, opts: { placement?: boolean } = {}): Promise<boolean> {
    const deadline = this.clock.now() + maxMs;
    for (;;) {
      const ring = this.checkRing();
      if (ring.consistent && ring.wrongSuccessorLists === 0 && (!opts.placement || this.placement().ok)) return true;
      const left = deadline - this.clock.now();
      if (left <= 0) return false;
      await this.clock.runFor(Math.min(CHECK_EVERY_MS, left));
    }
  }

  /** Stores `bytes` under `name` through `from` (a random live peer unless given). */
  async putFile(name: string, bytes: Uint8Array, from: Address = this.requireLive().address): Promise<void> {
    await this.clock.drive(this.put(name, bytes, from), OPERATION_LIMIT_MS);
  }

  /** Puts many files, `parallel` at a time, each from a random live peer; returns the puts that failed and why. */
  async putFiles(entries: Iterable<[string, Uint8Array]>, parallel = 256): Promise<Failure[]> {
    const failed: Failure[] = [];
    const work = [...entries].map(([name, bytes]) => async () => {
      try {
        await this.put(name, bytes, this.requireLive().address);
      } catch (err) {
        failed.push(failure(name, err));
      }
    });
    await this.clock.drive(inParallel(work, parallel), OPERATION_LIMIT_MS * Math.max(1, Math.ceil(work.length / parallel)));
    return failed;
  }

  /** Reads a file through `from`; null when the ring says no such file. */
  async getFile(name: string, from: Address = this.requireLive().address): Promise<Uint8Array | null> {
    return this.clock.drive(this.get(name, from), OPERATION_LIMIT_MS);
  }

  /** Gets each named file (all put files unless given) from a random live peer and compares bytes. */
  async checkGets(names: readonly string[] = [...this.files.keys()], parallel = 256): Promise<GetReport> {
    const report: GetReport = { checked: names.length, missing: [], corrupt: [], failed: [] };
    const work = names.map((name) => async () => {
      try {
        const bytes = await this.get(name, this.requireLive().address);
        if (bytes === null) report.missing.push(name);
        else if (!sameBytes(bytes, this.files.get(name)?.bytes)) report.corrupt.push(name);
      } catch (err) {
        report.failed.push(failure(name, err));
      }
    });
    await this.clock.drive(inParallel(work, parallel), OPERATION_LIMIT_MS * Math.max(1, Math.ceil(work.length / parallel)));
    return report;
  }

  /** Lookups of random keys, run at once (see measureLookups). */
  lookupStats(samples: number, opts: { fromEvery?: boolean } = {}): Promise<LookupReport> {
    return this.clock.drive(measureLookups(this.view(), this.rng, this.m, samples, opts.fromEvery === true), OPERATION_LIMIT_MS);
  }

  /** Live peers: joined, neither crashed nor left. */
  live(): SimPeer[] {
    return [...this.peers.values()].filter((p) => p.state === 'live');
  }

  view(): RingView {
    return new RingView(this.live().map((p): LivePeer => ({ address: p.address, key: p.key, node: p.node })));
  }

  checkRing(): RingReport {
    return checkRing(this.view(), this.r);
  }

  ringConsistent(): boolean {
    return this.checkRing().consistent;
  }

  placement(): PlacementReport {
    return checkPlacement(this.view(), this.files, this.r, ({ address, node }) => {
      let held = this.holdings.get(address);
      if (!held) this.holdings.set(address, (held = holdingsOf(node)));
      return held;
    });
  }

  peer(address: Address): SimPeer {
    const peer = this.peers.get(address);
    if (!peer) throw new Error(`no peer ${address}`);
    return peer;
  }

  /** Where a key lives now, by the truth: the owner and the peers that should hold its backups. */
  replicasOf(name: string): Address[] {
    return this.view()
      .replicasOf(hashKey(name, this.m), this.r)
      .map((p) => p.address);
  }

  /** Which live peers hold `name`, in which role and version: for diagnosing a placement report. */
  holders(name: string): Array<{ address: Address; role: 'file' | 'backup'; current: boolean }> {
    const expected = this.files.get(name)?.root;
    return this.view().peers.flatMap(({ address, node }) => {
      const role = node.files.includes(name) ? 'file' : node.backUpFiles.includes(name) ? 'backup' : null;
      return role ? [{ address, role, current: node.stored(name)?.root === expected }] : [];
    });
  }

  /** An unused address whose key collides with no peer's, so tests never meet an accidental collision. */
  freshAddress(): Address {
    const taken = new Set([...this.peers.values()].map((p) => p.key));
    if (BigInt(taken.size) >= 1n << BigInt(this.m)) throw new RangeError(`all ${2 ** this.m} keys of the ring are taken`);
    for (;;) {
      const address = `peer-${String(this.nextId++).padStart(4, '0')}`;
      if (!this.peers.has(address) && !taken.has(hashKey(address, this.m))) return address;
    }
  }

  /** An unused address whose key lies in (`after`, `before`): a peer placed on purpose, as one grinding ids would place itself. */
  addressBetween(after: bigint, before: bigint, prefix: string): Address {
    for (let i = 0; i < PLACED_ADDRESS_TRIES; i++) {
      const address = `${prefix}-${i}`;
      if (!this.peers.has(address) && between(hashKey(address, this.m), after, before)) return address;
    }
    throw new RangeError(`none of ${PLACED_ADDRESS_TRIES} addresses has a key in (${after}, ${before})`);
  }

  private async put(name: string, bytes: Uint8Array, from: Address): Promise<void> {
    const node = this.peer(from).node;
    const source = await sourceFromBytes(name, bytes, node.config.chunkSize, syncDigest);
    this.files.set(name, { key: hashKey(name, this.m), root: source.meta.root, bytes: new Uint8Array(bytes) });
    await node.put(source);
  }

  private get(name: string, from: Address): Promise<Uint8Array | null> {
    return readWhole(this.peer(from).node, name);
  }

  private randomLive(): SimPeer | undefined {
    const live = this.live();
    return live.length ? this.rng.pick(live) : undefined;
  }

  private requireLive(): SimPeer {
    const peer = this.randomLive();
    if (!peer) throw new Error('no live peer');
    return peer;
  }
}
