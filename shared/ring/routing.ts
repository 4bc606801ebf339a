/**
 * A node's view of the ring: successor list, predecessor list and finger table. No I/O: the node feeds it
 * what it learns, and it answers routing questions. Peers that failed a request are suspected for a while
 * and left out of routing.
 */
import { HEARD_LIMIT } from '../constants';
import { between, betweenRightIncl, distance } from './id';
import type { Address, Clock, Role } from './types';

const REMEMBERED_LIMIT = 64;
const SUSPECT_AFTER_FAILURES = 2;

export class Routing {
  successors: Address[];
  predecessor: Address | null;
  /** predecessors[0] is the predecessor, then its predecessor, and so on. */
  predecessors: Address[] = [];
  /** True when the predecessor list went round the whole ring (fewer than r + 1 peers). */
  predecessorsWrapped = false;
  readonly fingers: (Address | null)[];
  private readonly suspects = new Map<Address, number>();
  /** Failed requests in a row, by peer. */
  private readonly failures = new Map<Address, number>();
  /** Peers we lost touch with or were told of: tried now and then, so rings split by a partition find each other again. */
  private readonly remembered = new Set<Address>();
  /** Peers that spoke to us or answered us, most recent last: ids we know exist, not just ids someone named. */
  private readonly heard = new Set<Address>();

  constructor(
    readonly self: Address,
    readonly selfKey: bigint,
    readonly m: number,
    readonly r: number,
    private readonly keyOf: (address: Address) => bigint,
    private readonly clock: Clock,
    private readonly suspicionMs: number,
  ) {
    this.successors = [self];
    this.predecessor = self;
    this.fingers = new Array<Address | null>(m).fill(null);
  }

  get successor(): Address {
    return this.successors[0] ?? this.self;
  }

  get alone(): boolean {
    return this.successor === this.self;
  }

  reset(): void {
    this.successors = [this.self];
    this.predecessor = this.self;
    this.predecessors = [];
    this.predecessorsWrapped = false;
    this.fingers.fill(null);
  }

  /**
   * A request to `peer` failed. One failure may be a lost message; the peer is suspected (left out of
   * routing for a while) after SUSPECT_AFTER_FAILURES in a row, or at once when the failure is `certain`
   * (the peer said it leaves, or its link or signaling socket closed).
   */
  suspect(peer: Address, certain = false): void {
    if (peer === this.self) return;
    const failures = (this.failures.get(peer) ?? 0) + 1;
    this.failures.set(peer, failures);
    if (!certain && failures < SUSPECT_AFTER_FAILURES) return;
    this.suspects.set(peer, this.clock.now() + this.suspicionMs);
    this.remember(peer);
    this.fingers.forEach((f, i) => {
      if (f === peer) this.fingers[i] = null;
    });
  }

  remember(peer: Address): void {
    if (peer === this.self) return;
    if (this.remembered.size >= REMEMBERED_LIMIT) this.remembered.delete(this.remembered.values().next().value!);
    this.remembered.add(peer);
  }

  /** A remembered peer to try, chosen by `random`, taken off the list (it is put back if it fails again). */
  takeRemembered(random: () => number): Address | undefined {
    const all = [...this.remembered];
    const peer = all[Math.floor(random() * all.length)];
    if (peer !== undefined) this.remembered.delete(peer);
    return peer;
  }

  /** A peer that speaks to us is alive, whatever we thought. */
  heardFrom(peer: Address): void {
    this.suspects.delete(peer);
    this.failures.delete(peer);
    this.heard.delete(peer);
    this.heard.add(peer);
    if (this.heard.size > HEARD_LIMIT) this.heard.delete(this.heard.values().next().value!);
  }

  /** Whether `peer` ever answered us or spoke to us (among the last HEARD_LIMIT that did). */
  hasHeard(peer: Address): boolean {
    return this.heard.has(peer);
  }

  isSuspected(peer: Address): boolean {
    const until = this.suspects.get(peer);
    if (until === undefined) return false;
    if (until > this.clock.now()) return true;
    this.suspects.delete(peer);
    return false;
  }

  /** The r - 1 successors that hold backups of what we own. */
  backupHolders(): Address[] {
    return this.successors.filter((a) => a !== this.self).slice(0, this.r - 1);
  }

