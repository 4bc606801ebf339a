/**
 * A Chord node: joins a ring, keeps its pointers right (stabilize, notify, check predecessor, fix fingers),
 * routes lookups, and stores files with r-way replication. All I/O goes through the injected transport,
 * store and clock, so the same code runs in a tab, in a Node peer and in the simulator.
 */
import { HASHES_PER_PAGE, MAX_LOOKUP_HOPS } from '../constants';
import { download } from '../transfer/download';
import { hashBytes, rootMatches, withHashes } from '../transfer/meta';
import { inlineable, inlineMeta } from './inline';
import { parseReply, parseRequest, toWireMeta, type PeerReply, type PeerRequest, type WireMeta } from '../wire/peer';
import { resolveConfig, type RingConfig } from './config';
import { RingError, errorCode, errorMessage } from './errors';
import { between, betweenRightIncl, fingerStart, hashKey } from './id';
import { LocalFiles } from './local-files';
import { Replication } from './replication';
import { Routing } from './routing';
import { every, sleep } from './timers';
import type { Address, BlobStore, ChunkSource, Clock, Digest, Envelope, FileMeta, Logger, Random, Role, StoredFile, Transport } from './types';

export type { RingConfig } from './config';

export interface NodeOptions {
  transport: Transport;
  store: BlobStore;
  clock: Clock;
  random: Random;
  log: Logger;
  digest: Digest;
  config?: Partial<RingConfig>;
}

export interface TransferProgress {
  onProgress?(done: number, total: number): void;
}

export interface GetOptions extends TransferProgress {
  /**
   * The version about to be read, before its first chunk reaches the sink; again if a retry finds a newer one
   * (its chunks then start over). A sink can pick where to keep the file by its size.
   */
  onStart?(meta: FileMeta): void | Promise<void>;
}

export interface PutOptions extends TransferProgress {
  /**
   * Resolve only once the owner reports the backups made too. By default a put resolves as soon as the owner
   * has stored its copy; the putter keeps offering the file until the backups are confirmed either way.
   */
  replicated?: boolean;
}

export interface LookupResult {
  owner: Address;
  /** The owner followed by its successors: where the file's replicas live. */
  replicas: Address[];
  hops: number;
}

export interface NodeStats {
  droppedMessages: number;
  corruptChunks: number;
}

type Listener = () => void;
/** What a replica says it holds under a name; a small file's bytes come with it. */
type Held = { meta: WireMeta; data?: Uint8Array };
type NoticeListener = (notice: { level: 'info' | 'warn' | 'error'; message: string }) => void;

/** Offers wait for a whole file; give them time for a slow link (bytes per millisecond). */
const MIN_TRANSFER_RATE = 50;
const KEY_CACHE_LIMIT = 100_000;
const OPERATION_ATTEMPTS = 3;
/** How long a get waits for more replicas to answer once one has the file. */
const META_GRACE_MS = 250;
/** Peers besides the next hop that a lookup reply names, to fall back on if the next hop fails. */
const LOOKUP_FALLBACKS = 3;
/** Stabilize rounds in which no known peer answers before a node concludes it is alone. */
const SILENT_ROUNDS_BEFORE_ALONE = 5;

export class ChordNode {
  readonly address: Address;
  readonly key: bigint;
  readonly config: RingConfig;
  readonly stats: NodeStats = { droppedMessages: 0, corruptChunks: 0 };
  readonly routing: Routing;
  private readonly local: LocalFiles;
  private readonly replication: Replication;
  private readonly keys = new Map<string, bigint>();
  /** Backups being made of files put to us as owner, by root: a putter's 'replicas' request waits on them. */
  private readonly backups = new Map<string, Promise<number>>();
  private readonly changeListeners = new Set<Listener>();
  private readonly noticeListeners = new Set<NoticeListener>();
  private phase: 'new' | 'started' | 'joined' | 'stopped' = 'new';
  private session = new AbortController();
  private stopTimers: Array<() => void> = [];
  private nextFinger = 0;
  private silentRounds = 0;
  private changeQueued = false;

  constructor(private readonly opts: NodeOptions) {
    this.config = resolveConfig(opts.config);
    this.address = opts.transport.address;
    this.key = this.keyOf(this.address);
    this.routing = new Routing(this.address, this.key, this.config.m, this.config.r, (a) => this.keyOf(a), opts.clock, this.config.suspicionMs);
    this.local = new LocalFiles(opts.store, opts.clock, () => this.changed());
    this.replication = new Replication(this, this.local, this.routing, opts.log);
    opts.transport.listen((from, msg) => this.handle(from, msg));
    opts.transport.onPeerDown?.((peer) => this.peerDown(peer));
  }

  // ---- state --------------------------------------------------------------------------------------

