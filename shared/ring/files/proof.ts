/**
 * Proof of holding. Before a node drops its copy of a file because others say they hold it, each of them must
 * answer a challenge: the digest of a fresh nonce followed by a few chunks chosen at random, which it cannot
 * compute without those bytes (a liar that answers a digest with "nothing missing" fails here:
 * ../shared/repro/sybil-delete.mts). The asker holds the bytes, so it checks the answer itself.
 */
import { PROOF_CHUNKS } from '../../constants';
import type { ProveItem } from '../../wire/peer';
import { errorMessage } from '../errors';
import { toHex } from '../id';
import type { Handlers } from '../inbound';
import type { Address, StoredFile } from '../types';
import type { FileParts } from './parts';

export class Proofs {
  constructor(private readonly parts: FileParts) {}

  handlers(): Pick<Handlers, 'prove'> {
    return {
      prove: async (_from, req) => ({ body: { type: 'proof', digest: await this.answer(req.nonce, req.items) } }),
    };
  }

  /**
   * Those of `files` that `peer` proves it holds: all of them, or none when its answer is wrong or missing
   * (one challenge covers them all, so a failure does not say which; they wait for the next round).
   */
  async proven(peer: Address, files: readonly StoredFile[]): Promise<StoredFile[]> {
    const { ctx, rpc } = this.parts;
    const withChunks = files.filter((f) => f.meta.chunks > 0);
    // A tombstone has no bytes to prove: its signed record is all there is, and that a liar can show too.
    if (withChunks.length === 0) return [...files];
    const nonce = toHex(Uint8Array.from({ length: 16 }, () => Math.floor(ctx.random() * 256)));
    const items = withChunks.map((f) => ({ root: f.meta.root, indexes: this.pick(f.meta.chunks) }));
    let reason = 'wrong digest';
    try {
      const [expected, { reply }] = await Promise.all([
        this.answer(nonce, items),
        rpc.request(peer, { type: 'prove', nonce, items }, { timeoutMs: rpc.transferRequestTimeout(), suspect: false }),
      ]);
      if (reply.digest === expected) return [...files];
    } catch (err) {
      // No proof is a failed proof.
      reason = errorMessage(err);
    }
    ctx.stats.failedProofs++;
    ctx.log.warn('proof-failed', { peer, files: files.length, reason });
    return [];
  }

  /** PROOF_CHUNKS distinct chunk indexes of a file of `chunks`, at random (all of them if fewer). */
  private pick(chunks: number): number[] {
    const picked = new Set<number>();
    while (picked.size < Math.min(PROOF_CHUNKS, chunks)) picked.add(Math.floor(this.parts.ctx.random() * chunks));
    return [...picked];
  }

  private async answer(nonce: string, items: readonly ProveItem[]): Promise<string> {
    const { ctx, local } = this.parts;
    const pieces: Uint8Array[] = [new TextEncoder().encode(nonce)];
    for (const { root, indexes } of items) for (const i of indexes) pieces.push(await local.chunk(root, i, 0));
    const all = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      all.set(p, at);
      at += p.length;
    }
    return toHex(await ctx.digest(all));
  }
}
