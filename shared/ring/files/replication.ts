/**
 * The one place that makes backups. Every file lives on its owner plus r - 1 backups: at put time the owner
 * has its successors pull the new file as a chain, and as membership changes each node looks at what it holds
 * against its own view of the ring: it promotes backups of ranges it now owns, pushes what it owns to its
 * backups, and hands files it should no longer own (or hold at all) to their owner before letting go.
 * A copy is only dropped after the owner and its backups have said they hold that version, so the copies never
 * fall to one on the way. The copies themselves are made by Copies, riskiest first.
 */
import { DIGEST_BATCH } from '../../constants';
import { decideClaim, tombstoneExpired } from '../../trust/order';
import type { WireMeta } from '../../wire/file-meta';
import type { DigestEntry } from '../../wire/peer';
import { RingError, errorMessage } from '../errors';
import { betweenRightIncl, distance } from '../id';
import type { Handlers } from '../inbound';
import type { Address, FileMeta, Role, StoredFile } from '../types';
import type { FileParts } from './parts';
import { Copies, digestBatches } from './copies';
import { place } from './placement';
import { OfferGate } from './offer-gate';
import { Proofs } from './proof';

/** Files relocated per round, so one round after a big membership change stays short. */
const RELOCATIONS_PER_ROUND = 256;
/** What a digest's receiver holds of an entry: that version, nothing it would not take, a newer one of that writer, or another writer's. */
type Standing = 'held' | 'missing' | 'newer' | 'taken';

export class Replication {
  private round = 0;
  /** Backups being made of files put to us as owner, by root: a putter's 'replicas' request waits on them. */
  private readonly backups = new Map<string, Promise<number>>();
  /** Our file-index version when a peer was last found to hold everything we sent it, by `role:peer`. */
  private readonly synced = new Map<string, number>();
  /** Transfers to a peer under way, by `role:peer`: one at a time each, so a slow peer holds up no other. */
  private readonly inFlight = new Set<string>();
  private relocating = false;
  private scanning = false;
  private again = false;
  private readonly copies: Copies;
  private readonly proofs: Proofs;
  private readonly gate: OfferGate;

  constructor(private readonly parts: FileParts) {
    this.copies = new Copies(parts);
    this.proofs = new Proofs(parts);
    this.gate = new OfferGate(parts.ctx, parts.local);
  }

  handlers(): Pick<Handlers, 'digest' | 'offer' | 'replicas' | 'prove'> {
    const { ctx, local } = this.parts;
    return {
      digest: (from, req) => {
        const news = this.copies.digestsSeen.isNew(from, req.entries);
        const names: string[] = [];
        const ahead: string[] = [];
        const newer: StoredFile[] = [];
        for (const entry of req.entries) {
          const standing = this.standing(entry);
          if (standing === 'missing') names.push(entry.name);
          if (standing === 'newer' || standing === 'taken') ahead.push(entry.name);
          if (standing === 'newer') newer.push(local.get(entry.name)!);
          if (standing === 'taken') ctx.log.warn('replicas-disagree', { name: entry.name, peer: from });
        }
        // A digest we had not seen, or one that shows we differ: its sender is moving files about (see forget).
        if (news || names.length > 0 || ahead.length > 0) this.forget(from);
        // The newer version flows toward the older one: the sender learns of it now, not when it asks.
        if (newer.length > 0) this.pushBack(from, newer);
        return { body: ahead.length > 0 ? { type: 'missing', names, ahead } : { type: 'missing', names } };
      },
      offer: async (from, req, data) => {
        await this.gate.check(from, req.meta);
        return { body: { type: 'stored', replicas: await this.accept(req.meta, req.role, req.sources, req.replicate, data) } };
      },
      ...this.proofs.handlers(),
      replicas: async (_from, req) => {
        const file = local.get(req.name);
        if (!file) throw new RingError('all-replicas-failed', `${ctx.address} holds no ${req.name}`);
        if (file.meta.root !== req.root) throw new RingError('superseded', `${ctx.address} holds another version of ${req.name}`);
        return { body: { type: 'stored', replicas: await this.confirmCopies(file) } };
      },
    };
  }