  get joined(): boolean {
    return this.phase === 'joined';
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
  stored(name: string): FileMeta | undefined {
    return this.local.get(name)?.meta;
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

  on(event: 'change', cb: Listener): () => void;
  on(event: 'notice', cb: NoticeListener): () => void;
  on(event: 'change' | 'notice', cb: Listener | NoticeListener): () => void {
    const set = (event === 'change' ? this.changeListeners : this.noticeListeners) as Set<typeof cb>;
    set.add(cb);
    return () => set.delete(cb);
  }

  notice(level: 'info' | 'warn' | 'error', message: string): void {
    this.opts.log[level === 'error' ? 'warn' : level]('notice', { message });
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

  // ---- lifecycle ----------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.phase !== 'new') return;
    this.phase = 'started';
    await this.local.load();
  }

  /** Joins the ring through `bootstrap`, or starts a new ring without one. */
  async join(bootstrap?: Address): Promise<void> {
    await this.start();
    if (this.phase === 'joined') return;
    if (this.phase === 'stopped') throw new RingError('stopped', 'this node was stopped');
    this.session = new AbortController();
    this.routing.reset();
    if (bootstrap && bootstrap !== this.address) await this.enterThrough(bootstrap);
    this.phase = 'joined';
    this.startTimers();
    this.opts.log.info('joined', { address: this.address, successor: this.successor, predecessor: this.predecessor });
    if (!this.routing.alone) await this.call(this.successor, { type: 'notify' }, ['ok']).catch(() => undefined);
    this.replication.soon();
    this.changed();
  }

  private async enterThrough(bootstrap: Address): Promise<void> {
    const found = await this.lookupThrough(bootstrap, this.key);
    const successors = found.replicas.filter((a) => a !== this.address);
    if (successors.length === 0) return; // the ring holds only us (a reload that others still remember)
    const owner = successors[0]!;
    if (this.keyOf(owner) === this.key) {
      throw new RingError('key-collision', `peer ${owner} already holds key ${this.key.toString(16)}; choose another address`);
    }
    // The owner may have just crashed: the next replica then is our successor.
    const alive = await this.firstAlive(successors);
    if (!alive) throw new RingError('lookup-failed', `none of the successors ${successors.join(', ')} answered`);
    const { peer: succ, state } = alive;
    this.routing.setSuccessors(succ, state.successors);
    const pred = state.predecessor;
    if (pred && pred !== this.address && pred !== succ && between(this.key, this.keyOf(pred), this.keyOf(succ))) {
      // Tentative until the real predecessor notifies us; it makes gets and ownership right from the start.
      this.routing.predecessor = pred;
      this.routing.setPredecessors(pred, state.predecessors);
    } else {
      this.routing.predecessor = null;
    }
  }

  /**
   * Our own successor, found by the bootstrap peer over its links: a newcomer has no links yet, and an iterative
   * lookup would open a connection to every hop. If the bootstrap cannot, we walk the ring ourselves.
   */
  private async lookupThrough(bootstrap: Address, key: bigint): Promise<LookupResult> {
    try {
      const { reply } = await this.call(bootstrap, { type: 'lookup', key: key.toString(16) }, ['found'], { timeoutMs: this.config.rpcTimeoutMs * 3 });
      if (reply.successors.length > 0) return { owner: reply.successors[0]!, replicas: reply.successors, hops: 1 };
    } catch (err) {
      if (errorCode(err) === 'aborted') throw err;
      this.opts.log.debug('remote-lookup-failed', { bootstrap, reason: errorMessage(err) });
    }
    return this.lookup(key, bootstrap);
  }

  private startTimers(): void {
    const { clock, random } = this.opts;
    const c = this.config;
    this.stopTimers = [
      every(clock, c.stabilizeMs, random, () => this.stabilize()),
      every(clock, c.checkPredecessorMs, random, () => this.checkPredecessor()),
      every(clock, c.fixFingersMs, random, () => this.fixFingers()),
      every(clock, c.maintainMs, random, () => this.replication.run()),
      every(clock, c.reuniteMs, random, () => this.reunite()),
    ];
  }

  private halt(): void {
    for (const stop of this.stopTimers) stop();
    this.stopTimers = [];
    this.session.abort();
  }

  /** Graceful: every file we hold goes to the peers that take over our place, the neighbours are told, then we stop. */
  async leave(): Promise<void> {
    if (this.phase !== 'joined') return;
    this.halt();
    this.session = new AbortController();
    const successors = this.routing.successors.filter((a) => a !== this.address);
    if (successors.length > 0) {
      await Promise.all(successors.map((peer, i) => this.replication.ensureHeld(peer, this.local.all(), i === 0 ? 'file' : 'backup')));
      const leaving: PeerRequest = { type: 'leaving', successors, predecessors: this.routing.predecessors };
      const neighbours = new Set([this.routing.predecessor, this.successor].filter((a): a is Address => !!a && a !== this.address));
      await Promise.allSettled([...neighbours].map((peer) => this.call(peer, leaving, ['ok'])));
    }
    this.session.abort();
    this.phase = 'started';
    this.routing.reset();
    this.opts.log.info('left', { address: this.address });
    this.changed();
  }

  /** A crash as seen from outside: no goodbyes, nothing more sent. */
  stop(): void {
    this.halt();
    this.phase = 'stopped';
  }

  // ---- requests -----------------------------------------------------------------------------------

  /** Sends a request and decodes the reply; a peer that does not answer is suspected. */
  async call<K extends PeerReply['type']>(
    to: Address,
    body: PeerRequest,
    expected: readonly K[],
    options: { timeoutMs?: number; suspect?: boolean; data?: Uint8Array } = {},
  ): Promise<{ reply: Extract<PeerReply, { type: K }>; data?: Uint8Array }> {
    let envelope: Envelope;
    try {
      envelope = await this.opts.transport.request(to, options.data ? { body, data: options.data } : { body }, { timeoutMs: options.timeoutMs ?? this.config.rpcTimeoutMs, signal: this.session.signal });
    } catch (err) {
      if (options.suspect !== false && errorCode(err) !== 'aborted') this.routing.suspect(to);
      throw err;
    }
    this.routing.heardFrom(to);
    const parsed = parseReply(envelope.body, expected);
    if (!parsed.ok) {
      this.stats.droppedMessages++;
      this.opts.log.warn('bad-reply', { from: to, request: body.type, reason: parsed.reason });
      throw new RingError('bad-message', `bad ${body.type} reply from ${to}: ${parsed.reason}`);
    }
    return { reply: parsed.value, data: envelope.data };
  }

  private async stateOf(peer: Address) {
    try {
      return (await this.call(peer, { type: 'state' }, ['state'])).reply;
    } catch {
      return null;
    }
  }

  /**
   * Asks the candidates at once; the first of them in order that answers wins. Suspected peers are asked
   * only when no other answers (a lost reply or two must not leave a node without neighbours).
   */
  private async firstAlive(candidates: Address[]) {
    const distinct = [...new Set(candidates)].filter((a) => a !== this.address);
    const trusted = distinct.filter((a) => !this.routing.isSuspected(a));
    for (const group of [trusted, distinct.filter((a) => this.routing.isSuspected(a))]) {
      const states = await Promise.all(group.map((peer) => this.stateOf(peer)));
      const i = states.findIndex((s) => s !== null);
      if (i >= 0) return { peer: group[i]!, state: states[i]! };
    }
    return null;
  }

  private async handle(from: Address, msg: Envelope): Promise<Envelope> {
    if (this.phase === 'stopped') throw new RingError('stopped', 'node stopped');
    const parsed = parseRequest(msg.body);
    if (!parsed.ok) {
      this.stats.droppedMessages++;
      this.opts.log.warn('bad-request', { from, reason: parsed.reason });
      throw new RingError('bad-message', parsed.reason);
    }
    this.routing.heardFrom(from);
    const req = parsed.value;
    if (this.phase !== 'joined' && !['ping', 'chunk', 'meta', 'hashes'].includes(req.type)) {
      throw new RingError('not-joined', `${this.address} is not in a ring`);
    }
    return this.dispatch(from, req, msg.data);
  }

  private async dispatch(from: Address, req: PeerRequest, data?: Uint8Array): Promise<Envelope> {
    const reply = (body: PeerReply, data?: Uint8Array): Envelope => ({ body, data });
    switch (req.type) {
      case 'ping':
        return reply({ type: 'ok' });
      case 'state':
        return reply({ type: 'state', predecessor: this.routing.predecessor, successors: this.routing.successors, predecessors: this.routing.predecessors });
      case 'notify':
        this.onNotify(from);
        return reply({ type: 'ok' });
      case 'find':
        return reply(this.onFind(BigInt('0x' + req.key)));
      case 'lookup':
        return reply({ type: 'found', successors: (await this.lookup(BigInt('0x' + req.key))).replicas });
      case 'leaving':
        this.onLeaving(from, req.successors, req.predecessors);
        return reply({ type: 'ok' });
      case 'digest':
        this.replication.forget(from);
        return reply({ type: 'missing', names: req.entries.filter((e) => !this.local.holds(e.name, e.root)).map((e) => e.name) });
      case 'offer':
        return reply({ type: 'stored', replicas: await this.onOffer(req.meta, req.role, req.sources, req.replicate, data) });
      case 'replicas': {
        const file = this.local.get(req.name);
        if (!file) throw new RingError('all-replicas-failed', `${this.address} holds no ${req.name}`);
        if (file.meta.root !== req.root) throw new RingError('superseded', `${this.address} holds another version of ${req.name}`);
        return reply({ type: 'stored', replicas: await this.copies(file) });
      }
      case 'chunk':
        return reply({ type: 'chunk' }, await this.local.chunk(req.root, req.index, this.config.chunkTimeoutMs));
      case 'meta': {
        const meta = this.local.get(req.name)?.meta;
        if (!meta) return reply({ type: 'meta', meta: null });
        const data = inlineable(meta) ? await this.local.chunk(meta.root, 0, this.config.chunkTimeoutMs).catch(() => undefined) : undefined;
        return reply({ type: 'meta', meta: toWireMeta(meta) }, data);
      }
      case 'hashes': {
        const meta = this.local.metaByRoot(req.root);
        if (!meta) throw new RingError('bad-message', `no file with root ${req.root.slice(0, 12)} here`);
        if (req.start + req.count > meta.chunks) throw new RingError('bad-message', `hashes ${req.start}..${req.start + req.count} beyond ${meta.chunks} chunks`);
        return reply({ type: 'hashes' }, hashBytes(meta, req.start, req.count));
      }
    }
  }

  // ---- ring maintenance ---------------------------------------------------------------------------

  private onNotify(from: Address): void {
    if (from === this.address) return;
    const pred = this.routing.predecessor;
    if (pred === null || pred === this.address || this.routing.isSuspected(pred) || between(this.keyOf(from), this.keyOf(pred), this.key)) {
      this.routing.predecessor = from;
      this.routing.setPredecessors(from, []);
      if (this.routing.alone) this.routing.setSuccessors(from, []);
      this.pointersChanged();
      void this.checkPredecessor();
    }
  }

  private onFind(key: bigint, exclude?: ReadonlySet<Address>): PeerReply {
    const pred = this.routing.predecessor;
    if (pred && pred !== this.address && betweenRightIncl(key, this.keyOf(pred), this.key)) {
      return { type: 'found', successors: [this.address, ...this.routing.successors].slice(0, this.config.r) };
    }
    if (this.routing.ownsNext(key)) return { type: 'found', successors: this.routing.successors };
    const [next, ...also] = this.routing.preceding(key, 1 + LOOKUP_FALLBACKS, exclude);
    return next === undefined ? { type: 'found', successors: this.routing.successors } : { type: 'next', next, also };
  }

  private onLeaving(from: Address, successors: Address[], predecessors: Address[]): void {
    this.routing.suspect(from, true);
    if (this.routing.predecessor === from) {
      const pred = predecessors.find((a) => a !== from && a !== this.address);
      this.routing.predecessor = pred ?? (this.routing.successors.includes(from) ? null : this.address);
      if (pred) this.routing.setPredecessors(pred, predecessors.slice(predecessors.indexOf(pred) + 1));
      else this.routing.predecessors = [];
    }
    if (this.routing.successors.includes(from)) {
      const rest = [...successors, ...this.routing.successors].filter((a) => a !== from && a !== this.address);
      if (rest[0] !== undefined) this.routing.setSuccessors(rest[0], rest.slice(1));
      else this.routing.reset();
    }
    this.pointersChanged();
  }

  private peerDown(peer: Address): void {
    if (this.phase !== 'joined') return;
    this.routing.suspect(peer, true);
    if (peer === this.routing.predecessor) void this.checkPredecessor();
    if (this.routing.successors.includes(peer)) void this.stabilize();
  }

  private pointersChanged(): void {
    this.replication.soon();
    this.changed();
  }

  private async stabilize(): Promise<void> {
    if (this.phase !== 'joined') return;
    if (this.routing.alone) {
      const pred = this.routing.predecessor;
      if (!pred || pred === this.address) return;
      this.routing.setSuccessors(pred, []);
    }
    const before = this.routing.successors.join();
    let succ = this.successor;
    let state = this.routing.isSuspected(succ) ? null : await this.stateOf(succ);
    if (!state && !this.routing.isSuspected(succ)) return; // one silent round may be loss: ask again next round
    if (!state) {
      // Nearest first: in list order our predecessor could win, and a successor behind us is undone one peer per round.
      const alive = await this.firstAlive(this.routing.clockwise([...this.routing.successors.slice(1), ...this.routing.known()]));
      if (!alive) {
        // Everyone we know is silent. Only after several rounds of that are we alone; until then it may be loss.
        if (++this.silentRounds < SILENT_ROUNDS_BEFORE_ALONE) return;
        this.routing.setSuccessors(this.address, []);
        this.routing.predecessor = this.address;
        this.pointersChanged();
        return;
      }
      ({ peer: succ, state } = alive);
    }
    this.silentRounds = 0;
    const x = state.predecessor;
    if (x && x !== this.address && x !== succ && between(this.keyOf(x), this.key, this.keyOf(succ)) && !this.routing.isSuspected(x)) {
      const closer = await this.stateOf(x);
      if (closer) {
        succ = x;
        state = closer;
      }
    }
    this.routing.setSuccessors(succ, state.successors);
    if (state.predecessor !== this.address) await this.call(succ, { type: 'notify' }, ['ok']).catch(() => undefined);
    if (this.routing.successors.join() !== before) this.pointersChanged();
  }

  private async checkPredecessor(): Promise<void> {
    const pred = this.routing.predecessor;
    if (this.phase !== 'joined' || !pred || pred === this.address) return;
    const before = [pred, ...this.routing.predecessors].join();
    const state = this.routing.isSuspected(pred) ? null : await this.stateOf(pred);
    if (this.routing.predecessor !== pred) return; // a notify replaced it meanwhile
    if (state) {
      this.routing.setPredecessors(pred, state.predecessors);
    } else if (!this.routing.isSuspected(pred)) {
      return; // one silent round may be loss: ask again next round
    } else {
      // Fall back on the next live predecessor we know, so its range is ours (and its backups promoted) at once.
      const alive = await this.firstAlive(this.routing.predecessors.slice(1));
      if (this.routing.predecessor !== pred) return;
      if (alive) {
        this.routing.predecessor = alive.peer;
        this.routing.setPredecessors(alive.peer, alive.state.predecessors);
      } else {
        this.routing.predecessor = null;
        this.routing.predecessors = [];
      }
    }
    if ([this.routing.predecessor, ...this.routing.predecessors].join() !== before) this.pointersChanged();
  }

  private async fixFingers(): Promise<void> {
    if (this.phase !== 'joined' || this.routing.alone) return;
    const { m } = this.config;
    const i = this.nextFinger;
    const start = fingerStart(this.key, i, m);
    // Beyond our successor, the finger we have still owns its start unless a peer joined or left just there:
    // asking it costs one hop, a lookup from here several (fingers were most of a large ring's traffic).
    const finger = this.routing.ownsNext(start) ? null : this.routing.fingers[i];
    const { owner } = finger ? await this.lookup(start, finger).catch(() => this.lookup(start)) : await this.lookup(start);
    if (owner === this.address) {
      this.routing.fingers[i] = null;
      this.nextFinger = (i + 1) % m;
      return;
    }
    // Fingers whose start also falls before that owner share it: one lookup fills them all.
    const ownerKey = this.keyOf(owner);
    let j = i;
    while (j < m && betweenRightIncl(fingerStart(this.key, j, m), this.key, ownerKey)) this.routing.fingers[j++] = owner;
    this.nextFinger = j > i ? j % m : (i + 1) % m;
  }

  /** Peers that an adapter learnt of (e.g. from the signaling server); tried by `reunite`. */
  remember(peers: Address[]): void {
    for (const peer of peers) this.routing.remember(peer);
  }

  /**
   * Asks a remembered peer who our successor is in its ring. If that peer is closer than ours, two rings
   * (after a partition, or two started at once) begin to zip together: stabilize and notify do the rest.
   */
  private async reunite(): Promise<void> {
    if (this.phase !== 'joined') return;
    // Suspected or not: across a healed partition every remembered peer is one we once gave up on.
    const peer = this.routing.takeRemembered(this.opts.random);
    if (peer === undefined) return;
    const { replicas } = await this.lookup(this.key, peer).catch(() => ({ replicas: [] as Address[] }));
    const found = replicas.find((a) => a !== this.address);
    if (found === undefined) return;
    const closer = () => this.routing.alone || between(this.keyOf(found), this.key, this.keyOf(this.successor));
    if (closer()) {
      // The answer may be stale (a peer that is leaving right now): only a peer that answers replaces our successors.
      const state = await this.stateOf(found);
      if (!state || !closer()) return;
      this.opts.log.info('reunite', { via: peer, successor: found });
      this.routing.setSuccessors(found, state.successors);
      await this.stabilize();
    }
  }

  /**
   * Finds the owner of `key` iteratively, starting at `start`. Each hop names the next peer and a few
   * fallbacks; a peer that fails is skipped for the best fallback not yet tried.
   */
  async lookup(key: bigint, start: Address = this.address): Promise<LookupResult> {
    const avoid = new Set<Address>();
    const failed = new Map<Address, number>();
    let candidates = [start];
    let hops = 0;
    let lastError: unknown = 'no peer left to ask';
    while (hops <= MAX_LOOKUP_HOPS) {
      const current = candidates.find((c) => !avoid.has(c));
      if (current === undefined) break;
      if (current === this.address) {
        const local = this.onFind(key, avoid);
        if (local.type === 'found') return { owner: local.successors[0]!, replicas: local.successors, hops };
        if (local.type !== 'next') break;
        candidates = [local.next, ...local.also];
        continue;
      }
      hops++;
      let reply: PeerReply;
      try {
        ({ reply } = await this.call(current, { type: 'find', key: key.toString(16) }, ['found', 'next']));
      } catch (err) {
        if (errorCode(err) === 'aborted') throw err;
        lastError = err;
        // Asked twice in vain: a lost message is not that unlikely, two in a row are.
        const failures = (failed.get(current) ?? 0) + 1;
        failed.set(current, failures);
        if (failures >= 2 || this.routing.isSuspected(current)) avoid.add(current);
        continue;
      }
      if (reply.type === 'found') return { owner: reply.successors[0]!, replicas: reply.successors, hops };
      if (reply.type !== 'next') break;
      // A next hop of ourselves is not an answer: the key need not be between us and our successor, so our own table goes on.
      candidates = [reply.next, ...reply.also, ...candidates.filter((c) => c !== current)];
    }
    throw new RingError('lookup-failed', `lookup of ${key.toString(16)} failed: ${errorMessage(lastError)}`);
  }

  // ---- files --------------------------------------------------------------------------------------

  private requireJoined(): void {
    if (this.phase !== 'joined') throw new RingError('not-joined', 'not in a ring yet: join first');
  }

  /**
   * An offer is answered once the whole file is stored. If that answer is late the offer is simply made
   * again: the receiver joins the transfer already running instead of starting over.
   */
  transferTimeout(meta: FileMeta): number {
    return this.config.rpcTimeoutMs * 10 + meta.size / MIN_TRANSFER_RATE;
  }

  /**
   * Requests of a transfer (meta, hashes, chunks) queue behind other transfers on a busy replica: they get
   * longer than a heartbeat, which must notice a dead peer fast, while a slow one is still worth waiting for.
   */
  private transferRequestTimeout(): number {
    return this.config.chunkTimeoutMs + this.config.rpcTimeoutMs;
  }

  /** Role this node gives a file it receives: its own view of the ring decides, the sender's hint only when it has none. */
  roleFor(name: string, hint: Role): Role {
    const resp = this.routing.responsibility(this.keyOf(name));
    return resp === 'owner' ? 'file' : resp === 'replica' ? 'backup' : hint;
  }

  /** Pulls a file from `sources` into our store, or stores `inline`, the whole file checked against `meta` already. */
  receive(meta: FileMeta, hint: Role, sources: Address[], inline?: Uint8Array): Promise<void> {
    return this.local.receive(
      meta,
      () => this.roleFor(meta.name, hint),
      (write) =>
        inline ? write(0, inline) : download({
          meta,
          // Ourselves only as the putter: asking our own arrival for a chunk would wait on itself.
          sources: sources.filter((s) => s !== this.address || this.local.isServing(meta.root)),
          window: this.config.transferWindow,
          digest: this.opts.digest,
          fetch: (source, index) => this.fetchChunk(source, meta.root, index),
          write,
          onCorrupt: (source, index) => this.corrupt(meta, source, index),
          signal: this.session.signal,
        }),
    );
  }

  private async fetchChunk(source: Address, root: string, index: number): Promise<Uint8Array> {
    if (source === this.address) return this.local.chunk(root, index, this.config.chunkTimeoutMs);
    const { data } = await this.call(source, { type: 'chunk', root, index }, ['chunk'], { timeoutMs: this.transferRequestTimeout(), suspect: false });
    if (!data) throw new RingError('bad-message', `chunk reply from ${source} carried no data`);
    return data;
  }

  private corrupt(meta: FileMeta, source: Address, index: number): void {
    this.stats.corruptChunks++;
    this.notice('warn', `Chunk ${index} of "${meta.name}" from peer ${source} failed its SHA-256 check; fetched it from another replica.`);
  }

  /** Completes metadata as sent with its chunk hashes, from what we hold or in pages from `sources`, and checks them against the root. */
  private async fullMeta(wire: WireMeta, sources: Address[]): Promise<FileMeta> {
    const known = this.local.metaByRoot(wire.root);
    if (known) return known;
    const pages: Uint8Array[] = [];
    for (let start = 0; start < wire.chunks; start += HASHES_PER_PAGE) {
      pages.push(await this.hashPage(wire.root, start, Math.min(HASHES_PER_PAGE, wire.chunks - start), sources));
    }
    const all = new Uint8Array(wire.chunks * 32);
    pages.forEach((page, i) => all.set(page, i * HASHES_PER_PAGE * 32));
    const meta = withHashes(wire, all);
    if (!(await rootMatches(meta, this.opts.digest))) throw new RingError('corrupt', `the chunk hashes of ${wire.name} do not match its root`);
    return meta;
  }

  private async hashPage(root: string, start: number, count: number, sources: Address[]): Promise<Uint8Array> {
    let lastError: unknown = 'no peer to ask';
    for (const source of [...sources, ...sources].filter((s) => s !== this.address)) {
      try {
        const { data } = await this.call(source, { type: 'hashes', root, start, count }, ['hashes'], { timeoutMs: this.transferRequestTimeout(), suspect: false });
        if (data?.length === count * 32) return data;
        lastError = `hashes reply from ${source} has ${data?.length ?? 0} bytes, expected ${count * 32}`;
      } catch (err) {
        lastError = err;
      }
    }
    throw new RingError('all-replicas-failed', `chunk hashes ${start}.. of ${root.slice(0, 12)} unavailable: ${errorMessage(lastError)}`);
  }

  /**
   * Stores an offered file. As the owner of a put (`replicate`) we answer once our own copy is stored and make
   * the backups after: on a shared CPU the copies would otherwise slow the put down to a third, and until the
   * putter hears they are made it keeps offering the file, so no single crash loses it meanwhile.
   */
  private async onOffer(wire: WireMeta, hint: Role, sources: Address[], replicate: boolean, inline?: Uint8Array): Promise<number> {
    const meta = inline ? await inlineMeta(wire, inline, this.opts.digest) : await this.fullMeta(wire, sources);
    await this.receive(meta, hint, sources, inline);
    if (replicate) void this.backUp(meta, sources, inline);
    return 1;
  }

  /**
   * Copies of a file we own: once the backups being made of it are, or as our successors say they hold it
   * (a digest; what one lacks is sent).
   */
  private async copies(file: StoredFile): Promise<number> {
    const running = this.backups.get(file.meta.root);
    if (running) return running;
    const targets = this.routing.backupHolders();
    const results = await Promise.all(targets.map((peer) => this.replication.ensureHeld(peer, [file], 'backup')));
    return 1 + results.filter((r) => r.failure === undefined && r.held.length > 0).length;
  }

  /**
   * Has our successors hold backups of `meta`, as a chain: each pulls from the one before it, then from us and
   * `sources`. One run per version at a time; resolves to the copies there are, ours included.
   */
  private backUp(meta: FileMeta, sources: Address[], inline?: Uint8Array): Promise<number> {
    const running = this.backups.get(meta.root);
    if (running) return running;
    const targets = this.routing.backupHolders();
    const offers = targets.map((peer, i) => this.offer(peer, meta, 'backup', [...targets.slice(0, i).reverse(), this.address, ...sources], false, inline));
    const run = Promise.allSettled(offers).then((results) => 1 + results.filter((r) => r.status === 'fulfilled').length);
    this.backups.set(meta.root, run);
    void run.finally(() => this.backups.delete(meta.root));
    return run;
  }

  /**
   * Has `peer` store a copy of `meta`, pulling it from `sources`; a small file rides along (`inline`, read
   * from our own store when not given) and costs one round trip. Resolves to the copies now stored.
   */
  async offer(peer: Address, meta: FileMeta, hint: Role, sources: Address[], replicate: boolean, inline?: Uint8Array): Promise<number> {
    const data = inline ?? (inlineable(meta) ? await this.local.chunk(meta.root, 0, this.config.chunkTimeoutMs) : undefined);
    const { reply } = await this.call(peer, { type: 'offer', meta: toWireMeta(meta), role: hint, sources, replicate }, ['stored'], {
      timeoutMs: this.transferTimeout(meta),
      suspect: false,
      data,
    });
    return reply.replicas;
  }

  /**
   * Stores a file in the ring: resolves once its owner holds it (with `replicated`, once the backups are made
   * too). We offer the file to the ring until the owner says the backups are made.
   */
  async put(source: ChunkSource, opts: PutOptions = {}): Promise<void> {
    this.requireJoined();
    const stopServing = this.local.serve(source);
    let owner: Address;
    try {
      owner = await this.storeAtOwner(source.meta);
    } catch (err) {
      stopServing();
      throw err;
    }
    opts.onProgress?.(source.meta.size, source.meta.size);
    const backedUp = this.awaitBackups(source.meta, owner).finally(stopServing);
    if (opts.replicated) await backedUp;
  }

  /** Has the file's owner store it; resolves to that owner. */
  private async storeAtOwner(meta: FileMeta): Promise<Address> {
    let lastError: unknown;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS; attempt++) {
      try {
        const { owner } = await this.lookup(this.keyOf(meta.name));
        if (owner === this.address) await this.onOffer(toWireMeta(meta), 'file', [this.address], true);
        else await this.offerTo(owner, meta);
        return owner;
      } catch (err) {
        lastError = err;
        if (['aborted', 'quota-exceeded', 'not-joined'].includes(errorCode(err) ?? '')) throw err;
        await sleep(this.opts.clock, this.config.stabilizeMs, this.session.signal);
      }
    }
    throw new RingError('all-replicas-failed', `put of ${meta.name} failed: ${errorMessage(lastError)}`);
  }

  /**
   * Waits until the owner says the backups of a put are made. An owner that fails first may have crashed
   * holding the only copy: the file is stored again at whoever owns it now, unless a later put replaced it.
   * Never throws; after the last attempt the owner's periodic replication is left to finish the job.
   */
  private async awaitBackups(meta: FileMeta, owner: Address): Promise<void> {
    const request: PeerRequest = { type: 'replicas', name: meta.name, root: meta.root };
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS && !this.session.signal.aborted; attempt++) {
      try {
        if (owner !== this.address) await this.call(owner, request, ['stored'], { timeoutMs: this.transferTimeout(meta), suspect: false });
        // Not held here any more: a later put replaced ours, and its own putter looks after it.
        else if (this.local.holds(meta.name, meta.root)) await this.copies(this.local.get(meta.name)!);
        return;
      } catch (err) {
        if (errorCode(err) === 'superseded') return;
        this.opts.log.debug('backups-unconfirmed', { name: meta.name, owner, reason: errorMessage(err) });
      }
      try {
        await sleep(this.opts.clock, this.config.stabilizeMs, this.session.signal);
        owner = await this.storeAtOwner(meta);
      } catch (err) {
        this.opts.log.debug('put-restore-failed', { name: meta.name, reason: errorMessage(err) });
      }
    }
    if (!this.session.signal.aborted) this.opts.log.warn('backups-unconfirmed', { name: meta.name, owner });
  }

