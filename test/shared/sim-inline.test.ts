/** Small files ride inside their offer: one round trip per copy, checked against the root like any chunk. */
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, INLINE_FILE_BYTES } from '../../shared/constants';
import { syncDigest } from '../../shared/sim/digest';
import { Simulation } from '../../shared/sim/simulation';
import { toWireMeta } from '../../shared/wire/file-meta';
import { sourceFromBytes } from '../../shared/transfer/source';

/** Counts the requests crossing the simulated network by type, and whether they carried data. */
function countRequests(sim: Simulation): Map<string, number> {
  const counts = new Map<string, number>();
  const send = sim.network.send.bind(sim.network);
  sim.network.send = (from, to, msg, opts) => {
    const type = `${(msg.body as { type: string }).type}${msg.data ? '+data' : ''}`;
    counts.set(type, (counts.get(type) ?? 0) + 1);
    return send(from, to, msg, opts);
  };
  return counts;
}

describe('inline offers', () => {
  it('a file up to INLINE_FILE_BYTES is stored and read without a chunk or hashes request; a larger one is pulled', async () => {
    const sim = new Simulation({ seed: 91, r: 3 });
    await sim.createRing(8);
    const counts = countRequests(sim);
    await sim.putFile('small', sim.rng.bytes(INLINE_FILE_BYTES));
    // The put resolves once the owner holds the file; its backups follow.
    expect(await sim.converge(10_000, { placement: true })).toBe(true);
    expect(counts.get('offer+data')).toBe(3);
    expect([counts.get('chunk'), counts.get('hashes'), counts.get('offer')]).toEqual([undefined, undefined, undefined]);

    counts.clear();
    await sim.putFile('large', sim.rng.bytes(INLINE_FILE_BYTES + 1));
    expect(await sim.converge(10_000, { placement: true })).toBe(true);
    expect(counts.get('offer+data')).toBeUndefined();
    expect(counts.get('offer')).toBe(3);
    expect(counts.get('chunk')).toBeGreaterThanOrEqual(3);

    expect(await sim.converge(10_000, { placement: true })).toBe(true);
    expect(await sim.checkGets()).toEqual({ checked: 2, missing: [], corrupt: [], failed: [] });

    // A get of the small file: its bytes come with the meta reply.
    const reader = sim.live().find((p) => !sim.holders('small').some((h) => h.address === p.address))!;
    counts.clear();
    expect(await sim.getFile('small', reader.address)).toEqual(sim.files.get('small')!.bytes);
    expect([counts.get('chunk'), counts.get('hashes')]).toEqual([undefined, undefined]);
  });

  it('re-replicates small files after a crash with inline offers only', async () => {
    const sim = new Simulation({ seed: 92, r: 3 });
    await sim.createRing(12);
    expect(await sim.putFiles(Array.from({ length: 200 }, (_, i): [string, Uint8Array] => [`f-${i}`, sim.rng.bytes(sim.rng.int(1, 4096))]))).toEqual([]);
    expect(await sim.converge(10_000, { placement: true })).toBe(true);
    const counts = countRequests(sim);
    sim.crash(sim.view().at(0).address);
    expect(await sim.converge(30_000, { placement: true })).toBe(true);
    expect(counts.get('offer+data')).toBeGreaterThan(0);
    expect([counts.get('chunk'), counts.get('hashes')]).toEqual([undefined, undefined]);
    expect((await sim.checkGets()).missing).toEqual([]);
  });

  it('refuses inline data that does not hash to the offered root, or is not the whole file, and stores nothing', async () => {
    const sim = new Simulation({ seed: 93 });
    const [peer] = await sim.createRing(3);
    const mallory = sim.network.transport('mallory');
    const bytes = sim.rng.bytes(1000);
    const { meta } = await sourceFromBytes('forged', bytes, CHUNK_SIZE, syncDigest);
    const offer = (data: Uint8Array) =>
      sim.clock.drive(
        mallory
          .request(peer!.address, { body: { type: 'offer', meta: toWireMeta(meta), role: 'file', sources: ['mallory'], replicate: false }, data }, { timeoutMs: 5000 })
          .then(
            () => 'stored',
            (err: Error) => err.message,
          ),
        10_000,
      );
    const tampered = bytes.slice();
    tampered[0]! ^= 1;
    expect(await offer(tampered)).toMatch(/inline data of forged does not match its root/);
    expect(await offer(bytes.subarray(1))).toMatch(/inline data of forged has 999 bytes/);
    expect(sim.holders('forged')).toEqual([]);
  });
});
