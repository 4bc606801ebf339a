/** Finding the owner of a key: iteratively from here, or in one request through a peer that has links. */
import { MAX_LOOKUP_HOPS, NEW_HOPS_PER_REPLY } from '../constants';
import type { ReplyTo } from '../wire/peer';
import type { RingContext } from './context';
import { RingError, errorCode, errorMessage } from './errors';
import { betweenRightIncl } from './id';
import type { Handlers } from './inbound';
import type { Rpc } from './rpc';
import type { Address } from './types';

export interface LookupResult {
  owner: Address;
  /** The owner followed by its successors: where the file's replicas live. */
  replicas: Address[];
  hops: number;
}

/** Peers besides the next hop that a lookup reply names, to fall back on if the next hop fails. */
const LOOKUP_FALLBACKS = 3;

export class Lookup {
  constructor(
    private readonly ctx: RingContext,
    private readonly rpc: Rpc,
  ) {}

  /** What this node answers to 'find': the key's replicas if it can tell, else the next hop and fallbacks. */
  step(key: bigint, exclude?: ReadonlySet<Address>): ReplyTo<'find'> {
    const owned = this.replicasHere(key);
    if (owned) return { type: 'found', successors: owned };
    const [next, ...also] = this.ctx.routing.preceding(key, 1 + LOOKUP_FALLBACKS, exclude);
    return next === undefined ? { type: 'found', successors: this.ctx.routing.successors } : { type: 'next', next, also };
  }

  /** The replicas of `key` when our own pointers say who they are: it is ours, or our successor's. */
  private replicasHere(key: bigint): Address[] | undefined {
    const { address, config, routing } = this.ctx;
    const pred = routing.predecessor;
    if (pred && pred !== address && betweenRightIncl(key, this.ctx.keyOf(pred), this.ctx.key)) {
      return [address, ...routing.successors].slice(0, config.r);
    }
    return routing.ownsNext(key) ? routing.successors : undefined;
  }

  /**
   * Finds the owner of `key` iteratively, starting at `start`. Each hop names the next peer and a few
   * fallbacks; a peer that fails is skipped for the best fallback not yet tried.
   */
  async run(key: bigint, start: Address = this.ctx.address, signal?: AbortSignal): Promise<LookupResult> {
    const avoid = new Set<Address>();
    const failed = new Map<Address, number>();
    let candidates = [start];
    let hops = 0;
    let lastError: unknown = 'no peer left to ask';
    let aroundSuccessors = false;
    while (hops <= MAX_LOOKUP_HOPS) {
      const current = candidates.find((c) => !avoid.has(c));
      if (current === undefined) break;
      if (current === this.ctx.address) {
        const owned = this.replicasHere(key);
        if (owned) return { owner: owned[0]!, replicas: owned, hops };
        // Our successors are no answer for a key past them (a get would read "no such file" from the wrong
        // peers: two of 2,460 reads in a churn run did), so we ask on.
        const [next, ...also] = this.ctx.routing.preceding(key, 1 + LOOKUP_FALLBACKS, avoid);
        // Ourselves last: if they all fail, we look again with what they taught us.
        if (next !== undefined) candidates = [next, ...also, this.ctx.address];
        else if (!aroundSuccessors) {
          // Every peer before the key failed: the one after it, further down our successor list, knows its
          // owner (a CI churn run failed 4 reads whose only hop, the reader's successor, went silent for seconds).
          aroundSuccessors = true;
          candidates = this.ctx.routing.successors.filter((s) => s !== this.ctx.address && !avoid.has(s));
        } else break;
        continue;
      }
      hops++;
      let reply: ReplyTo<'find'>;
      try {
        // A peer we never heard from that fails is not suspected, so not remembered: a made-up id named in a
        // reply would otherwise be dialled by reunite for ever (../shared/repro/fake-next-hops.mts).
        ({ reply } = await this.rpc.request(current, { type: 'find', key: key.toString(16) }, { signal, suspect: this.ctx.routing.hasHeard(current) }));
      } catch (err) {
        if (errorCode(err) === 'aborted') throw err;
        lastError = err;
        // Asked twice in vain: a lost message is not that unlikely, two in a row are.
        const failures = (failed.get(current) ?? 0) + 1;
        failed.set(current, failures);
        if (failures >= 2 || this.ctx.routing.isSuspected(current)) avoid.add(current);
        continue;
      }
      if (reply.type === 'found') return { owner: reply.successors[0]!, replicas: reply.successors, hops };
      // A next hop of ourselves is not an answer: the key need not be between us and our successor, so our own table goes on.
      candidates = [...this.worthAsking([reply.next, ...reply.also]), ...candidates.filter((c) => c !== current)];
    }
    throw new RingError('lookup-failed', `lookup of ${key.toString(16)} failed: ${errorMessage(lastError)}`);
  }

  /**
   * Of the peers a reply names, those we have heard from, and at most NEW_HOPS_PER_REPLY others (closest
   * first): a reply naming made-up ids must not make us contact each one (../shared/repro/fake-next-hops.mts:
   * in a tab each is a new RTCPeerConnection).
   */
  private worthAsking(named: Address[]): Address[] {
    const { routing, address, stats } = this.ctx;
    let fresh = 0;
    const kept = named.filter((a) => a === address || routing.hasHeard(a) || fresh++ < NEW_HOPS_PER_REPLY);
    stats.skippedHops += named.length - kept.length;
    return kept;
  }

  /**
   * A key's replicas, found by `bootstrap` over its links: a newcomer has no links yet, and an iterative
   * lookup would open a connection to every hop. If the bootstrap cannot, we walk the ring ourselves.
   */
  async through(bootstrap: Address, key: bigint): Promise<LookupResult> {
    try {
      const { reply } = await this.rpc.request(bootstrap, { type: 'lookup', key: key.toString(16) }, { timeoutMs: this.ctx.config.rpcTimeoutMs * 3 });
      if (reply.successors.length > 0) return { owner: reply.successors[0]!, replicas: reply.successors, hops: 1 };
    } catch (err) {
      if (errorCode(err) === 'aborted') throw err;
      this.ctx.log.debug('remote-lookup-failed', { bootstrap, reason: errorMessage(err) });
    }
    return this.run(key, bootstrap);
  }

  handlers(): Pick<Handlers, 'find' | 'lookup'> {
    return {
      find: (_from, req) => ({ body: this.step(BigInt('0x' + req.key)) }),
      lookup: async (_from, req) => ({ body: { type: 'found', successors: (await this.run(BigInt('0x' + req.key))).replicas } }),
    };
  }
}
