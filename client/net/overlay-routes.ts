/**
 * Where a relayed signal goes next, from the open links alone (no I/O). In order:
 *
 * 1. the target itself, when it is a direct link;
 * 2. back the way the target's own last signal came (a newcomer is not in the ring yet, so greedy routing
 *    cannot find it, but every answer to it retraces the path its request took);
 * 3. greedy: the link whose key most closely precedes (or equals) the target's key, if that is closer than us;
 * 4. else the link that most closely follows the target's key: we are the closest preceding peer we can reach,
 *    so the target is our successor's business (a peer that has just joined told its successor first).
 *
 * The link a signal arrived on is never its next hop; MAX_OVERLAY_HOPS ends any loop.
 */
import { DEFAULT_M } from '../../shared/constants';
import { distance, hashKey } from '../../shared/ring/id';
import type { Address } from '../../shared/ring/types';

/** How long the way back to a signal's origin is remembered: longer than a connection takes to set up. */
export const REVERSE_ROUTE_MS = 30_000;
/** Origins remembered at once; the oldest are forgotten first. */
export const MAX_REVERSE_ROUTES = 512;
const MAX_CACHED_KEYS = 4096;

export class OverlayRoutes {
  private readonly reverse = new Map<Address, { via: Address; until: number }>();
  private readonly keys = new Map<Address, bigint>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly m = DEFAULT_M,
  ) {}

  keyOf(address: Address): bigint {
    let key = this.keys.get(address);
    if (key === undefined) {
      if (this.keys.size >= MAX_CACHED_KEYS) this.keys.clear();
      key = hashKey(address, this.m);
      this.keys.set(address, key);
    }
    return key;
  }

  /** A signal from `origin` arrived over the link to `via`. */
  learn(origin: Address, via: Address): void {
    this.reverse.delete(origin); // re-inserted last: the map stays in order of use
    if (this.reverse.size >= MAX_REVERSE_ROUTES) this.reverse.delete(this.reverse.keys().next().value!);
    this.reverse.set(origin, { via, until: this.now() + REVERSE_ROUTE_MS });
  }

  /** The open link to pass a signal for `target` to, or undefined when there is none but `arrivedFrom`. */
  next(self: Address, target: Address, open: readonly Address[], arrivedFrom?: Address): Address | undefined {
    if (open.includes(target)) return target;
    const candidates = open.filter((peer) => peer !== arrivedFrom && peer !== self);
    const back = this.reverse.get(target);
    if (back && back.until > this.now() && candidates.includes(back.via)) return back.via;
    if (back && back.until <= this.now()) this.reverse.delete(target);
    const targetKey = this.keyOf(target);
    let best: Address | undefined;
    let bestGap = distance(this.keyOf(self), targetKey, this.m);
    for (const peer of candidates) {
      const gap = distance(this.keyOf(peer), targetKey, this.m);
      if (gap < bestGap) {
        best = peer;
        bestGap = gap;
      }
    }
    if (best !== undefined) return best;
    let after: bigint | undefined;
    for (const peer of candidates) {
      const gap = distance(targetKey, this.keyOf(peer), this.m);
      if (after === undefined || gap < after) {
        best = peer;
        after = gap;
      }
    }
    return best;
  }
}