  /** Successor list from a successor and that successor's own list: distinct, without us, at most r long. */
  setSuccessors(first: Address, rest: Address[]): void {
    this.successors = this.chain(first, rest).list;
    if (this.successors.length === 0) this.successors = [this.self];
  }

  setPredecessors(first: Address, rest: Address[]): void {
    const { list, wrapped } = this.chain(first, rest);
    this.predecessors = list;
    this.predecessorsWrapped = wrapped;
  }

  /** Distinct peers, at most r, stopping where the list comes back round to us (wrapped). */
  private chain(first: Address, rest: Address[]): { list: Address[]; wrapped: boolean } {
    const list: Address[] = [];
    for (const peer of [first, ...rest]) {
      if (peer === this.self) return { list, wrapped: true };
      if (!list.includes(peer)) list.push(peer);
      if (list.length === this.r) break;
    }
    return { list, wrapped: false };
  }

  /**
   * Peers we know that precede `key`, closest to it first: the next hop of a lookup and its fallbacks.
   * Empty when no peer we know lies between us and the key.
   */
  preceding(key: bigint, limit: number, exclude?: ReadonlySet<Address>): Address[] {
    const found: Array<[Address, bigint]> = [];
    const seen = new Set<Address>();
    for (const peer of [...this.successors, ...this.fingers]) {
      if (peer === null || seen.has(peer) || peer === this.self || exclude?.has(peer) || this.isSuspected(peer)) continue;
      seen.add(peer);
      const k = this.keyOf(peer);
      if (between(k, this.selfKey, key)) found.push([peer, k]);
    }
    // b before a when b lies between a and the key, i.e. closer to it.
    found.sort(([, a], [, b]) => (a === b ? 0 : between(b, a, key) ? 1 : -1));
    return found.slice(0, limit).map(([peer]) => peer);
  }

  /** The first live successor that follows `key`'s owner range locally: key in (self, successor]. */
  ownsNext(key: bigint): boolean {
    return betweenRightIncl(key, this.selfKey, this.keyOf(this.successor));
  }

  /**
   * The role in which this node should hold a key's file: 'file' (we own it) for (predecessor, self],
   * 'backup' for the r - 1 ranges before that (we back up their owners), 'none' beyond, 'unknown' while the
   * predecessor list is not filled in yet.
   */
  roleOf(key: bigint): Role | 'none' | 'unknown' {
    if (this.alone) return 'file';
    const pred = this.predecessor;
    if (pred === null || pred === this.self) return 'unknown';
    if (betweenRightIncl(key, this.keyOf(pred), this.selfKey)) return 'file';
    if (this.predecessorsWrapped) return 'backup';
    const far = this.predecessors[this.r - 1];
    if (far === undefined) return 'unknown';
    return betweenRightIncl(key, this.keyOf(far), this.selfKey) ? 'backup' : 'none';
  }

  /** Which of our predecessors owns `key`, for a key in the ranges we back up. */
  ownerBefore(key: bigint): Address | undefined {
    const preds = this.predecessors;
    for (let i = 0; i < preds.length; i++) {
      const lower = preds[i + 1] ?? (this.predecessorsWrapped ? this.self : undefined);
      if (lower === undefined) return undefined;
      if (betweenRightIncl(key, this.keyOf(lower), this.keyOf(preds[i]!))) return preds[i];
    }
    return undefined;
  }

  /**
   * `peers` nearest first going clockwise from us: the order in which they could be our successor. Our
   * predecessor comes last, since it is the farthest clockwise.
   */
  clockwise(peers: Iterable<Address>): Address[] {
    const from = (peer: Address) => distance(this.selfKey, this.keyOf(peer), this.m);
    return [...new Set(peers)]
      .filter((peer) => peer !== this.self)
      .map((peer): [Address, bigint] => [peer, from(peer)])
      .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([peer]) => peer);
  }

  /** Every distinct peer we know of. */
  known(): Address[] {
    const all = new Set<Address>([...this.successors, ...this.predecessors, ...this.fingers.filter((f): f is Address => f !== null)]);
    if (this.predecessor) all.add(this.predecessor);
    all.delete(this.self);
    return [...all];
  }
}