  /**
   * Has the owner store a put. An offer whose answer does not come is made again (the owner joins the
   * transfer it is already running); before giving up we ask whether it holds the file after all.
   */
  private async offerTo(owner: Address, meta: FileMeta): Promise<void> {
    const inline = inlineable(meta) ? await this.local.chunk(meta.root, 0, this.config.chunkTimeoutMs) : undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS; attempt++) {
      try {
        await this.call(owner, { type: 'offer', meta: toWireMeta(meta), role: 'file', sources: [this.address], replicate: true }, ['stored'], { timeoutMs: this.transferTimeout(meta), data: inline });
        return;
      } catch (err) {
        if (errorCode(err) !== 'timeout') throw err;
        lastError = err;
      }
    }
    const { reply } = await this.call(owner, { type: 'digest', entries: [{ name: meta.name, root: meta.root }] }, ['missing']);
    if (reply.names.length > 0) throw lastError;
  }

  /** Reads a file from the ring into `sink` (chunks may come in any order). Resolves to null when no replica has it. */
  async get(name: string, sink: (index: number, data: Uint8Array) => void | Promise<void>, opts: GetOptions = {}): Promise<FileMeta | null> {
    this.requireJoined();
    const got = new Set<number>();
    let gotRoot: string | undefined;
    let noneSeen = 0;
    let lastError: unknown;
    for (let attempt = 0; attempt < OPERATION_ATTEMPTS; attempt++) {
      try {
        const { replicas } = await this.lookup(this.keyOf(name));
        const candidates = [...new Set([...replicas.slice(0, this.config.r), ...(this.local.get(name) ? [this.address] : [])])];
        const held = await this.metasAt(candidates, name);
        const first = held.find((h): h is Held => !!h);
        if (!first) {
          // "Nobody has it" twice, a stabilize round apart: a file being handed to a new owner right now is not missed.
          if (held.every((h) => h === null) && ++noneSeen >= 2) return null;
          throw new RingError('all-replicas-failed', `no replica of ${name} answered`);
        }
        const found = first.meta;
        // A small file came with its meta: checked against the root like any chunk, it is the whole get.
        const inline = first.data && (await inlineMeta(found, first.data, this.opts.digest).catch(() => undefined));
        if (inline) {
          await opts.onStart?.(inline);
          await sink(0, first.data!);
          opts.onProgress?.(inline.size, inline.size);
          return inline;
        }
        const sources = candidates.filter((_, i) => held[i]?.meta.root === found.root);
        const chosen = await this.fullMeta(found, sources);
        if (gotRoot !== chosen.root) got.clear(); // a newer version: chunks of the old one do not count
        gotRoot = chosen.root;
        await opts.onStart?.(chosen);
        await download({
          meta: chosen,
          sources,
          have: got,
          window: this.config.transferWindow,
          digest: this.opts.digest,
          fetch: (source, index) => this.fetchChunk(source, chosen.root, index),
          write: async (index, data) => {
            await sink(index, data);
            got.add(index);
          },
          onCorrupt: (source, index) => this.corrupt(chosen, source, index),
          onProgress: opts.onProgress,
          signal: this.session.signal,
        });
        return chosen;
      } catch (err) {
        lastError = err;
        if (errorCode(err) === 'aborted') throw err;
        await sleep(this.opts.clock, this.config.stabilizeMs, this.session.signal);
      }
    }
    throw new RingError('all-replicas-failed', `get of ${name} failed after all replicas: ${errorMessage(lastError)}`);
  }

  /**
   * What each replica holds under `name`. A dead or busy replica can take a transfer timeout to fail, so once
   * one has the file the others get META_GRACE_MS more: those that answered by then are the sources. A reply
   * that carries a small file's bytes ends the wait at once.
   */
  private metasAt(peers: Address[], name: string): Promise<Array<Held | null | undefined>> {
    const metas = new Array<Held | null | undefined>(peers.length).fill(undefined);
    if (peers.length === 0) return Promise.resolve(metas);
    return new Promise((resolve) => {
      let pending = peers.length;
      let grace: unknown;
      const done = () => {
        this.opts.clock.clearTimeout(grace);
        resolve([...metas]);
      };
      peers.forEach((peer, i) =>
        void this.metaAt(peer, name).then((meta) => {
          metas[i] = meta;
          if (--pending === 0 || meta?.data) done();
          else if (meta && grace === undefined) grace = this.opts.clock.setTimeout(done, META_GRACE_MS);
        }),
      );
    });
  }

  /** A replica's metadata for `name` (with the bytes of a small file): null when it has none, undefined when it did not answer. */
  private async metaAt(peer: Address, name: string): Promise<Held | null | undefined> {
    if (peer === this.address) {
      const meta = this.local.get(name)?.meta;
      return meta ? { meta: toWireMeta(meta) } : null;
    }
    try {
      const { reply, data } = await this.call(peer, { type: 'meta', name }, ['meta'], { timeoutMs: this.transferRequestTimeout(), suspect: false });
      return reply.meta ? { meta: reply.meta, data } : null;
    } catch {
      return undefined;
    }
  }
}
