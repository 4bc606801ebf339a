/**
 * Keeps a transport within its connection budget: with a LinkPolicy set, links over the budget are closed
 * least useful first (connection-budget.ts), checked every TRIM_MS and whenever a link opens or is about to.
 * Such a close is agreed with a `bye` request first, so neither end reports it as the other peer failing.
 */
import { errorCode, errorMessage } from '../../shared/ring/errors';
import { every } from '../../shared/ring/timers';
import type { Address, Clock, Logger } from '../../shared/ring/types';
import { BYE_TYPE } from '../../shared/wire/overlay';
import { LINK_IDLE_MS, linksToClose, type LinkPolicy } from './connection-budget';
import type { Link } from './link';
import { TransportError } from './transport-error';

/** How often the open links are checked against the budget (also whenever a link opens). */
export const TRIM_MS = 1000;
/** A `bye` not answered in this long is taken as a refusal: the link stays. */
export const BYE_TIMEOUT_MS = 1000;
/** A link let go for the budget is closed at the latest this long after, whatever is still in flight. */
export const RETIRE_GRACE_MS = 10_000;
/** A peer that refused to let a link close is not asked again for this long. */
export const BYE_RETRY_MS = 10_000;
/** The trim period is exact: `every` jitters by ±10% of random() - 0.5, and this gives none. */
const NO_JITTER = () => 0.5;

/** What the trimmer needs of the transport. */
export interface TrimmerHost {
  readonly address: Address;
  readonly clock: Clock;
  readonly log: Logger;
  /** The transport's open links, in use (not those already let go). */
  openLinks(): Link[];
  /** `link` is the transport's link to its peer. */
  isCurrent(link: Link): boolean;
  /** Takes `link` out of the transport's use, so its close is no news of the peer. */
  release(link: Link): void;
}

export class LinkTrimmer {
  /** Links with a `bye` on its way: not counted against the budget, not asked again. */
  private readonly closing = new Set<Link>();
  /** Links let go for the budget, closing once idle: released, so their close is no news of the peer. */
  private readonly draining = new Set<Link>();
  private readonly byeRefusedAt = new WeakMap<Link, number>();
  private policy: LinkPolicy | undefined;
  private closedCount = 0;
  private readonly stop: () => void;

  constructor(private readonly host: TrimmerHost) {
    this.stop = every(host.clock, TRIM_MS, NO_JITTER, async () => this.trim());
  }

  setPolicy(policy: LinkPolicy): void {
    this.policy = policy;
  }

  /** Most open links wanted now; null without a link policy. */
  budget(): number | null {
    return this.policy?.budget() ?? null;
  }

  /** Our node is in a ring (false without a policy). */
  inRing(): boolean {
    return this.policy?.inRing() === true;
  }

  /** Links closed (by agreement) to stay within the budget, by us or by the far end. */
  get closed(): number {
    return this.closedCount;
  }

  /** `link` counts as a connection: no `bye` of ours is on its way on it. */
  counts(link: Link): boolean {
    return !this.closing.has(link);
  }

  /** Closes the least useful links until at most the budget (less `room` for a link about to open) stay open. */
  trim(room = 0): void {
    const policy = this.policy;
    if (!policy) return;
    const now = this.host.clock.now();
    const open = this.host.openLinks().filter((link) => !this.closing.has(link));
    const budget = policy.budget() - room;
    if (open.length <= budget) return;
    const askable = open.filter((link) => now - (this.byeRefusedAt.get(link) ?? -Infinity) >= BYE_RETRY_MS);
    const victims = linksToClose(
      askable.map((link) => ({ peer: link.peer, lastUsed: link.lastUsed, busy: link.busy })),
      { budget: budget - (open.length - askable.length), neighbours: policy.neighbours(), fingers: policy.fingers(), now, idleMs: LINK_IDLE_MS },
    );
    const byPeer = new Map(askable.map((link) => [link.peer, link]));
    for (const peer of victims) this.closeForBudget(byPeer.get(peer)!);
  }

  /** The peer closes `link` for its budget. It stays ours if it is the only link we have (our only way into the overlay). */
  onBye(link: Link, id: number): void {
    const current = this.host.isCurrent(link);
    if (current && this.host.openLinks().length <= 1) {
      link.replyError(id, { code: 'last-link', message: `${link.peer} is the only peer ${this.host.address} is linked to` });
      return;
    }
    link.reply(id, { body: { type: 'ok' } });
    if (!current) return;
    this.closedCount++;
    this.letGo(link, `${link.peer} closed an idle link to stay within its connection budget`, false);
  }

  /** `link` has closed; true if that was agreed on (our `bye` on its way), so it is no news of the peer. */
  linkClosed(link: Link): boolean {
    const agreed = this.closing.delete(link);
    this.draining.delete(link);
    return agreed;
  }

  /** Stops trimming; returns the links still closing, for the transport to end. */
  close(): Link[] {
    this.stop();
    const left = [...this.draining];
    this.draining.clear();
    return left;
  }

  /** Asks the peer to let the link go; only once it agrees is the link out of our count and closed when idle. */
  private closeForBudget(link: Link): void {
    this.closing.add(link);
    link.request({ body: { type: BYE_TYPE } }, { timeoutMs: BYE_TIMEOUT_MS }).then(
      () => {
        this.closing.delete(link);
        this.closedCount++;
        this.host.log.debug('link-budget-close', { peer: link.peer });
        this.letGo(link, `${this.host.address} closed an idle link to ${link.peer} to stay within its connection budget`, true);
      },
      (err: unknown) => {
        this.closing.delete(link);
        this.byeRefusedAt.set(link, this.host.clock.now());
        this.host.log.debug('link-budget-kept', { peer: link.peer, code: errorCode(err), reason: errorMessage(err) });
      },
    );
  }

  /**
   * Takes an agreed-on link out of use. The end that asked closes it once nothing is in flight; the other end
   * leaves that to it (closing as soon as its own side is idle could cut off the far end's last answers).
   */
  private letGo(link: Link, why: string, asked: boolean): void {
    if (link.state === 'closed') return;
    this.host.release(link);
    this.draining.add(link);
    const reason = new TransportError('closed', why);
    if (asked) link.closeWhenIdle(reason, RETIRE_GRACE_MS);
    else link.closeAfter(reason, RETIRE_GRACE_MS);
  }
}
