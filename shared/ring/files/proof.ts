/**
 * Proof of holding. Before a node drops its copy of a file because others say they hold it, each of them must
 * answer a challenge: per file, the digest of a fresh nonce followed by a few chunks chosen at random, which it
 * cannot compute without those bytes (a liar that answers a digest with "nothing missing" fails here:
 * ../shared/repro/sybil-delete.mts). The asker holds the bytes, so it checks each answer itself.
 *
 * Each file is answered on its own: one challenge covering a whole batch failed for all of it when the peer
 * lacked one file (it had just been replaced, or was still arriving), and the same batch was asked again every
 * round, so none of its copies was ever let go (the churn run's placement never settled: 302 failed proofs).
 */
import { PROOF_BACKOFF_MS, PROOF_CHUNKS } from '../../constants';
import type { ProveItem } from '../../wire/peer';
import { errorMessage } from '../errors';
import { toHex } from '../id';
import type { Handlers } from '../inbound';
import { bounded } from '../limits';
import type { Address, StoredFile } from '../types';
import type { FileParts } from './parts';

/** Peers whose failed challenges we remember for backing off. */
const PROOF_BACKOFF_PEERS = 1024;

export class Proofs {
  /** Peers whose last challenge went unanswered: asked again only after this time, doubling each failure. */
  private readonly backoff = new Map<Address, { until: number; failures: number }>();

  constructor(private readonly parts: FileParts) {}

  handlers(): Pick<Handlers, 'prove'> {
    return {
      prove: async (_from, req) => ({
        body: { type: 'proof', digests: await Promise.all(req.items.map((item) => this.answer(req.nonce, item).catch(() => null))) },
      }),
    };
  }

  /** Those of `files` (at most DIGEST_BATCH) that `peer` proves it holds; a wrong or missing answer proves nothing. */
  async proven(peer: Address, files: readonly StoredFile[]): Promise<StoredFile[]> {
    const { ctx, rpc } = this.parts;
    // A tombstone has no bytes to prove: its signed record is all there is, and that a liar can show too.
    const withChunks = files.filter((f) => f.meta.chunks > 0);
    const proven = files.filter((f) => f.meta.chunks === 0);
    if (withChunks.length === 0) return proven;
    // A peer too busy to answer is not asked again each round: the retries were most of its load (a copy is
    // only kept a little longer meanwhile).
    const waiting = this.backoff.get(peer);
    if (waiting && waiting.until > ctx.clock.now()) return proven;
    const nonce = toHex(Uint8Array.from({ length: 16 }, () => Math.floor(ctx.random() * 256)));
    const items = withChunks.map((f) => ({ root: f.meta.root, indexes: this.pick(f.meta.chunks) }));
    let failure: string | undefined;
    let notHeld = 0;
    try {
      const [expected, { reply }] = await Promise.all([
        // A file of ours replaced or dropped meanwhile has no answer here: it is simply not proven.
        Promise.all(items.map((item) => this.answer(nonce, item).catch(() => undefined))),
        rpc.request(peer, { type: 'prove', nonce, items }, { timeoutMs: rpc.transferRequestTimeout(), suspect: false }),
      ]);
      withChunks.forEach((file, i) => {
        if (expected[i] !== undefined && reply.digests[i] === expected[i]) proven.push(file);
        else if (reply.digests[i] === null) notHeld++;
      });
      this.backoff.delete(peer);
    } catch (err) {
      failure = errorMessage(err);
      const failures = (waiting?.failures ?? 0) + 1;
      const until = ctx.clock.now() + Math.min(PROOF_BACKOFF_MS[1], PROOF_BACKOFF_MS[0] * 2 ** (failures - 1));
      bounded(this.backoff, peer, { failures, until }, PROOF_BACKOFF_PEERS);
    }
    const failed = files.length - proven.length;
    if (failed > 0) {
      ctx.stats.failedProofs += failed;
      // A holder that says it has no copy (yet: one is often still arriving) is the normal case during a hand-over,
      // and was 30 warnings in one link-faults run; a wrong digest or no answer is worth a warning.
      const wrong = failed - notHeld;
      const fields = { peer, files: failed, of: files.length, notHeld, reason: failure ?? (wrong > 0 ? 'wrong digest' : 'not held') };
      if (failure === undefined && wrong === 0) ctx.log.debug('proof-failed', fields);
      else ctx.log.warn('proof-failed', fields);
    }
    return proven;
  }

  /** PROOF_CHUNKS distinct chunk indexes of a file of `chunks`, at random (all of them if fewer). */
  private pick(chunks: number): number[] {
    const picked = new Set<number>();
    while (picked.size < Math.min(PROOF_CHUNKS, chunks)) picked.add(Math.floor(this.parts.ctx.random() * chunks));
    return [...picked];
  }

  /** The digest of `nonce`, the root and the chunks `item` names, read from what we hold (throws when we do not). */
  private async answer(nonce: string, item: ProveItem): Promise<string> {
    const { ctx, local } = this.parts;
    const pieces = [new TextEncoder().encode(`${nonce}:${item.root}`), ...(await Promise.all(item.indexes.map((i) => local.chunk(item.root, i, 0))))];
    const all = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      all.set(p, at);
      at += p.length;
    }
    return toHex(await ctx.digest(all));
  }
}
