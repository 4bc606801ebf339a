/**
 * Keeps every file on its owner plus r - 1 backups as membership changes. Each node looks at what it holds
 * against its own view of the ring: it promotes backups of ranges it now owns, pushes what it owns to its
 * backups, and hands files it should no longer own (or hold at all) to their owner before letting go.
 * A copy is only dropped after the owner has said it holds that version, so at least one copy always exists.
 */
import { DIGEST_BATCH } from '../constants';
import { toWireMeta } from '../wire/peer';
import type { ChordNode } from './node';
import type { LocalFiles } from './local-files';
import type { Routing } from './routing';
import type { Address, Logger, Role, StoredFile } from './types';
import { errorMessage } from './errors';

/** Files relocated per round, so one round after a big membership change stays short. */
const RELOCATIONS_PER_ROUND = 64;
/** Offers sent to one peer at once. */
const PARALLEL_OFFERS = 4;

export class Replication {
  private round = 0;
  /** Our file-index version when each backup peer was last found to hold everything we own. */
  private readonly synced = new Map<Address, number>();
  /** Our file-index version when each owner was last found to hold everything we back up for it. */
  private readonly syncedUp = new Map<Address, number>();
  private running = false;
  private again = false;

  constructor(
    private readonly node: ChordNode,
    private readonly local: LocalFiles,
    private readonly routing: Routing,
    private readonly log: Logger,
  ) {}

  /**
   * A peer that sends us a digest is moving files about, maybe dropping copies we counted on:
   * check what it holds again at the next round.
   */
  forget(peer: Address): void {
    this.synced.delete(peer);
    this.syncedUp.delete(peer);
  }

  /** Runs a round now (or right after the current one): membership just changed. */
  soon(): void {
    void this.run();
  }

  async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.once();
      } while (this.again && this.node.joined);
    } catch (err) {
      this.log.debug('replication-round-failed', { reason: errorMessage(err) });
    } finally {
      this.running = false;
    }
  }

  private async once(): Promise<void> {
    if (!this.node.joined) return;
    if (++this.round % this.node.config.resyncRounds === 0) {
      this.synced.clear();
      this.syncedUp.clear();
    }
    const owned: StoredFile[] = [];
    const backedUp = new Map<Address, StoredFile[]>();
    const misplaced: StoredFile[] = [];
    for (const file of this.local.all()) {
      const resp = this.routing.responsibility(this.node.keyOf(file.meta.name));
      if (resp === 'owner') {
        await this.local.setRole(file.meta.name, 'file');
        owned.push(file);
      } else if ((resp === 'replica' && file.role === 'file') || resp === 'none') {
        misplaced.push(file);
      } else if (resp === 'replica') {
        const owner = this.routing.ownerBefore(this.node.keyOf(file.meta.name));
        if (owner !== undefined) backedUp.set(owner, [...(backedUp.get(owner) ?? []), file]);
      }
    }
    await this.pushBackups(owned);
    await this.checkOwners(backedUp);
    await this.relocate(misplaced.slice(0, RELOCATIONS_PER_ROUND));
  }

  /** The owner's part: its r - 1 successors must hold everything it owns. */
  private async pushBackups(owned: StoredFile[]): Promise<void> {
    const version = this.local.version;
    const backups = this.routing.successors.filter((a) => a !== this.node.address).slice(0, this.node.config.r - 1);
    await Promise.all(
      backups.map(async (peer) => {
        if (this.synced.get(peer) === version) return;
        try {
          await this.ensureHeld(peer, owned, 'backup');
          this.synced.set(peer, version);
        } catch (err) {
          this.log.debug('backup-push-failed', { peer, reason: errorMessage(err) });
        }
      }),
    );
  }

  /**
   * The backup's part: the owner must hold what we back up for it. After joins that raced, a new owner
   * can end up without a file that only its backups hold; this is what gives it back.
   */
  private async checkOwners(backedUp: Map<Address, StoredFile[]>): Promise<void> {
    const version = this.local.version;
    await Promise.all(
      [...backedUp].map(async ([owner, files]) => {
        if (this.syncedUp.get(owner) === version) return;
        try {
          await this.ensureHeld(owner, files, 'file');
          this.syncedUp.set(owner, version);
        } catch (err) {
          this.log.debug('owner-check-failed', { owner, reason: errorMessage(err) });
        }
      }),
    );
  }

  /** Files we should not own (a peer joined before us) or not hold at all: give them to their owner, then demote or drop. */
  private async relocate(files: StoredFile[]): Promise<void> {
    for (const file of files) {
      const { name } = file.meta;
      try {
        const { owner } = await this.node.lookup(this.node.keyOf(name));
        if (owner === this.node.address) continue;
        await this.ensureHeld(owner, [file], 'file');
        if (!this.local.holds(name, file.meta.root)) continue; // replaced meanwhile
        const resp = this.routing.responsibility(this.node.keyOf(name));
        if (resp === 'replica') await this.local.setRole(name, 'backup');
        else if (resp === 'none') await this.local.remove(name);
      } catch (err) {
        this.log.debug('relocate-failed', { name, reason: errorMessage(err) });
      }
    }
  }

  /** Makes `peer` hold these versions: it says which it lacks, and pulls each of those from us. `hint` is the role it takes them in if it cannot tell. */
  async ensureHeld(peer: Address, files: StoredFile[], hint: Role): Promise<void> {
    for (let i = 0; i < files.length; i += DIGEST_BATCH) {
      const batch = files.slice(i, i + DIGEST_BATCH);
      const entries = batch.map((f) => ({ name: f.meta.name, root: f.meta.root }));
      const { reply } = await this.node.call(peer, { type: 'digest', entries }, ['missing']);
      const missing = batch.filter((f) => reply.names.includes(f.meta.name));
      for (let j = 0; j < missing.length; j += PARALLEL_OFFERS) {
        await Promise.all(
          missing.slice(j, j + PARALLEL_OFFERS).map(({ meta }) =>
            this.node.call(peer, { type: 'offer', meta: toWireMeta(meta), role: hint, sources: [this.node.address], replicate: false }, ['stored'], {
              timeoutMs: this.node.transferTimeout(meta),
              suspect: false,
            }),
          ),
        );
      }
    }
  }
}
