/**
 * The files one node holds: an in-memory index over its BlobStore, the transfers arriving now, and the
 * sources of puts it is serving. A chunk of a file still arriving can be asked for already: the request
 * waits for that chunk, which lets replication run as a pipeline (putter -> owner -> backups).
 */
import { SETTLED, type Holding } from '../../trust/order';
import { RingError, errorCode } from '../errors';
import { isTombstone } from '../records';
import type { Address, BlobStore, ChunkSource, Clock, FileMeta, Role, StoredFile } from '../types';
import { withTimeout } from '../timers';
import { Partials } from './partials';

/** Failures after which a receive's checked chunks are dropped rather than kept for another attempt. */
const DISCARD_ON: ReadonlySet<string> = new Set(['quota-exceeded', 'superseded', 'name-taken']);

/**
 * Chunks an arrival keeps in memory after storing them. The next copy in the chain asks for each chunk a window
 * or two after it arrived here; answering from memory spares a store read per chunk per copy.
 */
const RECENT_CHUNKS = 12;

class Arrival {
  /** The last chunks stored, oldest first. */
  readonly recent = new Map<number, Uint8Array>();
  private readonly waiters = new Map<number, Array<(ok: boolean) => void>>();
  finished = false;

  constructor(
    readonly meta: FileMeta,
    readonly done: Promise<void>,
    /** Chunks stored and checked, those of a partial copy it resumes included. */
    readonly have: Set<number>,
    /** Where it pulls from; a second offer adds its sources here (see `receive`). */
    readonly sources: Address[],
  ) {}

  /** Sources of a later offer go first: the ones this transfer started with may be the reason it is slow. */
  addSources(sources: readonly Address[]): void {
    this.sources.unshift(...sources.filter((s) => !this.sources.includes(s)));
  }

  arrived(index: number, data: Uint8Array): void {
    this.have.add(index);
    this.recent.set(index, data);
    if (this.recent.size > RECENT_CHUNKS) this.recent.delete(this.recent.keys().next().value!);
    for (const wake of this.waiters.get(index) ?? []) wake(true);
    this.waiters.delete(index);
  }

  finish(): void {
    this.finished = true;
    for (const list of this.waiters.values()) for (const wake of list) wake(false);
    this.waiters.clear();
  }

  /** Resolves true once chunk `index` is stored, false if the transfer ended without it. */
  waitFor(index: number): Promise<boolean> {
    if (this.have.has(index)) return Promise.resolve(true);
    if (this.finished) return Promise.resolve(false);
    return new Promise((resolve) => {
      const list = this.waiters.get(index) ?? [];
      list.push(resolve);
      this.waiters.set(index, list);
    });
  }
}

export class LocalFiles {
  private readonly index = new Map<string, StoredFile>();
  private readonly arrivals = new Map<string, Arrival>();
  private readonly serving = new Map<string, ChunkSource>();
  /** Chunks of failed receives, kept for the next attempt. */
  readonly partials: Partials;
  /**
   * By name, on our clock: when we first stored any record of it (the start of its race window,
   * shared/trust/order; SETTLED for what we loaded), and when we stored the one we hold (a tombstone's age).
   */
  private readonly commits = new Map<string, Promise<void>>();
  private readonly times = new Map<string, { since: number; storedAt: number }>();
  /** Bumped on every change of the index, so replication can tell whether anything changed since it last looked. */
  version = 0;

  constructor(
    private readonly store: BlobStore,
    private readonly clock: Clock,
    private readonly onChange: () => void,
  ) {
    this.partials = new Partials(store, clock);
  }

  /** Indexes the stored files that `keep` accepts (those whose signed record checks); the rest are neither offered nor served. */
  async load(keep: (file: StoredFile) => Promise<boolean> = async () => true): Promise<void> {
    const now = this.clock.now();
    for (const file of await this.store.list()) {
      if (!(await keep(file))) continue;
      this.index.set(file.meta.name, file);
      this.times.set(file.meta.name, { since: SETTLED, storedAt: now });
    }
    this.touch();
  }

  /** What the ordering rule needs of the version we hold of `name` (nothing for a version without a record). */
  holding(name: string): Holding | undefined {
    const signed = this.index.get(name)?.meta.signed;
    return signed && { signed, since: this.times.get(name)?.since ?? SETTLED };
  }

  /** When we stored the version we hold of `name`, on our clock. */
  storedAt(name: string): number | undefined {
    return this.times.get(name)?.storedAt;
  }

  get(name: string): StoredFile | undefined {
    return this.index.get(name);
  }

  all(): StoredFile[] {
    return [...this.index.values()];
  }

  /** Names of the files we hold in `role`; a tombstone is no file. */
  names(role: Role): string[] {
    return this.all()
      .filter((f) => f.role === role && !isTombstone(f.meta))
      .map((f) => f.meta.name)
      .sort();
  }

  holds(name: string, root: string): boolean {
    return this.index.get(name)?.meta.root === root;
  }

