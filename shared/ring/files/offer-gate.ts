/**
 * Which offers a node takes (../shared/repro/offer-flood.mts: any peer could make any other pull any file).
 * One of a file we own or back up is taken from anyone (it is what we should hold). One of a file we are no
 * replica of is taken only from a neighbour (a leaving peer's hand-off, a join that raced) or as a newer
 * version of a name we hold, within a byte budget per sender, and never for a version we just handed away.
 * Before a pull, the storage estimate (if the node has one) must leave room for the file.
 */
import { LET_GO_MEMORY_MS, OFFER_BUDGET_BYTES, OFFER_BUDGET_WINDOW_MS } from '../../constants';
import type { WireMeta } from '../../wire/file-meta';
import type { RingContext } from '../context';
import { RingError } from '../errors';
import { ByteBudget, OncePerBurst } from '../limits';
import type { Address } from '../types';
import type { LocalFiles } from './local-files';

/** Refusals of one sender are logged once per this quiet time. */
const LOG_QUIET_MS = 10_000;

export class OfferGate {
  private readonly budget: ByteBudget;
  private readonly logged: OncePerBurst;
  /** Versions we let go of (we are no replica), by root: when. */
  private readonly letGo = new Map<string, number>();

  constructor(
    private readonly ctx: RingContext,
    private readonly local: LocalFiles,
  ) {
    this.budget = new ByteBudget(ctx.clock, OFFER_BUDGET_BYTES, OFFER_BUDGET_WINDOW_MS);
    this.logged = new OncePerBurst(ctx.clock, LOG_QUIET_MS);
  }

  /** We dropped this version, being no replica of it. */
  droppedCopy(root: string): void {
    const now = this.ctx.clock.now();
    for (const [r, at] of this.letGo) if (at <= now - LET_GO_MEMORY_MS) this.letGo.delete(r);
    this.letGo.set(root, now);
  }

  /** Throws (a RingError, counted and logged) unless we take `wire` offered by `from`. */
  async check(from: Address, wire: WireMeta): Promise<void> {
    const { ctx, local } = this;
    if (local.holds(wire.name, wire.root)) return; // nothing to pull
    const role = ctx.routing.roleOf(ctx.keyOf(wire.name));
    if (role === 'none') {
      const since = this.letGo.get(wire.root);
      if (since !== undefined && since > ctx.clock.now() - LET_GO_MEMORY_MS) this.refuse(from, wire, 'not-responsible', 'we just handed it to its replicas');
      const { routing } = ctx;
      const neighbour = routing.predecessor === from || routing.predecessors.includes(from) || routing.successors.includes(from);
      if (!neighbour && !local.holding(wire.name)) this.refuse(from, wire, 'not-responsible', 'we are no replica of it and the sender is no neighbour');
      if (!this.budget.spend(from, wire.size)) this.refuse(from, wire, 'rate-limited', `the sender is over its ${OFFER_BUDGET_BYTES} bytes of offers`);
    }
    const estimate = await ctx.storageEstimate?.().catch(() => undefined);
    if (estimate && estimate.usage + wire.size > estimate.quota) this.refuse(from, wire, 'quota-exceeded', `${estimate.usage} of ${estimate.quota} bytes are used`);
  }

  private refuse(from: Address, wire: WireMeta, code: 'not-responsible' | 'rate-limited' | 'quota-exceeded', why: string): never {
    const { ctx } = this;
    ctx.stats.refusedOffers++;
    if (this.logged.first(from)) ctx.log.warn('offer-refused', { from, name: wire.name, code });
    throw new RingError(code, `${ctx.address} refuses ${wire.name}: ${why}`);
  }
}
