import { describe, expect, it } from 'vitest';
import { DEFAULT_M } from '../../shared/constants';
import { hashKey } from '../../shared/ring/id';
import { Simulation } from '../../shared/sim/simulation';
import { joinedCorrectly } from '../../bench/join';
import { fingerAccuracy, hopBound } from '../../bench/lookup';
import { transferRoles } from '../../bench/page-files';
import { expectedRing, type PeerState } from '../../test/e2e/ring';

/** Peers named a, b, c, ... with their real keys and pointers that form the right ring. */
function ring(count: number): PeerState[] {
  const peers = Array.from({ length: count }, (_, i): PeerState => {
    const host = String.fromCharCode(97 + i);
    return { host, key: String(hashKey(host, DEFAULT_M)), successor: '', predecessor: '', joined: true, files: [], backUpFiles: [] };
  });
  const sorted = expectedRing(peers);
  sorted.forEach((p, i) => {
    p.successor = sorted[(i + 1) % count]!.host;
    p.predecessor = sorted[(i - 1 + count) % count]!.host;
  });
  return peers;
}

describe('lookup section helpers', () => {
  it('bounds mean hops by ½·log2 N + 1', () => {
    expect(hopBound(64)).toBe(4);
    expect(hopBound(4096)).toBe(7);
  });

  it('scores finger tables against the true successors of their starts', async () => {
    const sim = new Simulation({ seed: 3, m: 16 });
    await sim.createRing(12);
    await sim.stabilize(5000);
    expect(fingerAccuracy(sim)).toBe(1);
    const node = sim.live()[0]!.node;
    const i = node.routing.fingers.findIndex((f) => f !== null);
    const right = node.routing.fingers[i];
    node.routing.fingers[i] = sim.live().find((p) => p.address !== right && p.address !== node.address)!.address;
    // One finger of 12 peers × 16 is wrong now.
    expect(fingerAccuracy(sim)).toBeCloseTo(1 - 1 / (12 * 16), 10);
    node.routing.fingers[i] = null;
    expect(fingerAccuracy(sim)).toBeCloseTo(1 - 1 / (12 * 16), 10);
  });
});

describe('browser section helpers', () => {
  it('puts and gets between two tabs that hold no copy of the file', () => {
    const peers = ring(5);
    for (const name of ['a.bin', 'bench-transfer-0.bin', 'x']) {
      const { putter, getter, holders } = transferRoles(peers, name);
      expect(holders).toHaveLength(3);
      expect(holders).not.toContain(putter);
      expect(holders).not.toContain(getter);
      expect(putter).not.toBe(getter);
      // The owner is the first peer at or after the name's key.
      const sorted = expectedRing(peers);
      const key = hashKey(name, DEFAULT_M);
      expect(holders[0]).toBe((sorted.find((p) => BigInt(p.key) >= key) ?? sorted[0]!).host);
    }
    expect(() => transferRoles(ring(4), 'a.bin')).toThrow(/needs two tabs besides the 3 holders/);
  });

  it('counts a joiner in only once it is joined with the neighbours the keys give it', () => {
    const peers = ring(6);
    const joiner = peers.pop()!;
    const others = peers;
    expect(joinedCorrectly(joiner, others)).toBe(true);
    expect(joinedCorrectly({ ...joiner, joined: false }, others)).toBe(false);
    expect(joinedCorrectly({ ...joiner, successor: joiner.predecessor, predecessor: joiner.successor }, others)).toBe(false);
    expect(joinedCorrectly({ ...joiner, host: '' }, others)).toBe(false);
  });
});
