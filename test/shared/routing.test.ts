/** A node's routing table on its own: successor and predecessor lists, fingers, suspicion, and which files it should hold. */
import { describe, expect, it } from 'vitest';
import { Routing } from '../../shared/ring/routing';
import type { Clock } from '../../shared/ring/types';

const M = 6; // keys 0..63
const R = 3;
const SUSPICION_MS = 1000;

/** Peer `pN` sits at key N, so a test reads its ring off the names. */
const keyOf = (address: string) => BigInt(address.slice(1));

function table(self = 'p10') {
  let now = 0;
  const clock: Clock = { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined };
  const routing = new Routing(self, keyOf(self), M, R, keyOf, clock, SUSPICION_MS);
  return { routing, advance: (ms: number) => (now += ms) };
}

describe('Routing', () => {
  it('starts alone: itself as successor and predecessor, every key its own', () => {
    const { routing } = table();
    expect(routing.alone).toBe(true);
    expect([routing.successor, routing.predecessor]).toEqual(['p10', 'p10']);
    expect(routing.roleOf(40n)).toBe('file');
    expect(routing.backupHolders()).toEqual([]);
  });

  it('keeps a successor list of distinct peers, without itself, at most r long', () => {
    const { routing } = table();
    routing.setSuccessors('p20', ['p30', 'p20', 'p40', 'p50']);
    expect(routing.successors).toEqual(['p20', 'p30', 'p40']);
    expect(routing.backupHolders()).toEqual(['p20', 'p30']);
    // The list stops where it comes back round to us.
    routing.setSuccessors('p20', ['p10', 'p30']);
    expect(routing.successors).toEqual(['p20']);
    routing.setSuccessors('p10', []);
    expect(routing.successors).toEqual(['p10']);
    expect(routing.alone).toBe(true);
  });

  it('marks a predecessor list that went round the whole ring as wrapped', () => {
    const { routing } = table();
    routing.setPredecessors('p5', ['p60', 'p50', 'p40']);
    expect([routing.predecessors, routing.predecessorsWrapped]).toEqual([['p5', 'p60', 'p50'], false]);
    routing.setPredecessors('p5', ['p60', 'p10', 'p50']);
    expect([routing.predecessors, routing.predecessorsWrapped]).toEqual([['p5', 'p60'], true]);
  });

  it("tells a key's role: file in (predecessor, self], backup in the r - 1 ranges before, none beyond", () => {
    const { routing } = table();
    routing.setSuccessors('p20', ['p30']);
    routing.predecessor = null;
    expect(routing.roleOf(8n)).toBe('unknown');
    routing.predecessor = 'p5';
    routing.setPredecessors('p5', []);
    expect(routing.roleOf(8n)).toBe('file');
    expect(routing.roleOf(10n)).toBe('file');
    // Not enough predecessors known to tell the backup ranges.
    expect(routing.roleOf(3n)).toBe('unknown');
    routing.setPredecessors('p5', ['p60', 'p50']);
    expect(routing.roleOf(3n)).toBe('backup'); // (60, 5]: p5's range
    expect(routing.roleOf(55n)).toBe('backup'); // (50, 60]: p60's range
    expect(routing.roleOf(45n)).toBe('none');
    expect(routing.roleOf(11n)).toBe('none');
    expect([routing.ownerBefore(3n), routing.ownerBefore(55n), routing.ownerBefore(45n)]).toEqual(['p5', 'p60', undefined]);
    // In a ring of fewer than r + 1 peers every peer holds every file.
    routing.setPredecessors('p5', ['p60', 'p10']);
    expect(routing.roleOf(45n)).toBe('backup');
  });

  it('names the known peers closest before a key as next hops, skipping suspected and excluded ones', () => {
    const { routing } = table();
    routing.setSuccessors('p12', ['p14', 'p16']);
    routing.fingers[3] = 'p20';
    routing.fingers[4] = 'p30';
    routing.fingers[5] = 'p45';
    expect(routing.preceding(40n, 3)).toEqual(['p30', 'p20', 'p16']);
    expect(routing.preceding(40n, 2, new Set(['p30']))).toEqual(['p20', 'p16']);
    expect(routing.preceding(11n, 3)).toEqual([]); // nobody between us and the key
    expect(routing.ownsNext(11n)).toBe(true);
    expect(routing.ownsNext(13n)).toBe(false);
    routing.suspect('p30', true);
    expect(routing.preceding(40n, 1)).toEqual(['p20']);
  });

  it('suspects a peer after two failures in a row (one if certain), forgets fingers to it, and trusts it again when it speaks', () => {
    const { routing, advance } = table();
    routing.fingers[2] = 'p30';
    routing.suspect('p30');
    expect(routing.isSuspected('p30')).toBe(false);
    routing.heardFrom('p30');
    routing.suspect('p30');
    expect(routing.isSuspected('p30')).toBe(false); // the failures were not in a row
    routing.suspect('p30');
    expect(routing.isSuspected('p30')).toBe(true);
    expect(routing.fingers[2]).toBeNull();
    advance(SUSPICION_MS + 1);
    expect(routing.isSuspected('p30')).toBe(false);
    routing.suspect('p40', true);
    expect(routing.isSuspected('p40')).toBe(true);
    routing.heardFrom('p40');
    expect(routing.isSuspected('p40')).toBe(false);
    routing.suspect('p10', true);
    expect(routing.isSuspected('p10')).toBe(false); // never itself
  });

  it('remembers suspected peers, at most 64, and hands each out once', () => {
    const { routing } = table();
    routing.suspect('p30', true);
    expect(routing.takeRemembered(() => 0)).toBe('p30');
    expect(routing.takeRemembered(() => 0)).toBeUndefined();
    for (let i = 0; i < 70; i++) routing.remember(`q${100 + i}`);
    const taken = new Set<string>();
    for (let peer = routing.takeRemembered(() => 0); peer !== undefined; peer = routing.takeRemembered(() => 0)) taken.add(peer);
    expect(taken.size).toBe(64);
    expect(taken.has('q100')).toBe(false); // the oldest went first
  });

  it('orders peers clockwise from itself, the predecessor last, and lists every peer it knows once', () => {
    const { routing } = table();
    routing.setSuccessors('p20', ['p30']);
    routing.predecessor = 'p5';
    routing.setPredecessors('p5', ['p60']);
    routing.fingers[5] = 'p45';
    expect(routing.clockwise(['p5', 'p45', 'p20', 'p10', 'p20'])).toEqual(['p20', 'p45', 'p5']);
    expect(routing.known().sort()).toEqual(['p20', 'p30', 'p45', 'p5', 'p60']);
    routing.reset();
    expect([routing.successors, routing.predecessor, routing.predecessors, routing.known()]).toEqual([['p10'], 'p10', [], []]);
    expect(routing.fingers.every((f) => f === null)).toBe(true);
  });
});
