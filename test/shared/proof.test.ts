/** Proof of holding: each file of a challenge is proven or not on its own, and only bytes held prove a file. */
import { describe, expect, it } from 'vitest';
import { LocalFiles } from '../../shared/ring/files/local-files';
import type { FileParts } from '../../shared/ring/files/parts';
import { Proofs } from '../../shared/ring/files/proof';
import type { FileMeta, StoredFile } from '../../shared/ring/types';
import { SimClock } from '../../shared/sim/clock';
import { syncDigest } from '../../shared/sim/digest';
import { MemoryStore } from '../../shared/sim/memory-store';
import { parseReply } from '../../shared/wire/peer';
import { PROOF_BACKOFF_MS } from '../../shared/constants';

const CHUNKS = 3;

function meta(name: string, root = name.padEnd(64, '0')): FileMeta {
  return { name, size: CHUNKS * 2, chunkSize: 2, chunks: CHUNKS, chunkHashes: Array.from({ length: CHUNKS }, () => '0'.repeat(64)), root };
}

/** A node's files and the Proofs over them; `answerer` is the peer its requests go to. */
function node(seed: number, answerer?: () => Proofs) {
  const clock = new SimClock();
  let requests = 0;
  const local = new LocalFiles(new MemoryStore(), clock, () => undefined);
  let state = seed;
  const stats = { failedProofs: 0 };
  const parts = {
    ctx: {
      random: () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31),
      stats,
      clock,
      log: { warn: () => undefined, debug: () => undefined, info: () => undefined },
      digest: syncDigest,
    },
    rpc: {
      transferRequestTimeout: () => 1000,
      // The reply crosses the wire: it is decoded as a real one would be.
      request: async (_peer: string, req: { type: 'prove'; nonce: string; items: Array<{ root: string; indexes: number[] }> }) => {
        requests++;
        if (!answerer) throw new Error('request prove timed out');
        const { body } = await answerer!().handlers().prove('asker', req);
        const reply = parseReply(body, ['proof']);
        if (!reply.ok) throw new Error(reply.reason);
        return { reply: reply.value };
      },
    },
    local,
  } as unknown as FileParts;
  return { local, stats, clock, requests: () => requests, proofs: new Proofs(parts) };
}

async function hold(local: LocalFiles, m: FileMeta, fill = 0): Promise<StoredFile> {
  await local.receive(m, () => 'backup', async (write) => {
    for (let i = 0; i < m.chunks; i++) await write(i, new Uint8Array([i, fill]));
  });
  return local.get(m.name)!;
}

describe('Proofs', () => {
  it('proves each file the peer holds, and not the one it lacks or holds other bytes of', async () => {
    const peer = node(1);
    const asker = node(2, () => peer.proofs);
    const files: StoredFile[] = [];
    for (const name of ['a', 'b', 'c', 'd']) files.push(await hold(asker.local, meta(name)));
    await hold(peer.local, meta('a'));
    await hold(peer.local, meta('b'), 9); // same root, other bytes: what a liar that kept no copy would have
    await hold(peer.local, meta('d'));
    const proven = await asker.proofs.proven('peer', files);
    expect(proven.map((f) => f.meta.name).sort()).toEqual(['a', 'd']);
    expect(asker.stats.failedProofs).toBe(2);
  });

  it('proves nothing when the peer holds nothing, and a tombstone needs no bytes', async () => {
    const peer = node(3);
    const asker = node(4, () => peer.proofs);
    const file = await hold(asker.local, meta('a'));
    const tombstone: StoredFile = { meta: { ...meta('gone'), size: 0, chunks: 0, chunkHashes: [] }, role: 'backup' };
    expect((await asker.proofs.proven('peer', [file, tombstone])).map((f) => f.meta.name)).toEqual(['gone']);
    expect(asker.stats.failedProofs).toBe(1);
  });

  it('does not ask a peer that left a challenge unanswered again until its back-off has passed, doubling each time', async () => {
    const asker = node(5);
    const file = await hold(asker.local, meta('a'));
    expect(await asker.proofs.proven('silent', [file])).toEqual([]);
    expect(await asker.proofs.proven('silent', [file])).toEqual([]);
    expect(asker.requests()).toBe(1);
    await asker.clock.runFor(PROOF_BACKOFF_MS[0]);
    await asker.proofs.proven('silent', [file]);
    expect(asker.requests()).toBe(2);
    await asker.clock.runFor(PROOF_BACKOFF_MS[0]);
    await asker.proofs.proven('silent', [file]);
    expect(asker.requests()).toBe(2); // the second failure doubled the wait
  });
});