  /**
   * Answers an offer: stores the file. As the owner of a put (`replicate`) we answer once our own copy is stored and make
   * the backups after: on a shared CPU the copies would otherwise slow the put down to a third, and until the
   * putter hears they are made it keeps offering the file, so no single crash loses it meanwhile.
   */
  async accept(wire: WireMeta, hint: Role, sources: Address[], replicate: boolean, inline?: Uint8Array): Promise<number> {
    const { offers } = this.parts;
    // Only a put's owner offer is `replicate`: a writer's put, which never takes a name another key holds.
    const meta = await offers.store(wire, hint, sources, inline, replicate ? 'put' : 'copy');
    if (replicate) void this.backUp(meta, sources, inline);
    return 1;
  }

  /**
   * Copies of a file we own that hold exactly this version, ours included: once the backups being made of it
   * are, our successors are asked (a digest; what one lacks is sent). Rejects, saying how many, unless every
   * backup holder holds it: a put is 'replicated' only then.
   */
  async confirmCopies(file: StoredFile): Promise<number> {
    const { ctx } = this.parts;
    await this.backups.get(file.meta.root);
    const targets = ctx.routing.backupHolders();
    const results = await Promise.all(targets.map((peer) => this.copies.ensureHeld(peer, [file], 'backup')));
    const copies = 1 + results.filter((r) => r.held.length > 0).length;
    if (copies < 1 + targets.length) throw new RingError('all-replicas-failed', `${copies} of ${1 + targets.length} copies of ${file.meta.name} hold this version`);
    return copies;
  }

  /**
   * Has our successors hold backups of `meta`, as a chain: each pulls from the one before it, then from us and
   * `sources`. One run per version at a time; resolves to the copies there are, ours included.
   */
  private backUp(meta: FileMeta, sources: Address[], inline?: Uint8Array): Promise<number> {
    const { ctx, offers } = this.parts;
    const running = this.backups.get(meta.root);
    if (running) return running;
    const targets = ctx.routing.backupHolders();
    const sent = targets.map((peer, i) =>
      offers.send(peer, meta, { role: 'backup', sources: [...targets.slice(0, i).reverse(), ctx.address, ...sources], replicate: false, inline, suspect: false }),
    );
    const run = Promise.allSettled(sent).then((results) => 1 + results.filter((r) => r.status === 'fulfilled').length);
    this.backups.set(meta.root, run);
    void run.finally(() => this.backups.delete(meta.root));
    return run;
  }

  /** Before a graceful leave: every file we hold goes to the peers that take our place (the first owns what we owned). */
  async handOver(successors: Address[]): Promise<void> {
    const { local } = this.parts;
    await Promise.all(successors.map((peer, i) => this.copies.ensureHeld(peer, local.all(), i === 0 ? 'file' : 'backup')));
  }

  /** How what we hold of `entry`'s name stands against it (shared/trust/order decideClaim). */
  private standing(entry: DigestEntry): Standing {
    const { ctx, local } = this.parts;
    if (local.holds(entry.name, entry.root)) return 'held';
    const held = local.holding(entry.name);
    if (!held || entry.writer === undefined || entry.version === undefined) return 'missing';
    const claim = { name: entry.name, writer: entry.writer, version: entry.version, deleted: entry.deleted === true };
    const decision = decideClaim(held, claim, ctx.clock.now());
    return decision === 'accept' || decision === 'unsure' ? 'missing' : decision === 'stale' ? 'newer' : 'taken';
  }

