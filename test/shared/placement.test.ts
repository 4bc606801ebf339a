/** Replication's decisions: which held files a node owns, backs up for whom, or should hand on. */
import { describe, expect, it } from 'vitest';
import { place } from '../../shared/ring/files/placement';
import { Routing } from '../../shared/ring/routing';
import type { Clock, Role, StoredFile } from '../../shared/ring/types';

/** Peer `pN` sits at key N and file `fN` at key N (a 64-key ring, r = 3). */
const keyOf = (text: string) => BigInt(text.slice(1));
const clock: Clock = { now: () => 0, setTimeout: () => undefined, clearTimeout: () => undefined };

function file(name: string, role: Role): StoredFile {
  return { meta: { name, size: 0, chunkSize: 1, chunks: 0, chunkHashes: [], root: name.padEnd(64, '0') }, role };
}

const names = (files: StoredFile[]) => files.map((f) => f.meta.name);

/** p10, with predecessors p5, p60, p50 and successors p20, p30. */
function p10(): Routing {
  const routing = new Routing('p10', 10n, 6, 3, keyOf, clock, 1000);
  routing.setSuccessors('p20', ['p30']);
  routing.predecessor = 'p5';
  routing.setPredecessors('p5', ['p60', 'p50']);
  return routing;
}

describe('place', () => {
  it('sorts held files into owned, backed up by owner, and misplaced', () => {
    const held = [
      file('f8', 'file'), // ours
      file('f7', 'backup'), // ours now (our predecessor left): to promote
      file('f3', 'backup'), // p5's, we back it up
      file('f55', 'backup'), // p60's
      file('f58', 'backup'), // p60's too
      file('f2', 'file'), // p5 owns it now: hand it over, keep a backup
      file('f40', 'backup'), // beyond our backup ranges: hand it over, then drop it
      file('f11', 'file'), // p20's, not ours at all
    ];
    const { owned, backedUp, misplaced } = place(held, p10(), keyOf);
    expect(names(owned)).toEqual(['f8', 'f7']);
    expect([...backedUp].map(([owner, files]) => [owner, names(files)])).toEqual([
      ['p5', ['f3']],
      ['p60', ['f55', 'f58']],
    ]);
    expect(names(misplaced)).toEqual(['f2', 'f40', 'f11']);
  });

  it('leaves a file alone while the ring around it is not known yet', () => {
    const routing = p10();
    routing.setPredecessors('p5', []); // the rest of the predecessor list not learnt yet
    const { owned, backedUp, misplaced } = place([file('f8', 'file'), file('f40', 'backup')], routing, keyOf);
    expect(names(owned)).toEqual(['f8']);
    expect([backedUp.size, misplaced.length]).toEqual([0, 0]);
  });

  it('owns every file when alone', () => {
    const routing = new Routing('p10', 10n, 6, 3, keyOf, clock, 1000);
    const { owned, misplaced } = place([file('f40', 'backup'), file('f3', 'file')], routing, keyOf);
    expect([names(owned), misplaced]).toEqual([['f40', 'f3'], []]);
  });
});
