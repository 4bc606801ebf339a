/**
 * A Chord node: joins a ring, keeps its pointers right, routes lookups, and stores files with r-way
 * replication. This class only wires the parts together (the context they share, requests out and in,
 * upkeep, lookup, files) and runs the upkeep on timers. All I/O goes through the injected transport, store and
 * clock, so the same code runs in a tab, in a Node peer and in the simulator.
 */
import { RingContext, type ChangeListener, type NodeOptions, type NodeStats, type NoticeListener } from './context';
import type { RingConfig } from './config';
import { RingError } from './errors';
import { Delete, type DeleteOptions } from './files/delete';
import { Fetch } from './files/fetch';
import { Get, type GetOptions, type Sink } from './files/get';
import { Holders } from './files/holders';
import { Listing, type ListOptions, type ListPage } from './files/list';
import { LocalFiles } from './files/local-files';
import { Offers } from './files/offer';
import type { FileParts } from './files/parts';
import { Put, type PutOptions, type PutResult } from './files/put';
import { Replication } from './files/replication';
import { serveHandlers } from './files/serve';
import { Inbound } from './inbound';
import { Lookup, type LookupResult } from './lookup';
import { Maintenance } from './maintenance';
import type { Routing } from './routing';
import { Rpc } from './rpc';
import { every } from './timers';
import { isTombstone } from './records';
import type { Address, ChunkSource, FileMeta } from './types';
import type { SignedRecord } from '../trust/record';

export type { RingConfig } from './config';
export type { NodeOptions, NodeStats } from './context';
export type { TransferProgress } from './files/fetch';
export type { GetOptions } from './files/get';
export type { DeleteOptions } from './files/delete';
export type { PutOptions, PutResult } from './files/put';
export type { Verify } from './records';
export type { ListEntry, ListOptions, ListPage } from './files/list';
export type { LookupResult } from './lookup';

export class ChordNode {
  readonly address: Address;
  readonly key: bigint;
  readonly config: RingConfig;
  readonly stats: NodeStats;
  readonly routing: Routing;
  private readonly ctx: RingContext;
  private readonly lookups: Lookup;
  private readonly maintenance: Maintenance;
  private readonly local: LocalFiles;
  private readonly replication: Replication;
  private readonly puts: Put;
  private readonly gets: Get;
  private readonly deletes: Delete;
  private readonly listing: Listing;
  private stopTimers: Array<() => void> = [];

  constructor(opts: NodeOptions) {
    const ctx = (this.ctx = new RingContext(opts));
    ({ address: this.address, key: this.key, config: this.config, stats: this.stats, routing: this.routing } = ctx);
    const rpc = new Rpc(ctx);
    this.lookups = new Lookup(ctx, rpc);
    const local = (this.local = new LocalFiles(opts.store, opts.clock, () => ctx.changed()));
    const fetch = new Fetch(ctx, rpc, local);
    const parts: FileParts = { ctx, rpc, lookup: this.lookups, local, fetch, offers: new Offers(ctx, rpc, local, fetch) };
    this.replication = new Replication(parts);
    // As go-chord's Delegate: a change of our neighbours reaches storage as an event, which decides what to move.
    this.maintenance = new Maintenance(ctx, rpc, this.lookups, () => {
      this.replication.soon();
      ctx.changed();
    });
    const holders = new Holders(parts);
    this.puts = new Put(parts, this.replication, holders);
    this.gets = new Get(parts, holders);
    this.deletes = new Delete(parts, this.puts);
    this.listing = new Listing(parts);
    const inbound = new Inbound(ctx, {
      ...this.maintenance.handlers(),
      ...this.lookups.handlers(),
      ...this.replication.handlers(),
      ...serveHandlers(ctx, local),
      ...this.listing.handlers(),
    });
    opts.transport.listen((from, msg) => inbound.handle(from, msg));
    opts.transport.onPeerDown?.((peer) => this.maintenance.peerDown(peer));
  }

  // ---- state --------------------------------------------------------------------------------------

  get joined(): boolean {
    return this.ctx.joined;
  }
  get successor(): Address {
    return this.routing.successor;
  }
  get predecessor(): Address | null {
    return this.routing.predecessor;
  }
  get successors(): Address[] {
    return [...this.routing.successors];
  }
  get predecessors(): Address[] {
    return [...this.routing.predecessors];
  }
  get files(): string[] {
    return this.local.names('file');
  }
  get backUpFiles(): string[] {
    return this.local.names('backup');
  }
  /** The version of `name` we hold; undefined for none, or a tombstone (see `record`). */
  stored(name: string): FileMeta | undefined {
    const meta = this.local.get(name)?.meta;
    return meta && !isTombstone(meta) ? meta : undefined;
  }

  /** The signed record of what we hold of `name`: a file's, or the tombstone of its deletion. */
  record(name: string): SignedRecord | undefined {
    return this.local.get(name)?.meta.signed;
  }

  /** This node's writer key, as its records name it. */
  get writer(): string {
    return this.ctx.records.writer;
  }

  keyOf(text: string): bigint {
    return this.ctx.keyOf(text);
  }