  /** Offers `peer` our newer versions of files it holds older ones of; one such push to a peer at a time. */
  private pushBack(peer: Address, files: StoredFile[]): void {
    const key = `push:${peer}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    void this.copies.ensureHeld(peer, files, 'backup').finally(() => this.inFlight.delete(key));
  }

  /**
   * A peer that sends us a digest it has not sent before is moving files about, maybe dropping copies we
   * counted on: check what it holds again at the next round.
   */
  private forget(peer: Address): void {
    this.synced.delete(`backup:${peer}`);
    this.synced.delete(`file:${peer}`);
  }

  /** Looks again now (or right after the current look): membership just changed. */
  soon(): void {
    void this.run();
  }

  /** Compares what we hold with the ring and starts the transfers that are missing; never waits for them. */
  async run(): Promise<void> {
    const { ctx } = this.parts;
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = true;
    try {
      do {
        this.again = false;
        await this.scan();
      } while (this.again && ctx.joined);
    } catch (err) {
      ctx.log.debug('replication-round-failed', { reason: errorMessage(err) });
    } finally {
      this.scanning = false;
    }
  }

  private async scan(): Promise<void> {
    const { ctx, local } = this.parts;
    if (!ctx.joined) return;
    if (++this.round % ctx.config.resyncRounds === 0) this.synced.clear();
    await this.dropExpiredTombstones();
    const { owned, backedUp, misplaced } = place(local.all(), ctx.routing, (name) => ctx.keyOf(name));
    for (const file of owned) await local.setRole(file.meta.name, 'file');
    this.copies.confirmed.retain(new Set(local.all().map((f) => f.meta.root)));
    await local.partials.prune((meta) => ctx.routing.roleOf(ctx.keyOf(meta.name)) !== 'none');
    this.report(owned);
    const version = local.version;
    // The owner's part: its r - 1 successors must hold everything it owns.
    for (const peer of ctx.routing.backupHolders()) {
      this.sync(peer, owned, 'backup', version);
    }
    // The backup's part: after joins that raced, a new owner can lack a file only its backups hold.
    for (const [owner, files] of backedUp) this.sync(owner, files, 'file', version);
    if (misplaced.length > 0 && !this.relocating) {
      this.relocating = true;
      // A store that refuses writes (a profile out of quota refuses even a role change) fails the round; the
      // copies stay as they were and the next round tries again.
      void this.relocate(misplaced.slice(0, RELOCATIONS_PER_ROUND))
        .catch((err: unknown) => ctx.log.debug('relocate-round-failed', { reason: errorMessage(err) }))
        .finally(() => (this.relocating = false));
    }
  }

  /** Tombstones kept TOMBSTONE_TTL_MS (shared/trust/order): after that the name is free again. */
  private async dropExpiredTombstones(): Promise<void> {
    const { ctx, local } = this.parts;
    const now = ctx.clock.now();
    for (const { meta } of local.all()) {
      const record = meta.signed?.record;
      if (record?.kind === 'delete' && tombstoneExpired(record, local.storedAt(meta.name) ?? now, now)) await local.remove(meta.name);
    }
  }

  /** Starts making `peer` hold `files` (in `role`), unless it was found to at `version` or a transfer to it is under way. */
  private sync(peer: Address, files: StoredFile[], role: Role, version: number): void {
    const { ctx, local } = this.parts;
    const key = `${role}:${peer}`;
    if (this.synced.get(key) === version || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    this.copies.ensureHeld(peer, files, role)
      .then(({ failure }) => {
        if (failure === undefined) this.synced.set(key, version);
        else ctx.log.debug('replica-sync-failed', { peer, role, reason: errorMessage(failure) });
      })
      .finally(() => {
        this.inFlight.delete(key);
        this.report(place(local.all(), ctx.routing, (name) => ctx.keyOf(name)).owned);
        // What we hold changed while we sent: look again now rather than at the next tick.
        if (local.version !== version) this.soon();
      });
  }

  /** Under-replication of the files we own, repairs and partial copies, into NodeStats. */
  private report(owned: readonly StoredFile[]): void {
    const { ctx, local } = this.parts;
    Object.assign(ctx.stats, this.copies.confirmed.underReplication(owned, ctx.routing.backupHolders(), ctx.config.r), {
      partialFiles: local.partials.count,
      repairsQueued: this.copies.queued,
    });
  }

  /** Files we should not own (a peer joined before us) or not hold at all: give them to their owner, then demote or drop. */
  private async relocate(files: StoredFile[]): Promise<void> {
    const { ctx, rpc } = this.parts;
    const byOwner = await this.owners(files);
    await Promise.all(
      [...byOwner].map(async ([owner, { replicas, files }]) => {
        // Only what the owner is known to hold is let go; the rest waits for the next round.
        const { held, failure } = await this.copies.ensureHeld(owner, files, 'file');
        if (failure !== undefined) ctx.log.debug('relocate-failed', { owner, files: files.length, reason: errorMessage(failure) });
        // A lookup answered from a view behind ours may still count us as a replica: two views disagree, so keep
        // the copy until they agree (a sybil's seed-3 run in sim-hostile dropped a third honest copy so).
        const droppable = replicas.slice(0, ctx.config.r).includes(ctx.address) ? new Set<StoredFile>() : await this.heldByBackups(owner, replicas, held);
        const dropped: StoredFile[] = [];
        for (const file of held) if (await this.letGo(file.meta.name, file.meta.root, droppable.has(file))) dropped.push(file);
        // Our view of the ring may be behind the owner's, which may count on us as a backup and have checked us
        // just before the drop: a digest now makes it check again (see forget) and push back what it wants here.
        if (dropped.length > 0) {
          const entries = dropped.slice(0, DIGEST_BATCH).map((f) => ({ name: f.meta.name, root: f.meta.root }));
          await rpc.request(owner, { type: 'digest', entries }, { suspect: false }).catch(() => undefined);
        }
      }),
    );
  }

  /**
   * Of `files`, held by their `owner`, those we would drop (we are no replica) that the owner's backups in
   * `replicas` hold too, or now do: the owner alone is one copy, and a crash of it before it makes the backups
   * would lose what we let go. Each of them, the owner first, must prove it holds them (files/proof): a copy
   * is never dropped on a peer's word alone.
   */
  private async heldByBackups(owner: Address, replicas: readonly Address[], files: StoredFile[]): Promise<Set<StoredFile>> {
    const { ctx } = this.parts;
    let confirmed = await this.proven(owner, files.filter((f) => ctx.routing.roleOf(ctx.keyOf(f.meta.name)) === 'none'));
    for (const backup of replicas.slice(1, ctx.config.r).filter((a) => a !== ctx.address && a !== owner)) {
      if (confirmed.length === 0) break;
      const { held } = await this.copies.ensureHeld(backup, confirmed, 'backup');
      confirmed = await this.proven(backup, confirmed.filter((f) => held.includes(f)));
    }
    return new Set(confirmed);
  }

  /** Those of `files` that `peer` proves it holds, one challenge per digest batch. */
  private async proven(peer: Address, files: StoredFile[]): Promise<StoredFile[]> {
    // One challenge to a peer at a time: each makes it read two chunks per file from its store, and a busy
    // tab that is asked them all at once answers none in time (churn runs: hundreds of 4 s timeouts).
    const proven: StoredFile[] = [];
    for (const batch of digestBatches(files)) proven.push(...(await this.proofs.proven(peer, batch)));
    return proven;
  }

  /**
   * The owners of `files` other than us with their replicas, one lookup per run of files that share an owner: in
   * key order, every key from a looked-up key up to its owner's has that owner too (no peer lies between them).
   */
  private async owners(files: StoredFile[]): Promise<Map<Address, { replicas: Address[]; files: StoredFile[] }>> {
    const { ctx, lookup } = this.parts;
    const { key: self, config } = ctx;
    const keyed = files
      .map((file) => {
        const key = ctx.keyOf(file.meta.name);
        return { file, key, from: distance(self, key, config.m) };
      })
      .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    const byOwner = new Map<Address, { replicas: Address[]; files: StoredFile[] }>();
    for (let i = 0; i < keyed.length; ) {
      const first = keyed[i]!.key;
      let owner: Address;
      let replicas: Address[];
      try {
        ({ owner, replicas } = await lookup.run(first));
      } catch (err) {
        ctx.log.debug('relocate-lookup-failed', { reason: errorMessage(err) });
        i++;
        continue;
      }
      const ownerKey = ctx.keyOf(owner);
      const run: StoredFile[] = [];
      while (i < keyed.length && (keyed[i]!.key === first || (ownerKey !== first && betweenRightIncl(keyed[i]!.key, first, ownerKey)))) run.push(keyed[i++]!.file);
      if (owner !== ctx.address) byOwner.set(owner, { replicas, files: [...(byOwner.get(owner)?.files ?? []), ...run] });
    }
    return byOwner;
  }

  /** Demotes a file the owner now holds to a backup, or drops it if we are no replica and `mayDrop`; true when dropped. */
  private async letGo(name: string, root: string, mayDrop: boolean): Promise<boolean> {
    const { ctx, local } = this.parts;
    if (!local.holds(name, root)) return false; // replaced meanwhile
    const role = ctx.routing.roleOf(ctx.keyOf(name));
    if (role === 'backup') await local.setRole(name, 'backup');
    if (role !== 'none' || !mayDrop) return false;
    await local.remove(name);
    this.gate.droppedCopy(root);
    return true;
  }
}
