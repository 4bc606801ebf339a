/**
 * What every part of a node shares: who it is (address, key), its config and injected services, its view of
 * the ring, its phase, the session a leave or a stop aborts, and the events its users listen to.
 */
import { resolveConfig, type RingConfig } from './config';
import { RingError } from './errors';
import type { UnderReplication } from './files/confirmed';
import { verify as webCryptoVerify, type Identity } from '../trust/identity';
import { hashKey } from './id';
import { Records, type Verify } from './records';
import { Routing } from './routing';
import type { Address, BlobStore, Clock, Digest, Logger, Random, Transport } from './types';

export interface NodeOptions {
  transport: Transport;
  store: BlobStore;
  clock: Clock;
  random: Random;
  log: Logger;
  digest: Digest;
  /** This peer's writer key: its puts and deletes are signed with it. */
  identity: Identity;
  /** Checks a record's signature; WebCrypto's (shared/trust/identity verify) unless given (the simulator's is fast and deterministic). */
  verify?: Verify;
  config?: Partial<RingConfig>;
  /**
   * Bytes this peer's storage uses and may use, checked before a pull (an offer of a file that would not fit
   * is refused 'quota-exceeded' before any chunk moves). A tab can wire navigator.storage.estimate().
   */
  storageEstimate?: () => Promise<{ usage: number; quota: number }>;
}

export interface NodeStats extends UnderReplication {
  droppedMessages: number;
  corruptChunks: number;
  /** Failed receives whose checked chunks are kept for the next attempt (see files/partials). */
  partialFiles: number;
  /** Repairs (copies being made by us) waiting or running. */
  repairsQueued: number;
  /** Versions a peer sent or served whose record was missing, did not describe them, or was not signed by its writer. */
  badRecords: number;
  /** Gets whose replicas named different writers for the name. */
  disagreements: number;
  /** Asks of a name that every replica answered with nothing, whose lookup had passed its owner by (files/holders). */
  passedOwners: number;
  /** Asks of a name that every replica answered with nothing, made of the peer after them, which may be handing it over (files/holders). */
  handoverAsks: number;
  /** Requests refused because their sender was over its rate (ring/inbound RATES). */
  rateLimited: number;
  /** Offers refused: of files we are no replica of from a non-neighbour, over a sender's byte budget, or over our storage. */
  refusedOffers: number;
  /** Files a peer said it holds but did not prove it holds when asked (files/proof): no copy of them was dropped. */
  failedProofs: number;
  /** Ids named by others (find replies) that a lookup did not contact, having never heard from them. */
  skippedHops: number;
}

export type Phase = 'new' | 'started' | 'joined' | 'stopped';
export type Notice = { level: 'info' | 'warn' | 'error'; message: string };
export type ChangeListener = () => void;
export type NoticeListener = (notice: Notice) => void;

const KEY_CACHE_LIMIT = 100_000;

export class RingContext {
  readonly address: Address;
  readonly key: bigint;
  readonly config: RingConfig;
  readonly stats: NodeStats = {
    droppedMessages: 0,
    corruptChunks: 0,
    badRecords: 0,
    disagreements: 0,
    passedOwners: 0,
    handoverAsks: 0,
    rateLimited: 0,
    refusedOffers: 0,
    failedProofs: 0,
    skippedHops: 0,
    partialFiles: 0,
    repairsQueued: 0,
    filesAtOneCopy: 0,
    filesAtTwoCopies: 0,
    unbackedFiles: [],
  };
  readonly routing: Routing;
  readonly transport: Transport;
  readonly store: BlobStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly digest: Digest;
  readonly records: Records;
  readonly storageEstimate: (() => Promise<{ usage: number; quota: number }>) | undefined;
  phase: Phase = 'new';
  private session = new AbortController();
  private readonly keys = new Map<string, bigint>();
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly noticeListeners = new Set<NoticeListener>();
  private changeQueued = false;

  constructor(opts: NodeOptions) {
    ({ transport: this.transport, store: this.store, clock: this.clock, random: this.random, log: this.log, digest: this.digest } = opts);
    this.storageEstimate = opts.storageEstimate;
    this.records = new Records(opts.identity, opts.verify ?? ((key, bytes, sig) => webCryptoVerify(key, bytes, sig)));
    this.config = resolveConfig(opts.config);
    this.address = opts.transport.address;
    this.key = this.keyOf(this.address);
    this.routing = new Routing(this.address, this.key, this.config.m, this.config.r, (a) => this.keyOf(a), opts.clock, this.config.suspicionMs);
  }

  get joined(): boolean {
    return this.phase === 'joined';
  }

  requireJoined(): void {
    if (!this.joined) throw new RingError('not-joined', 'not in a ring yet: join first');
  }

  /** Aborts when this node leaves or stops: every request and transfer it started stops with it. */
  get signal(): AbortSignal {
    return this.session.signal;
  }

  /** The session's signal, aborted also by a caller's own (a put or get it may cancel). */
  signalWith(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([this.session.signal, signal]) : this.session.signal;
  }

  /** Starts a new session; work of the old one runs on unless `endSession` was called first. */
  newSession(): void {
    this.session = new AbortController();
  }

  endSession(): void {
    this.session.abort();
  }

  keyOf(text: string): bigint {
    let key = this.keys.get(text);
    if (key === undefined) {
      if (this.keys.size >= KEY_CACHE_LIMIT) this.keys.clear();
      key = hashKey(text, this.config.m);
      this.keys.set(text, key);
    }
    return key;
  }

  on(event: 'change', cb: ChangeListener): () => void;
  on(event: 'notice', cb: NoticeListener): () => void;
  on(event: 'change' | 'notice', cb: ChangeListener | NoticeListener): () => void {
    const set = (event === 'change' ? this.changeListeners : this.noticeListeners) as Set<typeof cb>;
    set.add(cb);
    return () => set.delete(cb);
  }

  notice(level: Notice['level'], message: string): void {
    this.log[level === 'error' ? 'warn' : level]('notice', { message });
    for (const cb of this.noticeListeners) cb({ level, message });
  }

  /** Coalesces a burst of changes into one event. */
  changed(): void {
    if (this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      for (const cb of this.changeListeners) cb();
    });
  }
}
