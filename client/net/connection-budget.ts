/**
 * How many peer connections a tab keeps open, and which to close when it has more. Chromium refuses new
 * RTCPeerConnections after about 500 in a page's lifetime, so a tab reuses a bounded set of links for its
 * successors, predecessors, fingers and transfers rather than one per peer it ever talks to.
 *
 * Budget: 2·ceil(log2 N) + r, within [MIN_LINK_BUDGET, MAX_LINK_BUDGET]: about log2 N fingers, the successor and
 * predecessor lists, and room for lookups and transfers in flight. N is estimated from the spacing of the peers
 * around us (successor and predecessor lists), and is never below the number of peers we know or are linked to
 * (in a small ring the spacing of six peers is a poor guide; the peers we talk to are a sure lower bound).
 */
import { ringSize, distance } from '../../shared/ring/id';
import type { Address } from '../../shared/ring/types';

/** Enough for r = 3 successors and predecessors plus two links in use, however small the ring looks. */
export const MIN_LINK_BUDGET = 8;
/** Far below Chromium's ~500 connections per page, and as many as a ring of 2^30 peers would want. */
export const MAX_LINK_BUDGET = 64;
/** A link used this recently is not closed: its first request may not have arrived yet. */
export const LINK_IDLE_MS = 500;

/** What the ring tells the transport about its links; the transport only reads it. */
export interface LinkPolicy {
  /** Most open links wanted now. */
  budget(): number;
  /** Never closed for the budget: the successor and predecessor lists. */
  neighbours(): ReadonlySet<Address>;
  /** Kept over other links: the finger table. */
  fingers(): ReadonlySet<Address>;
  /** Our node is in a ring, so its links follow the ring and a signal routed over them by key arrives. */
  inRing(): boolean;
}

export interface RingView {
  m: number;
  selfKey: bigint;
  /** Keys of the successor list, nearest first. */
  successorKeys: bigint[];
  /** Keys of the predecessor list, nearest first. */
  predecessorKeys: bigint[];
  /** The predecessor list went round the ring: it holds every other peer. */
  wrapped: boolean;
  /** Distinct peers known (successors, predecessors, fingers, open links), not counting us. */
  known: number;
}

/**
 * Peers in the ring, from the arc our successor and predecessor lists span: gaps / (arc / ring size). The arc
 * runs from the predecessor farthest behind us to the successor farthest ahead, not from the lists' last entries:
 * a list copied from a neighbour mid-change may be out of order or hold a peer on our other side, and its last
 * entry then spans a fraction of the arc, so six gaps read as a ring of hundreds (a CI run's tab in a ring of
 * 12 budgeted for over 64 peers). Measured this way a wrong entry can only widen the arc: the estimate falls, to
 * no less than the peers we know.
 */
export function estimateRingSize(view: RingView): number {
  if (view.wrapped) return view.predecessorKeys.length + 1;
  const farthest = (distances: bigint[]) => distances.reduce((a, b) => (b > a ? b : a), 0n);
  const behind = farthest(view.predecessorKeys.map((key) => distance(key, view.selfKey, view.m)));
  const ahead = farthest(view.successorKeys.map((key) => distance(view.selfKey, key, view.m)));
  const gaps = view.predecessorKeys.length + view.successorKeys.length;
  const arc = behind + ahead;
  const spaced = gaps === 0 || arc === 0n ? 1 : Number((ringSize(view.m) * BigInt(gaps)) / arc);
  return Math.max(view.known + 1, spaced);
}

export function linkBudget(ringPeers: number, r: number): number {
  const wanted = 2 * Math.ceil(Math.log2(Math.max(2, ringPeers))) + r;
  return Math.min(MAX_LINK_BUDGET, Math.max(MIN_LINK_BUDGET, wanted));
}

export interface LinkUse {
  peer: Address;
  /** Last frame in or out, or when the link opened. */
  lastUsed: number;
  /** A request or reply of either end is in flight on it. */
  busy: boolean;
}

/**
 * Links to close so that at most `budget` stay open: never a neighbour, a busy link or one used within `idleMs`;
 * other links before fingers, each the least recently used first. May return fewer than needed.
 */
export function linksToClose(
  links: readonly LinkUse[],
  opts: { budget: number; neighbours: ReadonlySet<Address>; fingers: ReadonlySet<Address>; now: number; idleMs: number },
): Address[] {
  const excess = links.length - opts.budget;
  if (excess <= 0) return [];
  const closable = links.filter((l) => !opts.neighbours.has(l.peer) && !l.busy && opts.now - l.lastUsed >= opts.idleMs);
  const rank = (l: LinkUse) => (opts.fingers.has(l.peer) ? 1 : 0);
  closable.sort((a, b) => rank(a) - rank(b) || a.lastUsed - b.lastUsed);
  return closable.slice(0, excess).map((l) => l.peer);
}
