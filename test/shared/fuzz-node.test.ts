/**
 * A hostile peer sends 10,000 generated requests to the nodes of a simulated ring: malformed bodies, wrong
 * types, huge lists, chunk indexes out of range, lies about keys and roots, notifies and leaves from a peer
 * that is not in the ring. Each bad body is refused and counted; the ring stays correct and every file intact.
 */
import { describe, expect, it } from 'vitest';
import { syncDigest } from '../../shared/sim/digest';
import { Rng } from '../../shared/sim/rng';
import { Simulation } from '../../shared/sim/simulation';
import { copyEnvelope } from '../../shared/sim/wire-check';
import { sourceFromBytes } from '../../shared/transfer/source';
import { hostileRequest, refusedAtBoundary } from './fuzz-inputs';

const REQUESTS = 10_000;
const BATCH = 250;

/** Whether a body gets past the frame layer: the sim's network refuses what a data channel frame could not carry. */
function crossesWire(body: unknown): boolean {
  try {
    copyEnvelope({ body: body as never });
    return true;
  } catch {
    return false;
  }
}

describe('a ring under a hostile peer', () => {
  it('refuses and counts every malformed request, survives the lies, and keeps every file', async () => {
    const sim = new Simulation({ seed: 77, config: { chunkSize: 512 } });
    const peers = await sim.createRing(8);
    const files = Array.from({ length: 40 }, (_, i): [string, Uint8Array] => [`keep-${i}`, sim.rng.bytes(sim.rng.int(1, 3000))]);
    expect(await sim.putFiles(files)).toEqual([]);
    const real = await sourceFromBytes('keep-0', sim.files.get('keep-0')!.bytes, 512, syncDigest);

    const mallory = sim.network.transport('mallory');
    const rng = new Rng(5);
    const ctx = { addresses: peers.map((p) => p.address), meta: real.meta };
    const expectedDrops = new Map<string, number>();
    const outcomes = { replied: 0, refused: 0, notSent: 0, unanswered: 0 };
    for (let sent = 0; sent < REQUESTS; sent += BATCH) {
      const batch = Array.from({ length: BATCH }, async () => {
        const target = rng.pick(peers).address;
        const body = hostileRequest(rng, ctx);
        if (crossesWire(body) && refusedAtBoundary(body)) expectedDrops.set(target, (expectedDrops.get(target) ?? 0) + 1);
        try {
          await mallory.request(target, { body: body as never }, { timeoutMs: 30_000 });
          outcomes.replied++;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'timeout') outcomes.unanswered++;
          else if (crossesWire(body)) outcomes.refused++;
          else outcomes.notSent++;
        }
      });
      await sim.clock.drive(Promise.all(batch), 120_000);
    }
    // Every request that crossed the wire was answered, most of them with a refusal.
    expect(outcomes.unanswered).toBe(0);
    expect(outcomes.replied + outcomes.refused + outcomes.notSent).toBe(REQUESTS);
    expect(outcomes.refused).toBeGreaterThan(REQUESTS / 2);
    for (const peer of peers) expect(peer.node.stats.droppedMessages, peer.address).toBe(expectedDrops.get(peer.address) ?? 0);

    expect(await sim.converge(60_000, { placement: true })).toBe(true);
    expect(sim.checkRing().problems).toEqual([]);
    for (const { node } of peers) expect([node.successor, node.predecessor, ...node.successors, ...node.predecessors]).not.toContain('mallory');
    expect(await sim.checkGets()).toEqual({ checked: files.length, missing: [], corrupt: [], failed: [] });
    // And it still takes new files.
    expect(await sim.putFiles([['after-the-flood', sim.rng.bytes(2000)]])).toEqual([]);
    expect(await sim.checkGets(['after-the-flood'])).toMatchObject({ missing: [], corrupt: [], failed: [] });
  });
});
