/**
 * What a correct ring looks like, computed from outside: the live peers sorted by key give every key's
 * true owner and replica set, against which each node's pointers and files are judged.
 */
import type { ChordNode } from '../ring/node';
import type { Address } from '../ring/types';

export interface LivePeer {
  address: Address;
  key: bigint;
  node: ChordNode;
}

/** Problems listed in a report, at most; the counts are always complete. */
const MAX_LISTED = 20;

export class RingView {
  /** Sorted by key. */
  readonly peers: readonly LivePeer[];

  constructor(peers: Iterable<LivePeer>) {
    this.peers = [...peers].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Index of the first peer at or after `key`, going round past the top. */
  successorIndex(key: bigint): number {
    let lo = 0;
    let hi = this.peers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.peers[mid] as LivePeer).key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.peers.length ? 0 : lo;
  }

  ownerOf(key: bigint): LivePeer {
    if (this.peers.length === 0) throw new Error('no live peer');
    return this.peers[this.successorIndex(key)] as LivePeer;
  }

  /** The owner and the peers after it: min(r, N) distinct peers. */
  replicasOf(key: bigint, r: number): LivePeer[] {
    const start = this.successorIndex(key);
    const count = Math.min(r, this.peers.length);
    return Array.from({ length: count }, (_, i) => this.peers[(start + i) % this.peers.length] as LivePeer);
  }

  at(index: number): LivePeer {
    const n = this.peers.length;
    return this.peers[((index % n) + n) % n] as LivePeer;
  }
}

export interface RingReport {
  /** Successor and predecessor pointers of the live peers form one cycle in key order. */
  consistent: boolean;
  wrongSuccessors: number;
  wrongPredecessors: number;
  /** Peers whose successor list is not the next min(r, N - 1) live peers. */
  wrongSuccessorLists: number;
  problems: string[];
}

export function checkRing(view: RingView, r: number): RingReport {
  const report: RingReport = { consistent: true, wrongSuccessors: 0, wrongPredecessors: 0, wrongSuccessorLists: 0, problems: [] };
  const note = (problem: string): void => {
    if (report.problems.length < MAX_LISTED) report.problems.push(problem);
  };
  const n = view.peers.length;
  view.peers.forEach((peer, i) => {
    const next = view.at(i + 1).address;
    const prev = view.at(i - 1).address;
    const { node } = peer;
    if (node.successor !== next) {
      report.wrongSuccessors++;
      note(`${peer.address}: successor ${node.successor}, should be ${next}`);
    }
    if (node.predecessor !== prev) {
      report.wrongPredecessors++;
      note(`${peer.address}: predecessor ${node.predecessor}, should be ${prev}`);
    }
    const expected = Array.from({ length: Math.min(r, n - 1) }, (_, k) => view.at(i + 1 + k).address);
    const actual = n === 1 ? [] : node.successors;
    if (actual.join() !== expected.join()) {
      report.wrongSuccessorLists++;
      note(`${peer.address}: successors [${actual.join()}], should be [${expected.join()}]`);
    }
  });
  report.consistent = report.wrongSuccessors === 0 && report.wrongPredecessors === 0;
  return report;
}

export interface ExpectedFile {
  key: bigint;
  root: string;
}

export interface PlacementReport {
  files: number;
  /** No live peer holds this version. */
  lost: string[];
  /** Fewer than min(r, N) of the peers that should hold it do. */
  underReplicated: string[];
  /** Files only one live peer holds (in the version put), and only two: the ones a crash or two would lose. */
  atOneCopy: number;
  atTwoCopies: number;
  /** Held other than exactly as the owner's file plus the next peers' backups (wrong role, extra or stale copy). */
  misplaced: string[];
  ok: boolean;
}

/** One file a peer holds: its name, the version (root) and the role it holds it in. */
export interface Holding {
  name: string;
  root: string | undefined;
  role: 'owners' | 'backups';
}

/** What a node holds, read through its public accessors. */
export function holdingsOf(node: ChordNode): Holding[] {
  const out: Holding[] = [];
  for (const [names, role] of [
    [node.files, 'owners'],
    [node.backUpFiles, 'backups'],
  ] as const) {
    for (const name of names) out.push({ name, root: node.stored(name)?.root, role });
  }
  return out;
}

/**
 * Judges every expected file's copies against the view. `holdings` reads what a peer holds; the simulation
 * passes a cache, since reading 2,048 nodes' sorted name lists was most of a check's 0.9 s at 20,000 files.
 */
export function checkPlacement(
  view: RingView,
  files: ReadonlyMap<string, ExpectedFile>,
  r: number,
  holdings: (peer: LivePeer) => readonly Holding[] = (peer) => holdingsOf(peer.node),
): PlacementReport {
  // Per file: the peers holding its current version as owner and as backup (a handful each), and whether any copy is stale.
  const holders = new Map<string, { owners: Address[]; backups: Address[]; stale: boolean }>();
  for (const peer of view.peers) {
    for (const { name, root, role } of holdings(peer)) {
      const expected = files.get(name);
      if (!expected) continue;
      let h = holders.get(name);
      if (!h) holders.set(name, (h = { owners: [], backups: [], stale: false }));
      if (root === expected.root) h[role].push(peer.address);
      else h.stale = true;
    }
  }
  const report: PlacementReport = { files: files.size, lost: [], underReplicated: [], atOneCopy: 0, atTwoCopies: 0, misplaced: [], ok: true };
  const n = view.peers.length;
  const count = Math.min(r, n);
  for (const [name, { key }] of files) {
    const h = holders.get(name);
    if (!h || h.owners.length + h.backups.length === 0) {
      report.lost.push(name);
      continue;
    }
    const copies = h.owners.length + h.backups.length;
    if (copies === 1) report.atOneCopy++;
    if (copies === 2) report.atTwoCopies++;
    // The replicas are the `count` peers from the key's successor on; a peer holds at most one copy of a name.
    const start = view.successorIndex(key);
    let covered = 0;
    let backupsRight = 0;
    for (let k = 0; k < count; k++) {
      const address = (view.peers[(start + k) % n] as LivePeer).address;
      const asOwner = h.owners.includes(address);
      const asBackup = h.backups.includes(address);
      if (asOwner || asBackup) covered++;
      if (k > 0 && asBackup) backupsRight++;
    }
    if (covered < count) report.underReplicated.push(name);
    const owner = view.peers[start]?.address;
    const exact = !h.stale && h.owners.length === 1 && h.owners[0] === owner && h.backups.length === count - 1 && backupsRight === count - 1;
    if (!exact) report.misplaced.push(name);
  }
  report.ok = report.lost.length === 0 && report.underReplicated.length === 0 && report.misplaced.length === 0;
  return report;
}

/** Mean and the 99th percentile (nearest rank) of a sample. */
export function summarize(values: readonly number[]): { mean: number; p99: number; max: number } {
  if (values.length === 0) return { mean: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] as number;
  return { mean, p99, max: sorted[sorted.length - 1] as number };
}