  on(event: 'change', cb: ChangeListener): () => void;
  on(event: 'notice', cb: NoticeListener): () => void;
  on(event: 'change' | 'notice', cb: ChangeListener | NoticeListener): () => void {
    return event === 'change' ? this.ctx.on(event, cb as ChangeListener) : this.ctx.on(event, cb as NoticeListener);
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.ctx.phase !== 'new') return;
    this.ctx.phase = 'started';
    // A stored version is offered and served only if its record checks, as one a peer sends.
    await this.local.load((file) => this.ctx.records.valid(file.meta));
  }

  /** Joins the ring through `bootstrap`, or starts a new ring without one. */
  async join(bootstrap?: Address): Promise<void> {
    const { ctx } = this;
    await this.start();
    if (ctx.phase === 'joined') return;
    if (ctx.phase === 'stopped') throw new RingError('stopped', 'this node was stopped');
    ctx.newSession();
    this.routing.reset();
    if (bootstrap && bootstrap !== this.address) await this.maintenance.enter(bootstrap);
    ctx.phase = 'joined';
    this.startTimers();
    ctx.log.info('joined', { address: this.address, successor: this.successor, predecessor: this.predecessor });
    await this.maintenance.notifySuccessor();
    this.replication.soon();
    ctx.changed();
  }

  /** Graceful: every file we hold goes to the peers that take over our place, the neighbours are told, then we stop. */
  async leave(): Promise<void> {
    const { ctx } = this;
    if (ctx.phase !== 'joined') return;
    this.halt();
    ctx.newSession();
    const successors = this.routing.successors.filter((a) => a !== this.address);
    if (successors.length > 0) {
      await this.replication.handOver(successors);
      await this.maintenance.announceLeaving(successors);
    }
    ctx.endSession();
    ctx.phase = 'started';
    this.routing.reset();
    ctx.log.info('left', { address: this.address });
    ctx.changed();
  }

  /**
   * The page is going (closed or reloaded): tells the neighbours now, so they take over our range at once
   * instead of after the heartbeats time out. Nothing is handed over: a reloaded tab comes back with its files,
   * and a closed one's backups exist. Best effort and not awaited: the requests leave before the page does
   * (a data channel send is synchronous once queued), their answers never matter, and the session is not ended
   * here, as that would take back frames not yet sent.
   */
  goodbye(): void {
    if (this.ctx.phase !== 'joined') return;
    const successors = this.routing.successors.filter((a) => a !== this.address);
    if (successors.length > 0) void this.maintenance.announceLeaving(successors);
  }

  /** A crash as seen from outside: no goodbyes, nothing more sent. */
  stop(): void {
    this.halt();
    this.ctx.phase = 'stopped';
  }

  /** Peers that an adapter learnt of (e.g. from the signaling server); tried by the upkeep's reunite. */
  remember(peers: Address[]): void {
    for (const peer of peers) this.routing.remember(peer);
  }

  /** The upkeep, in this order: the order of the timers' random jitter, which a simulator seed reproduces. */
  private startTimers(): void {
    const { clock, random, config: c } = this.ctx;
    const upkeep = this.maintenance;
    this.stopTimers = [
      every(clock, c.stabilizeMs, random, () => upkeep.stabilize()),
      every(clock, c.checkPredecessorMs, random, () => upkeep.checkPredecessor()),
      every(clock, c.fixFingersMs, random, () => upkeep.fixFingers()),
      every(clock, c.maintainMs, random, () => this.replication.run()),
      every(clock, c.reuniteMs, random, () => upkeep.reunite()),
    ];
  }

  private halt(): void {
    for (const stop of this.stopTimers) stop();
    this.stopTimers = [];
    this.ctx.endSession();
  }

  // ---- operations ---------------------------------------------------------------------------------

  /** Finds the owner of `key` and its replicas, iteratively from `start`. */
  lookup(key: bigint, start: Address = this.address): Promise<LookupResult> {
    return this.lookups.run(key, start);
  }

  /**
   * Stores a file in the ring as the next version of its name, signed by this node's writer key: resolves once
   * its owner holds it (with `replicated`, once the backups hold that version too). Rejects with 'name-taken'
   * when another writer holds the name. We offer the file to the ring until the owner says the backups are made.
   */
  put(source: ChunkSource, opts: PutOptions = {}): Promise<PutResult> {
    return this.puts.run(source, opts);
  }

  /**
   * Deletes a name we wrote: resolves once its owner and backups hold the signed tombstone (at once when no
   * replica holds the name). Rejects with 'not-writer' when another key wrote it.
   */
  delete(name: string, opts: DeleteOptions = {}): Promise<void> {
    return this.deletes.run(name, opts);
  }

  /** Reads a file from the ring into `sink` (chunks may come in any order). Resolves to null when no replica has it. */
  get(name: string, sink: Sink, opts: GetOptions = {}): Promise<FileMeta | null> {
    return this.gets.run(name, sink, opts);
  }

  /** The ring's files in pages, walked owner by owner in key order (files/list.ts). */
  list(opts: ListOptions = {}): Promise<ListPage> {
    return this.listing.run(opts);
  }
}