  async setRole(name: string, role: Role): Promise<void> {
    const file = this.index.get(name);
    if (!file || file.role === role) return;
    await this.store.setRole(name, role);
    this.index.set(name, { meta: file.meta, role });
    this.touch();
  }

  async remove(name: string): Promise<void> {
    if (!this.index.has(name)) return;
    this.index.delete(name);
    this.times.delete(name);
    this.touch();
    await this.store.remove(name);
  }

  /** Offers a put's bytes to peers until `stop` is called. */
  serve(source: ChunkSource): () => void {
    this.serving.set(source.meta.root, source);
    return () => {
      if (this.serving.get(source.meta.root) === source) this.serving.delete(source.meta.root);
    };
  }

  /** Full metadata of a version we hold, receive or serve, by its root. */
  metaByRoot(root: string): FileMeta | undefined {
    const known = this.serving.get(root)?.meta ?? this.arrivals.get(root)?.meta ?? this.partials.meta(root);
    if (known) return known;
    for (const file of this.index.values()) if (file.meta.root === root) return file.meta;
    return undefined;
  }

  isServing(root: string): boolean {
    return this.serving.has(root);
  }

  /** A chunk we hold, are serving, or are receiving right now (then it waits for it, at most `waitMs`). */
  async chunk(root: string, index: number, waitMs: number): Promise<Uint8Array> {
    const source = this.serving.get(root);
    if (source && index < source.meta.chunks) return source.read(index);
    const arrival = this.arrivals.get(root);
    // A partial copy is no copy: its chunks wait for the receive that resumes it, and are served by none.
    if (!arrival && this.partials.meta(root)) throw new RingError('bad-message', `only part of ${root.slice(0, 12)} is here`);
    if (arrival && !arrival.have.has(index)) {
      const ok = await withTimeout(this.clock, waitMs, `chunk ${index}`, arrival.waitFor(index));
      if (!ok) throw new RingError('all-replicas-failed', `chunk ${index} of ${root.slice(0, 12)} never arrived here`);
    }
    const recent = arrival?.recent.get(index);
    if (recent) return recent;
    const data = await this.store.getChunk(root, index);
    if (!data) throw new RingError('bad-message', `no chunk ${index} of ${root.slice(0, 12)} here`);
    return data;
  }

  /**
   * Receives a file by `pull`ing its chunks from `sources` into the store, then makes it visible with the role
   * `roleFor` gives at that moment, unless `admit` (asked then, against what we hold by then) refuses it:
   * versions that arrive together are ordered at the commit, so an older one finishing last never replaces a
   * newer. A second receive of the same file joins the first, adding its sources to it, instead of fetching
   * twice. A receive that fails keeps the chunks it checked (see Partials) and the next one `pull`s only the
   * others; a full store keeps none.
   */
  async receive(
    meta: FileMeta,
    roleFor: () => Role,
    pull: (write: (index: number, data: Uint8Array) => Promise<void>, have: ReadonlySet<number>, sources: readonly Address[]) => Promise<void>,
    sources: readonly Address[] = [],
    admit: () => void = () => undefined,
  ): Promise<void> {
    if (this.holds(meta.name, meta.root)) return;
    const running = this.arrivals.get(meta.root);
    if (running) {
      running.addSources(sources);
      return running.done;
    }
    let settle!: { resolve: () => void; reject: (err: unknown) => void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const arrival = new Arrival(meta, done, this.partials.take(meta.root), [...sources]);
    arrival.done.catch(() => undefined);
    this.arrivals.set(meta.root, arrival);
    try {
      await pull(
        async (index, data) => {
          await this.store.putChunk(meta.root, index, data);
          arrival.arrived(index, data);
        },
        new Set(arrival.have),
        arrival.sources,
      );
      await this.inTurn(meta.name, async () => {
        admit();
        const role = roleFor();
        await this.store.commit(meta, role);
        const now = this.clock.now();
        this.index.set(meta.name, { meta, role });
        this.times.set(meta.name, { since: this.times.get(meta.name)?.since ?? now, storedAt: now });
        this.touch();
      });
      settle.resolve();
      await this.partials.supersede(meta.name, meta.root).catch(() => undefined);
    } catch (err) {
      settle.reject(err);
      // A full store keeps none; a version refused at its commit will never be wanted again.
      const kept = DISCARD_ON.has(errorCode(err) ?? '') ? this.partials.discard(meta) : this.partials.keep(meta, arrival.have);
      await kept.catch(() => undefined);
      throw err;
    } finally {
      arrival.finish();
      this.arrivals.delete(meta.root);
    }
  }

  /** Runs the commits of one name one at a time, so each one's `admit` sees what the one before stored. */
  private async inTurn(name: string, work: () => Promise<void>): Promise<void> {
    const run = (this.commits.get(name) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.commits.set(name, run);
    try {
      await run;
    } finally {
      if (this.commits.get(name) === run) this.commits.delete(name);
    }
  }

  private touch(): void {
    this.version++;
    this.onChange();
  }
}
