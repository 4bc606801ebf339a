/**
 * Making a peer hold versions we hold: a digest says which it lacks, and each of those is sent through a repair
 * queue, riskiest first (see RepairQueue), backing off from a peer whose storage is full. What peers said they
 * hold is remembered (Confirmed): it orders the repairs and gives the under-replication counts.
 */
import { DIGEST_BATCH } from '../../constants';
import { RingError, errorCode } from '../errors';
import { inParallel } from '../parallel';
import { digestEntry } from '../records';
import type { Address, Role, StoredFile } from '../types';
import { Confirmed } from './confirmed';
import { DigestMemory } from './digest-memory';
import { inlineable } from './inline';
import type { FileParts } from './parts';
import { QuotaBackoff, RepairQueue } from './repair-queue';

/** Digest batches in flight to one peer at once. */
const PARALLEL_DIGESTS = 4;
/** Offers of small files (they ride inside the offer) in flight to one peer at once. */
const PARALLEL_INLINE_OFFERS = 16;
/** Offers of larger files (each pulls its chunks) in flight to one peer at once. */
const PARALLEL_OFFERS = 4;
/** Offers of small files in flight from this node at once, to all peers. */
const REPAIR_INLINE_CONCURRENCY = 32;
/**
 * Offers of larger files in flight from this node at once: each one's chunks are read from our store and
 * sent by us, so two peers' worth keeps the links busy without starting more than the node can serve.
 */
const REPAIR_CONCURRENCY = 2 * PARALLEL_OFFERS;
/** Offer refusals that mean the peer holds something that beats ours: not a failure to retry. */
const AHEAD: ReadonlySet<string> = new Set(['superseded', 'name-taken']);

/** What `ensureHeld` learnt: files `peer` holds exactly, files it holds something newer or another writer's of, and the first failure. */
export interface Outcome {
  held: StoredFile[];
  ahead: StoredFile[];
  failure?: unknown;
}

/** `files` in runs of DIGEST_BATCH, the most one digest or proof request names. */
export function digestBatches(files: StoredFile[]): StoredFile[][] {
  return Array.from({ length: Math.ceil(files.length / DIGEST_BATCH) }, (_, i) => files.slice(i * DIGEST_BATCH, (i + 1) * DIGEST_BATCH));
}

export class Copies {
  /** What peers said they hold of our files: repairs' risk, and the under-replication counts. */
  readonly confirmed = new Confirmed();
  /** Digests peers sent us: only one not sent before makes replication check its sender again. */
  readonly digestsSeen = new DigestMemory();
  /** Copies we make, riskiest first; small files, which ride in their offer, queue apart. */
  private readonly repairs = new RepairQueue(REPAIR_CONCURRENCY, PARALLEL_OFFERS);
  private readonly inlineRepairs = new RepairQueue(REPAIR_INLINE_CONCURRENCY, PARALLEL_INLINE_OFFERS);
  private readonly quotaBackoff: QuotaBackoff;

  constructor(private readonly parts: FileParts) {
    this.quotaBackoff = new QuotaBackoff(parts.ctx.clock);
  }

  /** Copies waiting or being made. */
  get queued(): number {
    return this.repairs.size + this.inlineRepairs.size;
  }

  /**
   * Makes `peer` hold these versions: it says which it lacks, and pulls each of those from us (small ones
   * ride in the offer). `hint` is the role it takes them in if it cannot tell. Resolves to the files `peer`
   * is now known to hold exactly, those it holds something that beats (a newer version, another writer's
   * record: those it pushes back itself), and the first failure if any file could not be asked about or sent.
   */
  async ensureHeld(peer: Address, files: StoredFile[], hint: Role): Promise<Outcome> {
    const { ctx, rpc, offers } = this.parts;
    const held: StoredFile[] = [];
    const ahead: StoredFile[] = [];
    const missing: StoredFile[] = [];
    let failure: unknown;
    const fail = (err: unknown) => (failure ??= err);
    await inParallel(
      digestBatches(files).map((batch) => async () => {
        const entries = batch.map((f) => digestEntry(f.meta));
        // Bulk requests, many in flight: failure detection is the heartbeats' job, not theirs.
        const { reply } = await rpc.request(peer, { type: 'digest', entries }, { suspect: false });
        for (const file of batch) {
          const lacks = reply.names.includes(file.meta.name);
          const isAhead = !lacks && reply.ahead?.includes(file.meta.name) === true;
          (lacks ? missing : isAhead ? ahead : held).push(file);
          if (lacks) this.confirmed.lacks(file.meta.root, peer);
          else if (!isAhead) this.confirmed.holds(file.meta.root, peer);
        }
      }),
      PARALLEL_DIGESTS,
    ).catch(fail);
    if (missing.length > 0) this.digestsSeen.clear(peer);
    const { confirmed, quotaBackoff } = this;
    const send = (file: StoredFile) =>
      (inlineable(file.meta) ? this.inlineRepairs : this.repairs)
        .add({
          peer,
          risk: () => confirmed.risk(file.meta.root),
          chunks: file.meta.chunks,
          run: () => offers.send(peer, file.meta, { role: hint, sources: [ctx.address], replicate: false, suspect: false }).then(() => undefined),
        })
        .then(
          () => {
            quotaBackoff.settled(peer, file.meta.root, undefined);
            confirmed.holds(file.meta.root, peer);
            held.push(file);
          },
          (err: unknown) => {
            quotaBackoff.settled(peer, file.meta.root, errorCode(err));
            return AHEAD.has(errorCode(err) ?? '') ? void ahead.push(file) : fail(err);
          },
        );
    const waiting = missing.filter((f) => quotaBackoff.waiting(peer, f.meta.root));
    if (waiting.length > 0) fail(new RingError('quota-exceeded', `${peer} had no room for ${waiting.length} files: backing off`));
    await Promise.all(missing.filter((f) => !waiting.includes(f)).map(send));
    return failure === undefined ? { held, ahead } : { held, ahead, failure };
  }
}
