/** What a transport counts, for the page, tests and the bench; and the counting of what it throws away. */
import type { Logger } from '../../shared/ring/types';
import type { SignalPathCounts } from './signal-paths';

export interface TransportStats extends SignalPathCounts {
  /** Open data channels. */
  links: number;
  /** Connections ever started by this transport: Chromium refuses new ones after about 500 in a page's lifetime. */
  linksCreated: number;
  /** Frames received that decoded. */
  framesIn: number;
  framesOut: number;
  /** Frames and signals thrown away, by reason. */
  dropped: Record<string, number>;
  /** Most open links wanted now; null without a link policy. */
  budget: number | null;
  /** Links closed (by agreement) to stay within the budget, by us or by the far end. */
  budgetClosed: number;
}

/**
 * Reasons for a drop that happen in normal operation: a reply after its timeout, a candidate after a close, and a
 * relayed signal for a peer that has just left the ring (it wanders until it comes back or runs out of hops).
 */
const ROUTINE_DROPS = new Set(['late-reply', 'stale-signal', 'relay-failed', 'relay-loop', 'relay-hops', 'no-route']);

/** Frames and signals thrown away, counted by reason and logged. */
export class Drops {
  private readonly byReason: Record<string, number> = {};

  constructor(private readonly log: Logger) {}

  count(reason: string, detail?: Record<string, unknown>): void {
    const count = (this.byReason[reason] ?? 0) + 1;
    this.byReason[reason] = count;
    // A flood of bad input must not become a flood of log lines: warnings thin out as 1, 2, 4, 8, ... of each reason.
    if (ROUTINE_DROPS.has(reason) || (count & (count - 1)) !== 0) this.log.debug('dropped', { reason, count, ...detail });
    else this.log.warn('dropped', { reason, count, ...detail });
  }

  snapshot(): Record<string, number> {
    return { ...this.byReason };
  }
}
